-- Pages read and the seconds each took, for `/metrics`, counted in the
-- database as each page is recorded: a web node that reads nothing (serve
-- --no-processing beside `intake worker`) shows every worker's pages, and
-- the totals never go down when retention or an erasure deletes pages.
-- One row per bucket of the seconds-per-page histogram, named by its
-- upper bound as Prometheus labels it ('0.1', ..., '+Inf'), and 'untimed'
-- for pages that were not read (a digital form, a text page, a page that
-- could not be decoded). `micros` is the bucket's reading time in all.
CREATE TABLE page_read_totals (
    bucket TEXT PRIMARY KEY,
    pages  BIGINT NOT NULL,
    micros BIGINT NOT NULL
);

-- The pages read before the totals were kept, with no time sample.
INSERT INTO page_read_totals (bucket, pages, micros)
SELECT 'untimed', COUNT(*), 0 FROM scan_pages;
