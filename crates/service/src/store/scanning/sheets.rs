//! A form sheet is one registration, found again by its serial and the
//! person written on it: its first page makes it, later pages and re-scans
//! join it. The serial says which printed sheet a page is, not who wrote on
//! it: photocopies of one sheet share it, so a page of the same serial with
//! another person on it makes a registration of its own, and notes that its
//! sheet was a copy.

use std::collections::BTreeMap;

use sqlx::{Any, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::duplicates::{WrittenIdentity, birth_date_column};
use super::super::registrations::{SELECT_REGISTRATION, registration_from_row};
use super::super::{Backend, Store, StoreError, is_unique_violation, timestamp};
use super::pages::{PageRow, ReadBy, insert_page, page_recorded};
use super::{PageRecorded, ScanBatch, ScanFile};
use intake_core::calendar;
use intake_core::record::{
    FieldReading, FieldStatus, Provenance, Reference, Registration, RegistrationStatus,
};

/// A form page, read: where it goes and what it says.
pub struct FormPage<'a> {
    pub file: &'a ScanFile,
    pub batch: &'a ScanBatch,
    pub page: u32,
    pub by: ReadBy<'a>,
    pub form: &'a str,
    pub version: u32,
    pub serial: &'a str,
    /// The form's page number; 0 for a digital copy carrying every page.
    pub form_page: u32,
    pub image_path: Option<String>,
}

/// What the registration held before this page, for the caller to merge into.
pub struct SheetSoFar<'a> {
    pub fields: &'a BTreeMap<String, FieldReading>,
    /// Whether this form page was read before (a re-scan of the sheet).
    pub page_read_before: bool,
}

impl Store {
    /// Records a page of our form. `merge` gets what the sheet's registration
    /// held so far (if there is one) and returns its fields with this page's
    /// in. The first page of a sheet makes the registration, in the callback
    /// queue or, when a field needs a person, the verification list first.
    pub async fn record_form_page(
        &self,
        page: FormPage<'_>,
        merge: impl Fn(Option<SheetSoFar<'_>>) -> BTreeMap<String, FieldReading>,
    ) -> Result<PageRecorded, StoreError> {
        match self.try_record_form_page(&page, &merge).await {
            // Another worker recorded this page at the same moment: this
            // finds it done.
            Err(StoreError::Database(error)) if is_unique_violation(&error) => {
                self.try_record_form_page(&page, &merge).await
            }
            other => other,
        }
    }

    async fn try_record_form_page(
        &self,
        page: &FormPage<'_>,
        merge: &impl Fn(Option<SheetSoFar<'_>>) -> BTreeMap<String, FieldReading>,
    ) -> Result<PageRecorded, StoreError> {
        let mut tx = self.begin_write().await?;
        if page_recorded(&mut tx, page.file.id, page.page).await? {
            return Ok(PageRecorded::AlreadyDone);
        }
        if self.backend == Backend::Postgres {
            // Two pages of one serial recorded at the same moment would not
            // see each other's registration: the second waits for the first.
            sqlx::query(
                "SELECT 1 FROM (SELECT pg_advisory_xact_lock(hashtextextended($1, 0))) AS l",
            )
            .bind(format!("intake-sheet:{}", page.serial))
            .fetch_all(&mut *tx)
            .await?;
        }
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let candidates = sqlx::query(&format!(
            "{SELECT_REGISTRATION} WHERE sheet_serial = $1 ORDER BY created_at, id{lock}"
        ))
        .bind(page.serial)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(registration_from_row)
        .collect::<Result<Vec<_>, _>>()?;
        // The registration the previous page of this serial in this file
        // went to: a page with nothing to tell its writer by (page 2 of a
        // sheet) follows the page before it.
        let previous: Option<(Option<String>,)> = sqlx::query_as(
            "SELECT registration_id FROM scan_pages WHERE file_id = $1 AND serial = $2 \
             AND page < $3 AND outcome = 'form' ORDER BY page DESC LIMIT 1",
        )
        .bind(page.file.id.to_string())
        .bind(page.serial)
        .bind(i64::from(page.page))
        .fetch_optional(&mut *tx)
        .await?;
        let previous = previous
            .and_then(|(id,)| id)
            .and_then(|id| Uuid::parse_str(&id).ok());
        // The sheet's registrations that have this form page already.
        let with_page: Vec<Uuid> = sqlx::query_as::<_, (Option<String>,)>(
            "SELECT registration_id FROM scan_pages WHERE serial = $1 AND form_page = $2 \
             AND outcome = 'form'",
        )
        .bind(page.serial)
        .bind(i64::from(page.form_page))
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .filter_map(|(id,)| Uuid::parse_str(&id?).ok())
        .collect();
        // Who this page alone says wrote it.
        let written = WrittenIdentity::of(&merge(None));
        let existing = choose_sheet(&candidates, &written, previous, &with_page);
        let mut copy_of = None;
        let recorded = match existing {
            Some(registration) => {
                let read_before: Option<(i64,)> = sqlx::query_as(
                    "SELECT 1 FROM scan_pages WHERE registration_id = $1 AND form_page = $2 \
                     LIMIT 1",
                )
                .bind(registration.id.to_string())
                .bind(i64::from(page.form_page))
                .fetch_optional(&mut *tx)
                .await?;
                let fields = merge(Some(SheetSoFar {
                    fields: &registration.fields,
                    page_read_before: read_before.is_some(),
                }));
                update_sheet(&mut tx, registration, fields, page.batch).await?;
                // What is known of the person may have grown with this page.
                super::super::duplicates::fold_duplicate(&mut tx, self.backend, registration.id)
                    .await?;
                PageRecorded::Attached(registration.id)
            }
            None => {
                // Another person on a sheet already registered: a copy.
                copy_of = candidates.first().map(|first| first.id);
                let fields = merge(None);
                let id = insert_sheet(&mut tx, page, fields).await?;
                super::super::duplicates::fold_duplicate(&mut tx, self.backend, id).await?;
                PageRecorded::NewRegistration(id)
            }
        };
        let registration = match &recorded {
            PageRecorded::Attached(id) | PageRecorded::NewRegistration(id) => *id,
            _ => unreachable!("a form page belongs to a registration"),
        };
        insert_page(
            &mut tx,
            &PageRow {
                file: page.file.id,
                page: page.page,
                outcome: "form",
                registration: Some(registration),
                triage: None,
                serial: Some(page.serial),
                form_page: Some(page.form_page),
                image_path: page.image_path.as_deref(),
                reason: None,
                by: page.by,
                copy_of,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(recorded)
    }
}

/// Which registration of a serial a page joins: one with the same person
/// written on it (a re-scan, or the sheet's next page); else one nothing
/// sure tells apart from it, still without this form page (page 2 of a
/// photocopied pair goes to the person whose page 2 has not come, however
/// the pile was ordered), else one with it (today's re-scan) - in each,
/// the page before it in the file first, then the sheet's first
/// registration; `None` when every one has surely another person on it,
/// or the serial is new. `with_page`: the registrations that have this
/// form page already.
fn choose_sheet<'r>(
    candidates: &'r [Registration],
    written: &WrittenIdentity,
    previous: Option<Uuid>,
    with_page: &[Uuid],
) -> Option<&'r Registration> {
    let pick = |fits: &dyn Fn(&Registration) -> bool| {
        candidates
            .iter()
            .filter(|r| fits(r))
            .find(|r| Some(r.id) == previous)
            .or_else(|| candidates.iter().find(|r| fits(r)))
    };
    let not_told_apart = |r: &Registration| !WrittenIdentity::of(&r.fields).differs(written);
    pick(&|r| WrittenIdentity::of(&r.fields).matches(written).is_some())
        .or_else(|| pick(&|r| not_told_apart(r) && !with_page.contains(&r.id)))
        .or_else(|| pick(&not_told_apart))
}

fn sheet_status(fields: &BTreeMap<String, FieldReading>) -> RegistrationStatus {
    if fields
        .values()
        .any(|field| field.status == FieldStatus::NeedsReview)
    {
        RegistrationStatus::AwaitingReview
    } else {
        RegistrationStatus::AwaitingCall
    }
}

fn text_of<'a>(fields: &'a BTreeMap<String, FieldReading>, id: &str) -> Option<&'a str> {
    fields.get(id)?.value.as_ref()?.as_text()
}

