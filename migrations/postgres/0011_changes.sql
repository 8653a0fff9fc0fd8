-- The durable change path (issue 16): every committed change of a job or an intake writes one row here in
-- the same transaction as its events, and one queue row per consumer that must react to it. A consumer
-- deletes its queue row once it has reacted, so a crash between the commit and the reaction leaves the row
-- behind and the reaction happens after the restart (at least once; each consumer is idempotent). Queue rows
-- rather than a cursor: on PostgreSQL ids are not committed in order, so a cursor could skip a change.
CREATE TABLE changes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id BIGINT,
    subscription_id TEXT,
    job_version BIGINT,
    state_before TEXT,
    state TEXT,
    intake_id BIGINT,
    intake_version BIGINT,
    -- The kinds of the change's events, as a JSON list (what notifications say happened).
    event_kinds TEXT NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT,
    recorded_at BIGINT NOT NULL
);
CREATE INDEX changes_job ON changes (job_id, id);

CREATE TABLE change_queue (
    consumer TEXT NOT NULL,
    change_id BIGINT NOT NULL REFERENCES changes (id),
    -- Wall-clock milliseconds: the acting request reacts at once, so the background consumer leaves fresh
    -- rows to it for a moment instead of reacting twice.
    queued_at BIGINT NOT NULL,
    PRIMARY KEY (consumer, change_id)
);
