-- The portal's schema for PostgreSQL: the SQLite schema with PostgreSQL's identity and integer types.
-- Portable on purpose (integers, text; times are Unix milliseconds) so that the
-- PostgreSQL migrations differ only where SQL must.

-- People who sign in: customers and support staff.
CREATE TABLE accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL,                 -- stored lowercase: unique case-insensitively
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('customer', 'staff')),
    password_hash TEXT NOT NULL,         -- Argon2id PHC string
    created_at BIGINT NOT NULL,
    password_changed_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX accounts_email ON accounts (email);

-- A customer owns subscriptions; jobs live in resource groups inside them, as in Azure.
CREATE TABLE subscriptions (
    id TEXT PRIMARY KEY,                 -- a GUID
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    display_name TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX subscriptions_account ON subscriptions (account_id);

-- Server-side browser sessions; the cookie holds a random id, the table only its SHA-256.
CREATE TABLE sessions (
    id_hash TEXT PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    csrf_token TEXT NOT NULL,
    flash TEXT,                          -- a one-time message for the next page (e.g. a new API token)
    created_at BIGINT NOT NULL,
    last_seen_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_account ON sessions (account_id);
CREATE INDEX sessions_expiry ON sessions (expires_at);

-- Bearer tokens for programs; shown once, stored as SHA-256.
CREATE TABLE api_tokens (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    account_id BIGINT NOT NULL REFERENCES accounts (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL,
    prefix TEXT NOT NULL,                -- first characters, to recognise a token in lists
    created_at BIGINT NOT NULL,
    last_used_at BIGINT,
    revoked_at BIGINT
);
CREATE UNIQUE INDEX api_tokens_hash ON api_tokens (token_hash);
CREATE INDEX api_tokens_account ON api_tokens (account_id, created_at);

-- Security-relevant facts: sign-ins, failures, tokens, staff actions.
CREATE TABLE audit_log (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at BIGINT NOT NULL,
    account_id BIGINT,
    actor_label TEXT NOT NULL,
    action TEXT NOT NULL,
    detail TEXT NOT NULL,
    remote_addr TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_account ON audit_log (account_id, at);
CREATE INDEX audit_log_action ON audit_log (action, id);

-- Data centers that receive packages; `body` is the lifecycle::Location as JSON.
CREATE TABLE locations (
    name TEXT PRIMARY KEY,
    position BIGINT NOT NULL,
    body TEXT NOT NULL
);

-- Job snapshots: `snapshot` is the lifecycle::Job as JSON, always equal to the replay of the job's events.
-- The other columns are projections of it, for listing, searching and the timer sweep.
CREATE TABLE jobs (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    subscription_id TEXT NOT NULL,
    resource_group TEXT NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    job_type TEXT NOT NULL,
    location TEXT NOT NULL,
    state TEXT NOT NULL,
    cancel_requested BIGINT NOT NULL,
    percent_complete BIGINT NOT NULL,
    tracking_number TEXT,                -- the delivery package's
    return_tracking_number TEXT,         -- the return package's
    deleted BIGINT NOT NULL DEFAULT 0,  -- 0 live, 1 deleted (history kept)
    next_timer_at BIGINT,               -- the one deadline this job waits for, if any
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    created_by TEXT NOT NULL,
    created_by_type TEXT NOT NULL,
    last_modified_by TEXT NOT NULL,
    last_modified_by_type TEXT NOT NULL,
    snapshot TEXT NOT NULL
);
-- A name is unique among the live jobs of a resource group; deleted jobs keep theirs in history.
CREATE UNIQUE INDEX jobs_live_name ON jobs (subscription_id, resource_group, name) WHERE deleted = 0;
-- Customer lists: newest first, optionally by state, keyset-paginated on (created_at, id).
CREATE INDEX jobs_by_subscription ON jobs (subscription_id, deleted, created_at, id);
CREATE INDEX jobs_by_subscription_state ON jobs (subscription_id, deleted, state, created_at, id);
CREATE INDEX jobs_by_group ON jobs (subscription_id, resource_group, deleted, created_at, id);
-- Staff lists and searches across every customer.
CREATE INDEX jobs_by_created ON jobs (deleted, created_at, id);
CREATE INDEX jobs_by_state ON jobs (deleted, state, created_at, id);
CREATE INDEX jobs_by_name ON jobs (name);
CREATE INDEX jobs_by_tracking ON jobs (tracking_number);
CREATE INDEX jobs_by_return_tracking ON jobs (return_tracking_number);
-- The timer sweep reads only due rows.
CREATE INDEX jobs_due ON jobs (next_timer_at) WHERE next_timer_at IS NOT NULL;

-- Drives of each job (projection of the snapshot), for search by serial and drive lists.
CREATE TABLE drives (
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    drive_id TEXT NOT NULL,
    state TEXT NOT NULL,
    percent_complete BIGINT NOT NULL,
    PRIMARY KEY (job_id, drive_id)
);
CREATE INDEX drives_by_serial ON drives (drive_id);

-- The append-only event log. (job_id, seq) is unique: two commands racing on one job cannot both append
-- the same next event, so only one of them wins.
CREATE TABLE events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id BIGINT NOT NULL REFERENCES jobs (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,                 -- business time (for timers: the deadline that fired)
    recorded_at BIGINT NOT NULL,        -- when it was written
    kind TEXT NOT NULL,
    actor_type TEXT NOT NULL,            -- customer, staff, api, timer, system
    actor_id BIGINT,
    actor_label TEXT NOT NULL,
    state_before TEXT,
    state_after TEXT NOT NULL,
    drive_id TEXT,
    body TEXT NOT NULL                   -- the lifecycle::Event as JSON
);
CREATE UNIQUE INDEX events_job_seq ON events (job_id, seq);

-- Packages that arrived for a job that is not Shipping, or for no known job.
CREATE TABLE intakes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id BIGINT REFERENCES jobs (id),
    status TEXT NOT NULL,
    tracking_number TEXT NOT NULL,
    next_timer_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    version BIGINT NOT NULL,
    snapshot TEXT NOT NULL
);
CREATE INDEX intakes_open ON intakes (status, created_at);
CREATE INDEX intakes_due ON intakes (next_timer_at) WHERE next_timer_at IS NOT NULL;
CREATE INDEX intakes_tracking ON intakes (tracking_number);

CREATE TABLE intake_events (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    intake_id BIGINT NOT NULL REFERENCES intakes (id),
    seq BIGINT NOT NULL,
    at BIGINT NOT NULL,
    recorded_at BIGINT NOT NULL,
    kind TEXT NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id BIGINT,
    actor_label TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE UNIQUE INDEX intake_events_seq ON intake_events (intake_id, seq);
