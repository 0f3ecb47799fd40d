-- Form version 2 (issue 15): people without a Finnish identity code give
-- their date of birth, and one of them registering twice is found by date
-- of birth with phone and name. `birth_date` is the person's date of birth
-- as far as the form is sure of it (the identity code's, else the one
-- written), YYYY-MM-DD.
ALTER TABLE registrations ADD COLUMN birth_date TEXT;

-- Registrations made before it: the identity code carries the date
-- (DDMMYY, the seventh character the century).
UPDATE registrations SET birth_date =
    CASE
        WHEN substr(hetu, 7, 1) = '+' THEN '18'
        WHEN substr(hetu, 7, 1) IN ('-', 'Y', 'X', 'W', 'V', 'U') THEN '19'
        ELSE '20'
    END || substr(hetu, 5, 2) || '-' || substr(hetu, 3, 2) || '-' || substr(hetu, 1, 2)
    WHERE hetu IS NOT NULL AND length(hetu) = 11;

-- The duplicate search of a submission without an identity code reads
-- its phone's range of this index, keeping rows of its date of birth or
-- none. It serves a look-up by phone alone as well, so the phone index
-- goes.
DROP INDEX registrations_phone;
CREATE INDEX registrations_phone_birth_date ON registrations (phone, birth_date);
