//! Persistence behind one type with two backends: SQLite (one file, WAL, a
//! single writer connection) and PostgreSQL (several nodes), chosen by the
//! database URL's scheme. Queries are written once, in the SQL both accept.

pub mod audit;
pub mod blobs;
pub mod callbacks;
pub mod duplicates;
mod group_commit;
mod jobs;
mod letters;
mod limits;
mod operations;
pub mod privacy;
#[cfg(test)]
mod reason_codes_migration;
mod registrations;
pub mod review;
mod scanning;
pub mod sign_in_throttle;
pub mod staff;
pub mod triage;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::any::AnyRow;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, Executor, Row};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

pub use jobs::{ClaimedJob, MAX_ATTEMPTS, QueueCounts, Requeue, Requeued, crashed_reason};
pub use letters::{
    DueLetter, LETTER_PRINTABLE, LetterBatch, LetterCheck, LetterHand, MarkedSent, UncheckedLetter,
};
pub use limits::{LimitKind, RateKey};
pub use operations::{OperationalCounts, PageReadTotal, heartbeat_fresh};
pub(crate) use registrations::hex;
pub use registrations::{NewRegistration, StatusView, Submission, SubmissionKey};
pub use scanning::{
    Admission, BatchEntry, BatchProgress, BatchSummary, FileState, FormPage, PageRecord,
    PageRecorded, QuarantineEntry, ReadBy, ScanBatch, ScanFile, SheetSoFar, StoredOriginal,
};

static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/sqlite");
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("../../migrations/postgres");

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Backend, StoreError> {
        let scheme = url.split(':').next().unwrap_or("");
        match scheme {
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(StoreError::UnknownScheme(scheme.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database URL scheme `{0}` is not supported: use sqlite:// or postgres://")]
    UnknownScheme(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migrating the database: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a stored record cannot be read: {0}")]
    Corrupt(String),
    #[error("the database writer has stopped")]
    WriterStopped,
    #[error("a group commit failed: {0}")]
    BatchFailed(String),
}

/// The database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    backend: Backend,
    /// Every write goes through here; for SQLite it holds one connection,
    /// so writers queue in the pool instead of failing with SQLITE_BUSY.
    writer: AnyPool,
    reader: AnyPool,
    /// SQLite: web submissions go through one writer task in batches.
    group_commit: Option<group_commit::GroupCommit>,
}

impl Store {
    pub async fn connect(url: &str) -> Result<Store, StoreError> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url)?;
                let options = AnyConnectOptions::from_str(&url)?;
                let writer = sqlite_pool(1).connect_with(options.clone()).await?;
                let reader = sqlite_pool(4).connect_with(options).await?;
                Ok(Store {
                    backend,
                    group_commit: Some(group_commit::GroupCommit::start(writer.clone(), backend)),
                    writer,
                    reader,
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect(url)
                    .await?;
                Ok(Store {
                    backend,
                    writer: pool.clone(),
                    reader: pool,
                    // PostgreSQL commits concurrent transactions well on its
                    // own; one writer task measured slower there (1,200/s
                    // against 1,900/s direct).
                    group_commit: None,
                })
            }
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Writes a consistent copy of an SQLite database to a new file while
    /// the service goes on (`VACUUM INTO` reads one snapshot, so writes
    /// made meanwhile are simply not in it). PostgreSQL is backed up with
    /// `pg_dump` instead: `None` says so.
    pub async fn backup_sqlite(&self, target: &Path) -> Option<Result<(), StoreError>> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let Some(target) = target.to_str() else {
            return Some(Err(StoreError::Corrupt(
                "the backup's path is not UTF-8".into(),
            )));
        };
        let done = sqlx::query("VACUUM INTO $1")
            .bind(target.to_string())
            .execute(&self.reader)
            .await;
        Some(done.map(|_| ()).map_err(StoreError::from))
    }

    pub async fn migrate(&self) -> Result<(), StoreError> {
        let migrator = match self.backend {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        migrator.run(&self.writer).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.writer.close().await;
        self.reader.close().await;
    }

    /// A transaction that writes (see [`begin_write`]).
    pub(crate) async fn begin_write(
        &self,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
        begin_write(&self.writer, self.backend).await
    }
}

/// A transaction that writes. On SQLite it is `BEGIN IMMEDIATE`: it takes
/// the write lock at the start, waiting up to `busy_timeout` for another
/// process's writer (`serve` beside `import`), instead of starting as a
/// reader and failing with SQLITE_BUSY_SNAPSHOT when it first writes after
/// the other committed.
pub(crate) async fn begin_write(
    pool: &AnyPool,
    backend: Backend,
) -> Result<sqlx::Transaction<'static, sqlx::Any>, sqlx::Error> {
    match backend {
        Backend::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => pool.begin().await,
    }
}

fn sqlite_pool(connections: u32) -> AnyPoolOptions {
    AnyPoolOptions::new()
        .max_connections(connections)
        .acquire_timeout(Duration::from_secs(30))
        .after_connect(|conn, _| {
            Box::pin(async move {
                // FULL: a commit is on disk before anything is acknowledged.
                // secure_delete: what is deleted (retention, erasure) is
                // overwritten with zeros, not left in free pages.
                conn.execute(
                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; \
                     PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
                     PRAGMA secure_delete = ON;",
                )
                .await?;
                Ok(())
            })
        })
}

/// Makes the folder of a SQLite file and asks for the file to be created.
fn sqlite_url(url: &str) -> Result<String, StoreError> {
    let path = url
        .trim_start_matches("sqlite://")
        .trim_start_matches("sqlite:")
        .split('?')
        .next()
        .unwrap_or("");
    let parent = Path::new(path)
        .parent()
        .filter(|p| !p.as_os_str().is_empty());
    if let Some(parent) = parent
        && path != ":memory:"
    {
        std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
            path: parent.display().to_string(),
            source,
        })?;
    }
    Ok(if url.contains("mode=") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    })
}

