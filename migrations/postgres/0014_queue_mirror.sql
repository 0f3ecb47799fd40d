-- Staff pages that stay within 100 ms at a million registrations (issue 14).
--
-- The queue is read in due order (callbacks) for one status
-- (registrations). Walking the open entries in due order and looking up
-- each one's status passed a year of withdrawn registrations and unsent
-- letters, whose entries stay open, before the first one waiting for a
-- call. So each entry carries its registration's status, arrival and
-- office, copied by the triggers below on every write of either table (no
-- code path can forget them), and the queue, its counts and the
-- dashboard's figures are read from indexes of callbacks alone. `status`
-- is NULL for a registration folded into another, which is not in the
-- queue.
--
-- `letter_check` remembers whether a registration's fields give a letter
-- the mailroom can print (`printable`) or which problem a caseworker must
-- settle (an address problem's code); NULL until the service has looked,
-- and again whenever the fields change. The dashboard then reads only
-- the letters not known to print instead of every pending letter.
ALTER TABLE callbacks
    ADD COLUMN status TEXT,
    ADD COLUMN received_at TEXT,
    ADD COLUMN office TEXT,
    ADD COLUMN letter_check TEXT;

UPDATE callbacks c SET
    status = CASE WHEN r.duplicate_of IS NULL THEN r.status END,
    received_at = r.received_at,
    office = r.office
FROM registrations r WHERE r.id = c.registration_id;

CREATE FUNCTION callbacks_copy_registration() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT CASE WHEN r.duplicate_of IS NULL THEN r.status END, r.received_at, r.office
        INTO NEW.status, NEW.received_at, NEW.office
        FROM registrations r WHERE r.id = NEW.registration_id;
    RETURN NEW;
END
$$;

CREATE TRIGGER callbacks_copy_registration BEFORE INSERT ON callbacks
    FOR EACH ROW EXECUTE FUNCTION callbacks_copy_registration();

CREATE FUNCTION registrations_copy_to_callbacks() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE callbacks SET
        status = CASE WHEN NEW.duplicate_of IS NULL THEN NEW.status END,
        received_at = NEW.received_at,
        office = NEW.office,
        letter_check = CASE WHEN NEW.fields IS NOT DISTINCT FROM OLD.fields
            THEN letter_check END
    WHERE registration_id = NEW.id;
    RETURN NULL;
END
$$;

CREATE TRIGGER registrations_copy_to_callbacks
    AFTER UPDATE OF status, received_at, office, duplicate_of, fields ON registrations
    FOR EACH ROW
    WHEN (OLD.status IS DISTINCT FROM NEW.status
        OR OLD.received_at IS DISTINCT FROM NEW.received_at
        OR OLD.office IS DISTINCT FROM NEW.office
        OR OLD.duplicate_of IS DISTINCT FROM NEW.duplicate_of
        OR OLD.fields IS DISTINCT FROM NEW.fields)
    EXECUTE FUNCTION registrations_copy_to_callbacks();

-- The queue of one status in its order (due day, arrival, id) without a
-- sort, its size and its overdue count. It replaces both indexes of due
-- days alone.
CREATE INDEX callbacks_status_due ON callbacks
    (status, due_on, received_at, registration_id, first_contact_at);
DROP INDEX callbacks_open_due;
DROP INDEX callbacks_due_on;

-- The dashboard's time to first contact: the contacted entries of a
-- period's arrivals, read from the index alone.
CREATE INDEX callbacks_first_contact ON callbacks (received_at, first_contact_at, status)
    WHERE first_contact_at IS NOT NULL;

-- The pending letters not known to print, from an index of pending
-- letters alone (status first, so that SQLite takes it over
-- callbacks_status_due).
CREATE INDEX callbacks_letter_check ON callbacks (status, letter_check, office, registration_id)
    WHERE status = 'send_letter';

-- The dashboard's arrivals per hour and channel, read from the index
-- alone (a folded-into registration's own arrival is in
-- registrations_source_received_at). It serves every range of received_at.
CREATE INDEX registrations_arrivals ON registrations (received_at, channel, source_received_at);
DROP INDEX registrations_received_at;
