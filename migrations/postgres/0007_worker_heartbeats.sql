-- Each scan worker writes a heartbeat row while it runs, so `/readyz` can
-- tell a service whose workers have stopped from one that is idle. A
-- worker that stops cleanly deletes its row; a dead one's row goes stale.
CREATE TABLE worker_heartbeats (
    worker_id TEXT PRIMARY KEY,
    beat_at   TEXT NOT NULL
);
