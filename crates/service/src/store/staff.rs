//! Staff accounts and their sessions. A session's secret lives only in the
//! browser's cookie; the database keeps its SHA-256, so a copy of the
//! database signs no one in. Sign-ins and sign-outs go to the audit log.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::AuditAction;
use super::registrations::token_hash;
use super::{Store, StoreError, is_unique_violation, timestamp};
use super::{id_column, optional_time, parse_optional_timestamp, staff_did, time_column};
use crate::accounts::{Role, normalise_name, password};
use crate::config::StaffSettings;

/// A staff account as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    pub locked_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

/// What checking a password needs.
#[derive(Debug, Clone)]
pub struct SignInRecord {
    pub member: StaffMember,
    pub password_hash: String,
}

/// A signed-in staff member.
#[derive(Debug, Clone)]
pub struct StaffSession {
    pub member: StaffMember,
    /// The SHA-256 of the session's secret: what the CSRF token is keyed on.
    pub token_sha256: String,
    pub created_at: OffsetDateTime,
}

/// A session's `last_seen_at` is written at most this often, so that
/// browsing does not turn every page view into a write.
const TOUCH_EVERY: time::Duration = time::Duration::seconds(60);

const SELECT_STAFF: &str = "SELECT id, name, role, locked_until, created_at FROM staff";

impl Store {
    /// Creates an account (`intake user add`, the admin page): the name and
    /// password checked, the hash made off the async runtime, then stored.
    pub async fn add_user(
        &self,
        name: &str,
        role: Role,
        new_password: String,
    ) -> anyhow::Result<StaffMember> {
        use anyhow::Context;
        let name = normalise_name(name)?;
        password::check_new(&new_password).map_err(anyhow::Error::msg)?;
        let hash = tokio::task::spawn_blocking(move || password::hash(&new_password))
            .await
            .context("hashing the password")?;
        self.add_staff(&name, role, &hash, OffsetDateTime::now_utc())
            .await
            .context("storing the account")?
            .with_context(|| format!("the user name `{name}` is taken"))
    }

