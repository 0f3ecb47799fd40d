-- Registrations from every channel, their callback-queue entries, the
-- jobseekers' private status links, and the public form's rate counters.
-- Times are UTC, RFC 3339 with microseconds, so text order is time order.
-- Yes/no columns are INTEGER 0/1 here (BOOLEAN in PostgreSQL).

CREATE TABLE registrations (
    id                TEXT PRIMARY KEY,
    reference         TEXT NOT NULL UNIQUE,
    form_id           TEXT NOT NULL,
    form_version      BIGINT NOT NULL,
    channel           TEXT NOT NULL CHECK (channel IN ('web', 'paper')),
    office            TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    status            TEXT NOT NULL,
    identity_verified INTEGER NOT NULL DEFAULT 0 CHECK (identity_verified IN (0, 1)),
    hetu              TEXT,
    phone             TEXT,
    fields            TEXT NOT NULL,
    provenance        TEXT NOT NULL,
    -- The web form's one-time token: a second submit of the same form finds
    -- the first registration instead of making another.
    submission_key    TEXT UNIQUE,
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);
CREATE INDEX registrations_hetu ON registrations (hetu);
CREATE INDEX registrations_phone ON registrations (phone);
CREATE INDEX registrations_received_at ON registrations (received_at);

CREATE TABLE callbacks (
    registration_id TEXT PRIMARY KEY REFERENCES registrations (id),
    due_on          TEXT NOT NULL,
    attempts        BIGINT NOT NULL DEFAULT 0,
    lease_holder    TEXT,
    lease_until     TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX callbacks_due_on ON callbacks (due_on);

CREATE TABLE status_links (
    token_sha256    TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    created_at      TEXT NOT NULL
);
CREATE INDEX status_links_registration ON status_links (registration_id);

CREATE TABLE rate_counters (
    bucket     TEXT NOT NULL,
    shard      BIGINT NOT NULL,
    expires_at TEXT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (bucket, shard)
);
CREATE INDEX rate_counters_expires_at ON rate_counters (expires_at);
