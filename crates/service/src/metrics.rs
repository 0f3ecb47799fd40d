//! What `/metrics` shows besides the database's gauges: counters this
//! process keeps (submissions accepted and refused by reason, sign-in
//! failures; since the process started, as Prometheus counters are), and
//! pages read with a histogram of seconds per page, which the database
//! keeps as each page is recorded, so that a server shows the pages its
//! worker processes read, wherever they run.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use crate::store::PageReadTotal;

/// Why the public form refused a submission; stable codes for the labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    Automated,
    BadToken,
    Expired,
    Invalid,
    TooLarge,
    ClientHour,
    ClientDay,
    NetworkHour,
    NetworkDay,
    GlobalDay,
    Unavailable,
}

impl Refused {
    const ALL: [Refused; 11] = [
        Refused::Automated,
        Refused::BadToken,
        Refused::Expired,
        Refused::Invalid,
        Refused::TooLarge,
        Refused::ClientHour,
        Refused::ClientDay,
        Refused::NetworkHour,
        Refused::NetworkDay,
        Refused::GlobalDay,
        Refused::Unavailable,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Refused::Automated => "automated",
            Refused::BadToken => "bad_token",
            Refused::Expired => "expired",
            Refused::Invalid => "invalid",
            Refused::TooLarge => "too_large",
            Refused::ClientHour => "client_hour",
            Refused::ClientDay => "client_day",
            Refused::NetworkHour => "network_hour",
            Refused::NetworkDay => "network_day",
            Refused::GlobalDay => "global_day",
            Refused::Unavailable => "unavailable",
        }
    }

    pub fn from_limit(kind: crate::store::LimitKind) -> Refused {
        use crate::store::LimitKind;
        match kind {
            LimitKind::ClientHour => Refused::ClientHour,
            LimitKind::ClientDay => Refused::ClientDay,
            LimitKind::NetworkHour => Refused::NetworkHour,
            LimitKind::NetworkDay => Refused::NetworkDay,
            LimitKind::GlobalDay => Refused::GlobalDay,
        }
    }
}

/// Upper bounds of the seconds-per-page buckets, with their labels (also
/// the keys of the database's totals).
const PAGE_BUCKETS: [(f64, &str); 10] = [
    (0.1, "0.1"),
    (0.25, "0.25"),
    (0.5, "0.5"),
    (1.0, "1"),
    (2.0, "2"),
    (4.0, "4"),
    (8.0, "8"),
    (15.0, "15"),
    (30.0, "30"),
    (60.0, "60"),
];
/// Above every bound.
const ABOVE_ALL: &str = "+Inf";
/// A page that was not read: counted, but no time sample.
const UNTIMED: &str = "untimed";

/// The bucket a page's reading time goes in.
pub fn page_bucket(took: Option<Duration>) -> &'static str {
    let Some(took) = took else { return UNTIMED };
    let seconds = took.as_secs_f64();
    PAGE_BUCKETS
        .iter()
        .find(|(bound, _)| seconds <= *bound)
        .map_or(ABOVE_ALL, |(_, label)| label)
}

/// Pages read in all, and the histogram of seconds per page, from the
/// database's totals per bucket. A bucket this build does not know (its
/// bounds changed) counts above every bound.
pub fn write_pages(out: &mut String, totals: &[PageReadTotal]) {
    counter(
        out,
        "intake_pages_read_total",
        "Pages of scanned files recorded (forms, other pages, blanks, pages that failed).",
        totals.iter().map(|t| t.pages.max(0) as u64).sum(),
    );
    let _ = writeln!(
        out,
        "# HELP intake_page_read_seconds Time one page took to read on its thread, in seconds.\n\
         # TYPE intake_page_read_seconds histogram"
    );
    let in_bucket = |label: &str| {
        totals
            .iter()
            .filter(|t| t.bucket == label)
            .map(|t| t.pages.max(0) as u64)
            .sum::<u64>()
    };
    let mut cumulative = 0;
    for (_, label) in PAGE_BUCKETS {
        cumulative += in_bucket(label);
        let _ = writeln!(
            out,
            "intake_page_read_seconds_bucket{{le=\"{label}\"}} {cumulative}"
        );
    }
    let timed = totals.iter().filter(|t| t.bucket != UNTIMED);
    let (count, micros) = timed.fold((0u64, 0u64), |(n, m), t| {
        (n + t.pages.max(0) as u64, m + t.micros.max(0) as u64)
    });
    let _ = writeln!(
        out,
        "intake_page_read_seconds_bucket{{le=\"+Inf\"}} {count}\n\
         intake_page_read_seconds_sum {}\n\
         intake_page_read_seconds_count {count}",
        micros as f64 / 1e6
    );
}

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    /// A form sent again: found the first, stored nothing.
    resubmitted: AtomicU64,
    refused: [AtomicU64; Refused::ALL.len()],
    sign_in_failures: AtomicU64,
}

