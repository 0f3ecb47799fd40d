//! The same person registering twice (web and paper, or paper twice) is one
//! registration. A new registration that matches an open one by identity
//! code, or by phone number and name (and date of birth, when both carry
//! one: someone without a Finnish identity code), is folded into it: it
//! keeps its own row as a source and points at the one that stands, whose
//! received_at becomes the earliest of the two (the job search began on
//! that day). Two different identity codes are never one person.

use std::collections::BTreeMap;

use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::audit::parse_uuid;
use super::{Backend, Store, StoreError, parse_timestamp, timestamp};
use super::{callbacks::parse_channel, id_column, optional_id, time_column};
use intake_core::calendar;
use intake_core::record::conditions::{self, BIRTH_DATE_FIELD, HETU_FIELD};
use intake_core::record::validate::fold_for_compare;
use intake_core::record::{
    Channel, FieldReading, FieldStatus, Provenance, RegistrationStatus, Value,
};

/// How a registration was recognised as another's duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DuplicateMatch {
    Hetu,
    PhoneAndName,
    /// Without an identity code on one side: the same date of birth, phone
    /// and name.
    BirthDatePhoneAndName,
}

impl DuplicateMatch {
    pub fn as_str(self) -> &'static str {
        match self {
            DuplicateMatch::Hetu => "hetu",
            DuplicateMatch::PhoneAndName => "phone_name",
            DuplicateMatch::BirthDatePhoneAndName => "birth_date_phone_name",
        }
    }

    fn parse(code: &str) -> Option<DuplicateMatch> {
        [
            DuplicateMatch::Hetu,
            DuplicateMatch::PhoneAndName,
            DuplicateMatch::BirthDatePhoneAndName,
        ]
        .into_iter()
        .find(|m| m.as_str() == code)
    }
}

/// One of the forms a registration was made from.
#[derive(Debug, Clone)]
pub struct RegistrationSource {
    pub id: Uuid,
    pub reference: String,
    pub channel: Channel,
    pub office: String,
    /// When this form itself arrived.
    pub received_at: OffsetDateTime,
    pub provenance: Provenance,
    pub fields: BTreeMap<String, FieldReading>,
    /// `None` for the registration that stands.
    pub matched_on: Option<DuplicateMatch>,
}

/// Who a form's fields say the person is: only values nobody is still
/// unsure of (a paper field awaiting review is not evidence).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct WrittenIdentity {
    pub(crate) hetu: Option<String>,
    pub(crate) phone: Option<String>,
    /// Surname and first names, folded for comparing.
    pub(crate) name: Option<String>,
    /// The identity code's date of birth, else the one written.
    pub(crate) birth_date: Option<Date>,
}

impl WrittenIdentity {
    pub(crate) fn of(fields: &BTreeMap<String, FieldReading>) -> WrittenIdentity {
        let sure = |id: &str| {
            fields
                .get(id)
                .filter(|f| f.status != FieldStatus::NeedsReview)
                .and_then(|f| match &f.value {
                    Some(Value::Text(text)) if !text.trim().is_empty() => Some(text.clone()),
                    _ => None,
                })
        };
        let name = match (sure("surname"), sure("first_names")) {
            (Some(surname), Some(first)) => Some(fold_for_compare(&format!("{surname} {first}"))),
            _ => None,
        };
        // Only sure values: the code's date, else a date written and read.
        let birth_date = {
            let mut sure_fields = BTreeMap::new();
            for id in [HETU_FIELD, BIRTH_DATE_FIELD] {
                if let Some(reading) = fields.get(id).filter(|_| sure(id).is_some()) {
                    sure_fields.insert(id.to_string(), reading.clone());
                }
            }
            conditions::birth_date(&sure_fields)
        };
        WrittenIdentity {
            hetu: sure("hetu").map(|h| h.to_uppercase()),
            phone: sure("phone"),
            name,
            birth_date,
        }
    }

    /// The same identity code; or the same phone and name, unless both
    /// carry identity codes and they differ (two people, one phone), or
    /// both carry dates of birth and they differ (a parent and a child of
    /// one name).
    pub(crate) fn matches(&self, other: &WrittenIdentity) -> Option<DuplicateMatch> {
        match (&self.hetu, &other.hetu) {
            (Some(a), Some(b)) if a == b => return Some(DuplicateMatch::Hetu),
            (Some(_), Some(_)) => return None,
            _ => {}
        }
        let same_phone = self.phone.is_some() && self.phone == other.phone;
        let same_name = self.name.is_some() && self.name == other.name;
        if !(same_phone && same_name) {
            return None;
        }
        match (self.birth_date, other.birth_date) {
            (Some(a), Some(b)) if a == b => Some(DuplicateMatch::BirthDatePhoneAndName),
            (Some(_), Some(_)) => None,
            _ => Some(DuplicateMatch::PhoneAndName),
        }
    }

