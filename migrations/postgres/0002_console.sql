-- The support console: the attention queue's projection and indexes for the staff job list and intakes
-- (the same as migrations/sqlite/0002_console.sql).

-- The earliest instant at which the job needs a person (lifecycle::attention::attention_from), or NULL when it
-- never will in its current state. The queue reads only rows whose attention_from has passed.
ALTER TABLE jobs ADD COLUMN attention_from BIGINT;
-- The revision of the attention rules attention_from was computed with; rows below the current revision are
-- recomputed at start-up (also fills the column for jobs that existed before this migration).
ALTER TABLE jobs ADD COLUMN attention_rev BIGINT NOT NULL DEFAULT 0;
CREATE INDEX jobs_attention ON jobs (deleted, attention_from) WHERE attention_from IS NOT NULL;
CREATE INDEX jobs_attention_rev ON jobs (attention_rev);
-- Staff list filtered by data center.
CREATE INDEX jobs_by_location ON jobs (deleted, location, created_at, id);
-- Unmatched intakes of a job (its timeline page).
CREATE INDEX intakes_job ON intakes (job_id, created_at);
