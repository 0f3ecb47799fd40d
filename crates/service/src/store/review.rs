//! The verification station's side of the store: paper registrations with
//! fields a person must check, the page images they were read from, and
//! applying what the person decided. Each field confirmed or corrected is
//! kept in `field_corrections` with who and when, the registration enters
//! the callback queue once nothing is left to check, and all of it is
//! written with its audit entry in one transaction.

use std::collections::BTreeMap;

use sha2::{Digest, Sha256};
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use super::audit::{self, AuditAction, parse_uuid};
use super::registrations::hex;
use super::{Backend, Store, StoreError, parse_timestamp, timestamp};
use intake_core::form::FormDefinition;
use intake_core::record::conditions;
use intake_core::record::{FieldReading, FieldStatus, RegistrationStatus, Value};

/// One line of the verification list.
#[derive(Debug, Clone)]
pub struct ReviewEntry {
    pub id: Uuid,
    pub reference: String,
    pub office: String,
    pub received_at: OffsetDateTime,
    /// The ids of the fields a person must check, in record order.
    pub flagged: Vec<String>,
}

/// The stored image of one page of a paper registration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PageImage {
    /// The form's page number (1-based; 0 for a digital copy).
    pub form_page: u32,
    /// Relative to the data folder.
    pub image_path: String,
}

/// What the person decided for one flagged field: the value to keep,
/// already normalised and validated.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldDecision {
    pub field: String,
    pub value: Option<Value>,
}

/// A person's check of one registration's flagged fields.
#[derive(Debug, Clone)]
pub struct Review {
    pub registration: Uuid,
    /// [`review_fingerprint`] of the fields as the person saw them.
    pub seen: String,
    pub staff_id: Uuid,
    pub staff_name: String,
    pub decisions: Vec<FieldDecision>,
}

/// What applying a review came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reviewed {
    /// Every flagged field is settled; the registration is in the callback
    /// queue, or folded into an earlier one of the same person.
    Queued { folded_into: Option<Uuid> },
    /// The fields changed since the person saw them (someone else checked
    /// them, or a re-scan arrived): nothing was written.
    Changed,
    /// The fields decided are kept, but with them the answers break a
    /// rule between fields (a date of birth not the identity code's, say):
    /// these fields are flagged with their rule and the registration waits
    /// for review still.
    Flagged(Vec<String>),
    /// Not waiting for review (any more), or no such registration.
    NotAwaiting,
}

/// One confirmed or corrected field, as recorded.
#[derive(Debug, Clone)]
pub struct FieldCorrection {
    pub field: String,
    pub corrected: bool,
    pub old_value: Option<Value>,
    pub new_value: Option<Value>,
    pub staff_name: Option<String>,
    pub at: OffsetDateTime,
}

/// A short digest of a registration's fields: the page carries it, so a
/// review made on fields that have changed since is refused.
pub fn review_fingerprint(fields: &BTreeMap<String, FieldReading>) -> String {
    let json = serde_json::to_string(fields).expect("fields serialise");
    hex(&Sha256::digest(json.as_bytes())[..12])
}

/// The flagged fields of a record, in record order.
pub fn flagged_fields(fields: &BTreeMap<String, FieldReading>) -> Vec<String> {
    fields
        .iter()
        .filter(|(_, reading)| reading.status == FieldStatus::NeedsReview)
        .map(|(id, _)| id.clone())
        .collect()
}

