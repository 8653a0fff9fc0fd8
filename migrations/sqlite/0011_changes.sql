-- The durable change path (issue 16): every committed change of a job or an intake writes one row here in
-- the same transaction as its events, and one queue row per consumer that must react to it. A consumer
-- deletes its queue row once it has reacted, so a crash between the commit and the reaction leaves the row
-- behind and the reaction happens after the restart (at least once; each consumer is idempotent). Queue rows
-- rather than a cursor: on PostgreSQL ids are not committed in order, so a cursor could skip a change.
CREATE TABLE changes (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id INTEGER,
    subscription_id TEXT,
    job_version INTEGER,
    state_before TEXT,
    state TEXT,
    intake_id INTEGER,
    intake_version INTEGER,
    -- The kinds of the change's events, as a JSON list (what notifications say happened).
    event_kinds TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id INTEGER,
    recorded_at INTEGER NOT NULL
);
CREATE INDEX changes_job ON changes (job_id, id);

CREATE TABLE change_queue (
    consumer TEXT NOT NULL,
    change_id INTEGER NOT NULL REFERENCES changes (id),
    -- Wall-clock milliseconds: the acting request reacts at once, so the background consumer leaves fresh
    -- rows to it for a moment instead of reacting twice.
    queued_at INTEGER NOT NULL,
    PRIMARY KEY (consumer, change_id)
);
