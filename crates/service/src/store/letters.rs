//! Letters for registrations in "send a letter": which are due, the batch
//! each download makes (the exact set printed), and marking a batch sent,
//! which closes those registrations as "letter sent", audited, in one
//! transaction.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, AuditAction};
use super::registrations::registration_from_row;
use super::{Store, StoreError, id_column, optional_id, optional_time, time_column, timestamp};
use crate::callbacks::{CallOutcome, CloseResult};
use intake_core::record::{Registration, RegistrationStatus};

/// A registration waiting for its letter.
#[derive(Debug, Clone)]
pub struct DueLetter {
    pub registration: Registration,
    /// Calls made that did not reach the person.
    pub attempts: u32,
    /// The batch not yet marked sent that already holds its letter.
    pub open_batch: Option<Uuid>,
}

/// A pending letter not known to print, as read for checking.
#[derive(Debug, Clone)]
pub struct UncheckedLetter {
    pub due: DueLetter,
    /// What was found of its fields before, if they were looked at.
    pub check: Option<String>,
    /// Its fields as stored, so that a check is remembered only of these.
    pub stored_fields: String,
}

/// What the letter check found of one registration's fields.
#[derive(Debug, Clone, Copy)]
pub struct LetterCheck<'a> {
    pub registration: Uuid,
    pub stored_fields: &'a str,
    /// [`LETTER_PRINTABLE`] or an address problem's code.
    pub check: &'static str,
}

/// A download of letters.
#[derive(Debug, Clone)]
pub struct LetterBatch {
    pub id: Uuid,
    /// `None`: every office.
    pub office: Option<String>,
    pub made_at: OffsetDateTime,
    pub made_by_name: String,
    pub sent_at: Option<OffsetDateTime>,
    pub sent_by_name: Option<String>,
    /// Letters in it.
    pub letters: i64,
}

/// Who prints or marks a batch: a signed-in staff member, or the user
/// running `intake letters`.
#[derive(Debug, Clone)]
pub struct LetterHand {
    pub staff: Option<Uuid>,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkedSent {
    /// `closed` registrations closed as "letter sent"; `skipped` were no
    /// longer waiting for a letter (withdrawn or closed meanwhile).
    Done {
        closed: usize,
        skipped: usize,
    },
    AlreadySent(OffsetDateTime),
    NotFound,
}

/// The columns of a due letter: the registration, its calls that did not
/// reach the person (what the letter says was tried: no answer, busy,
/// voicemail, a wrong number or person; not a call that reached them),
/// and the open batch holding its letter. `r` is the registration.
fn due_columns() -> String {
    let failed: Vec<String> = CallOutcome::ALL
        .into_iter()
        .filter(|outcome| !outcome.is_contact())
        .map(|outcome| format!("'{}'", outcome.as_str()))
        .collect();
    let failed = failed.join(", ");
    format!(
        "r.id, r.reference, r.form_id, r.form_version, r.channel, \
         r.office, r.received_at, r.status, r.identity_verified, r.fields, r.provenance, \
         (SELECT COUNT(*) FROM call_attempts a WHERE a.registration_id = r.id \
            AND a.outcome IN ({failed})) AS attempts, \
         (SELECT MAX(l.batch_id) FROM letter_batch_letters l JOIN letter_batches b \
            ON b.id = l.batch_id WHERE l.registration_id = r.id AND b.sent_at IS NULL) \
            AS open_batch"
    )
}

/// What `callbacks.letter_check` holds for fields that give a letter the
/// mailroom can print; otherwise the address problem's code.
pub const LETTER_PRINTABLE: &str = "printable";

/// Rows of one multi-row statement of a batch: well within both backends'
/// bounds on parameters.
const LETTERS_PER_INSERT: usize = 200;

const SELECT_BATCH: &str = "SELECT b.id, b.office, b.made_at, b.made_by_name, b.sent_at, \
     b.sent_by_name, (SELECT COUNT(*) FROM letter_batch_letters l WHERE l.batch_id = b.id) \
     AS letters FROM letter_batches b";

impl Store {
    /// Registrations in "send a letter" (of one office, or all), oldest
    /// received first.
    pub async fn due_letters(&self, office: Option<&str>) -> Result<Vec<DueLetter>, StoreError> {
        let sql = format!(
            "SELECT {} FROM registrations r WHERE r.status = $1 AND r.duplicate_of IS NULL \
             AND ($2 = '' OR r.office = $2) ORDER BY r.received_at, r.reference",
            due_columns()
        );
        let rows = sqlx::query(&sql)
            .bind(RegistrationStatus::SendLetter.as_str())
            .bind(office.unwrap_or("").to_string())
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(due_from_row).collect()
    }

