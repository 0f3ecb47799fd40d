-- A sheet serial says which printed sheet a page is, not who wrote on it:
-- photocopies of one sheet carry the same serial, each filled in by another
-- person. So a serial no longer names one registration, and a page written
-- by another person than the sheet's first registration notes which one it
-- was a copy of.
DROP INDEX registrations_sheet_serial;
CREATE INDEX registrations_sheet_serial ON registrations (sheet_serial);
ALTER TABLE scan_pages ADD COLUMN copy_of TEXT REFERENCES registrations (id);