impl Store {
    /// Paper registrations waiting for a person, oldest received first.
    pub async fn review_list(&self) -> Result<Vec<ReviewEntry>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, reference, office, received_at, fields FROM registrations \
             WHERE status = $1 ORDER BY received_at, created_at, id",
        )
        .bind(RegistrationStatus::AwaitingReview.as_str())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(review_entry).collect()
    }

    /// The latest image of every page of a registration's sheet, by form
    /// page (a re-scan's image replaces the first one's).
    pub async fn registration_page_images(&self, id: Uuid) -> Result<Vec<PageImage>, StoreError> {
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT form_page, image_path FROM scan_pages WHERE registration_id = $1 \
             AND outcome = 'form' AND image_path IS NOT NULL AND form_page IS NOT NULL \
             ORDER BY created_at DESC",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?;
        let mut images: Vec<PageImage> = Vec::new();
        for (form_page, image_path) in rows {
            let form_page = u32::try_from(form_page)
                .map_err(|e| StoreError::Corrupt(format!("form page {form_page}: {e}")))?;
            if images.iter().all(|i| i.form_page != form_page) {
                images.push(PageImage {
                    form_page,
                    image_path,
                });
            }
        }
        images.sort_by_key(|i| i.form_page);
        Ok(images)
    }

    /// What the verification station did to a registration's fields, in
    /// the order it was done.
    pub async fn field_corrections(&self, id: Uuid) -> Result<Vec<FieldCorrection>, StoreError> {
        let rows = sqlx::query(
            "SELECT c.field, c.action, c.old_value, c.new_value, s.name, c.at \
             FROM field_corrections c LEFT JOIN staff s ON s.id = c.staff_id \
             WHERE c.registration_id = $1 ORDER BY c.at, c.field",
        )
        .bind(id.to_string())
        .fetch_all(&self.reader)
        .await?;
        rows.iter().map(correction_from_row).collect()
    }

    /// Applies a person's check: every flagged field gets the decided
    /// value (`accepted` when it is the value read, else `corrected` by
    /// them), each recorded with who and when; then the registration goes
    /// to the callback queue (folded into an earlier registration of the
    /// same person, if there is one), unless the answers now break a rule
    /// between the fields of `definition` ([`Reviewed::Flagged`]). All or
    /// nothing, in one transaction.
    pub async fn apply_review(
        &self,
        review: &Review,
        definition: &FormDefinition,
        now: OffsetDateTime,
    ) -> Result<Reviewed, StoreError> {
        self.apply(review, &[], definition, now).await
    }

    /// Sends a registration on to the callback queue as it is: the fields
    /// decided are kept as [`Store::apply_review`] keeps them, the
    /// `unresolved` ones (they cannot pass the web rules) stay
    /// `needs_review` with their reason, marked with who sent them on, for
    /// the caseworker to settle on the call, and so does any field that
    /// breaks a rule between fields. Audited as
    /// [`AuditAction::VerifySentOn`]; all or nothing, in one transaction.
    pub async fn send_on_review(
        &self,
        review: &Review,
        unresolved: &[String],
        definition: &FormDefinition,
        now: OffsetDateTime,
    ) -> Result<Reviewed, StoreError> {
        self.apply(review, unresolved, definition, now).await
    }

    async fn apply(
        &self,
        review: &Review,
        unresolved: &[String],
        definition: &FormDefinition,
        now: OffsetDateTime,
    ) -> Result<Reviewed, StoreError> {
        let mut tx = self.begin_write().await?;
        let lock = match self.backend {
            Backend::Postgres => " FOR UPDATE",
            Backend::Sqlite => "",
        };
        let row = sqlx::query(&format!(
            "SELECT status, fields FROM registrations WHERE id = $1{lock}"
        ))
        .bind(review.registration.to_string())
        .fetch_optional(&mut *tx)
        .await?;
        let Some(row) = row else {
            return Ok(Reviewed::NotAwaiting);
        };
        let status: String = row.try_get("status")?;
        if status != RegistrationStatus::AwaitingReview.as_str() {
            return Ok(Reviewed::NotAwaiting);
        }
        let fields: String = row.try_get("fields")?;
        let mut fields: BTreeMap<String, FieldReading> = serde_json::from_str(&fields)
            .map_err(|e| StoreError::Corrupt(format!("fields: {e}")))?;
        let mut decided: Vec<&str> = review
            .decisions
            .iter()
            .map(|d| d.field.as_str())
            .chain(unresolved.iter().map(String::as_str))
            .collect();
        decided.sort_unstable();
        if review_fingerprint(&fields) != review.seen || decided != flagged_fields(&fields) {
            return Ok(Reviewed::Changed);
        }

        let (mut corrected, mut confirmed) = (Vec::new(), Vec::new());
        for decision in &review.decisions {
            let reading = fields
                .get_mut(&decision.field)
                .expect("every decided field is flagged, so present");
            let old_value = reading.value.clone();
            let changed = old_value != decision.value;
            reading.value = decision.value.clone();
            reading.reasons.clear();
            reading.candidates.clear();
            reading.alternatives.clear();
            if changed {
                reading.status = FieldStatus::Corrected;
                reading.corrected_by = Some(review.staff_name.clone());
                corrected.push(decision.field.as_str());
            } else {
                reading.status = FieldStatus::Accepted;
                confirmed.push(decision.field.as_str());
            }
            sqlx::query(
                "INSERT INTO field_corrections (id, registration_id, field, action, old_value, \
                 new_value, raw, staff_id, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(Uuid::new_v4().to_string())
            .bind(review.registration.to_string())
            .bind(&decision.field)
            .bind(if changed { "corrected" } else { "confirmed" })
            .bind(value_json(&old_value))
            .bind(value_json(&decision.value))
            .bind(reading.raw.as_deref())
            .bind(review.staff_id.to_string())
            .bind(timestamp(now))
            .execute(&mut *tx)
            .await?;
        }
        // The answers together: a field that breaks a rule between fields
        // is flagged again, whoever wrote it.
        let broken = conditions::flag_broken(&mut fields, definition);
        let sending_on = !unresolved.is_empty();
        let still_flagged: Vec<String> = broken
            .iter()
            .filter(|id| !unresolved.contains(id))
            .cloned()
            .collect();
        let unresolved: Vec<String> = if sending_on {
            unresolved
                .iter()
                .cloned()
                .chain(still_flagged.clone())
                .collect()
        } else {
            Vec::new()
        };
        for field in &unresolved {
            let reading = fields
                .get_mut(field)
                .expect("every unresolved field is flagged, so present");
            // Still to settle, its reason kept: who sent it on is noted.
            reading.corrected_by = Some(review.staff_name.clone());
        }
        // Checked and saved, but the rules flag a field: it waits for
        // review still, and goes to no queue yet.
        let stays = !sending_on && !still_flagged.is_empty();
        let status = if stays {
            RegistrationStatus::AwaitingReview
        } else {
            RegistrationStatus::AwaitingCall
        };
        let text = |id: &str| {
            fields
                .get(id)
                .and_then(|f| f.value.as_ref())
                .and_then(Value::as_text)
                .map(str::to_string)
        };
        sqlx::query(
            "UPDATE registrations SET fields = $1, status = $2, hetu = $3, phone = $4, \
             updated_at = $5, birth_date = $7 WHERE id = $6",
        )
        .bind(serde_json::to_string(&fields).expect("fields serialise"))
        .bind(status.as_str())
        .bind(text("hetu"))
        .bind(text("phone"))
        .bind(timestamp(now))
        .bind(review.registration.to_string())
        .bind(super::duplicates::birth_date_column(&fields))
        .execute(&mut *tx)
        .await?;
        // Field ids only: the values themselves stay out of the log.
        let mut detail = format!(
            "corrected: {}; confirmed: {}",
            list_or_dash(&corrected),
            list_or_dash(&confirmed)
        );
        if stays {
            detail.push_str(&format!(
                "; flagged by the rules between fields: {}",
                still_flagged.join(", ")
            ));
        }
        let action = if unresolved.is_empty() {
            AuditAction::Verify
        } else {
            let sent_on: Vec<&str> = unresolved.iter().map(String::as_str).collect();
            detail.push_str(&format!("; sent on unresolved: {}", sent_on.join(", ")));
            AuditAction::VerifySentOn
        };
        audit::record(
            &mut tx,
            now,
            Some(review.staff_id),
            Some(review.registration),
            action,
            &detail,
        )
        .await?;
        if stays {
            tx.commit().await?;
            return Ok(Reviewed::Flagged(still_flagged));
        }
        let folded_into =
            super::duplicates::fold_duplicate(&mut tx, self.backend, review.registration).await?;
        tx.commit().await?;
        Ok(Reviewed::Queued { folded_into })
    }
}