    /// The registrations in "send a letter" whose letter is not known to
    /// print: fields not checked yet, or with a problem, or of an office
    /// not among `offices`. Oldest received first, as
    /// [`Store::due_letters`].
    pub async fn letters_not_known_to_print(
        &self,
        offices: &[&str],
    ) -> Result<Vec<UncheckedLetter>, StoreError> {
        // From the partial index of pending letters (callbacks_letter_check),
        // reading whole rows of these alone.
        let mut sql = format!(
            "SELECT {}, k.letter_check FROM callbacks k CROSS JOIN registrations r \
             WHERE k.status = 'send_letter' AND r.id = k.registration_id",
            due_columns()
        );
        if !offices.is_empty() {
            let known: Vec<String> = (1..=offices.len()).map(|n| format!("${n}")).collect();
            sql.push_str(&format!(
                " AND (k.letter_check IS NULL OR k.letter_check <> '{LETTER_PRINTABLE}' \
                 OR k.office NOT IN ({}))",
                known.join(", ")
            ));
        }
        sql.push_str(" ORDER BY r.received_at, r.reference");
        let mut query = sqlx::query(&sql);
        for office in offices {
            query = query.bind(office.to_string());
        }
        let rows = query.fetch_all(&self.reader).await?;
        rows.iter()
            .map(|row| {
                Ok(UncheckedLetter {
                    due: due_from_row(row)?,
                    check: row.try_get("letter_check")?,
                    stored_fields: row.try_get("fields")?,
                })
            })
            .collect()
    }

