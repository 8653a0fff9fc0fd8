-- The credentials epoch: a counter that every change able to end or alter a credential bumps in its own
-- transaction, whoever writes (this server, `portal admin` in another process, another instance). Servers
-- keep resolved tokens and sessions in memory and empty that cache when the epoch moves (see
-- src/server/store/credentials.rs). Creating a session or a token changes nothing cached, and neither do a
-- recorded token use, an extended session or a flash message.
CREATE TABLE credentials_epoch (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    epoch INTEGER NOT NULL
);
INSERT INTO credentials_epoch (id, epoch) VALUES (1, 0);

CREATE TRIGGER credentials_session_ended AFTER DELETE ON sessions
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER credentials_session_moved AFTER UPDATE OF id_hash, account_id ON sessions
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;

CREATE TRIGGER credentials_token_changed AFTER UPDATE OF token_hash, account_id, name, revoked_at ON api_tokens
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER credentials_token_deleted AFTER DELETE ON api_tokens
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;

CREATE TRIGGER credentials_account_changed AFTER UPDATE OF email, display_name, role, password_hash ON accounts
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER credentials_account_deleted AFTER DELETE ON accounts
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;

CREATE TRIGGER credentials_subscription_added AFTER INSERT ON subscriptions
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER credentials_subscription_changed AFTER UPDATE OF id, account_id ON subscriptions
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;
CREATE TRIGGER credentials_subscription_removed AFTER DELETE ON subscriptions
BEGIN UPDATE credentials_epoch SET epoch = epoch + 1 WHERE id = 1; END;
