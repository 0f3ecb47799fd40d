//! Staff accounts and their sessions. A session's secret lives only in the
//! browser's cookie; the database keeps its SHA-256, so a copy of the
//! database signs no one in. Sign-ins and sign-outs go to the audit log.

use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, AuditAction};
use super::registrations::token_hash;
use super::{Store, StoreError, is_unique_violation, timestamp};
use super::{id_column, optional_time, staff_did, time_column};
use crate::accounts::{Role, normalise_name, password};
use crate::config::StaffSettings;

/// A staff account as the pages show it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    pub id: Uuid,
    pub name: String,
    pub role: Role,
    /// A disabled account signs nothing in, and has no sessions.
    pub disabled_at: Option<OffsetDateTime>,
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

const SELECT_STAFF: &str = "SELECT id, name, role, disabled_at, created_at FROM staff";

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
            disabled_at: None,
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
            "SELECT id, name, role, disabled_at, created_at, password_hash FROM staff \
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

    /// Starts a session for a correct password; the sign-in is logged.
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

    /// The session a cookie's secret opens, if it is still alive: its
    /// account not disabled, not past its lifetime, not idle too long. The
    /// account is read afresh at every request, so a new role or a
    /// disabled account counts at once. Each use keeps it from going idle.
    pub async fn staff_session(
        &self,
        token: &str,
        settings: &StaffSettings,
        now: OffsetDateTime,
    ) -> Result<Option<StaffSession>, StoreError> {
        let hash = token_hash(token);
        let row = sqlx::query(
            "SELECT st.id, st.name, st.role, st.disabled_at, st.created_at, \
             s.created_at AS session_created_at, s.last_seen_at, s.expires_at \
             FROM staff_sessions s JOIN staff st ON st.id = s.staff_id \
             WHERE s.token_sha256 = $1 AND st.disabled_at IS NULL",
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

    /// The account with this sign-in name.
    pub async fn staff_by_name(&self, name: &str) -> Result<Option<StaffMember>, StoreError> {
        let sql = format!("{SELECT_STAFF} WHERE name = $1");
        self.read_one(&sql, name, member_from_row).await
    }

    /// Disables an account (its sessions end at once) or enables it again;
    /// `by` is the admin, `None` from the command line. False when there is
    /// no such account.
    pub async fn set_staff_disabled(
        &self,
        staff: Uuid,
        disabled: bool,
        by: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let (value, action) = if disabled {
            (Some(timestamp(now)), AuditAction::AccountDisable)
        } else {
            (None, AuditAction::AccountEnable)
        };
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE staff SET disabled_at = $1, updated_at = $2 WHERE id = $3")
            .bind(value)
            .bind(timestamp(now))
            .bind(staff.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        end_sessions_of(&mut tx, staff).await?;
        audit::record(&mut tx, now, by, None, action, &staff.to_string()).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Sets a new password (hashed by the caller); every session of the
    /// account ends.
    pub async fn set_staff_password(
        &self,
        staff: Uuid,
        password_hash: &str,
        by: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done =
            sqlx::query("UPDATE staff SET password_hash = $1, updated_at = $2 WHERE id = $3")
                .bind(password_hash)
                .bind(timestamp(now))
                .bind(staff.to_string())
                .execute(&mut *tx)
                .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        end_sessions_of(&mut tx, staff).await?;
        let action = AuditAction::PasswordReset;
        audit::record(&mut tx, now, by, None, action, &staff.to_string()).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Gives an account another role; its open sessions carry the new role
    /// from their next request.
    pub async fn set_staff_role(
        &self,
        staff: Uuid,
        role: Role,
        by: Option<Uuid>,
        now: OffsetDateTime,
    ) -> Result<bool, StoreError> {
        let mut tx = self.begin_write().await?;
        let done = sqlx::query("UPDATE staff SET role = $1, updated_at = $2 WHERE id = $3")
            .bind(role.as_str())
            .bind(timestamp(now))
            .bind(staff.to_string())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(false);
        }
        let detail = format!("{staff} {role}");
        audit::record(&mut tx, now, by, None, AuditAction::RoleChange, &detail).await?;
        tx.commit().await?;
        Ok(true)
    }
}

async fn end_sessions_of(conn: &mut sqlx::AnyConnection, staff: Uuid) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM staff_sessions WHERE staff_id = $1")
        .bind(staff.to_string())
        .execute(conn)
        .await?;
    Ok(())
}

fn member_from_row(row: &AnyRow) -> Result<StaffMember, StoreError> {
    let role: String = row.try_get("role")?;
    Ok(StaffMember {
        id: id_column(row, "id")?,
        name: row.try_get("name")?,
        role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role `{role}`")))?,
        disabled_at: optional_time(row, "disabled_at")?,
        created_at: time_column(row, "created_at")?,
    })
}
