-- Nothing on SQLite: blobs in the database (issue 17, the `blobs` table of
-- migrations/postgres/0012) are for several machines on PostgreSQL, and an
-- SQLite site keeps its files in the data folder. This file keeps the two
-- migration folders numbered alike.
SELECT 1;
