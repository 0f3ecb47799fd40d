//! Letters for the registrations the phone did not reach: which can be
//! printed (a full postal address the fonts can print) and which go to a
//! caseworker instead, and printing a batch, which the letters page and
//! `intake letters` share. A batch is recorded only after its PDF is made,
//! and the PDF is handed out only after the batch is recorded.

use std::collections::BTreeMap;

use time::OffsetDateTime;
use uuid::Uuid;

use intake_core::calendar::finnish_date;
use intake_core::record::{FieldReading, FieldStatus};
use intake_paper::letter::{self, Letter, Recipient};

use crate::config::Config;
use crate::store::{DueLetter, LETTER_PRINTABLE, LetterCheck, LetterHand, Store};

/// Why a letter cannot be printed: a caseworker settles it instead. The
/// codes are stable (they name texts in the locales).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressProblem {
    /// Street address, postal code or post office is empty.
    Missing,
    /// A part of the address still needs review (sent on unchecked).
    Unsure,
    /// A name or address with a character the letters' font has no glyph
    /// for (Arabic or Chinese script, say), which would print as a blank box.
    Unprintable,
    /// The registration's office is not in the settings any more.
    UnknownOffice,
}

impl AddressProblem {
    pub const ALL: [AddressProblem; 4] = [
        AddressProblem::Missing,
        AddressProblem::Unsure,
        AddressProblem::Unprintable,
        AddressProblem::UnknownOffice,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AddressProblem::Missing => "missing",
            AddressProblem::Unsure => "unsure",
            AddressProblem::Unprintable => "unprintable",
            AddressProblem::UnknownOffice => "unknown_office",
        }
    }
}

const ADDRESS_FIELDS: [&str; 3] = ["street_address", "postal_code", "post_office"];

fn text<'a>(fields: &'a BTreeMap<String, FieldReading>, field: &str) -> &'a str {
    fields
        .get(field)
        .and_then(|f| f.value.as_ref())
        .and_then(|v| v.as_text())
        .map_or("", str::trim)
}

/// Who a letter goes to, if the fields hold a whole address that was
/// checked.
fn recipient_of(fields: &BTreeMap<String, FieldReading>) -> Result<Recipient, AddressProblem> {
    if ADDRESS_FIELDS
        .iter()
        .any(|field| text(fields, field).is_empty())
    {
        return Err(AddressProblem::Missing);
    }
    let unsure = |field: &str| {
        fields
            .get(field)
            .is_some_and(|f| f.status == FieldStatus::NeedsReview)
    };
    if ADDRESS_FIELDS.iter().any(|field| unsure(field)) {
        return Err(AddressProblem::Unsure);
    }
    Ok(Recipient {
        name: person_name(fields),
        street_address: text(fields, "street_address").to_string(),
        postal_code: text(fields, "postal_code").to_string(),
        post_office: text(fields, "post_office").to_string(),
    })
}

fn printable(recipient: &Recipient) -> bool {
    [
        &recipient.name,
        &recipient.street_address,
        &recipient.postal_code,
        &recipient.post_office,
    ]
    .iter()
    .all(|part| letter::can_print(part))
}

/// The letter check of a registration's fields: [`LETTER_PRINTABLE`], or the
/// code of the problem that needs a caseworker whatever the office.
/// [`letter_for`] fails for fields that print only when the office is
/// unknown.
pub fn letter_check(fields: &BTreeMap<String, FieldReading>) -> &'static str {
    match recipient_of(fields) {
        Err(problem) => problem.code(),
        Ok(recipient) if !printable(&recipient) => AddressProblem::Unprintable.code(),
        Ok(_) => LETTER_PRINTABLE,
    }
}

/// The letter of a registration waiting for one, dated `dated`.
pub fn letter_for(
    config: &Config,
    due: &DueLetter,
    dated: time::Date,
) -> Result<Letter, AddressProblem> {
    let registration = &due.registration;
    let recipient = recipient_of(&registration.fields)?;
    let office = config
        .office(&registration.office)
        .ok_or(AddressProblem::UnknownOffice)?;
    if !printable(&recipient) {
        return Err(AddressProblem::Unprintable);
    }
    Ok(Letter {
        languages: letter::languages_for(registration.text("service_language")),
        office: office.letter_office(),
        recipient,
        reference: registration.reference.to_string(),
        received_on: finnish_date(registration.received_at),
        dated,
        phone: registration
            .text("phone")
            .map(crate::web::staff::view::phone_display)
            .unwrap_or_default(),
        attempts: due.attempts,
    })
}

fn person_name(fields: &BTreeMap<String, FieldReading>) -> String {
    let words: Vec<&str> = ["first_names", "surname"]
        .iter()
        .map(|field| text(fields, field))
        .filter(|word| !word.is_empty())
        .collect();
    words.join(" ")
}