fn list_or_dash(ids: &[&str]) -> String {
    if ids.is_empty() {
        "-".to_string()
    } else {
        ids.join(", ")
    }
}

fn value_json(value: &Option<Value>) -> String {
    serde_json::to_string(value).expect("a value serialises")
}

fn review_entry(row: &AnyRow) -> Result<ReviewEntry, StoreError> {
    let id: String = row.try_get("id")?;
    let received_at: String = row.try_get("received_at")?;
    let fields: String = row.try_get("fields")?;
    let fields: BTreeMap<String, FieldReading> =
        serde_json::from_str(&fields).map_err(|e| StoreError::Corrupt(format!("fields: {e}")))?;
    Ok(ReviewEntry {
        id: parse_uuid(&id)?,
        reference: row.try_get("reference")?,
        office: row.try_get("office")?,
        received_at: parse_timestamp(&received_at)?,
        flagged: flagged_fields(&fields),
    })
}

fn correction_from_row(row: &AnyRow) -> Result<FieldCorrection, StoreError> {
    let value = |column: &str| -> Result<Option<Value>, StoreError> {
        let text: String = row.try_get(column)?;
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("{column}: {e}")))
    };
    let action: String = row.try_get("action")?;
    let at: String = row.try_get("at")?;
    Ok(FieldCorrection {
        field: row.try_get("field")?,
        corrected: action == "corrected",
        old_value: value("old_value")?,
        new_value: value("new_value")?,
        staff_name: row.try_get("name")?,
        at: parse_timestamp(&at)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reading(value: &str, status: FieldStatus) -> FieldReading {
        FieldReading {
            value: Some(Value::Text(value.into())),
            status,
            raw: Some(value.into()),
            confidence: Some(0.5),
            reasons: Vec::new(),
            candidates: Vec::new(),
            corrected_by: None,
            alternatives: Vec::new(),
        }
    }

    #[test]
    fn flagged_fields_come_in_record_order() {
        let fields: BTreeMap<String, FieldReading> = [
            ("surname", reading("A", FieldStatus::NeedsReview)),
            ("hetu", reading("B", FieldStatus::NeedsReview)),
            ("phone", reading("C", FieldStatus::Accepted)),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        assert_eq!(flagged_fields(&fields), ["hetu", "surname"]);
    }

    #[test]
    fn the_fingerprint_follows_any_change() {
        let mut fields: BTreeMap<String, FieldReading> = [(
            "surname".to_string(),
            reading("A", FieldStatus::NeedsReview),
        )]
        .into();
        let before = review_fingerprint(&fields);
        assert_eq!(before, review_fingerprint(&fields.clone()));
        fields.get_mut("surname").unwrap().raw = Some("B".into());
        assert_ne!(before, review_fingerprint(&fields));
    }
}
