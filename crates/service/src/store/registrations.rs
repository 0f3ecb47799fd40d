//! Registrations: stored with their callback-queue entry and status link in
//! one transaction, read back whole, withdrawn by the jobseeker.

use std::collections::BTreeMap;

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::any::AnyRow;
use sqlx::{Acquire, Any, Row, Transaction};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::limits::{self, LimitKind, RateKey};
use super::{Backend, Store, StoreError, is_unique_violation, timestamp};
use super::{callbacks::parse_channel, id_column, time_column};
use crate::config::Limits;
use intake_core::calendar;
use intake_core::record::{FieldReading, Provenance, Reference, Registration, RegistrationStatus};

/// A registration about to be stored; the store gives it its id, reference
/// and received time.
#[derive(Debug, Clone)]
pub struct NewRegistration {
    pub form: String,
    pub form_version: u32,
    pub office: String,
    pub fields: BTreeMap<String, FieldReading>,
    pub provenance: Provenance,
    /// Web: the form's one-time token, so a second submit finds the first.
    pub submission_key: Option<SubmissionKey>,
}

/// What makes a web form's submission recognisable when it comes again.
#[derive(Debug, Clone)]
pub struct SubmissionKey {
    /// The nonce of the form's token.
    pub nonce: String,
    /// The status link this form's registration gets, derived from the
    /// nonce with the server's secret: sending the same form again (back
    /// button, double click) shows the same link and makes no new one.
    pub status_token: String,
}

/// What became of a web submission.
#[derive(Debug)]
pub enum Submission {
    Stored {
        registration: Registration,
        status_token: String,
    },
    /// The same form was sent before (refresh, back button, double click):
    /// nothing new was stored, and the status link is the first one.
    AlreadyStored {
        registration: Registration,
        status_token: String,
    },
    Limited(LimitKind),
}

/// What the jobseeker's status page shows.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub registration: Registration,
    pub due_on: Date,
}

pub(super) const SELECT_REGISTRATION: &str = "SELECT id, reference, form_id, form_version, channel, office, \
     received_at, status, identity_verified, fields, provenance FROM registrations";

impl Store {
    /// Stores a web registration with its callback entry and status link in
    /// one transaction, counting it against the rate limits. Only when this
    /// returns `Stored` is the registration durable.
    pub async fn submit_web(
        &self,
        new: NewRegistration,
        client: &RateKey,
        limits: &Limits,
    ) -> Result<Submission, StoreError> {
        if let Some(writer) = &self.group_commit {
            return writer.submit(new, client.clone(), limits.clone()).await;
        }
        // One transaction of its own: a refusal rolls it all back, so no
        // savepoint is needed (two statements fewer per submission).
        for _ in 0..5 {
            let mut tx = self.begin_write().await?;
            let now = OffsetDateTime::now_utc();
            if let Some(kind) =
                limits::count_submission(&mut tx, self.backend, client, limits, now).await?
            {
                tx.rollback().await?;
                return Ok(Submission::Limited(kind));
            }
            match insert(&mut tx, self.backend, &new, now, now).await {
                Ok((registration, status_token)) => {
                    tx.commit().await?;
                    return Ok(Submission::Stored {
                        registration,
                        status_token,
                    });
                }
                Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                    tx.rollback().await?;
                    if let Some(stored) = self.already_stored(&new).await? {
                        return Ok(stored);
                    }
                    // Otherwise the random reference collided: draw again.
                }
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Corrupt(
            "five references in a row collided".into(),
        ))
    }

    /// The registration a form with this submission key made before.
    async fn already_stored(
        &self,
        new: &NewRegistration,
    ) -> Result<Option<Submission>, StoreError> {
        let mut tx = self.reader.begin().await?;
        let first = registration_by_submission_key(&mut tx, new).await?;
        tx.commit().await?;
        Ok(first
            .zip(new.submission_key.as_ref())
            .map(|(registration, key)| Submission::AlreadyStored {
                registration,
                status_token: key.status_token.clone(),
            }))
    }

    pub async fn registration(&self, id: Uuid) -> Result<Option<Registration>, StoreError> {
        let sql = format!("{SELECT_REGISTRATION} WHERE id = $1");
        self.read_one(&sql, &id.to_string(), registration_from_row)
            .await
    }

    pub async fn registration_by_reference(
        &self,
        reference: &Reference,
    ) -> Result<Option<Registration>, StoreError> {
        let sql = format!("{SELECT_REGISTRATION} WHERE reference = $1");
        self.read_one(&sql, reference.as_str(), registration_from_row)
            .await
    }