/// Shared by the web pages of one process.
#[derive(Clone, Default)]
pub struct Metrics(Arc<Counters>);

impl Metrics {
    pub fn accepted(&self) {
        self.0.accepted.fetch_add(1, Ordering::Relaxed);
    }

    pub fn resubmitted(&self) {
        self.0.resubmitted.fetch_add(1, Ordering::Relaxed);
    }

    pub fn refused(&self, why: Refused) {
        let index = Refused::ALL.iter().position(|r| *r == why).unwrap_or(0);
        self.0.refused[index].fetch_add(1, Ordering::Relaxed);
    }

    pub fn sign_in_failed(&self) {
        self.0.sign_in_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// The counters in Prometheus text format.
    pub fn write(&self, out: &mut String) {
        let c = &self.0;
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        counter(
            out,
            "intake_submissions_accepted_total",
            "Web registrations stored.",
            get(&c.accepted),
        );
        counter(
            out,
            "intake_submissions_resubmitted_total",
            "Web forms sent again, answered with the first registration.",
            get(&c.resubmitted),
        );
        let _ = writeln!(
            out,
            "# HELP intake_submissions_refused_total Web submissions refused, by reason.\n\
             # TYPE intake_submissions_refused_total counter"
        );
        for (why, count) in Refused::ALL.iter().zip(&c.refused) {
            let _ = writeln!(
                out,
                "intake_submissions_refused_total{{reason=\"{}\"}} {}",
                why.code(),
                get(count)
            );
        }
        counter(
            out,
            "intake_sign_in_failures_total",
            "Staff sign-ins refused.",
            get(&c.sign_in_failures),
        );
    }
}

pub fn counter(out: &mut String, name: &str, help: &str, value: u64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
    );
}

pub fn gauge(out: &mut String, name: &str, help: &str, value: i64) {
    let _ = writeln!(
        out,
        "# HELP {name} {help}\n# TYPE {name} gauge\n{name} {value}"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_histogram_is_cumulative() {
        let total = |took: Option<Duration>, pages, micros| PageReadTotal {
            bucket: page_bucket(took).into(),
            pages,
            micros,
        };
        let totals = [
            total(Some(Duration::from_millis(50)), 1, 50_000),
            total(Some(Duration::from_millis(700)), 2, 1_400_000),
            total(Some(Duration::from_secs(120)), 1, 120_000_000),
            // Digital pages: counted, no time sample.
            total(None, 3, 0),
            // A bucket of other bounds: above every bound here.
            PageReadTotal {
                bucket: "0.3".into(),
                pages: 1,
                micros: 300_000,
            },
        ];
        let mut out = String::new();
        write_pages(&mut out, &totals);
        assert!(out.contains("intake_page_read_seconds_bucket{le=\"0.1\"} 1\n"));
        assert!(out.contains("intake_page_read_seconds_bucket{le=\"1\"} 3\n"));
        assert!(out.contains("intake_page_read_seconds_bucket{le=\"60\"} 3\n"));
        assert!(out.contains("intake_page_read_seconds_bucket{le=\"+Inf\"} 5\n"));
        assert!(out.contains("intake_page_read_seconds_count 5\n"));
        assert!(out.contains("intake_page_read_seconds_sum 121.75\n"));
        assert!(out.contains("intake_pages_read_total 8\n"));
    }

    #[test]
    fn refusals_are_counted_by_reason() {
        let metrics = Metrics::default();
        metrics.refused(Refused::GlobalDay);
        let mut out = String::new();
        metrics.write(&mut out);
        assert!(out.contains("intake_submissions_refused_total{reason=\"global_day\"} 1\n"));
        assert!(out.contains("intake_submissions_refused_total{reason=\"automated\"} 0\n"));
    }
}
