-- The queue's language filters and name search from callbacks alone
-- (issue 14). They read the language and names from each registration's
-- fields, so at a million registrations a filtered queue read every entry
-- of a status with its registration. Each entry now also carries, copied
-- by triggers as 0014's columns are:
--   language        the form's `service_language` value, exactly;
--   other_language  the language written for "another language", as written;
--   names           "surname first_names surname", as written, so that
--                   both orders the search accepts are one text.
-- The service compares case-insensitively in Rust; SQL narrows the rows
-- first (by ASCII letters alone, see store::callbacks::queue), and the
-- service checks each row as before, so the rows found are the same.
ALTER TABLE callbacks
    ADD COLUMN language TEXT,
    ADD COLUMN other_language TEXT,
    ADD COLUMN names TEXT;

-- The fields as JSON. PostgreSQL text cannot hold NUL, so an escaped
-- one reads as U+FFFD (same length, so the JSON stays valid); the service
-- rechecks every row it is given, and narrows by NUL as by any control
-- character (not at all).
CREATE FUNCTION queue_json(fields TEXT) RETURNS json
LANGUAGE sql IMMUTABLE AS $$
    SELECT replace(fields, '\u0000', '\ufffd')::json
$$;

-- A text field's value (`{"id": {"value": "..."}}`), NULL unless a string.
CREATE FUNCTION queue_field(f json, id TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN json_typeof(f -> id -> 'value') = 'string' THEN f -> id ->> 'value' END
$$;

CREATE FUNCTION queue_names(f json) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(queue_field(f, 'surname'), '') || ' '
        || COALESCE(queue_field(f, 'first_names'), '') || ' '
        || COALESCE(queue_field(f, 'surname'), '')
$$;

UPDATE callbacks c SET
    language = queue_field(f.f, 'service_language'),
    other_language = queue_field(f.f, 'other_language'),
    names = queue_names(f.f)
FROM registrations r CROSS JOIN LATERAL (SELECT queue_json(r.fields) AS f) f
WHERE r.id = c.registration_id;

CREATE OR REPLACE FUNCTION callbacks_copy_registration() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    f json;
BEGIN
    SELECT CASE WHEN r.duplicate_of IS NULL THEN r.status END, r.received_at, r.office,
            queue_json(r.fields)
        INTO NEW.status, NEW.received_at, NEW.office, f
        FROM registrations r WHERE r.id = NEW.registration_id;
    NEW.language := queue_field(f, 'service_language');
    NEW.other_language := queue_field(f, 'other_language');
    NEW.names := queue_names(f);
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION registrations_copy_to_callbacks() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    f json;
BEGIN
    IF NEW.fields IS NOT DISTINCT FROM OLD.fields THEN
        UPDATE callbacks SET
            status = CASE WHEN NEW.duplicate_of IS NULL THEN NEW.status END,
            received_at = NEW.received_at,
            office = NEW.office
        WHERE registration_id = NEW.id;
    ELSE
        f := queue_json(NEW.fields);
        UPDATE callbacks SET
            status = CASE WHEN NEW.duplicate_of IS NULL THEN NEW.status END,
            received_at = NEW.received_at,
            office = NEW.office,
            letter_check = NULL,
            language = queue_field(f, 'service_language'),
            other_language = queue_field(f, 'other_language'),
            names = queue_names(f)
        WHERE registration_id = NEW.id;
    END IF;
    RETURN NULL;
END
$$;

-- One language's queue in its order, without a sort.
CREATE INDEX callbacks_status_language ON callbacks
    (status, language, due_on, received_at, registration_id);

-- The few entries with another language written, in queue order, with
-- what was written, so that the filter reads this index alone.
CREATE INDEX callbacks_other_language ON callbacks
    (status, due_on, received_at, registration_id, other_language)
    WHERE other_language IS NOT NULL;

-- A name search walks one status in queue order (callbacks_status_due)
-- and tests each entry's own row, so only the entries that match are
-- joined to their registrations. A substring search cannot seek in a
-- B-tree, and another index of every entry would cost every submission.