    /// The due date of a registration's first call (for one folded into an
    /// earlier registration of the same person, that one's).
    pub async fn callback_due(&self, id: Uuid) -> Result<Option<Date>, StoreError> {
        let due: Option<(String,)> = sqlx::query_as(
            "SELECT c.due_on FROM registrations r \
             JOIN callbacks c ON c.registration_id = COALESCE(r.duplicate_of, r.id) \
             WHERE r.id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.reader)
        .await?;
        due.map(|(d,)| parse_date(&d)).transpose()
    }

    /// The registration a private status link leads to. A registration
    /// folded into an earlier one of the same person shows that one, under
    /// the reference its own receipt gave.
    pub async fn status_by_token(&self, token: &str) -> Result<Option<StatusView>, StoreError> {
        let row = sqlx::query(
            "SELECT r.id, own.reference, r.form_id, r.form_version, r.channel, r.office, \
             r.received_at, r.status, r.identity_verified, r.fields, r.provenance, c.due_on \
             FROM status_links s JOIN registrations own ON own.id = s.registration_id \
             JOIN registrations r ON r.id = COALESCE(own.duplicate_of, own.id) \
             JOIN callbacks c ON c.registration_id = r.id WHERE s.token_sha256 = $1",
        )
        .bind(token_hash(token))
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let due_on: String = row.try_get("due_on")?;
        Ok(Some(StatusView {
            registration: registration_from_row(&row)?,
            due_on: parse_date(&due_on)?,
        }))
    }

    /// Stores a registration received at a given moment (a paper batch's
    /// stamped day) with its queue entry, folding it into an open
    /// registration of the same person; returns it as stored.
    pub async fn register_at(
        &self,
        new: NewRegistration,
        received_at: OffsetDateTime,
    ) -> Result<Registration, StoreError> {
        for _ in 0..5 {
            let mut tx = self.begin_write().await?;
            match insert(
                &mut tx,
                self.backend,
                &new,
                received_at,
                OffsetDateTime::now_utc(),
            )
            .await
            {
                Ok((registration, _)) => {
                    tx.commit().await?;
                    return Ok(registration);
                }
                // The random reference collided: draw again.
                Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                    tx.rollback().await?;
                }
                Err(other) => return Err(other),
            }
        }
        Err(StoreError::Corrupt(
            "five references in a row collided".into(),
        ))
    }

    /// Withdraws a registration that is not finished yet; `false` if it was
    /// finished or withdrawn already.
    pub async fn withdraw(&self, id: Uuid) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE registrations SET status = $1, updated_at = $2 \
             WHERE id = $3 AND status IN ($4, $5, $6)",
        )
        .bind(RegistrationStatus::Withdrawn.as_str())
        .bind(timestamp(OffsetDateTime::now_utc()))
        .bind(id.to_string())
        .bind(RegistrationStatus::AwaitingReview.as_str())
        .bind(RegistrationStatus::AwaitingCall.as_str())
        .bind(RegistrationStatus::SendLetter.as_str())
        .execute(&self.writer)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    pub async fn count_registrations(&self) -> Result<i64, StoreError> {
        let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM registrations")
            .fetch_one(&self.reader)
            .await?;
        Ok(count)
    }
}

/// Stores one submission inside a transaction, in a savepoint of its own so
/// that a refused one leaves the rest of the transaction (and of a group
/// commit) intact. A second submit of the same form finds the first.
pub(super) async fn submit_in(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    new: &NewRegistration,
    client: &RateKey,
    limits: &Limits,
) -> Result<Submission, StoreError> {
    for _ in 0..5 {
        let mut savepoint = Acquire::begin(&mut **tx).await?;
        let now = OffsetDateTime::now_utc();
        if let Some(kind) =
            limits::count_submission(&mut savepoint, backend, client, limits, now).await?
        {
            savepoint.rollback().await?;
            return Ok(Submission::Limited(kind));
        }
        match insert(&mut savepoint, backend, new, now, now).await {
            Ok((registration, status_token)) => {
                savepoint.commit().await?;
                return Ok(Submission::Stored {
                    registration,
                    status_token,
                });
            }
            Err(StoreError::Database(e)) if is_unique_violation(&e) => {
                savepoint.rollback().await?;
                if let Some(first) = registration_by_submission_key(tx, new).await?
                    && let Some(key) = &new.submission_key
                {
                    return Ok(Submission::AlreadyStored {
                        registration: first,
                        status_token: key.status_token.clone(),
                    });
                }
                // Otherwise the random reference collided: draw again.
            }
            Err(other) => return Err(other),
        }
    }
    Err(StoreError::Corrupt(
        "five references in a row collided".into(),
    ))
}

async fn registration_by_submission_key(
    tx: &mut Transaction<'_, Any>,
    new: &NewRegistration,
) -> Result<Option<Registration>, StoreError> {
    let Some(key) = &new.submission_key else {
        return Ok(None);
    };
    let sql = format!("{SELECT_REGISTRATION} WHERE submission_key = $1");
    let row = sqlx::query(&sql)
        .bind(&key.nonce)
        .fetch_optional(&mut **tx)
        .await?;
    row.as_ref().map(registration_from_row).transpose()
}

async fn add_status_link(
    tx: &mut Transaction<'_, Any>,
    registration: Uuid,
    token: String,
    now: OffsetDateTime,
) -> Result<String, StoreError> {
    sqlx::query(
        "INSERT INTO status_links (token_sha256, registration_id, created_at) VALUES ($1, $2, $3)",
    )
    .bind(token_hash(&token))
    .bind(registration.to_string())
    .bind(timestamp(now))
    .execute(&mut **tx)
    .await?;
    Ok(token)
}

