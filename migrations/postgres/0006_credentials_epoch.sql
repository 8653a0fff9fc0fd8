-- The credentials epoch (the same as migrations/sqlite/0007_credentials_epoch.sql): a counter that every
-- change able to end or alter a credential bumps in its own transaction, whichever instance or process
-- writes. Row triggers, so that a statement changing nothing (the sweep's delete of expired sessions when
-- none are) leaves the epoch alone.
CREATE TABLE credentials_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch BIGINT NOT NULL
);
INSERT INTO credentials_epoch (id, epoch) VALUES (1, 0);

CREATE FUNCTION credentials_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1;
    RETURN NULL;
END
$$;

CREATE TRIGGER credentials_session_ended AFTER DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();
CREATE TRIGGER credentials_session_moved AFTER UPDATE OF id_hash, account_id ON sessions
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();

CREATE TRIGGER credentials_token_changed AFTER UPDATE OF token_hash, account_id, name, revoked_at ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();
CREATE TRIGGER credentials_token_deleted AFTER DELETE ON api_tokens
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();

CREATE TRIGGER credentials_account_changed AFTER UPDATE OF email, display_name, role, password_hash ON accounts
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();
CREATE TRIGGER credentials_account_deleted AFTER DELETE ON accounts
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();

CREATE TRIGGER credentials_subscription_added AFTER INSERT ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();
CREATE TRIGGER credentials_subscription_changed AFTER UPDATE OF id, account_id ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();
CREATE TRIGGER credentials_subscription_removed AFTER DELETE ON subscriptions
    FOR EACH ROW EXECUTE FUNCTION credentials_changed();