    /// Whether the two are surely different people: identity codes both
    /// read and different, or (without both codes) a phone, a name or a
    /// date of birth both read and different.
    pub(crate) fn differs(&self, other: &WrittenIdentity) -> bool {
        let both_differ =
            |a: &Option<String>, b: &Option<String>| matches!((a, b), (Some(a), Some(b)) if a != b);
        let dates_differ = matches!(
            (self.birth_date, other.birth_date),
            (Some(a), Some(b)) if a != b
        );
        match (&self.hetu, &other.hetu) {
            (Some(a), Some(b)) => a != b,
            _ => {
                both_differ(&self.phone, &other.phone)
                    || both_differ(&self.name, &other.name)
                    || dates_differ
            }
        }
    }
}

/// The `birth_date` column of a registration with these fields: the date
/// of birth as far as the form is sure of it, `YYYY-MM-DD`.
pub(crate) fn birth_date_column(fields: &BTreeMap<String, FieldReading>) -> Option<String> {
    WrittenIdentity::of(fields)
        .birth_date
        .map(|d| d.to_string())
}

/// One registration's identity, for folding.
struct Identity {
    id: Uuid,
    person: WrittenIdentity,
    received_at: OffsetDateTime,
}

impl Identity {
    fn from_row(row: &AnyRow) -> Result<Identity, StoreError> {
        let id: String = row.try_get("id")?;
        let fields: String = row.try_get("fields")?;
        let received_at: String = row.try_get("received_at")?;
        let fields: BTreeMap<String, FieldReading> = serde_json::from_str(&fields)
            .map_err(|e| StoreError::Corrupt(format!("fields: {e}")))?;
        Ok(Identity {
            id: parse_uuid(&id)?,
            person: WrittenIdentity::of(&fields),
            received_at: parse_timestamp(&received_at)?,
        })
    }
}

/// A registration found by the same identity code or phone, before its
/// status and folding are weighed.
struct Candidate {
    identity: Identity,
    /// Its status is one still being worked on.
    open: bool,
    /// The registration it was folded into.
    folded_into: Option<Uuid>,
}

const OPEN: [RegistrationStatus; 3] = [
    RegistrationStatus::AwaitingReview,
    RegistrationStatus::AwaitingCall,
    RegistrationStatus::SendLetter,
];

/// Folds a just-inserted registration into an open registration of the same
/// person, if there is one, in the caller's transaction; returns the one
/// that stands. Call it again when a paper registration's reviewed fields
/// change what is known of the person.
pub(crate) async fn fold_duplicate(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    registration_id: Uuid,
) -> Result<Option<Uuid>, StoreError> {
    let row = sqlx::query(
        "SELECT id, fields, received_at, duplicate_of FROM registrations WHERE id = $1",
    )
    .bind(registration_id.to_string())
    .fetch_optional(&mut **tx)
    .await?;
    let Some(row) = row else { return Ok(None) };
    if let Some(primary) = row.try_get::<Option<String>, _>("duplicate_of")? {
        return Ok(Some(parse_uuid(&primary)?));
    }
    fold_into_open(tx, backend, Identity::from_row(&row)?).await
}

/// [`fold_duplicate`] for a registration inserted a moment ago in this
/// transaction, whose fields are at hand: no need to read its row back.
pub(crate) async fn fold_new(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    registration_id: Uuid,
    fields: &BTreeMap<String, FieldReading>,
    received_at: OffsetDateTime,
) -> Result<Option<Uuid>, StoreError> {
    let new = Identity {
        id: registration_id,
        person: WrittenIdentity::of(fields),
        // As stored (to the microsecond), to compare as the row would.
        received_at: parse_timestamp(&timestamp(received_at))?,
    };
    fold_into_open(tx, backend, new).await
}

