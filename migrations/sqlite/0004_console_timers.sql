-- The support console, second part: the timer settings the stored due times were computed with, due rows read
-- page by page, the staff list's type filter, and the customer's notices of jobs the timers deleted.

-- Facts about the stored data itself, by key. `timer-settings`: the fingerprint of the timer durations that
-- jobs.next_timer_at and jobs.attention_from were computed with; when the server starts with other durations,
-- both are recomputed from the snapshots.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- The sweep pages through due rows by (next_timer_at, id), so rows that cannot fire never hide the ones after
-- them.
DROP INDEX jobs_due;
CREATE INDEX jobs_due ON jobs (next_timer_at, id) WHERE next_timer_at IS NOT NULL;
DROP INDEX intakes_due;
CREATE INDEX intakes_due ON intakes (next_timer_at, id) WHERE next_timer_at IS NOT NULL;

-- Staff list filtered by job type.
CREATE INDEX jobs_by_type ON jobs (deleted, job_type, created_at, id);

-- Until when the customer's job list tells them that this job was deleted automatically
-- (lifecycle::attention::removal_notice_until), or NULL. Written with the snapshot, like attention_from.
ALTER TABLE jobs ADD COLUMN removal_notice_until INTEGER;
CREATE INDEX jobs_removal_notices ON jobs (subscription_id, removal_notice_until)
    WHERE removal_notice_until IS NOT NULL;
