-- Retention and erasure: an original whose file is deleted (past its time,
-- or an erased person's pages in it) keeps its row, so the files that name
-- it still say what they were, and says when its bytes went. A page image
-- that is deleted has its `image_path` set to NULL.
ALTER TABLE scan_originals ADD COLUMN removed_at TEXT;
CREATE INDEX scan_originals_removed_at ON scan_originals (removed_at);
