-- Indexes that keep the submission path and the staff pages flat as the
-- tables grow to a year of registrations (issue 14).

-- Only registrations folded into another have a duplicate_of. An index of
-- every row (nearly all NULL) drew both planners to it for
-- "duplicate_of IS NULL", walking almost the whole table on every web
-- submission; an index of the folded ones serves "duplicate_of = $1" and
-- cannot be chosen for that.
DROP INDEX registrations_duplicate_of;
CREATE INDEX registrations_folded_into ON registrations (duplicate_of)
    WHERE duplicate_of IS NOT NULL;

-- The verification list reads one status in arrival order.
DROP INDEX registrations_status;
CREATE INDEX registrations_status_received ON registrations (status, received_at, created_at, id);

-- The callback queue in due order: only entries not closed, a few weeks'
-- worth, not the year of closed ones.
CREATE INDEX callbacks_open_due ON callbacks (due_on) WHERE closed_at IS NULL;

-- The export of a period's closed registrations.
CREATE INDEX callbacks_closed_at ON callbacks (closed_at) WHERE closed_at IS NOT NULL;

-- The dashboard's arrivals: a folded-into registration's own arrival.
CREATE INDEX registrations_source_received_at ON registrations (source_received_at)
    WHERE source_received_at IS NOT NULL;

-- Claims: queued jobs in due order by one ordered index scan, and running
-- jobs by their lease (the few whose lease ran out), each served alone; an
-- OR of the two made every claim scan and sort the whole table.
DROP INDEX jobs_claim;
CREATE INDEX jobs_due ON jobs (state, run_after, created_at);
CREATE INDEX jobs_lease ON jobs (state, lease_until);
