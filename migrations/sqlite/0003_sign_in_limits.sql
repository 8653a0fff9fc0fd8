-- Sign-in attempt limits, shared by every instance on the database. One row per bucket: an account
-- ('account:<email>') or a client address ('address:<ip>'). `attempts` counts the failed sign-ins of the window
-- that began at `window_start`, plus attempts still checking their password (each attempt takes its place
-- before the slow hash, in the same statement that checks the limit, so parallel attempts cannot overrun it).
CREATE TABLE sign_in_limits (
    bucket TEXT PRIMARY KEY,
    window_start INTEGER NOT NULL,
    attempts INTEGER NOT NULL
);
-- Pruning windows that have passed.
CREATE INDEX sign_in_limits_window ON sign_in_limits (window_start);