/// Makes a fresh schema on a PostgreSQL server and returns a URL whose
/// connections work in it: isolated databases for tests and benchmarks.
pub async fn create_schema(server_url: &str, schema: &str) -> Result<String, StoreError> {
    let connection = admin_connection(server_url).await?;
    sqlx::query(&format!("CREATE SCHEMA \"{schema}\""))
        .execute(&connection)
        .await?;
    connection.close().await;
    let separator = if server_url.contains('?') { '&' } else { '?' };
    Ok(format!(
        "{server_url}{separator}options=-c%20search_path%3D{schema}"
    ))
}

pub async fn drop_schema(server_url: &str, schema: &str) -> Result<(), StoreError> {
    let connection = admin_connection(server_url).await?;
    sqlx::query(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"))
        .execute(&connection)
        .await?;
    connection.close().await;
    Ok(())
}

async fn admin_connection(server_url: &str) -> Result<AnyPool, StoreError> {
    sqlx::any::install_default_drivers();
    Ok(AnyPoolOptions::new()
        .max_connections(1)
        .acquire_timeout(Duration::from_secs(5))
        .connect(server_url)
        .await?)
}

/// The one text form of a moment in the database.
/// A moment as every time column stores it (text order is time order).
pub fn timestamp(at: OffsetDateTime) -> String {
    let utc = at.to_offset(time::UtcOffset::UTC);
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:6]Z"
    );
    utc.format(format).expect("a UTC moment always formats")
}

pub(crate) fn parse_timestamp(text: &str) -> Result<OffsetDateTime, StoreError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map_err(|e| StoreError::Corrupt(format!("timestamp `{text}`: {e}")))
}

pub(crate) fn parse_optional_timestamp(
    text: Option<&str>,
) -> Result<Option<OffsetDateTime>, StoreError> {
    text.map(parse_timestamp).transpose()
}

pub(crate) fn parse_id(text: &str) -> Result<Uuid, StoreError> {
    Uuid::parse_str(text).map_err(|e| StoreError::Corrupt(format!("id `{text}`: {e}")))
}

pub(crate) fn parse_optional_id(text: Option<&str>) -> Result<Option<Uuid>, StoreError> {
    text.map(parse_id).transpose()
}

/// A text column holding a moment.
pub(crate) fn time_column(row: &AnyRow, column: &str) -> Result<OffsetDateTime, StoreError> {
    parse_timestamp(&row.try_get::<String, _>(column)?)
}

