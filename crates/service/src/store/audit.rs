//! The audit log: every staff view and change of a registration, and every
//! sign-in, with who and when. Entries are written in the same transaction
//! as the change they describe, and never updated or deleted.

use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use time::OffsetDateTime;
use uuid::Uuid;

use super::{Store, StoreError, parse_timestamp, timestamp};

/// What a staff member did: every action the log holds. `code()` is what
/// is stored, so never change one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditAction {
    View,
    Claim,
    Release,
    TakeOver,
    Attempt,
    Close,
    Export,
    SignIn,
    SignOut,
    SignInRefused,
    Unlock,
    QueueView,
    Verify,
    VerifySentOn,
    ScanUpload,
    TriageView,
    TriageConvert,
    TriageLink,
    TriageClose,
    /// Quarantined files sent back to be read (`intake requeue`).
    ScanRequeue,
    AccountDisable,
    AccountEnable,
    PasswordReset,
    RoleChange,
    /// One person's data removed everywhere (`intake erase`).
    Erasure,
    /// A run of the retention rules that removed something, or any
    /// `intake purge`.
    RetentionPurge,
    /// One person's data written out for an access request.
    SubjectExport,
    /// A letter (name and address) printed in a letter batch.
    LetterPrint,
}

impl AuditAction {
    pub const ALL: [AuditAction; 28] = [
        AuditAction::View,
        AuditAction::Claim,
        AuditAction::Release,
        AuditAction::TakeOver,
        AuditAction::Attempt,
        AuditAction::Close,
        AuditAction::Export,
        AuditAction::SignIn,
        AuditAction::SignOut,
        AuditAction::SignInRefused,
        AuditAction::Unlock,
        AuditAction::QueueView,
        AuditAction::Verify,
        AuditAction::VerifySentOn,
        AuditAction::ScanUpload,
        AuditAction::TriageView,
        AuditAction::TriageConvert,
        AuditAction::TriageLink,
        AuditAction::TriageClose,
        AuditAction::ScanRequeue,
        AuditAction::AccountDisable,
        AuditAction::AccountEnable,
        AuditAction::PasswordReset,
        AuditAction::RoleChange,
        AuditAction::Erasure,
        AuditAction::RetentionPurge,
        AuditAction::SubjectExport,
        AuditAction::LetterPrint,
    ];

    pub fn code(self) -> &'static str {
        match self {
            AuditAction::View => "view",
            AuditAction::Claim => "claim",
            AuditAction::Release => "release",
            AuditAction::TakeOver => "take_over",
            AuditAction::Attempt => "attempt",
            AuditAction::Close => "close",
            AuditAction::Export => "export",
            AuditAction::SignIn => "sign_in",
            AuditAction::SignOut => "sign_out",
            AuditAction::SignInRefused => "sign_in_refused",
            AuditAction::Unlock => "unlock",
            AuditAction::QueueView => "queue_view",
            AuditAction::Verify => "verify",
            AuditAction::VerifySentOn => "verify_sent_on",
            AuditAction::ScanUpload => "scan_upload",
            AuditAction::TriageView => "triage_view",
            AuditAction::TriageConvert => "triage_convert",
            AuditAction::TriageLink => "triage_link",
            AuditAction::TriageClose => "triage_close",
            AuditAction::ScanRequeue => "scan_requeue",
            AuditAction::AccountDisable => "account_disable",
            AuditAction::AccountEnable => "account_enable",
            AuditAction::PasswordReset => "password_reset",
            AuditAction::RoleChange => "role_change",
            AuditAction::Erasure => "erasure",
            AuditAction::RetentionPurge => "retention_purge",
            AuditAction::SubjectExport => "subject_export",
            AuditAction::LetterPrint => "letter_print",
        }
    }

    pub fn from_code(code: &str) -> Option<AuditAction> {
        Self::ALL.into_iter().find(|a| a.code() == code)
    }
}

/// One line of the log, as the admin pages show it.
#[derive(Debug, Clone)]
pub struct AuditEntry {
    pub at: OffsetDateTime,
    pub staff_id: Option<Uuid>,
    pub staff_name: Option<String>,
    pub registration_id: Option<Uuid>,
    pub reference: Option<String>,
    pub action: String,
    pub detail: String,
}