    /// Creates an account; `None` when the name is taken.
    pub async fn add_staff(
        &self,
        name: &str,
        role: Role,
        password_hash: &str,
        now: OffsetDateTime,
    ) -> Result<Option<StaffMember>, StoreError> {
        let member = StaffMember {
            id: Uuid::new_v4(),
            name: name.to_string(),
            role,
            locked_until: None,
            created_at: now,
        };
        let inserted = sqlx::query(
            "INSERT INTO staff (id, name, role, password_hash, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $5)",
        )
        .bind(member.id.to_string())
        .bind(&member.name)
        .bind(role.as_str())
        .bind(password_hash)
        .bind(timestamp(now))
        .execute(&self.writer)
        .await;
        match inserted {
            Ok(_) => Ok(Some(member)),
            Err(e) if is_unique_violation(&e) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn staff_for_sign_in(&self, name: &str) -> Result<Option<SignInRecord>, StoreError> {
        let row = sqlx::query(
            "SELECT id, name, role, locked_until, created_at, password_hash FROM staff \
             WHERE name = $1",
        )
        .bind(name)
        .fetch_optional(&self.writer)
        .await?;
        row.map(|row| {
            Ok(SignInRecord {
                member: member_from_row(&row)?,
                password_hash: row.try_get("password_hash")?,
            })
        })
        .transpose()
    }

    /// Counts a wrong password; returns until when the account is locked,
    /// if it now is. A lock that has run out starts the count afresh.
    pub async fn record_failed_sign_in(
        &self,
        staff: Uuid,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<Option<OffsetDateTime>, StoreError> {
        let now_text = timestamp(now);
        let mut tx = self.begin_write().await?;
        // Both expressions see the row as it was: one statement, no race.
        let row: Option<(Option<String>,)> = sqlx::query_as(
            "UPDATE staff SET \
               failed_sign_ins = CASE WHEN locked_until IS NOT NULL AND locked_until <= $1 \
                 THEN 1 ELSE failed_sign_ins + 1 END, \
               locked_until = CASE \
                 WHEN locked_until IS NOT NULL AND locked_until > $1 THEN locked_until \
                 WHEN (CASE WHEN locked_until IS NOT NULL AND locked_until <= $1 \
                   THEN 1 ELSE failed_sign_ins + 1 END) >= $2 THEN $3 \
                 ELSE NULL END, \
               updated_at = $1 \
             WHERE id = $4 RETURNING locked_until",
        )
        .bind(&now_text)
        .bind(i64::from(settings.max_failed_sign_ins))
        .bind(timestamp(now + settings.lockout()))
        .bind(staff.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let locked_until = parse_optional_timestamp(row.and_then(|(until,)| until).as_deref())?
            .filter(|until| *until > now);
        let detail = if locked_until.is_some() {
            "locked"
        } else {
            "wrong password"
        };
        staff_did(
            &mut tx,
            now,
            staff,
            None,
            AuditAction::SignInRefused,
            detail,
        )
        .await?;
        tx.commit().await?;
        Ok(locked_until)
    }

    /// Starts a session for a correct password: the failure count starts
    /// afresh and the sign-in is logged.
    pub async fn start_session(
        &self,
        staff: Uuid,
        token: &str,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let now_text = timestamp(now);
        let mut tx = self.begin_write().await?;
        // Sessions never used again would stay forever: sweep them here.
        sqlx::query("DELETE FROM staff_sessions WHERE expires_at <= $1 OR last_seen_at <= $2")
            .bind(&now_text)
            .bind(timestamp(now - settings.idle_timeout()))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "UPDATE staff SET failed_sign_ins = 0, locked_until = NULL, updated_at = $1 \
             WHERE id = $2",
        )
        .bind(&now_text)
        .bind(staff.to_string())
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO staff_sessions (token_sha256, staff_id, created_at, last_seen_at, \
             expires_at) VALUES ($1, $2, $3, $3, $4)",
        )
        .bind(token_hash(token))
        .bind(staff.to_string())
        .bind(&now_text)
        .bind(timestamp(now + settings.session_lifetime()))
        .execute(&mut *tx)
        .await?;
        staff_did(&mut tx, now, staff, None, AuditAction::SignIn, "").await?;
        tx.commit().await?;
        Ok(())
    }

    /// The session a cookie's secret opens, if it is still alive: not past
    /// its lifetime, not idle too long. Each use keeps it from going idle.
    pub async fn staff_session(
        &self,
        token: &str,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<Option<StaffSession>, StoreError> {
        let hash = token_hash(token);
        let row = sqlx::query(
            "SELECT st.id, st.name, st.role, st.locked_until, st.created_at, \
             s.created_at AS session_created_at, s.last_seen_at, s.expires_at \
             FROM staff_sessions s JOIN staff st ON st.id = s.staff_id \
             WHERE s.token_sha256 = $1",
        )
        .bind(&hash)
        .fetch_optional(&self.reader)
        .await?;
        let Some(row) = row else { return Ok(None) };
        let last_seen = time_column(&row, "last_seen_at")?;
        let expires = time_column(&row, "expires_at")?;
        if now >= expires || now - last_seen >= settings.idle_timeout() {
            self.end_session(token).await?;
            return Ok(None);
        }
        if now - last_seen >= TOUCH_EVERY {
            sqlx::query("UPDATE staff_sessions SET last_seen_at = $1 WHERE token_sha256 = $2")
                .bind(timestamp(now))
                .bind(&hash)
                .execute(&self.writer)
                .await?;
        }
        Ok(Some(StaffSession {
            member: member_from_row(&row)?,
            created_at: time_column(&row, "session_created_at")?,
            token_sha256: hash,
        }))
    }

    /// Ends a session (signing out, or one found expired).
    pub async fn end_session(&self, token: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM staff_sessions WHERE token_sha256 = $1")
            .bind(token_hash(token))
            .execute(&self.writer)
            .await?;
        Ok(())
    }

    /// Signs a staff member out, with an entry in the audit log.
    pub async fn sign_out(
        &self,
        session: &StaffSession,
        now: OffsetDateTime,
    ) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        sqlx::query("DELETE FROM staff_sessions WHERE token_sha256 = $1")
            .bind(&session.token_sha256)
            .execute(&mut *tx)
            .await?;
        staff_did(
            &mut tx,
            now,
            session.member.id,
            None,
            AuditAction::SignOut,
            "",
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn staff_members(&self) -> Result<Vec<StaffMember>, StoreError> {
        let rows = sqlx::query(&format!("{SELECT_STAFF} ORDER BY name"))
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(member_from_row).collect()
    }

    pub async fn staff_member(&self, id: Uuid) -> Result<Option<StaffMember>, StoreError> {
        let sql = format!("{SELECT_STAFF} WHERE id = $1");
        self.read_one(&sql, &id.to_string(), member_from_row).await
    }

    /// An admin lifts a lock-out before it runs out.
    pub async fn unlock_staff(
        &self,
        staff: Uuid,
        admin: Uuid,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query(
            "UPDATE staff SET failed_sign_ins = 0, locked_until = NULL, updated_at = $1 \
             WHERE id = $2",
        )
        .bind(timestamp(now))
        .bind(staff.to_string())
        .execute(&mut *tx)
        .await?;
        staff_did(
            &mut tx,
            now,
            admin,
            None,
            AuditAction::Unlock,
            &staff.to_string(),
        )
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected() == 1)
    }
}

fn member_from_row(row: &AnyRow) -> Result<StaffMember, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(StaffMember {
        id: id_column(row, "id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role `{role}`")))?,
        locked_until: optional_time(row, "locked_until")?,
        created_at: time_column(row, "created_at")?,
    })
}
