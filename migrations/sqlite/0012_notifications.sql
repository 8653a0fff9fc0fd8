-- Notifications (issue 18): verified email, one-time account links, notification preferences, webhooks, and
-- the delivery log that the dispatcher works through.

-- Accounts that exist when this ships (demo accounts among them) count as verified.
ALTER TABLE accounts ADD COLUMN email_verified_at INTEGER;
UPDATE accounts SET email_verified_at = created_at;
-- The topics (lifecycle::notify::Topic) the person turned off or on against their defaults: a JSON object
-- of topic name to bool.
ALTER TABLE accounts ADD COLUMN notification_prefs TEXT NOT NULL DEFAULT '{}';

-- Email verification and password reset links: single use, expiring, only their SHA-256 kept.
CREATE TABLE account_links (
    token_hash TEXT PRIMARY KEY,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    purpose TEXT NOT NULL CHECK (purpose IN ('verify', 'reset')),
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at INTEGER
);
CREATE INDEX account_links_account ON account_links (account_id, purpose);

-- A customer's webhook endpoints. The secret signs every delivery, so it is kept (not hashed); during a
-- rotation the previous one signs too until `previous_until`.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    account_id INTEGER NOT NULL REFERENCES accounts (id),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_until INTEGER,
    created_at INTEGER NOT NULL,
    disabled_at INTEGER
);
CREATE INDEX webhooks_account ON webhooks (account_id);

-- One message to deliver: an email (coalesced per account and job while `open_until` has not passed) or a
-- webhook event. `message_id` is the stable id receivers de-duplicate on (email Message-ID, webhook-id).
CREATE TABLE deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL,
    channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
    account_id INTEGER REFERENCES accounts (id),
    webhook_id INTEGER REFERENCES webhooks (id),
    recipient TEXT NOT NULL,
    job_id INTEGER,
    topic TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    created_at INTEGER NOT NULL,
    open_until INTEGER,
    next_at INTEGER,
    last_at INTEGER,
    last_code INTEGER,
    last_error TEXT,
    delivered_at INTEGER
);
CREATE UNIQUE INDEX deliveries_message ON deliveries (message_id);
-- The dispatcher's due list.
CREATE INDEX deliveries_due ON deliveries (status, next_at);
-- A job's timeline, an endpoint's recent deliveries, an account's.
CREATE INDEX deliveries_job ON deliveries (job_id, id);
CREATE INDEX deliveries_webhook ON deliveries (webhook_id, id);
CREATE INDEX deliveries_account ON deliveries (account_id, job_id, status);

-- Every attempt, for the timeline and the audit log.
CREATE TABLE delivery_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES deliveries (id),
    at INTEGER NOT NULL,
    ok INTEGER NOT NULL,
    code INTEGER,
    error TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, id);
