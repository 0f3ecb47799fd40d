//! `intake bench plans`: the query plans of every statement a web
//! submission runs and of those the staff pages of `intake bench pages`
//! read by (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on PostgreSQL), over
//! a preloaded database, so that a plan that walks a table instead of an
//! index is seen before it costs. The statements are those of
//! `intake_service::store` (registrations, limits, duplicates, callbacks,
//! letters, review), with the values of one stored registration.

use anyhow::Context;
use sqlx::{AnyPool, Row};

use super::preload;
use intake_service::store::Backend;

/// One statement of the submission path, as the store runs it.
struct Statement {
    what: &'static str,
    sql: &'static str,
    /// Which parameters get which sample value.
    binds: &'static [Sample],
}

#[derive(Clone, Copy)]
enum Sample {
    Id,
    Other,
    Hetu,
    Phone,
    Bucket,
    Time,
    Date,
    Text,
    /// A queue status.
    Status,
    /// Now, and the start of the dashboard's 14 days.
    Now,
    Since,
    Today,
    /// The start and end of the exported day, 30 days ago.
    DayStart,
    DayEnd,
    Office,
    /// A service language, and a pattern of a name search.
    Language,
    Pattern,
}

const STATEMENTS: &[Statement] = &[
    Statement {
        what: "rate counters (one upsert of every window; on PostgreSQL with the day's shards summed)",
        sql: "INSERT INTO rate_counters (bucket, shard, expires_at, count) \
              VALUES ($1, 0, $2, 1), ($3, 0, $2, 1), ($4, 0, $2, 1) \
              ON CONFLICT (bucket, shard) DO UPDATE SET count = rate_counters.count + 1 \
              RETURNING bucket, count",
        binds: &[Sample::Bucket, Sample::Time, Sample::Bucket, Sample::Bucket],
    },
    Statement {
        what: "the day's global count (PostgreSQL, in the upsert's statement)",
        sql: "SELECT CAST(COALESCE(SUM(count), 0) + 1 AS BIGINT) FROM rate_counters WHERE bucket = $1",
        binds: &[Sample::Bucket],
    },
    Statement {
        what: "the registration",
        sql: "INSERT INTO registrations (id, reference, form_id, form_version, channel, office, \
              received_at, status, identity_verified, hetu, phone, fields, provenance, \
              submission_key, created_at, updated_at) \
              VALUES ($1, $2, $3, 1, 'web', $4, $5, 'awaiting_call', FALSE, $6, $7, '{}', '{}', $8, $5, $5)",
        binds: &[
            Sample::Other,
            Sample::Text,
            Sample::Text,
            Sample::Text,
            Sample::Time,
            Sample::Hetu,
            Sample::Phone,
            Sample::Text,
        ],
    },
    Statement {
        what: "its callback-queue entry",
        sql: "INSERT INTO callbacks (registration_id, due_on, created_at) VALUES ($1, $2, $3)",
        binds: &[Sample::Other, Sample::Date, Sample::Time],
    },
    Statement {
        what: "its status link",
        sql: "INSERT INTO status_links (token_sha256, registration_id, created_at) VALUES ($1, $2, $3)",
        binds: &[Sample::Text, Sample::Other, Sample::Time],
    },
    Statement {
        what: "registrations of the same person (duplicate folding)",
        sql: "SELECT id, fields, received_at, status, duplicate_of FROM registrations \
              WHERE hetu = $1 OR phone = $2",
        binds: &[Sample::Hetu, Sample::Phone],
    },
    Statement {
        what: "the same, with a date of birth (form v2, no identity code)",
        sql: "SELECT id, fields, received_at, status, duplicate_of FROM registrations \
              WHERE hetu = $1 OR (phone = $2 AND (birth_date = $3 OR birth_date IS NULL))",
        binds: &[Sample::Hetu, Sample::Phone, Sample::Date],
    },
    Statement {
        what: "folding: the new one points at the first",
        sql: "UPDATE registrations SET duplicate_of = $1, duplicate_match = 'hetu', updated_at = $2 \
              WHERE id = $3",
        binds: &[Sample::Id, Sample::Time, Sample::Other],
    },
    Statement {
        what: "folding: the new one's queue entry goes",
        sql: "DELETE FROM callbacks WHERE registration_id = $1",
        binds: &[Sample::Other],
    },
    Statement {
        what: "folding: an earlier arrival moves the first one's received_at",
        sql: "UPDATE registrations SET source_received_at = COALESCE(source_received_at, \
              received_at), received_at = $1, updated_at = $2 WHERE id = $3",
        binds: &[Sample::Time, Sample::Time, Sample::Id],
    },
    Statement {
        what: "folding: ...and its due day",
        sql: "UPDATE callbacks SET due_on = $1 WHERE registration_id = $2 AND due_on > $1",
        binds: &[Sample::Date, Sample::Id],
    },
    Statement {
        what: "a form sent again: the registration it made",
        sql: "SELECT id, reference, form_id, form_version, channel, office, received_at, status, \
              identity_verified, fields, provenance FROM registrations WHERE submission_key = $1",
        binds: &[Sample::Text],
    },
];