async fn insert_sheet(
    tx: &mut Transaction<'_, Any>,
    page: &FormPage<'_>,
    fields: BTreeMap<String, FieldReading>,
) -> Result<Uuid, StoreError> {
    let id = Uuid::new_v4();
    let received_at = page.batch.received_at();
    let now = timestamp(OffsetDateTime::now_utc());
    let provenance = Provenance::Paper {
        original_sha256: page.file.sha256.clone(),
        pages: vec![page.page],
        serial: Some(page.serial.to_string()),
    };
    let status = sheet_status(&fields);
    // A random reference may collide: draw again, in a savepoint so the
    // transaction survives the failed insert.
    for _ in 0..5 {
        let mut savepoint = sqlx::Acquire::begin(&mut **tx).await?;
        let inserted = sqlx::query(
            "INSERT INTO registrations (id, reference, form_id, form_version, channel, office, \
             received_at, status, identity_verified, hetu, phone, fields, provenance, \
             sheet_serial, created_at, updated_at, birth_date) \
             VALUES ($1, $2, $3, $4, 'paper', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14, \
             $15)",
        )
        .bind(id.to_string())
        .bind(Reference::generate().as_str())
        .bind(page.form)
        .bind(i64::from(page.version))
        .bind(&page.batch.office)
        .bind(timestamp(received_at))
        .bind(status.as_str())
        .bind(false)
        .bind(text_of(&fields, "hetu"))
        .bind(text_of(&fields, "phone"))
        .bind(serde_json::to_string(&fields).expect("fields serialise"))
        .bind(serde_json::to_string(&provenance).expect("provenance serialises"))
        .bind(page.serial)
        .bind(&now)
        .bind(birth_date_column(&fields))
        .execute(&mut *savepoint)
        .await;
        match inserted {
            Ok(_) => {
                savepoint.commit().await?;
                sqlx::query(
                    "INSERT INTO callbacks (registration_id, due_on, created_at) \
                     VALUES ($1, $2, $3)",
                )
                .bind(id.to_string())
                .bind(calendar::first_contact_due(received_at).to_string())
                .bind(&now)
                .execute(&mut **tx)
                .await?;
                return Ok(id);
            }
            Err(error) if is_unique_violation(&error) => {
                // The reference collided: draw again.
                savepoint.rollback().await?;
            }
            Err(error) => return Err(error.into()),
        }
    }
    Err(StoreError::Corrupt(
        "five references in a row collided".into(),
    ))
}

