-- Staff accounts over their whole life, and sign-in throttles.

-- A disabled account signs nothing in, and its sessions are gone.
ALTER TABLE staff ADD COLUMN disabled_at TEXT;

-- Failed sign-ins, counted in fixed windows per (name, address), per
-- address and per name. Names and addresses are keyed hashes, and a name
-- that is no account counts the same as one that is, so neither the
-- answer nor the work done tells which names exist.
CREATE TABLE sign_in_failures (
    bucket     TEXT PRIMARY KEY,
    count      BIGINT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE INDEX sign_in_failures_expires_at ON sign_in_failures (expires_at);
