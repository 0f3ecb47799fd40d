-- Originals and page images kept in the database itself, for several
-- machines that share nothing but PostgreSQL (`blobs = "database"`, issue
-- 17). A blob is named by the same key the rows already use
-- (`originals/ab/<sha256>`, `pages/<file>/0001.jpg`); its bytes are rows of
-- 256 KiB, so neither writing nor reading holds a whole file in memory.
-- A blob's chunks and its `blobs` row are written in one transaction: a
-- `blobs` row exists only for bytes that are all there.
CREATE TABLE blobs (
    key        TEXT PRIMARY KEY,
    -- Which chunks: new for every write, so a page image written again
    -- replaces the old chunks whole, and an original whose bytes were
    -- stored meanwhile by another upload is dropped without touching them.
    content_id TEXT NOT NULL UNIQUE,
    size       BIGINT NOT NULL,
    sha256     TEXT NOT NULL,
    stored_at  TEXT NOT NULL
);

CREATE TABLE blob_chunks (
    content_id TEXT NOT NULL,
    chunk      BIGINT NOT NULL,
    bytes      BYTEA NOT NULL,
    PRIMARY KEY (content_id, chunk)
);
-- Scans and JPEG pages are compressed already: stored out of line without
-- another try at compressing them.
ALTER TABLE blob_chunks ALTER COLUMN bytes SET STORAGE EXTERNAL;