async fn fold_into_open(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    new: Identity,
) -> Result<Option<Uuid>, StoreError> {
    let registration_id = new.id;
    if new.person.hetu.is_none() && (new.person.phone.is_none() || new.person.name.is_none()) {
        return Ok(None);
    }
    // Without a code the phone narrows the search (its range of the
    // (phone, birth_date) index); with a date of birth, only that phone's
    // rows with that date or none are read and parsed (a registration with
    // another date is another person), however many share the phone.
    let birth_date = new.person.birth_date.map(|d| d.to_string());
    if backend == Backend::Postgres {
        // Two registrations of one person committing at the same moment
        // would not see each other: the second waits here for the first,
        // then sees it (each statement reads afresh under READ COMMITTED).
        // Both keys in one statement, the code's first, always in that order.
        let key = |k: &Option<String>| k.as_ref().map(|k| format!("intake-person:{k}"));
        sqlx::query(
            "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0)) AS code, \
             pg_advisory_xact_lock(hashtextextended($2, 0)) AS phone) AS l",
        )
        .bind(key(&new.person.hetu))
        .bind(key(&new.person.phone))
        .fetch_all(&mut **tx)
        .await?;
    }
    // Only the identity code and the phone narrow the search, so that the
    // plan is an index look-up of each whatever the planner knows of the
    // table (a condition on status or duplicate_of once made both backends
    // walk an index of nearly every row); the rest is weighed here.
    let sql = if birth_date.is_some() {
        "SELECT id, fields, received_at, status, duplicate_of FROM registrations \
         WHERE hetu = $1 OR (phone = $2 AND (birth_date = $3 OR birth_date IS NULL))"
    } else {
        "SELECT id, fields, received_at, status, duplicate_of FROM registrations \
         WHERE hetu = $1 OR phone = $2"
    };
    let mut query = sqlx::query(sql)
        .bind(new.person.hetu.as_deref())
        .bind(new.person.phone.as_deref());
    if let Some(date) = &birth_date {
        query = query.bind(date.as_str());
    }
    let rows = query.fetch_all(&mut **tx).await?;
    let mut candidates = Vec::with_capacity(rows.len());
    for row in &rows {
        let status: String = row.try_get("status")?;
        candidates.push(Candidate {
            identity: Identity::from_row(row)?,
            open: OPEN.iter().any(|s| s.as_str() == status),
            folded_into: optional_id(row, "duplicate_of")?,
        });
    }
    let found = first_open_match(&new, candidates);
    let Some((primary, how)) = found else {
        return Ok(None);
    };

    let now = timestamp(OffsetDateTime::now_utc());
    sqlx::query(
        "UPDATE registrations SET duplicate_of = $1, duplicate_match = $2, updated_at = $3 \
         WHERE id = $4",
    )
    .bind(primary.id.to_string())
    .bind(how.as_str())
    .bind(&now)
    .bind(registration_id.to_string())
    .execute(&mut **tx)
    .await?;
    // Its own queue entry goes: the person is called once, as the first.
    sqlx::query("DELETE FROM callbacks WHERE registration_id = $1")
        .bind(registration_id.to_string())
        .execute(&mut **tx)
        .await?;
    if new.received_at < primary.received_at {
        sqlx::query(
            "UPDATE registrations SET source_received_at = COALESCE(source_received_at, \
             received_at), received_at = $1, updated_at = $2 WHERE id = $3",
        )
        .bind(timestamp(new.received_at))
        .bind(&now)
        .bind(primary.id.to_string())
        .execute(&mut **tx)
        .await?;
        sqlx::query("UPDATE callbacks SET due_on = $1 WHERE registration_id = $2 AND due_on > $1")
            .bind(calendar::first_contact_due(new.received_at).to_string())
            .bind(primary.id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(Some(primary.id))
}

/// The earliest open registration, not itself folded, that the new one's
/// person matches; earliest by arrival, then by id, so that every fold of
/// one person lands on the same registration. One that already holds a
/// form with another identity code is not the new one's person, whatever
/// its own form lacks (two codes are never folded together).
fn first_open_match(
    new: &Identity,
    candidates: Vec<Candidate>,
) -> Option<(Identity, DuplicateMatch)> {
    let other_code = |c: &Candidate| matches!((&new.person.hetu, &c.identity.person.hetu), (Some(a), Some(b)) if a != b);
    let holds_other_code: Vec<Uuid> = candidates
        .iter()
        .filter(|c| other_code(c))
        .filter_map(|c| c.folded_into)
        .collect();
    let mut standing: Vec<Candidate> = candidates
        .into_iter()
        .filter(|c| c.open && c.folded_into.is_none() && c.identity.id != new.id)
        .filter(|c| !holds_other_code.contains(&c.identity.id))
        .collect();
    standing.sort_by_key(|c| (c.identity.received_at, c.identity.id));
    standing.into_iter().find_map(|c| {
        let how = new.person.matches(&c.identity.person)?;
        Some((c.identity, how))
    })
}

impl Store {
    /// The forms a registration was made from: itself first, then those
    /// folded into it, in the order they arrived.
    pub async fn registration_sources(
        &self,
        id: Uuid,
    ) -> Result<Vec<RegistrationSource>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, reference, channel, office, COALESCE(source_received_at, received_at) \
             AS own_received_at, provenance, fields, duplicate_match FROM registrations \
             WHERE id = $1 OR duplicate_of = $1",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?;
        let mut sources = rows
            .iter()
            .map(source_from_row)
            .collect::<Result<Vec<_>, _>>()?;
        sources.sort_by_key(|s| (s.id != id, s.received_at));
        Ok(sources)
    }

    /// The registration a folded one was folded into, if it was.
    pub async fn duplicate_of(&self, id: Uuid) -> Result<Option<Uuid>, StoreError> {
        let sql = "SELECT duplicate_of FROM registrations WHERE id = $1";
        let key = id.to_string();
        let found = self.read_one(sql, &key, |row| optional_id(row, "duplicate_of"));
        Ok(found.await?.flatten())
    }
}

fn source_from_row(row: &AnyRow) -> Result<RegistrationSource, StoreError> {
    let corrupt =
        |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("{what}: {e}"));
    let channel: String = row.try_get("channel")?;
    let provenance: String = row.try_get("provenance")?;
    let fields: String = row.try_get("fields")?;
    let matched: Option<String> = row.try_get("duplicate_match")?;
    Ok(RegistrationSource {
        id: id_column(row, "id")?,
        reference: row.try_get("reference")?,
        channel: parse_channel(&channel)?,
        office: row.try_get("office")?,
        received_at: time_column(row, "own_received_at")?,
        provenance: serde_json::from_str(&provenance).map_err(|e| corrupt("provenance", &e))?,
        fields: serde_json::from_str(&fields).map_err(|e| corrupt("fields", &e))?,
        matched_on: matched.as_deref().and_then(DuplicateMatch::parse),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn identity(hetu: Option<&str>, phone: Option<&str>, name: Option<&str>) -> WrittenIdentity {
        WrittenIdentity {
            hetu: hetu.map(str::to_string),
            phone: phone.map(str::to_string),
            name: name.map(fold_for_compare),
            birth_date: hetu
                .and_then(|h| intake_core::record::validate::hetu(h).ok())
                .map(|h| h.birth_date),
        }
    }

    fn candidate(code: &str, day: u8, open: bool, folded: bool) -> Candidate {
        let folded_into = folded.then(Uuid::new_v4);
        Candidate {
            identity: Identity {
                id: Uuid::new_v4(),
                person: identity(Some(code), None, None),
                received_at: time::Date::from_calendar_date(2026, time::Month::March, day)
                    .unwrap()
                    .midnight()
                    .assume_utc(),
            },
            open,
            folded_into,
        }
    }

    #[test]
    fn a_new_registration_folds_into_the_earliest_open_one_of_the_person() {
        let new = candidate("131052-308T", 20, true, false).identity;
        let earliest_open = candidate("131052-308T", 5, true, false);
        let expected = earliest_open.identity.id;
        let candidates = vec![
            candidate("131052-308T", 9, true, false),
            candidate("131052-308T", 1, false, false), // closed
            candidate("131052-308T", 2, true, true),   // itself folded
            candidate("010594Y9032", 3, true, false),  // another person
            earliest_open,
        ];
        let (primary, how) = first_open_match(&new, candidates).expect("a match");
        assert_eq!(primary.id, expected);
        assert_eq!(how, DuplicateMatch::Hetu);
    }

    #[test]
    fn a_registration_is_never_folded_into_itself_or_a_closed_one() {
        let new = candidate("131052-308T", 20, true, false);
        let itself = Candidate {
            identity: Identity {
                id: new.identity.id,
                person: new.identity.person.clone(),
                received_at: new.identity.received_at,
            },
            open: true,
            folded_into: None,
        };
        let closed = candidate("131052-308T", 1, false, false);
        assert!(first_open_match(&new.identity, vec![itself, closed]).is_none());
    }

    #[test]
    fn the_same_code_is_the_same_person() {
        let a = identity(Some("131052-308T"), Some("+358401111111"), Some("A B"));
        let b = identity(Some("131052-308T"), None, None);
        assert_eq!(a.matches(&b), Some(DuplicateMatch::Hetu));
    }

    #[test]
    fn phone_and_name_match_when_a_code_is_missing() {
        let a = identity(None, Some("+358401234567"), Some("VIRTANEN  Matti"));
        let b = identity(
            Some("131052-308T"),
            Some("+358401234567"),
            Some("virtanen matti"),
        );
        assert_eq!(a.matches(&b), Some(DuplicateMatch::PhoneAndName));
        let other_name = identity(None, Some("+358401234567"), Some("Virtanen Liisa"));
        assert_eq!(a.matches(&other_name), None);
    }

    #[test]
    fn different_codes_are_different_people_even_on_one_phone() {
        let a = identity(Some("131052-308T"), Some("+358401234567"), Some("A B"));
        let b = identity(Some("010594Y9032"), Some("+358401234567"), Some("A B"));
        assert_eq!(a.matches(&b), None);
    }

    #[test]
    fn people_differ_by_a_sure_value_that_differs() {
        let a = identity(Some("131052-308T"), Some("+358401234567"), Some("A B"));
        // The same code decides, whatever else differs (a new phone).
        let same = identity(Some("131052-308T"), Some("+358409999999"), None);
        assert!(!a.differs(&same));
        assert!(a.differs(&identity(Some("010594Y9032"), None, None)));
        // Without both codes: a phone or a name read on both that differs.
        assert!(a.differs(&identity(None, Some("+358409999999"), None)));
        assert!(a.differs(&identity(None, None, Some("C D"))));
        // Nothing sure on both: nothing tells them apart.
        assert!(!a.differs(&identity(None, None, None)));
    }

    fn born(day: u8, phone: &str, name: &str) -> WrittenIdentity {
        WrittenIdentity {
            birth_date: Some(
                time::Date::from_calendar_date(1990, time::Month::April, day).unwrap(),
            ),
            ..identity(None, Some(phone), Some(name))
        }
    }

    #[test]
    fn without_a_code_the_date_of_birth_phone_and_name_match() {
        let a = born(6, "+358401234567", "Kovalenko Olena");
        let b = born(6, "+358401234567", "KOVALENKO OLENA");
        assert_eq!(a.matches(&b), Some(DuplicateMatch::BirthDatePhoneAndName));
        // Another date on one phone and name: a parent and a child.
        let c = born(7, "+358401234567", "Kovalenko Olena");
        assert_eq!(a.matches(&c), None);
        assert!(a.differs(&c));
        // The code's own date counts as a date of birth.
        let coded = identity(
            Some("131052-308T"),
            Some("+358401234567"),
            Some("Kovalenko Olena"),
        );
        assert_eq!(a.matches(&coded), None, "born 1990, not 1952");
    }

    #[test]
    fn the_birth_date_column_is_the_sure_date_and_the_code_wins() {
        let typed = |pairs: &[(&str, &str)]| -> BTreeMap<String, FieldReading> {
            pairs
                .iter()
                .map(|(k, v)| {
                    (
                        k.to_string(),
                        FieldReading::typed(Some(Value::Text(v.to_string()))),
                    )
                })
                .collect()
        };
        let both = typed(&[("hetu", "131052-308T"), ("birth_date", "1990-04-06")]);
        assert_eq!(birth_date_column(&both).as_deref(), Some("1952-10-13"));
        let mut unsure = typed(&[("birth_date", "1990-04-06")]);
        assert_eq!(birth_date_column(&unsure).as_deref(), Some("1990-04-06"));
        unsure.get_mut("birth_date").unwrap().status = FieldStatus::NeedsReview;
        assert_eq!(birth_date_column(&unsure), None);
    }

    #[test]
    fn a_registration_holding_another_code_is_not_joined_through_a_form_without_one() {
        let day = |d: u8| {
            time::Date::from_calendar_date(2026, time::Month::March, d)
                .unwrap()
                .midnight()
                .assume_utc()
        };
        let no_code = Candidate {
            identity: Identity {
                id: Uuid::new_v4(),
                person: born(6, "+358401234567", "Kovalenko Olena"),
                received_at: day(1),
            },
            open: true,
            folded_into: None,
        };
        let folded_with_code = Candidate {
            identity: Identity {
                id: Uuid::new_v4(),
                person: identity(
                    Some("060490-1239"),
                    Some("+358401234567"),
                    Some("Kovalenko Olena"),
                ),
                received_at: day(2),
            },
            open: true,
            folded_into: Some(no_code.identity.id),
        };
        let new = Identity {
            id: Uuid::new_v4(),
            person: identity(
                Some("060490-125B"),
                Some("+358401234567"),
                Some("Kovalenko Olena"),
            ),
            received_at: day(3),
        };
        assert!(first_open_match(&new, vec![no_code, folded_with_code]).is_none());
    }
}
