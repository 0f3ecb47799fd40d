//! Migration 0005: reasons for review stored as English sentences become
//! codes. Run here on SQLite; the same test against PostgreSQL runs when
//! `INTAKE_TEST_POSTGRES_URL` is set.

use std::collections::BTreeMap;

use sqlx::migrate::Migrator;

use super::{Backend, Store, create_schema, drop_schema};
use intake_core::record::validate::FieldErrorCode;
use intake_core::record::{FieldReading, ReviewReason};

const OLD_FIELDS: &str = r#"{
  "hetu": {"value": null, "status": "needs_review", "raw": "131052-308U", "confidence": 0.9,
           "reason": "low confidence; The last character does not match the rest of the code, so something is mistyped. Please check the code against your ID card or Kela card."},
  "surname": {"value": "MÄKI", "status": "needs_review", "raw": "MAKI",
              "reason": "Ä, Å or Ö? the marks above the letters do not match the reading"},
  "phone": {"value": null, "status": "needs_review", "reason": "the page with this field is missing"},
  "email": {"value": null, "status": "needs_review", "reason": "temporary identity code (900-999); Maija Mäki said so"},
  "city": {"value": "Vaasa", "status": "accepted"}
}"#;

async fn migrated(url: &str) {
    let store = Store::connect(url).await.unwrap();
    let all = match store.backend() {
        Backend::Sqlite => &super::SQLITE_MIGRATIONS,
        Backend::Postgres => &super::POSTGRES_MIGRATIONS,
    };
    let before = Migrator {
        migrations: all
            .migrations
            .iter()
            .filter(|m| m.version < 5)
            .cloned()
            .collect(),
        ..Migrator::DEFAULT
    };
    before.run(&store.writer).await.unwrap();
    sqlx::query(
        "INSERT INTO registrations (id, reference, form_id, form_version, channel, office, \
         received_at, status, fields, provenance, created_at, updated_at) \
         VALUES ('r1', 'ABCDEFGH', 'f', 1, 'paper', 'o', 't', 'awaiting_review', $1, '{}', 't', 't')",
    )
    .bind(OLD_FIELDS)
    .execute(&store.writer)
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let fields: String = sqlx::query_scalar("SELECT fields FROM registrations WHERE id = 'r1'")
        .fetch_one(&store.reader)
        .await
        .unwrap();
    store.close().await;
    assert!(!fields.contains("Maija"), "{fields}");
    let fields: BTreeMap<String, FieldReading> = serde_json::from_str(&fields).unwrap();
    assert_eq!(
        fields["hetu"].reasons,
        [
            ReviewReason::LowConfidence,
            ReviewReason::Invalid(FieldErrorCode::HetuCheck)
        ]
    );
    assert_eq!(fields["hetu"].raw.as_deref(), Some("131052-308U"));
    assert_eq!(fields["surname"].reasons, [ReviewReason::RingOrDots]);
    assert_eq!(fields["phone"].reasons, [ReviewReason::MissingPage]);
    assert_eq!(
        fields["email"].reasons,
        [ReviewReason::TemporaryHetu, ReviewReason::Other]
    );
    assert!(fields["city"].reasons.is_empty());
}

#[tokio::test]
async fn sentences_become_codes_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    migrated(&format!("sqlite://{}", dir.path().join("m.db").display())).await;
}

#[tokio::test]
async fn sentences_become_codes_on_postgres() {
    let Ok(server) = std::env::var("INTAKE_TEST_POSTGRES_URL") else {
        return;
    };
    let schema = format!("reason_codes_{}", std::process::id());
    let url = create_schema(&server, &schema).await.unwrap();
    migrated(&url).await;
    drop_schema(&server, &schema).await.unwrap();
}