/// The statements of the staff pages of `intake bench pages`.
const PAGE_STATEMENTS: &[Statement] = &[
    Statement {
        what: "callback queue: one status in due order, a page",
        sql: "SELECT r.id, r.reference, r.status, r.channel, r.office, r.received_at, r.fields, \
              r.phone, c.due_on, c.attempts, c.next_call_at, c.first_contact_at, \
              c.lease_holder, c.lease_until, s.name AS holder_name, \
              (SELECT COUNT(*) FROM registrations d WHERE d.duplicate_of = r.id \
                AND d.channel <> r.channel) AS other_channel \
              FROM callbacks c CROSS JOIN registrations r \
              LEFT JOIN staff s ON s.id = c.lease_holder \
              WHERE c.status = $1 AND r.id = c.registration_id AND c.closed_at IS NULL \
              AND (c.next_call_at IS NULL OR c.next_call_at <= $2) \
              ORDER BY c.due_on, c.received_at, c.registration_id LIMIT 500",
        binds: &[Sample::Status, Sample::Now],
    },
    Statement {
        what: "callback queue of one service language (callbacks_status_language)",
        sql: "SELECT r.id, r.reference, r.status, r.channel, r.office, r.received_at, r.fields, \
              r.phone, c.due_on, c.received_at AS queue_received_at, c.attempts, \
              c.next_call_at, c.first_contact_at, c.lease_holder, c.lease_until, \
              s.name AS holder_name, \
              (SELECT COUNT(*) FROM registrations d WHERE d.duplicate_of = r.id \
                AND d.channel <> r.channel) AS other_channel \
              FROM callbacks c CROSS JOIN registrations r \
              LEFT JOIN staff s ON s.id = c.lease_holder \
              WHERE c.status = $1 AND r.id = c.registration_id AND c.closed_at IS NULL \
              AND c.language = $2 AND (c.next_call_at IS NULL OR c.next_call_at <= $3) \
              ORDER BY c.due_on, c.received_at, c.registration_id LIMIT 500",
        binds: &[Sample::Status, Sample::Language, Sample::Now],
    },
    Statement {
        what: "callback queue by another language written (callbacks_other_language; \
               ILIKE on PostgreSQL)",
        sql: "SELECT r.id, r.reference, r.status, r.channel, r.office, r.received_at, r.fields, \
              r.phone, c.due_on, c.received_at AS queue_received_at, c.attempts, \
              c.next_call_at, c.first_contact_at, c.lease_holder, c.lease_until, \
              s.name AS holder_name, \
              (SELECT COUNT(*) FROM registrations d WHERE d.duplicate_of = r.id \
                AND d.channel <> r.channel) AS other_channel \
              FROM callbacks c CROSS JOIN registrations r \
              LEFT JOIN staff s ON s.id = c.lease_holder \
              WHERE c.status = $1 AND r.id = c.registration_id AND c.closed_at IS NULL \
              AND (c.next_call_at IS NULL OR c.next_call_at <= $2) \
              AND c.other_language IS NOT NULL AND c.other_language LIKE $3 ESCAPE '\\' \
              ORDER BY c.due_on, c.received_at, c.registration_id LIMIT 500",
        binds: &[Sample::Status, Sample::Now, Sample::Pattern],
    },
    Statement {
        what: "queue search by name: the entries' copies of the names, in queue order \
               (ILIKE on PostgreSQL)",
        sql: "SELECT r.id, r.reference, r.status, r.channel, r.office, r.received_at, r.fields, \
              r.phone, c.due_on, c.received_at AS queue_received_at, c.attempts, \
              c.next_call_at, c.first_contact_at, c.lease_holder, c.lease_until, \
              s.name AS holder_name, \
              (SELECT COUNT(*) FROM registrations d WHERE d.duplicate_of = r.id \
                AND d.channel <> r.channel) AS other_channel \
              FROM callbacks c CROSS JOIN registrations r \
              LEFT JOIN staff s ON s.id = c.lease_holder \
              WHERE c.status = $1 AND r.id = c.registration_id AND c.closed_at IS NULL \
              AND (c.next_call_at IS NULL OR c.next_call_at <= $2) \
              AND (c.names IS NULL OR c.names LIKE $3 ESCAPE '\\') \
              ORDER BY c.due_on, c.received_at, c.registration_id LIMIT 500",
        binds: &[Sample::Status, Sample::Now, Sample::Pattern],
    },
    Statement {
        what: "...its next page, after the last row read",
        sql: "SELECT c.registration_id FROM callbacks c \
              WHERE c.status = $1 AND c.closed_at IS NULL \
              AND (c.names IS NULL OR c.names LIKE $2 ESCAPE '\\') \
              AND (c.due_on, c.received_at, c.registration_id) > ($3, $4, $5) \
              ORDER BY c.due_on, c.received_at, c.registration_id LIMIT 500",
        binds: &[
            Sample::Status,
            Sample::Pattern,
            Sample::Date,
            Sample::Time,
            Sample::Id,
        ],
    },
    Statement {
        what: "queue search by identity code or phone: the person's registrations",
        sql: "SELECT DISTINCT COALESCE(duplicate_of, id) FROM registrations \
              WHERE hetu = $1 OR phone = $1",
        binds: &[Sample::Hetu],
    },
    Statement {
        what: "...and their queue entries",
        sql: "SELECT r.id, r.fields, c.due_on FROM callbacks c CROSS JOIN registrations r \
              WHERE c.status = $1 AND r.id = c.registration_id AND c.closed_at IS NULL \
              AND c.registration_id IN ($2) \
              ORDER BY c.due_on, c.received_at, c.registration_id",
        binds: &[Sample::Status, Sample::Id],
    },
    Statement {
        what: "verification list: every registration awaiting review, oldest first",
        sql: "SELECT id, reference, office, received_at, fields FROM registrations \
              WHERE status = 'awaiting_review' ORDER BY received_at, created_at, id",
        binds: &[],
    },
    Statement {
        what: "dashboard: arrivals per hour and channel",
        sql: "SELECT substr(received_at, 1, 13), channel, COUNT(*) FROM registrations \
              WHERE received_at >= $1 AND source_received_at IS NULL \
              GROUP BY substr(received_at, 1, 13), channel \
              UNION ALL \
              SELECT substr(source_received_at, 1, 13), channel, COUNT(*) FROM registrations \
              WHERE source_received_at >= $1 \
              GROUP BY substr(source_received_at, 1, 13), channel",
        binds: &[Sample::Since],
    },
    Statement {
        what: "dashboard: the queue's size (and of the other open statuses)",
        sql: "SELECT COUNT(*) FROM callbacks WHERE status = $1",
        binds: &[Sample::Status],
    },
    Statement {
        what: "dashboard: overdue",
        sql: "SELECT COUNT(*) FROM callbacks WHERE status = $1 AND due_on < $2 \
              AND first_contact_at IS NULL",
        binds: &[Sample::Status, Sample::Today],
    },
    Statement {
        what: "dashboard: time to first contact of the period's arrivals",
        sql: "SELECT received_at, first_contact_at FROM callbacks \
              WHERE received_at >= $1 AND first_contact_at IS NOT NULL AND status IS NOT NULL",
        binds: &[Sample::Since],
    },
    Statement {
        what: "dashboard: pending letters not known to print",
        sql: "SELECT r.id, r.fields, k.letter_check, \
              (SELECT COUNT(*) FROM call_attempts a WHERE a.registration_id = r.id) AS attempts \
              FROM callbacks k CROSS JOIN registrations r \
              WHERE k.status = 'send_letter' AND r.id = k.registration_id \
              AND (k.letter_check IS NULL OR k.letter_check <> 'printable' \
              OR k.office NOT IN ($1)) ORDER BY r.received_at, r.reference",
        binds: &[Sample::Office],
    },
    Statement {
        what: "export: the day's closed registrations",
        sql: "SELECT r.id, r.fields, c.result, c.closed_at, s.name AS closed_by_name \
              FROM callbacks c CROSS JOIN registrations r \
              LEFT JOIN staff s ON s.id = c.closed_by \
              WHERE r.id = c.registration_id AND r.status = 'closed' AND r.duplicate_of IS NULL \
              AND c.closed_at >= $1 AND c.closed_at < $2 ORDER BY c.closed_at, r.id",
        binds: &[Sample::DayStart, Sample::DayEnd],
    },
    Statement {
        what: "export: the forms folded into them",
        sql: "SELECT d.duplicate_of, d.reference, d.channel \
              FROM callbacks c CROSS JOIN registrations d \
              WHERE d.duplicate_of = c.registration_id AND c.closed_at >= $1 AND c.closed_at < $2",
        binds: &[Sample::DayStart, Sample::DayEnd],
    },
];