    /// Remembers what the letter check found of registrations' fields,
    /// each only if its fields are still those read (a later page of the
    /// sheet may have changed them meanwhile, which forgets a check).
    pub async fn record_letter_checks(&self, checks: &[LetterCheck<'_>]) -> Result<(), StoreError> {
        if checks.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin_write().await?;
        for check in checks {
            sqlx::query(
                "UPDATE callbacks SET letter_check = $1 WHERE registration_id = $2 \
                 AND letter_check IS NULL \
                 AND (SELECT r.fields FROM registrations r WHERE r.id = $2) = $3",
            )
            .bind(check.check)
            .bind(check.registration.to_string())
            .bind(check.stored_fields)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The letters of a batch still waiting to be sent, for printing it
    /// again.
    pub async fn batch_letters(&self, batch: Uuid) -> Result<Vec<DueLetter>, StoreError> {
        let sql = format!(
            "SELECT {} FROM registrations r JOIN letter_batch_letters k ON k.registration_id = r.id \
             WHERE k.batch_id = $1 AND r.status = $2 ORDER BY r.received_at, r.reference",
            due_columns()
        );
        let rows = sqlx::query(&sql)
            .bind(batch.to_string())
            .bind(RegistrationStatus::SendLetter.as_str())
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(due_from_row).collect()
    }

    /// Records a download: the batch and exactly the letters printed in
    /// it, with an audit entry for each registration whose letter (name
    /// and address) was printed.
    pub async fn record_letter_batch(
        &self,
        office: Option<&str>,
        registrations: &[Uuid],
        by: &LetterHand,
        now: OffsetDateTime,
    ) -> Result<Uuid, StoreError> {
        let id = Uuid::new_v4();
        let mut tx = self.begin_write().await?;
        sqlx::query(
            "INSERT INTO letter_batches (id, office, made_at, made_by, made_by_name) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.to_string())
        .bind(office.map(str::to_string))
        .bind(timestamp(now))
        .bind(by.staff.map(|s| s.to_string()))
        .bind(&by.name)
        .execute(&mut *tx)
        .await?;
        for chunk in registrations.chunks(LETTERS_PER_INSERT) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|n| format!("($1, ${})", n + 2))
                .collect();
            let sql = format!(
                "INSERT INTO letter_batch_letters (batch_id, registration_id) VALUES {}",
                rows.join(", ")
            );
            let mut query = sqlx::query(&sql).bind(id.to_string());
            for registration in chunk {
                query = query.bind(registration.to_string());
            }
            query.execute(&mut *tx).await?;
        }
        let detail = format!("batch {id} made, by {}", by.name);
        let action = AuditAction::LetterPrint;
        audit::record_each(&mut tx, now, by.staff, registrations, action, &detail).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// A batch's letters downloaded (again), audited for each.
    pub async fn record_letter_reprint(
        &self,
        batch: Uuid,
        registrations: &[Uuid],
        by: &LetterHand,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        let detail = format!("batch {batch} downloaded, by {}", by.name);
        let action = AuditAction::LetterPrint;
        audit::record_each(&mut tx, now, by.staff, registrations, action, &detail).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn letter_batch(&self, id: Uuid) -> Result<Option<LetterBatch>, StoreError> {
        let sql = format!("{SELECT_BATCH} WHERE b.id = $1");
        self.read_one(&sql, &id.to_string(), batch_from_row).await
    }

    /// Batches downloaded and not yet marked sent, oldest first.
    pub async fn open_letter_batches(&self) -> Result<Vec<LetterBatch>, StoreError> {
        let sql = format!("{SELECT_BATCH} WHERE b.sent_at IS NULL ORDER BY b.made_at");
        let rows = sqlx::query(&sql).fetch_all(&self.reader).await?;
        rows.iter().map(batch_from_row).collect()
    }

    /// After printing: every registration of the batch still waiting for
    /// its letter closes as "letter sent", each audited, and the batch is
    /// marked sent, all in one transaction. A batch is marked once.
    pub async fn mark_letter_batch_sent(
        &self,
        id: Uuid,
        by: &LetterHand,
        now: OffsetDateTime,
    ) -> Result<MarkedSent, StoreError> {
        let now_text = timestamp(now);
        let mut tx = self.begin_write().await?;
        let marked = sqlx::query(
            "UPDATE letter_batches SET sent_at = $1, sent_by = $2, sent_by_name = $3 \
             WHERE id = $4 AND sent_at IS NULL",
        )
        .bind(&now_text)
        .bind(by.staff.map(|s| s.to_string()))
        .bind(&by.name)
        .bind(id.to_string())
        .execute(&mut *tx)
        .await?;
        if marked.rows_affected() != 1 {
            tx.rollback().await?;
            return Ok(match self.letter_batch(id).await? {
                Some(LetterBatch {
                    sent_at: Some(at), ..
                }) => MarkedSent::AlreadySent(at),
                _ => MarkedSent::NotFound,
            });
        }
        // Set-based: the batch's letters still waiting close in one
        // statement (each queue entry follows by trigger), then their
        // entries and audit rows a few hundred at a time.
        let members: (i64,) =
            sqlx::query_as("SELECT COUNT(*) FROM letter_batch_letters WHERE batch_id = $1")
                .bind(id.to_string())
                .fetch_one(&mut *tx)
                .await?;
        let done: Vec<(String,)> = sqlx::query_as(
            "UPDATE registrations SET status = $1, updated_at = $2 WHERE status = $3 \
             AND id IN (SELECT registration_id FROM letter_batch_letters WHERE batch_id = $4) \
             RETURNING id",
        )
        .bind(RegistrationStatus::Closed.as_str())
        .bind(&now_text)
        .bind(RegistrationStatus::SendLetter.as_str())
        .bind(id.to_string())
        .fetch_all(&mut *tx)
        .await?;
        let mut closed = Vec::with_capacity(done.len());
        for (registration,) in &done {
            closed.push(super::parse_id(registration)?);
        }
        // The same order for every backend and run.
        closed.sort();
        for chunk in closed.chunks(LETTERS_PER_INSERT) {
            let list: Vec<String> = (0..chunk.len()).map(|n| format!("${}", n + 5)).collect();
            let sql = format!(
                "UPDATE callbacks SET result = $1, result_note = $2, closed_at = $3, \
                 closed_by = $4, next_call_at = NULL, lease_holder = NULL, lease_until = NULL \
                 WHERE registration_id IN ({})",
                list.join(", ")
            );
            let mut query = sqlx::query(&sql)
                .bind(CloseResult::LetterSent.as_str())
                .bind(format!("letter batch {id}"))
                .bind(&now_text)
                .bind(by.staff.map(|s| s.to_string()));
            for registration in chunk {
                query = query.bind(registration.to_string());
            }
            query.execute(&mut *tx).await?;
        }
        let detail = format!(
            "{}, batch {id}, by {}",
            CloseResult::LetterSent.as_str(),
            by.name
        );
        audit::record_each(&mut tx, now, by.staff, &closed, AuditAction::Close, &detail).await?;
        let closed = closed.len();
        let skipped = usize::try_from(members.0)
            .unwrap_or(0)
            .saturating_sub(closed);
        tx.commit().await?;
        Ok(MarkedSent::Done { closed, skipped })
    }
}

fn due_from_row(row: &AnyRow) -> Result<DueLetter, StoreError> {
    let attempts: i64 = row.try_get("attempts")?;
    Ok(DueLetter {
        registration: registration_from_row(row)?,
        attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
        open_batch: optional_id(row, "open_batch")?,
    })
}

fn batch_from_row(row: &AnyRow) -> Result<LetterBatch, StoreError> {
    Ok(LetterBatch {
        id: id_column(row, "id")?,
        office: row.try_get("office")?,
        made_at: time_column(row, "made_at")?,
        made_by_name: row.try_get("made_by_name")?,
        sent_at: optional_time(row, "sent_at")?,
        sent_by_name: row.try_get("sent_by_name")?,
        letters: row.try_get("letters")?,
    })
}