async fn update_sheet(
    tx: &mut Transaction<'_, Any>,
    registration: &Registration,
    fields: BTreeMap<String, FieldReading>,
    batch: &ScanBatch,
) -> Result<(), StoreError> {
    // Only a sheet still in its first steps follows its fields; one a
    // caseworker has closed, or the jobseeker withdrew, keeps its status.
    let status = match registration.status {
        RegistrationStatus::AwaitingReview | RegistrationStatus::AwaitingCall => {
            sheet_status(&fields)
        }
        other => other,
    };
    // The earliest received date stands.
    let received_at = registration.received_at.min(batch.received_at());
    sqlx::query(
        "UPDATE registrations SET fields = $1, status = $2, hetu = $3, phone = $4, \
         received_at = $5, updated_at = $6, birth_date = $8 WHERE id = $7",
    )
    .bind(serde_json::to_string(&fields).expect("fields serialise"))
    .bind(status.as_str())
    .bind(text_of(&fields, "hetu"))
    .bind(text_of(&fields, "phone"))
    .bind(timestamp(received_at))
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(registration.id.to_string())
    .bind(birth_date_column(&fields))
    .execute(&mut **tx)
    .await?;
    if received_at < registration.received_at {
        sqlx::query("UPDATE callbacks SET due_on = $1 WHERE registration_id = $2")
            .bind(calendar::first_contact_due(received_at).to_string())
            .bind(registration.id.to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::record::{Channel, Value};

    fn written(pairs: &[(&str, &str)]) -> BTreeMap<String, FieldReading> {
        pairs
            .iter()
            .map(|(id, value)| {
                let reading = FieldReading::typed(Some(Value::Text(value.to_string())));
                (id.to_string(), reading)
            })
            .collect()
    }

    fn sheet(surname: &str) -> Registration {
        Registration {
            id: Uuid::new_v4(),
            reference: Reference::generate(),
            form: "jobseeker-start".into(),
            form_version: 2,
            channel: Channel::Paper,
            office: "vaasa".into(),
            received_at: OffsetDateTime::UNIX_EPOCH,
            identity_verified: false,
            status: RegistrationStatus::AwaitingCall,
            fields: written(&[("surname", surname), ("first_names", "AINO")]),
            provenance: Provenance::Paper {
                original_sha256: String::new(),
                pages: vec![1],
                serial: Some("PHTV2C4PYK".into()),
            },
        }
    }

    fn chosen(
        candidates: &[Registration],
        page: &WrittenIdentity,
        previous: Option<Uuid>,
        with_page: &[Uuid],
    ) -> Option<Uuid> {
        choose_sheet(candidates, page, previous, with_page).map(|r| r.id)
    }

    #[test]
    fn a_page_nothing_tells_apart_joins_the_copy_still_without_it() {
        let (first, second) = (sheet("AALTO"), sheet("BERG"));
        let (a, b) = (first.id, second.id);
        let copies = [first, second];
        // Page 2: call time, consent, signature - no one's name.
        let page_2 = WrittenIdentity::of(&BTreeMap::new());
        // The first person's page 2 came; the second's comes by itself, in
        // a file of its own: to the copy still without it.
        assert_eq!(chosen(&copies, &page_2, None, &[a]), Some(b));
        // Both without it: the page before it in the file, else the first.
        assert_eq!(chosen(&copies, &page_2, Some(b), &[]), Some(b));
        assert_eq!(chosen(&copies, &page_2, None, &[]), Some(a));
        // Both have it (a re-scan): the page before it, else the first.
        assert_eq!(chosen(&copies, &page_2, Some(b), &[a, b]), Some(b));
        assert_eq!(chosen(&copies, &page_2, None, &[a, b]), Some(a));
        // A page 1 with a name goes to that person, whatever came before.
        let berg = WrittenIdentity::of(&written(&[("surname", "BERG"), ("first_names", "AINO")]));
        assert_eq!(chosen(&copies, &berg, Some(a), &[a, b]), Some(b));
        // Someone else's: a copy of its own.
        let ceder = WrittenIdentity::of(&written(&[("surname", "CEDER"), ("first_names", "AINO")]));
        assert_eq!(chosen(&copies, &ceder, Some(a), &[]), None);
    }
}
