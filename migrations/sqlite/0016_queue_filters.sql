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
-- first (ASCII letters alone, see store::callbacks::queue), and the
-- service checks each row as before, so the rows found are the same.
ALTER TABLE callbacks ADD COLUMN language TEXT;
ALTER TABLE callbacks ADD COLUMN other_language TEXT;
ALTER TABLE callbacks ADD COLUMN names TEXT;

UPDATE callbacks SET (language, other_language, names) = (
    SELECT
        CASE WHEN json_type(r.fields, '$.service_language.value') = 'text'
            THEN json_extract(r.fields, '$.service_language.value') END,
        CASE WHEN json_type(r.fields, '$.other_language.value') = 'text'
            THEN json_extract(r.fields, '$.other_language.value') END,
        COALESCE(CASE WHEN json_type(r.fields, '$.surname.value') = 'text'
            THEN json_extract(r.fields, '$.surname.value') END, '')
        || ' ' || COALESCE(CASE WHEN json_type(r.fields, '$.first_names.value') = 'text'
            THEN json_extract(r.fields, '$.first_names.value') END, '')
        || ' ' || COALESCE(CASE WHEN json_type(r.fields, '$.surname.value') = 'text'
            THEN json_extract(r.fields, '$.surname.value') END, '')
    FROM registrations r WHERE r.id = callbacks.registration_id);

DROP TRIGGER callbacks_copy_registration;
CREATE TRIGGER callbacks_copy_registration AFTER INSERT ON callbacks
BEGIN
    UPDATE callbacks SET (status, received_at, office, language, other_language, names) = (
        SELECT CASE WHEN r.duplicate_of IS NULL THEN r.status END, r.received_at, r.office,
            CASE WHEN json_type(r.fields, '$.service_language.value') = 'text'
                THEN json_extract(r.fields, '$.service_language.value') END,
            CASE WHEN json_type(r.fields, '$.other_language.value') = 'text'
                THEN json_extract(r.fields, '$.other_language.value') END,
            COALESCE(CASE WHEN json_type(r.fields, '$.surname.value') = 'text'
                THEN json_extract(r.fields, '$.surname.value') END, '')
            || ' ' || COALESCE(CASE WHEN json_type(r.fields, '$.first_names.value') = 'text'
                THEN json_extract(r.fields, '$.first_names.value') END, '')
            || ' ' || COALESCE(CASE WHEN json_type(r.fields, '$.surname.value') = 'text'
                THEN json_extract(r.fields, '$.surname.value') END, '')
        FROM registrations r WHERE r.id = NEW.registration_id)
    WHERE registration_id = NEW.registration_id;
END;

DROP TRIGGER registrations_copy_to_callbacks;
CREATE TRIGGER registrations_copy_to_callbacks
AFTER UPDATE OF status, received_at, office, duplicate_of, fields ON registrations
BEGIN
    UPDATE callbacks SET
        status = CASE WHEN NEW.duplicate_of IS NULL THEN NEW.status END,
        received_at = NEW.received_at,
        office = NEW.office,
        letter_check = CASE WHEN NEW.fields IS OLD.fields THEN letter_check END
    WHERE registration_id = NEW.id;
    -- The fields are read again only when they changed.
    UPDATE callbacks SET
        language = CASE WHEN json_type(NEW.fields, '$.service_language.value') = 'text'
            THEN json_extract(NEW.fields, '$.service_language.value') END,
        other_language = CASE WHEN json_type(NEW.fields, '$.other_language.value') = 'text'
            THEN json_extract(NEW.fields, '$.other_language.value') END,
        names = COALESCE(CASE WHEN json_type(NEW.fields, '$.surname.value') = 'text'
                THEN json_extract(NEW.fields, '$.surname.value') END, '')
            || ' ' || COALESCE(CASE WHEN json_type(NEW.fields, '$.first_names.value') = 'text'
                THEN json_extract(NEW.fields, '$.first_names.value') END, '')
            || ' ' || COALESCE(CASE WHEN json_type(NEW.fields, '$.surname.value') = 'text'
                THEN json_extract(NEW.fields, '$.surname.value') END, '')
    WHERE registration_id = NEW.id AND NEW.fields IS NOT OLD.fields;
END;

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
