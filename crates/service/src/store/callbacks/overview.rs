//! What leaves the queue and what the dashboard counts: closed registrations
//! exported for the national system (each export an audited view of every
//! registration in it), and the figures of the overview.

use std::collections::HashMap;

use sqlx::Row;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use super::super::audit::{self, AuditAction};
use super::super::registrations::registration_from_row;
use super::super::{Store, StoreError, parse_timestamp, timestamp};
use super::super::{id_column, time_column};
use super::{optional_time, parse_channel};
use crate::callbacks::CloseResult;
use crate::callbacks::schedule::finnish_moment;
use intake_core::calendar::finnish_date;
use intake_core::record::{Channel, Registration};

/// The two shapes an export comes in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Json,
}

impl ExportFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        }
    }
}

/// One form a closed registration was made from.
#[derive(Debug, Clone)]
pub struct ExportSource {
    pub reference: String,
    pub channel: Channel,
    pub received_at: OffsetDateTime,
}

/// A registration whose callback is finished, as exported.
#[derive(Debug, Clone)]
pub struct ClosedRegistration {
    pub registration: Registration,
    pub sources: Vec<ExportSource>,
    pub result: Option<CloseResult>,
    pub result_note: String,
    pub closed_at: OffsetDateTime,
    pub closed_by: Option<String>,
    pub first_contact_at: Option<OffsetDateTime>,
    pub attempts: i64,
}

/// Forms received on one day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayCount {
    pub date: Date,
    pub web: i64,
    pub paper: i64,
}

/// The dashboard's figures.
#[derive(Debug, Clone)]
pub struct Overview {
    /// Oldest first, every day of the period, empty days included.
    pub days: Vec<DayCount>,
    /// Registrations waiting for a call.
    pub queue_size: i64,
    /// Of those, not spoken to and past their due day.
    pub overdue: i64,
    pub send_letter: i64,
    pub awaiting_review: i64,
    /// From received to the first call that reached the person, over the
    /// registrations received in the period.
    pub median_first_contact: Option<Duration>,
    pub contacted: usize,
}

impl Store {
    /// The registrations closed from `from` to `to` (Finnish dates, both
    /// included). The export is recorded in the audit log against each one.
    pub async fn export_closed(
        &self,
        staff: Uuid,
        from: Date,
        to: Date,
        format: ExportFormat,
        now: OffsetDateTime,
    ) -> Result<Vec<ClosedRegistration>, StoreError> {
        let start = timestamp(finnish_moment(from, 0, 0));
        let end = timestamp(finnish_moment(
            to.next_day().expect("dates stay in range"),
            0,
            0,
        ));
        let mut tx = self.begin_write().await?;
        // From the period's closed entries (CROSS JOIN: SQLite would
        // otherwise start at the status index, a year of closed ones).
        let rows = sqlx::query(
            "SELECT r.id, r.reference, r.form_id, r.form_version, r.channel, r.office, \
             r.received_at, r.status, r.identity_verified, r.fields, r.provenance, \
             COALESCE(r.source_received_at, r.received_at) AS own_received_at, \
             c.result, c.result_note, c.closed_at, s.name AS closed_by_name, \
             c.first_contact_at, c.attempts \
             FROM callbacks c CROSS JOIN registrations r \
             LEFT JOIN staff s ON s.id = c.closed_by \
             WHERE r.id = c.registration_id AND r.status = 'closed' AND r.duplicate_of IS NULL \
             AND c.closed_at >= $1 AND c.closed_at < $2 ORDER BY c.closed_at, r.id",
        )
        .bind(&start)
        .bind(&end)
        .fetch_all(&mut *tx)
        .await?;
        let folded = sqlx::query(
            "SELECT d.duplicate_of, d.reference, d.channel, \
             COALESCE(d.source_received_at, d.received_at) AS own_received_at \
             FROM callbacks c CROSS JOIN registrations d \
             WHERE d.duplicate_of = c.registration_id AND c.closed_at >= $1 AND c.closed_at < $2",
        )
        .bind(&start)
        .bind(&end)
        .fetch_all(&mut *tx)
        .await?;
        let mut sources: HashMap<Uuid, Vec<ExportSource>> = HashMap::new();
        for row in &folded {
            sources
                .entry(id_column(row, "duplicate_of")?)
                .or_default()
                .push(source_from_row(row)?);
        }
        let mut closed = Vec::with_capacity(rows.len());
        for row in &rows {
            let registration = registration_from_row(row)?;
            let mut own = vec![source_from_row(row)?];
            own.extend(sources.remove(&registration.id).unwrap_or_default());
            own.sort_by_key(|s| s.received_at);
            let result: Option<String> = row.try_get("result")?;
            closed.push(ClosedRegistration {
                sources: own,
                result: result.as_deref().and_then(CloseResult::parse),
                result_note: row
                    .try_get::<Option<String>, _>("result_note")?
                    .unwrap_or_default(),
                closed_at: time_column(row, "closed_at")?,
                closed_by: row.try_get("closed_by_name")?,
                first_contact_at: optional_time(row, "first_contact_at")?,
                attempts: row.try_get("attempts")?,
                registration,
            });
        }
        let exported: Vec<Uuid> = closed.iter().map(|c| c.registration.id).collect();
        audit::record_each(
            &mut tx,
            now,
            Some(staff),
            &exported,
            AuditAction::Export,
            format.as_str(),
        )
        .await?;
        tx.commit().await?;
        Ok(closed)
    }

