-- The verification station and triage: every field a mailroom person
-- confirmed or corrected on a paper registration (who, when, the value
-- before and after), and who dealt with a triage item. Times are UTC
-- RFC 3339 text, as in 0001.

CREATE TABLE field_corrections (
    id              TEXT PRIMARY KEY,
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    field           TEXT NOT NULL,
    -- `confirmed`: the value read was right; `corrected`: a person typed
    -- another.
    action          TEXT NOT NULL CHECK (action IN ('confirmed', 'corrected')),
    -- The field's value as JSON (`"text"`, `true`, `null`) before and after,
    -- and the text the machine read.
    old_value       TEXT NOT NULL,
    new_value       TEXT NOT NULL,
    raw             TEXT,
    staff_id        TEXT NOT NULL REFERENCES staff (id),
    at              TEXT NOT NULL
);
CREATE INDEX field_corrections_registration ON field_corrections (registration_id, at);

ALTER TABLE triage_items ADD COLUMN handled_by TEXT REFERENCES staff (id);
ALTER TABLE triage_items ADD COLUMN handled_at TEXT;
