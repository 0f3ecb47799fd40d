-- Scanned paper: the piles (batches) mailroom staff scan, the original
-- files kept unchanged by content hash, what became of every page, the
-- documents that are not our form (triage), and the durable job queue that
-- does the reading. Times are UTC RFC 3339 text, as in 0001 (BIGINT and TEXT are the same in both).

CREATE TABLE scan_batches (
    id          TEXT PRIMARY KEY,
    office      TEXT NOT NULL,
    -- The day the box was emptied: the legal received date of every form.
    received_on TEXT NOT NULL,
    scanned_by  TEXT NOT NULL,
    entry       TEXT NOT NULL CHECK (entry IN ('import', 'drop_folder', 'upload')),
    created_at  TEXT NOT NULL
);

-- The stored bytes, once per content.
CREATE TABLE scan_originals (
    sha256     TEXT PRIMARY KEY,
    size       BIGINT NOT NULL,
    path       TEXT NOT NULL,
    created_at TEXT NOT NULL
);

-- Every file handed in, duplicates included, so a batch's summary is whole.
CREATE TABLE scan_files (
    id           TEXT PRIMARY KEY,
    batch_id     TEXT NOT NULL REFERENCES scan_batches (id),
    name         TEXT NOT NULL,
    sha256       TEXT NOT NULL REFERENCES scan_originals (sha256),
    duplicate_of TEXT REFERENCES scan_files (id),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'done', 'quarantined', 'duplicate')),
    page_count   BIGINT,
    reason       TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX scan_files_batch ON scan_files (batch_id);
CREATE INDEX scan_files_sha256 ON scan_files (sha256);

CREATE TABLE triage_items (
    id              TEXT PRIMARY KEY,
    batch_id        TEXT NOT NULL REFERENCES scan_batches (id),
    file_id         TEXT NOT NULL REFERENCES scan_files (id),
    office          TEXT NOT NULL,
    received_on     TEXT NOT NULL,
    text            TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('open', 'converted', 'linked', 'closed')),
    registration_id TEXT REFERENCES registrations (id),
    note            TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX triage_items_status ON triage_items (status, received_on);

-- One row per page of a file: a page is done exactly once.
CREATE TABLE scan_pages (
    file_id         TEXT NOT NULL REFERENCES scan_files (id),
    page            BIGINT NOT NULL,
    outcome         TEXT NOT NULL CHECK (outcome IN ('form', 'blank', 'other', 'failed')),
    registration_id TEXT REFERENCES registrations (id),
    triage_id       TEXT REFERENCES triage_items (id),
    serial          TEXT,
    form_page       BIGINT,
    image_path      TEXT,
    reason          TEXT,
    processed_by    TEXT NOT NULL,
    created_at      TEXT NOT NULL,
    PRIMARY KEY (file_id, page)
);
CREATE INDEX scan_pages_registration ON scan_pages (registration_id);
CREATE INDEX scan_pages_triage ON scan_pages (triage_id);

-- The work queue. A job is claimed with a lease that its worker renews; a
-- job whose lease ran out (its worker died) is claimed again.
CREATE TABLE jobs (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    file_id      TEXT REFERENCES scan_files (id),
    state        TEXT NOT NULL CHECK (state IN ('queued', 'running', 'done', 'dead')),
    attempts     BIGINT NOT NULL DEFAULT 0,
    run_after    TEXT NOT NULL,
    lease_holder TEXT,
    lease_until  TEXT,
    last_error   TEXT,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);
CREATE INDEX jobs_claim ON jobs (state, run_after);
CREATE INDEX jobs_file ON jobs (file_id);

-- A paper registration is one sheet: its serial is unique, so reading a
-- page twice, or scanning the sheet again, never makes a second record.
ALTER TABLE registrations ADD COLUMN sheet_serial TEXT;
CREATE UNIQUE INDEX registrations_sheet_serial ON registrations (sheet_serial);