/// Writes one entry on the caller's connection or transaction.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    at: OffsetDateTime,
    staff: Option<Uuid>,
    registration: Option<Uuid>,
    action: AuditAction,
    detail: &str,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO audit_log (at, staff_id, registration_id, action, detail) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(timestamp(at))
    .bind(staff.map(|id| id.to_string()))
    .bind(registration.map(|id| id.to_string()))
    .bind(action.code())
    .bind(detail)
    .execute(conn)
    .await?;
    Ok(())
}

/// Rows of one multi-row insert of [`record_each`]: five values a row, well
/// within both backends' bounds.
const ROWS_PER_INSERT: usize = 200;

/// The same action by one person against each of many registrations (an
/// export), a few hundred rows a statement instead of a round trip each.
pub(crate) async fn record_each(
    conn: &mut AnyConnection,
    at: OffsetDateTime,
    staff: Option<Uuid>,
    registrations: &[Uuid],
    action: AuditAction,
    detail: &str,
) -> Result<(), StoreError> {
    let at = timestamp(at);
    let staff = staff.map(|id| id.to_string());
    for chunk in registrations.chunks(ROWS_PER_INSERT) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|n| format!("($1, $2, ${}, $3, $4)", n + 5))
            .collect();
        let sql = format!(
            "INSERT INTO audit_log (at, staff_id, registration_id, action, detail) VALUES {}",
            rows.join(", ")
        );
        let mut query = sqlx::query(&sql)
            .bind(&at)
            .bind(&staff)
            .bind(action.code())
            .bind(detail);
        for registration in chunk {
            query = query.bind(registration.to_string());
        }
        query.execute(&mut *conn).await?;
    }
    Ok(())
}

const SELECT_ENTRIES: &str = "SELECT a.at, a.staff_id, s.name AS staff_name, a.registration_id, \
     r.reference, a.action, a.detail FROM audit_log a \
     LEFT JOIN staff s ON s.id = a.staff_id \
     LEFT JOIN registrations r ON r.id = a.registration_id";

/// Most entries one admin page shows.
const PAGE: i64 = 1000;

impl Store {
    /// Records something a staff member saw (a registration, a queue). A
    /// view that cannot be recorded is not shown: the caller fails.
    pub async fn audit_event(
        &self,
        staff: Uuid,
        registration: Option<Uuid>,
        action: AuditAction,
        detail: &str,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut conn = self.writer.acquire().await?;
        record(&mut conn, now, Some(staff), registration, action, detail).await
    }

    /// Everything done to one registration and to the registrations folded
    /// into it, newest first.
    pub async fn audit_for_registration(&self, id: Uuid) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_ENTRIES} WHERE a.registration_id = $1 OR a.registration_id IN \
             (SELECT id FROM registrations WHERE duplicate_of = $1) ORDER BY a.id DESC LIMIT {PAGE}"
        ))
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }

    /// What was done without a registration or a staff member (commands
    /// run on the server), newest first.
    pub async fn audit_of_action(
        &self,
        action: AuditAction,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        self.read_all(
            &format!("{SELECT_ENTRIES} WHERE a.action = $1 ORDER BY a.id DESC LIMIT {PAGE}"),
            action.code(),
            entry_from_row,
        )
        .await
    }

    /// Everything one staff member did, newest first.
    pub async fn audit_for_staff(&self, id: Uuid) -> Result<Vec<AuditEntry>, StoreError> {
        let rows = sqlx::query(&format!(
            "{SELECT_ENTRIES} WHERE a.staff_id = $1 ORDER BY a.id DESC LIMIT {PAGE}"
        ))
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(entry_from_row).collect()
    }
}

fn entry_from_row(row: &AnyRow) -> Result<AuditEntry, StoreError> {
    let at: String = row.try_get("at")?;
    let staff_id: Option<String> = row.try_get("staff_id")?;
    let registration_id: Option<String> = row.try_get("registration_id")?;
    Ok(AuditEntry {
        at: parse_timestamp(&at)?,
        staff_id: staff_id.as_deref().map(parse_uuid).transpose()?,
        staff_name: row.try_get("staff_name")?,
        registration_id: registration_id.as_deref().map(parse_uuid).transpose()?,
        reference: row.try_get("reference")?,
        action: row.try_get("action")?,
        detail: row.try_get("detail")?,
    })
}

pub(super) fn parse_uuid(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("id `{text}`: {e}")))
}