/// Inserts a registration with its queue entry and status link, then folds
/// it into an open registration of the same person if there is one.
pub(super) async fn insert(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    new: &NewRegistration,
    received_at: OffsetDateTime,
    now: OffsetDateTime,
) -> Result<(Registration, String), StoreError> {
    // Paper fields the machine was unsure of wait for the mailroom first.
    let status = if new
        .fields
        .values()
        .any(|f| f.status == intake_core::record::FieldStatus::NeedsReview)
    {
        RegistrationStatus::AwaitingReview
    } else {
        RegistrationStatus::AwaitingCall
    };
    let registration = Registration {
        id: Uuid::new_v4(),
        reference: Reference::generate(),
        form: new.form.clone(),
        form_version: new.form_version,
        channel: new.provenance.channel(),
        office: new.office.clone(),
        received_at,
        identity_verified: false,
        status,
        fields: new.fields.clone(),
        provenance: new.provenance.clone(),
    };
    let fields = serde_json::to_string(&registration.fields).expect("fields serialise");
    let provenance =
        serde_json::to_string(&registration.provenance).expect("provenance serialises");
    sqlx::query(
        "INSERT INTO registrations (id, reference, form_id, form_version, channel, office, \
         received_at, status, identity_verified, hetu, phone, fields, provenance, \
         submission_key, created_at, updated_at, birth_date) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16)",
    )
    .bind(registration.id.to_string())
    .bind(registration.reference.as_str())
    .bind(&registration.form)
    .bind(i64::from(registration.form_version))
    .bind(registration.channel.as_str())
    .bind(&registration.office)
    .bind(timestamp(received_at))
    .bind(registration.status.as_str())
    .bind(false)
    .bind(registration.text("hetu"))
    .bind(registration.text("phone"))
    .bind(fields)
    .bind(provenance)
    .bind(new.submission_key.as_ref().map(|k| k.nonce.as_str()))
    .bind(timestamp(now))
    .bind(super::duplicates::birth_date_column(&registration.fields))
    .execute(&mut **tx)
    .await?;

    let due_on = calendar::first_contact_due(received_at);
    sqlx::query("INSERT INTO callbacks (registration_id, due_on, created_at) VALUES ($1, $2, $3)")
        .bind(registration.id.to_string())
        .bind(due_on.to_string())
        .bind(timestamp(now))
        .execute(&mut **tx)
        .await?;

    let token = match &new.submission_key {
        Some(key) => key.status_token.clone(),
        None => new_token(),
    };
    let token = add_status_link(tx, registration.id, token, now).await?;
    super::duplicates::fold_new(
        tx,
        backend,
        registration.id,
        &registration.fields,
        received_at,
    )
    .await?;
    Ok((registration, token))
}

pub(super) fn registration_from_row(row: &AnyRow) -> Result<Registration, StoreError> {
    let corrupt =
        |what: &str, e: &dyn std::fmt::Display| StoreError::Corrupt(format!("{what}: {e}"));
    let reference: String = row.try_get("reference")?;
    let channel: String = row.try_get("channel")?;
    let status: String = row.try_get("status")?;
    let fields: String = row.try_get("fields")?;
    let provenance: String = row.try_get("provenance")?;
    let form_version: i64 = row.try_get("form_version")?;
    Ok(Registration {
        id: id_column(row, "id")?,
        reference: Reference::parse(&reference)
            .ok_or_else(|| StoreError::Corrupt(format!("reference `{reference}`")))?,
        form: row.try_get("form_id")?,
        form_version: u32::try_from(form_version).map_err(|e| corrupt("form version", &e))?,
        channel: parse_channel(&channel)?,
        office: row.try_get("office")?,
        received_at: time_column(row, "received_at")?,
        identity_verified: get_bool(row, "identity_verified")?,
        status: RegistrationStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("status `{status}`")))?,
        fields: serde_json::from_str(&fields).map_err(|e| corrupt("fields", &e))?,
        provenance: serde_json::from_str(&provenance).map_err(|e| corrupt("provenance", &e))?,
    })
}

/// A yes/no column: BOOLEAN in PostgreSQL, INTEGER 0/1 in SQLite.
fn get_bool(row: &AnyRow, column: &str) -> Result<bool, StoreError> {
    match row.try_get::<bool, _>(column) {
        Ok(value) => Ok(value),
        Err(_) => Ok(row.try_get::<i64, _>(column)? != 0),
    }
}

pub(super) fn parse_date(text: &str) -> Result<Date, StoreError> {
    Date::parse(
        text,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .map_err(|e| StoreError::Corrupt(format!("date `{text}`: {e}")))
}

/// A private status link's secret: 256 random bits, URL-safe.
fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Only this hash is stored: a copy of the database opens no status page.
pub(super) fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