/// A text column that may hold a moment.
pub(crate) fn optional_time(
    row: &AnyRow,
    column: &str,
) -> Result<Option<OffsetDateTime>, StoreError> {
    parse_optional_timestamp(row.try_get::<Option<String>, _>(column)?.as_deref())
}

/// A text column holding an id.
pub(crate) fn id_column(row: &AnyRow, column: &str) -> Result<Uuid, StoreError> {
    parse_id(&row.try_get::<String, _>(column)?)
}

/// A text column that may hold an id.
pub(crate) fn optional_id(row: &AnyRow, column: &str) -> Result<Option<Uuid>, StoreError> {
    parse_optional_id(row.try_get::<Option<String>, _>(column)?.as_deref())
}

/// Writes the audit entry of something a staff member did.
pub(crate) async fn staff_did(
    conn: &mut AnyConnection,
    at: OffsetDateTime,
    staff: Uuid,
    registration: Option<Uuid>,
    action: audit::AuditAction,
    detail: &str,
) -> Result<(), StoreError> {
    audit::record(conn, at, Some(staff), registration, action, detail).await
}

impl Store {
    /// The row a query with one text parameter (a unique key) finds on the
    /// reader, mapped.
    pub(crate) async fn read_one<T>(
        &self,
        sql: &str,
        key: &str,
        map: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        let row = sqlx::query(sql)
            .bind(key.to_string())
            .fetch_optional(&self.reader)
            .await?;
        row.as_ref().map(map).transpose()
    }

    /// The rows a query with one text parameter finds on the reader, mapped.
    pub(crate) async fn read_all<T>(
        &self,
        sql: &str,
        key: &str,
        map: impl Fn(&AnyRow) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let rows = sqlx::query(sql)
            .bind(key.to_string())
            .fetch_all(&self.reader)
            .await?;
        rows.iter().map(map).collect()
    }
}

pub(crate) fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `serve` and `import` are two processes on one SQLite file: two
    /// stores here. Each writes in transactions that read before they write
    /// (as claiming a job or counting a limit does); begun deferred, the
    /// one that writes after the other's commit fails at once with
    /// SQLITE_BUSY_SNAPSHOT, where `BEGIN IMMEDIATE` waits its turn.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn two_stores_on_one_sqlite_file_write_side_by_side() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/intake.db", dir.path().display());
        let serve = Store::connect(&url).await.unwrap();
        serve.migrate().await.unwrap();
        let import = Store::connect(&url).await.unwrap();
        const ROUNDS: i64 = 60;
        let write = |store: Store, name: &'static str| async move {
            for i in 0..ROUNDS {
                let mut tx = store.begin_write().await?;
                let (seen,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM rate_counters")
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query(
                    "INSERT INTO rate_counters (bucket, shard, expires_at, count) \
                     VALUES ($1, 0, '9999', $2)",
                )
                .bind(format!("{name}:{i}"))
                .bind(seen)
                .execute(&mut *tx)
                .await?;
                tx.commit().await?;
            }
            Ok::<_, sqlx::Error>(())
        };
        let serving = tokio::spawn(write(serve.clone(), "serve"));
        let importing = tokio::spawn(write(import.clone(), "import"));
        serving.await.unwrap().expect("serve writes");
        importing.await.unwrap().expect("import writes");
        let (rows,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM rate_counters")
            .fetch_one(&serve.reader)
            .await
            .unwrap();
        assert_eq!(rows, 2 * ROUNDS);
        serve.close().await;
        import.close().await;
    }

    #[test]
    fn the_backend_follows_the_url_scheme() {
        assert_eq!(
            Backend::from_url("sqlite://data/x.db").unwrap(),
            Backend::Sqlite
        );
        assert_eq!(
            Backend::from_url("postgres://h/db").unwrap(),
            Backend::Postgres
        );
        assert_eq!(
            Backend::from_url("postgresql://h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://h/db").is_err());
    }

    #[test]
    fn timestamps_sort_as_text_and_round_trip() {
        let early = time::macros::datetime!(2026-11-20 09:05:01.5 +02:00);
        let late = time::macros::datetime!(2026-11-20 08:05:01.25 UTC);
        assert_eq!(timestamp(early), "2026-11-20T07:05:01.500000Z");
        assert!(timestamp(early) < timestamp(late));
        assert_eq!(parse_timestamp(&timestamp(early)).unwrap(), early);
    }
}
