-- Reasons for review were English sentences joined with "; " in each
-- paper field's `reason`; they are now codes (`ReviewReason::code`) in a
-- JSON array, `reasons`. Each part of a stored reason becomes the code of
-- the sentence it starts with; a part that matches none becomes `other`,
-- and its words are not kept. Fields without a reason are left as they are.

CREATE TABLE review_reason_prefixes (
    prefix TEXT NOT NULL,
    code   TEXT NOT NULL,
    ord    INTEGER NOT NULL
);
INSERT INTO review_reason_prefixes (prefix, code, ord) VALUES
    ('low confidence', 'low_confidence', 0),
    ('required but empty', 'required_but_empty', 1),
    ('temporary identity code', 'temporary_hetu', 2),
    ('several options ticked', 'several_ticked', 3),
    ('a box is heavily filled', 'heavy_box', 4),
    ('a choice is cancelled and no other ticked', 'cancelled_only', 5),
    ('the writing could not be read', 'unreadable', 6),
    ('not one character per box', 'not_one_per_box', 7),
    ('a character that cannot stand in its box', 'out_of_place', 8),
    ('the century sign is unclear', 'unclear_sign', 9),
    ('Ä, Å or Ö? the marks above the letters', 'ring_or_dots', 10),
    ('letters or digits?', 'letters_or_digits', 11),
    ('the page with this field is missing', 'missing_page', 12),
    ('This field is required.', 'invalid_required', 13),
    ('This is too long.', 'invalid_too_long', 14),
    ('The text contains an invisible control character.', 'invalid_control_character', 15),
    ('A personal identity code has 11 characters', 'invalid_hetu_format', 16),
    ('The seventh character', 'invalid_hetu_century_sign', 17),
    ('The first six digits must be your date of birth', 'invalid_hetu_date', 18),
    ('The three digits after the century sign cannot be 000 or 001.', 'invalid_hetu_individual_number', 19),
    ('The last character does not match the rest of the code', 'invalid_hetu_check', 20),
    ('This is a temporary identity code', 'invalid_hetu_temporary', 21),
    ('This looks like a Swedish personal identity number', 'invalid_hetu_swedish_personnummer', 22),
    ('A phone number can contain only digits', 'invalid_phone_characters', 23),
    ('Please start the phone number with 0', 'invalid_phone_format', 24),
    ('The phone number is too short.', 'invalid_phone_too_short', 25),
    ('The phone number is too long.', 'invalid_phone_too_long', 26),
    ('Write the postal code as five digits', 'invalid_postal_code_format', 27),
    ('This does not look like an email address.', 'invalid_email_format', 28),
    ('Write the date as day, month and year', 'invalid_date_format', 29),
    ('That date does not exist.', 'invalid_date_impossible', 30),
    ('Please choose one of the options shown.', 'invalid_not_an_option', 31),
    ('Please tick the box to agree to be contacted by phone.', 'invalid_consent_missing', 32),
    ('Choose one of the options.', 'invalid_choice_missing', 33);

UPDATE registrations r SET fields = (
    SELECT jsonb_object_agg(f.key, CASE
        WHEN jsonb_typeof(f.value -> 'reason') = 'string' THEN
            (f.value - 'reason') || jsonb_build_object('reasons', (
                SELECT coalesce(jsonb_agg(c.code ORDER BY c.ord), '[]'::jsonb) FROM (
                    SELECT p.code AS code, p.ord AS ord FROM review_reason_prefixes p
                    WHERE strpos('; ' || (f.value ->> 'reason'), '; ' || p.prefix) > 0
                    UNION ALL
                    -- A part no sentence starts: the parts outnumber the matches.
                    SELECT 'other', 1000
                    WHERE cardinality(string_to_array(f.value ->> 'reason', '; '))
                        > (SELECT count(*) FROM review_reason_prefixes p
                           WHERE strpos('; ' || (f.value ->> 'reason'), '; ' || p.prefix) > 0)
                ) c
            ))
        WHEN jsonb_typeof(f.value -> 'reason') = 'null' THEN f.value - 'reason'
        ELSE f.value
    END)::text
    FROM jsonb_each(r.fields::jsonb) f
)
WHERE r.fields LIKE '%"reason"%';

DROP TABLE review_reason_prefixes;