/// Prints the plan of every statement over a database preloaded with
/// `preload` registrations. Writes run in a transaction that is rolled back.
pub async fn run(database: &str, preload_count: usize) -> anyhow::Result<String> {
    let scratch = tempfile::tempdir().context("making a scratch folder")?;
    let (url, schema) = super::submit::scratch_database(database, scratch.path()).await?;
    let store = intake_service::store::Store::connect(&url).await?;
    store.migrate().await?;
    store.close().await;
    let loaded = preload::preload(&url, preload_count).await?;
    let backend = Backend::from_url(&url)?;
    let pool = preload::connect(&url).await?;
    let mut out = format!("{loaded}\n");
    let sections = [
        ("a web submission", STATEMENTS),
        ("the staff pages", PAGE_STATEMENTS),
    ];
    for (section, statements) in sections {
        out.push_str(&format!("\n== {section}\n"));
        for statement in statements {
            let explain = match backend {
                Backend::Sqlite => format!("EXPLAIN QUERY PLAN {}", statement.sql),
                Backend::Postgres => format!("EXPLAIN {}", statement.sql),
            };
            let sql = match backend {
                Backend::Sqlite => explain.replace("FALSE", "0"),
                Backend::Postgres => explain.replace(" LIKE ", " ILIKE "),
            };
            out.push_str(&format!("\n-- {}\n{}\n", statement.what, statement.sql));
            let lines = plan(&pool, backend, &sql, statement.binds).await?;
            if lines.is_empty() {
                out.push_str("   (no search: a plain insert)\n");
            }
            for line in lines {
                out.push_str(&format!("   {line}\n"));
            }
        }
    }
    pool.close().await;
    if let Some(schema) = schema {
        intake_service::store::drop_schema(database, &schema).await?;
    }
    Ok(out)
}