    /// The dashboard over the `days` days up to and including `today`.
    pub async fn overview(&self, today: Date, days: u32) -> Result<Overview, StoreError> {
        let first_day = today - Duration::days(i64::from(days.max(1)) - 1);
        let since = timestamp(finnish_moment(first_day, 0, 0));
        // Counted per UTC hour in the database, each side from an index
        // alone: Finland's offset is whole hours, so an hour falls on one
        // Finnish day. A registration's own arrival is source_received_at
        // when an earlier form of the person moved its received_at.
        let arrivals: Vec<(String, String, i64)> = sqlx::query_as(
            "SELECT substr(received_at, 1, 13), channel, COUNT(*) FROM registrations \
             WHERE received_at >= $1 AND source_received_at IS NULL \
             GROUP BY substr(received_at, 1, 13), channel \
             UNION ALL \
             SELECT substr(source_received_at, 1, 13), channel, COUNT(*) FROM registrations \
             WHERE source_received_at >= $1 \
             GROUP BY substr(source_received_at, 1, 13), channel",
        )
        .bind(&since)
        .fetch_all(&self.reader)
        .await?;
        let mut days: Vec<DayCount> = (0..days.max(1))
            .map(|n| DayCount {
                date: first_day + Duration::days(i64::from(n)),
                web: 0,
                paper: 0,
            })
            .collect();
        for (hour, channel, count) in &arrivals {
            let date = finnish_date(parse_timestamp(&format!("{hour}:00:00.000000Z"))?);
            if let Some(day) = days.iter_mut().find(|d| d.date == date) {
                match parse_channel(channel)? {
                    Channel::Web => day.web += count,
                    Channel::Paper => day.paper += count,
                }
            }
        }

        let queue_size = self.count_open("awaiting_call", None).await?;
        let overdue = self
            .count_open("awaiting_call", Some(&today.to_string()))
            .await?;
        let send_letter = self.count_open("send_letter", None).await?;
        let awaiting_review = self.count_open("awaiting_review", None).await?;

        // A queue entry carries its registration's arrival, and a status
        // only while not folded into another (callbacks_first_contact).
        let contacts: Vec<(String, String)> = sqlx::query_as(
            "SELECT received_at, first_contact_at FROM callbacks \
             WHERE received_at >= $1 AND first_contact_at IS NOT NULL AND status IS NOT NULL",
        )
        .bind(&since)
        .fetch_all(&self.reader)
        .await?;
        let mut waits = contacts
            .iter()
            .map(|(received, contact)| Ok(parse_timestamp(contact)? - parse_timestamp(received)?))
            .collect::<Result<Vec<Duration>, StoreError>>()?;
        waits.sort();
        Ok(Overview {
            days,
            queue_size,
            overdue,
            send_letter,
            awaiting_review,
            median_first_contact: median(&waits),
            contacted: waits.len(),
        })
    }
}

impl Store {
    /// Registrations in the queue with a status; with `overdue_before`, only
    /// those not spoken to and due before that day. Counted in the queue
    /// index alone: an entry carries its registration's status, none once
    /// folded into another.
    async fn count_open(
        &self,
        status: &str,
        overdue_before: Option<&str>,
    ) -> Result<i64, StoreError> {
        let base = "SELECT COUNT(*) FROM callbacks WHERE status = $1";
        let (n,): (i64,) = match overdue_before {
            None => {
                sqlx::query_as(base)
                    .bind(status)
                    .fetch_one(&self.reader)
                    .await?
            }
            Some(day) => {
                sqlx::query_as(&format!(
                    "{base} AND due_on < $2 AND first_contact_at IS NULL"
                ))
                .bind(status)
                .bind(day)
                .fetch_one(&self.reader)
                .await?
            }
        };
        Ok(n)
    }
}

fn source_from_row(row: &sqlx::any::AnyRow) -> Result<ExportSource, StoreError> {
    let channel: String = row.try_get("channel")?;
    Ok(ExportSource {
        reference: row.try_get("reference")?,
        channel: parse_channel(&channel)?,
        received_at: time_column(row, "own_received_at")?,
    })
}

/// The middle of sorted values; the mean of the middle two for an even count.
fn median(sorted: &[Duration]) -> Option<Duration> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if !n.is_multiple_of(2) => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_median_of_odd_and_even_counts() {
        let h = Duration::hours;
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[h(1), h(5), h(9)]), Some(h(5)));
        assert_eq!(median(&[h(1), h(3), h(5), h(9)]), Some(h(4)));
    }
}