/// The registrations waiting for a letter, split into those that print
/// and those a caseworker must settle.
#[derive(Debug, Default)]
pub struct LetterList {
    /// Not yet in a batch that waits to be marked sent.
    pub pending: Vec<(DueLetter, Letter)>,
    /// In a batch downloaded and not yet marked sent.
    pub in_open_batch: usize,
    pub for_caseworker: Vec<(DueLetter, AddressProblem)>,
}

pub async fn letter_list(
    store: &Store,
    config: &Config,
    office: Option<&str>,
    now: OffsetDateTime,
) -> Result<LetterList, crate::store::StoreError> {
    let mut list = LetterList::default();
    for due in store.due_letters(office).await? {
        match letter_for(config, &due, finnish_date(now)) {
            Err(problem) => list.for_caseworker.push((due, problem)),
            Ok(_) if due.open_batch.is_some() => list.in_open_batch += 1,
            Ok(letter) => list.pending.push((due, letter)),
        }
    }
    Ok(list)
}

/// The pending letters a caseworker must settle, as the letters page
/// lists them, without reading every pending letter: those whose fields
/// are known to print are left out unless their office is unknown. The
/// others are checked again here, and what is found about fields not
/// looked at before is remembered.
pub async fn letters_for_caseworker(
    store: &Store,
    config: &Config,
    now: OffsetDateTime,
) -> Result<Vec<(DueLetter, AddressProblem)>, crate::store::StoreError> {
    let offices: Vec<&str> = config.offices.iter().map(|o| o.id.as_str()).collect();
    let unchecked = store.letters_not_known_to_print(&offices).await?;
    let checks: Vec<LetterCheck> = unchecked
        .iter()
        .filter(|letter| letter.check.is_none())
        .map(|letter| LetterCheck {
            registration: letter.due.registration.id,
            stored_fields: &letter.stored_fields,
            check: letter_check(&letter.due.registration.fields),
        })
        .collect();
    store.record_letter_checks(&checks).await?;
    Ok(unchecked
        .into_iter()
        .filter_map(|letter| {
            letter_for(config, &letter.due, finnish_date(now))
                .err()
                .map(|problem| (letter.due, problem))
        })
        .collect())
}

#[derive(Debug, thiserror::Error)]
pub enum LettersError {
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error(transparent)]
    Pdf(#[from] letter::LetterError),
    #[error("making the PDF stopped: {0}")]
    Task(#[from] tokio::task::JoinError),
}

/// A batch printed: its id, how many letters, the PDF.
pub struct PrintedBatch {
    pub id: Uuid,
    pub letters: usize,
    pub pdf: Vec<u8>,
}

/// Prints every pending letter (of one office, or all) as one PDF and
/// records the batch; `None` when there is nothing to print.
pub async fn print_pending(
    store: &Store,
    config: &Config,
    office: Option<&str>,
    by: &LetterHand,
    now: OffsetDateTime,
) -> Result<Option<PrintedBatch>, LettersError> {
    let list = letter_list(store, config, office, now).await?;
    if list.pending.is_empty() {
        return Ok(None);
    }
    let ids: Vec<Uuid> = list
        .pending
        .iter()
        .map(|(d, _)| d.registration.id)
        .collect();
    let letters: Vec<Letter> = list.pending.into_iter().map(|(_, l)| l).collect();
    let count = letters.len();
    let pdf = tokio::task::spawn_blocking(move || letter::render(&letters)).await??;
    let id = store.record_letter_batch(office, &ids, by, now).await?;
    Ok(Some(PrintedBatch {
        id,
        letters: count,
        pdf,
    }))
}

/// The letters of a batch printed again (those still waiting to be sent),
/// dated as first printed; `None` for an unknown batch or one with
/// nothing left to print.
pub async fn reprint(
    store: &Store,
    config: &Config,
    batch: Uuid,
    by: &LetterHand,
    now: OffsetDateTime,
) -> Result<Option<PrintedBatch>, LettersError> {
    let Some(found) = store.letter_batch(batch).await? else {
        return Ok(None);
    };
    let dated = finnish_date(found.made_at);
    let mut ids = Vec::new();
    let mut letters = Vec::new();
    for due in store.batch_letters(batch).await? {
        // An address fixed meanwhile prints fixed; one lost is not printed.
        if let Ok(letter) = letter_for(config, &due, dated) {
            ids.push(due.registration.id);
            letters.push(letter);
        }
    }
    if letters.is_empty() {
        return Ok(None);
    }
    let count = letters.len();
    let pdf = tokio::task::spawn_blocking(move || letter::render(&letters)).await??;
    store.record_letter_reprint(batch, &ids, by, now).await?;
    Ok(Some(PrintedBatch {
        id: batch,
        letters: count,
        pdf,
    }))
}
