-- Letters sent when the phone fails. A batch is the exact set of letters
-- one download printed: marking it sent closes those registrations and no
-- other, so one that became due after the download is not closed unseen.

CREATE TABLE letter_batches (
    id         TEXT PRIMARY KEY,
    -- The office whose letters were printed; NULL: every office.
    office     TEXT,
    made_at    TEXT NOT NULL,
    -- A staff member on the letters page; NULL from `intake letters print`,
    -- whose user is in made_by_name.
    made_by    TEXT REFERENCES staff (id),
    made_by_name TEXT NOT NULL,
    sent_at    TEXT,
    sent_by    TEXT REFERENCES staff (id),
    sent_by_name TEXT
);
CREATE INDEX letter_batches_sent_at ON letter_batches (sent_at);

CREATE TABLE letter_batch_letters (
    batch_id        TEXT NOT NULL REFERENCES letter_batches (id),
    registration_id TEXT NOT NULL REFERENCES registrations (id),
    PRIMARY KEY (batch_id, registration_id)
);
CREATE INDEX letter_batch_letters_registration ON letter_batch_letters (registration_id);
