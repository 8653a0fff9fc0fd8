-- Security hardening (issue 15).
--
-- One-time messages for a browser's next page, kept on the server: the error and what was typed of a form
-- refused without JavaScript (so nothing typed travels in a URL), a success notice, or a new API token
-- (encrypted with a one-time pad that only the browser's cookie holds). The browser's `portal_flash` cookie
-- holds a random key, this table its SHA-256. `session_hash` binds the message to the session it was made
-- for (NULL: made for a visitor who is not signed in); a message is read once, within minutes.
CREATE TABLE flashes (
    key_hash TEXT PRIMARY KEY,
    session_hash TEXT,
    kind TEXT NOT NULL,
    form TEXT NOT NULL,
    payload TEXT NOT NULL,
    expires_at INTEGER NOT NULL
);
-- Pruning messages nobody came back for.
CREATE INDEX flashes_expiry ON flashes (expires_at);

-- New API tokens used to wait here in plain text for the next Account page: none may stay.
UPDATE sessions SET flash = NULL WHERE flash IS NOT NULL;

-- Sign-in limits per account back off instead of locking: the earliest time the bucket's next attempt is
-- let through (0: no wait besides the bucket's count).
ALTER TABLE sign_in_limits ADD COLUMN next_at INTEGER NOT NULL DEFAULT 0;
