//! Rate counters of the public form, kept in the database so that several
//! web nodes share them and a failing database refuses rather than lets all
//! through. Fixed windows: an hour and a day per client (and per IPv6 /48
//! network), a day for all.

use rand::Rng;
use sqlx::{Any, Transaction};
use time::{Duration, OffsetDateTime};

use super::{Backend, StoreError, timestamp};
use crate::config::Limits;

/// The global counter is split over shards so that concurrent submissions
/// on PostgreSQL do not all queue on one row lock.
const GLOBAL_SHARDS: u32 = 16;

/// Which limit refused a submission.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    ClientHour,
    ClientDay,
    /// The IPv6 /48 the client is in (a site of many /64s).
    NetworkHour,
    NetworkDay,
    GlobalDay,
}

impl LimitKind {
    /// A stable code, for metrics.
    pub fn code(self) -> &'static str {
        match self {
            LimitKind::ClientHour => "client_hour",
            LimitKind::ClientDay => "client_day",
            LimitKind::NetworkHour => "network_hour",
            LimitKind::NetworkDay => "network_day",
            LimitKind::GlobalDay => "global_day",
        }
    }
}

/// A client as the limiter knows it: keyed hashes of its address (and, for
/// IPv6, of its /48), never the address itself.
#[derive(Debug, Clone)]
pub struct RateKey {
    pub client: String,
    pub network: Option<String>,
}

impl RateKey {
    /// A client counted on its own, in no wider network.
    pub fn client(key: impl Into<String>) -> RateKey {
        RateKey {
            client: key.into(),
            network: None,
        }
    }
}

/// Counts one submission against every limit inside the caller's
/// transaction; `Some(kind)` when a limit is exceeded (the caller rolls back).
/// One statement counts all three, since this runs for every submission.
pub(super) async fn count_submission(
    tx: &mut Transaction<'_, Any>,
    backend: Backend,
    client: &RateKey,
    limits: &Limits,
    now: OffsetDateTime,
) -> Result<Option<LimitKind>, StoreError> {
    let hour = now.format(time::macros::format_description!(
        "[year][month][day][hour]"
    ));
    let day = now.format(time::macros::format_description!("[year][month][day]"));
    let (hour, day) = (hour.expect("formats"), day.expect("formats"));
    let client_hour = format!("client:{}:h:{hour}", client.client);
    let client_day = format!("client:{}:d:{day}", client.client);
    let global_day = format!("all:d:{day}");
    // SQLite has one writer: a single global row costs nothing there.
    let global_shard = match backend {
        Backend::Sqlite => 0,
        Backend::Postgres => rand::rng().random_range(0..GLOBAL_SHARDS),
    };
    let network = client.network.as_ref().map(|net| {
        (
            format!("net48:{net}:h:{hour}"),
            format!("net48:{net}:d:{day}"),
        )
    });
    let mut sql = String::from(
        "INSERT INTO rate_counters (bucket, shard, expires_at, count) \
         VALUES ($1, 0, $2, 1), ($3, 0, $4, 1), ($5, $6, $4, 1)",
    );
    if network.is_some() {
        sql.push_str(", ($7, 0, $2, 1), ($8, 0, $4, 1)");
    }
    sql.push_str(" ON CONFLICT (bucket, shard) DO UPDATE SET count = rate_counters.count + 1");
    let sql = match backend {
        Backend::Sqlite => format!("{sql} RETURNING bucket, count"),
        // The day's shards summed in the same statement: it reads the
        // table as it was before this statement, so this one's own count
        // is added (a shard it made or raised by one).
        Backend::Postgres => format!(
            "WITH counted AS ({sql} RETURNING bucket, count) \
             SELECT bucket, count FROM counted WHERE bucket <> $5 \
             UNION ALL SELECT $5, CAST(COALESCE(SUM(count), 0) + 1 AS BIGINT) \
             FROM rate_counters WHERE bucket = $5"
        ),
    };
    let mut query = sqlx::query_as(&sql)
        .bind(&client_hour)
        .bind(timestamp(now + Duration::hours(2)))
        .bind(&client_day)
        .bind(timestamp(now + Duration::days(2)))
        .bind(&global_day)
        .bind(i64::from(global_shard));
    if let Some((net_hour, net_day)) = &network {
        query = query.bind(net_hour).bind(net_day);
    }
    let rows: Vec<(String, i64)> = query.fetch_all(&mut **tx).await?;
    let count_of = |bucket: &str| {
        rows.iter()
            .find(|(b, _)| b == bucket)
            .map_or(0, |(_, c)| *c)
    };
    let global = count_of(&global_day);
    let checks = [
        (
            count_of(&client_hour),
            limits.per_ip_hour,
            LimitKind::ClientHour,
        ),
        (
            count_of(&client_day),
            limits.per_ip_day,
            LimitKind::ClientDay,
        ),
        (global, limits.global_day, LimitKind::GlobalDay),
    ];
    let network_checks = network.iter().flat_map(|(net_hour, net_day)| {
        [
            (
                count_of(net_hour),
                limits.per_network_hour,
                LimitKind::NetworkHour,
            ),
            (
                count_of(net_day),
                limits.per_network_day,
                LimitKind::NetworkDay,
            ),
        ]
    });
    Ok(checks
        .into_iter()
        .chain(network_checks)
        .find(|(count, limit, _)| *count > i64::from(*limit))
        .map(|(_, _, kind)| kind))
}

impl super::Store {
    /// Forgets counters whose window is long over.
    pub async fn prune_rate_counters(&self, now: OffsetDateTime) -> Result<u64, StoreError> {
        let done = sqlx::query("DELETE FROM rate_counters WHERE expires_at < $1")
            .bind(timestamp(now))
            .execute(&self.writer)
            .await?;
        Ok(done.rows_affected())
    }
}
