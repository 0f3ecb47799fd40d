-- The staff side: accounts and their sessions, the caseworkers' call log,
-- the audit log, and what the callback queue and duplicate folding add to
-- 0001. Times are UTC RFC 3339 text.

CREATE TABLE staff (
    id              TEXT PRIMARY KEY,
    -- The sign-in name, lower case.
    name            TEXT NOT NULL UNIQUE,
    role            TEXT NOT NULL CHECK (role IN ('mailroom', 'caseworker', 'admin')),
    -- Argon2id, as a PHC string with its own salt and parameters.
    password_hash   TEXT NOT NULL,
    failed_sign_ins BIGINT NOT NULL DEFAULT 0,
    locked_until    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

-- Only the SHA-256 of a session's secret is kept: a copy of the database
-- signs no one in.
CREATE TABLE staff_sessions (
    token_sha256 TEXT PRIMARY KEY,
    staff_id     TEXT NOT NULL REFERENCES staff (id),
    created_at   TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX staff_sessions_staff ON staff_sessions (staff_id);

CREATE TABLE call_attempts (
    id              TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    attempted_at    TEXT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('reached', 'no_answer', 'busy',
                        'voicemail', 'wrong_number', 'wrong_person', 'call_back_later', 'refused')),
    call_back_at    TEXT,
    note            TEXT NOT NULL DEFAULT ''
);
CREATE INDEX call_attempts_registration ON call_attempts (registration_id, attempted_at);

-- Every staff view and change of a registration, and sign-ins.
CREATE TABLE audit_log (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    at              TEXT NOT NULL,
    staff_id        TEXT REFERENCES staff (id),
    registration_id TEXT REFERENCES registrations (id),
    action          TEXT NOT NULL,
    detail          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_registration ON audit_log (registration_id, id);
CREATE INDEX audit_log_staff ON audit_log (staff_id, id);

-- When an unreached person comes back into the queue, and how it ended.
ALTER TABLE callbacks ADD COLUMN next_call_at TEXT;
ALTER TABLE callbacks ADD COLUMN first_contact_at TEXT;
ALTER TABLE callbacks ADD COLUMN result TEXT;
ALTER TABLE callbacks ADD COLUMN result_note TEXT;
ALTER TABLE callbacks ADD COLUMN closed_at TEXT;
ALTER TABLE callbacks ADD COLUMN closed_by TEXT REFERENCES staff (id);

-- A registration of a person already registered is folded into the first
-- one: it keeps its row (its source) and points at the one that stands.
-- That one's received_at moves to the earliest; its own is kept here.
ALTER TABLE registrations ADD COLUMN duplicate_of TEXT REFERENCES registrations (id);
ALTER TABLE registrations ADD COLUMN duplicate_match TEXT;
ALTER TABLE registrations ADD COLUMN source_received_at TEXT;
CREATE INDEX registrations_duplicate_of ON registrations (duplicate_of);
CREATE INDEX registrations_status ON registrations (status);