async fn plan(
    pool: &AnyPool,
    backend: Backend,
    sql: &str,
    binds: &[Sample],
) -> anyhow::Result<Vec<String>> {
    let person: (String, String, String) = sqlx::query_as(
        "SELECT id, hetu, phone FROM registrations WHERE hetu IS NOT NULL AND phone IS NOT NULL LIMIT 1",
    )
    .fetch_one(pool)
    .await?;
    let now = time::OffsetDateTime::now_utc();
    let today = intake_core::calendar::finnish_date(now);
    let day = today - time::Duration::days(30);
    let moment = |date: time::Date| {
        intake_service::store::timestamp(intake_service::callbacks::schedule::finnish_moment(
            date, 0, 0,
        ))
    };
    let mut query = sqlx::query(sql);
    for sample in binds {
        let value = match sample {
            Sample::Id => person.0.clone(),
            Sample::Other => uuid::Uuid::new_v4().to_string(),
            Sample::Hetu => person.1.clone(),
            Sample::Phone => person.2.clone(),
            Sample::Bucket => "all:d:20261207".to_string(),
            Sample::Time => "2026-12-07T10:00:00.000000Z".to_string(),
            Sample::Date => "2026-12-10".to_string(),
            Sample::Text => "sample".to_string(),
            Sample::Status => "awaiting_call".to_string(),
            Sample::Now => intake_service::store::timestamp(now),
            Sample::Since => moment(today - time::Duration::days(13)),
            Sample::Today => today.to_string(),
            Sample::DayStart => moment(day),
            Sample::DayEnd => moment(day.next_day().expect("dates stay in range")),
            Sample::Office => "helsinki".to_string(),
            Sample::Language => "sv".to_string(),
            Sample::Pattern => "%str%m%".to_string(),
        };
        query = query.bind(value);
    }
    let mut tx = pool.begin().await?;
    let rows = query.fetch_all(&mut *tx).await?;
    tx.rollback().await?;
    let mut lines = Vec::new();
    for row in &rows {
        let line: String = match backend {
            // id, parent, notused, detail
            Backend::Sqlite => row.try_get(3)?,
            Backend::Postgres => row.try_get(0)?,
        };
        lines.push(line);
    }
    Ok(lines)
}
