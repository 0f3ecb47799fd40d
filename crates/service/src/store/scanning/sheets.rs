//! A form sheet is one registration, found again by its serial: its first
//! page makes it, later pages and re-scans join it.

use std::collections::BTreeMap;

use sqlx::{Any, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use super::super::registrations::{SELECT_REGISTRATION, registration_from_row};
use super::super::{Backend, Store, StoreError, is_unique_violation, timestamp};
use super::pages::{PageRow, insert_page, page_recorded};
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
    pub worker: &'a str,
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
            // Another worker made the sheet's registration at the same
            // moment: this page now joins it.
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
        let mut tx = self.writer.begin().await?;
        if page_recorded(&mut tx, page.file.id, page.page).await? {
            return Ok(PageRecorded::AlreadyDone);
        }
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let existing = sqlx::query(&format!(
            "{SELECT_REGISTRATION} WHERE sheet_serial = $1{lock}"
        ))
        .bind(page.serial)
        .fetch_optional(&mut *tx)
        .await?
        .map(|row| registration_from_row(&row))
        .transpose()?;
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
                update_sheet(&mut tx, &registration, fields, page.batch).await?;
                // What is known of the person may have grown with this page.
                super::super::duplicates::fold_duplicate(&mut tx, self.backend, registration.id)
                    .await?;
                PageRecorded::Attached(registration.id)
            }
            None => {
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
                worker: page.worker,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(recorded)
    }
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
             sheet_serial, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, 'paper', $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)",
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
                savepoint.rollback().await?;
                // The serial itself: another worker made this sheet's
                // registration at the same moment. The page is recorded
                // again, this time as attached. Otherwise the reference
                // collided: draw again.
                let taken: Option<(String,)> =
                    sqlx::query_as("SELECT id FROM registrations WHERE sheet_serial = $1")
                        .bind(page.serial)
                        .fetch_optional(&mut **tx)
                        .await?;
                if taken.is_some() {
                    return Err(StoreError::Database(error));
                }
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
         received_at = $5, updated_at = $6 WHERE id = $7",
    )
    .bind(serde_json::to_string(&fields).expect("fields serialise"))
    .bind(status.as_str())
    .bind(text_of(&fields, "hetu"))
    .bind(text_of(&fields, "phone"))
    .bind(timestamp(received_at))
    .bind(timestamp(OffsetDateTime::now_utc()))
    .bind(registration.id.to_string())
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
