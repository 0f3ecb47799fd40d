//! Counters this process keeps for `/metrics`: submissions accepted and
//! refused by reason, sign-in failures, and pages read with a histogram of
//! seconds per page. What lives in the database (queues, jobs, backlog) is
//! counted there when `/metrics` is asked; these are since the process
//! started, as Prometheus counters are.

use std::fmt::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

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

/// Upper bounds of the seconds-per-page buckets.
const PAGE_BUCKETS: [f64; 10] = [0.1, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 15.0, 30.0, 60.0];

#[derive(Default)]
struct Counters {
    accepted: AtomicU64,
    /// A form sent again: found the first, stored nothing.
    resubmitted: AtomicU64,
    refused: [AtomicU64; Refused::ALL.len()],
    sign_in_failures: AtomicU64,
    pages: AtomicU64,
    /// Per bucket (not cumulative), the last for above every bound.
    page_buckets: [AtomicU64; PAGE_BUCKETS.len() + 1],
    page_micros: AtomicU64,
}

/// Shared by the web pages and the scan worker of one process.
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

    /// A page recorded, with what its reading took on its thread (`None`
    /// for a page that was not read: a digital form, a text page, a page
    /// that could not be decoded; it counts, but is no time sample).
    pub fn page_recorded(&self, took: Option<Duration>) {
        self.0.pages.fetch_add(1, Ordering::Relaxed);
        let Some(took) = took else { return };
        let seconds = took.as_secs_f64();
        let bucket = PAGE_BUCKETS
            .iter()
            .position(|bound| seconds <= *bound)
            .unwrap_or(PAGE_BUCKETS.len());
        self.0.page_buckets[bucket].fetch_add(1, Ordering::Relaxed);
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.0.page_micros.fetch_add(micros, Ordering::Relaxed);
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
        counter(
            out,
            "intake_pages_read_total",
            "Pages of scanned files recorded (forms, other pages, blanks, pages that failed).",
            get(&c.pages),
        );
        let _ = writeln!(
            out,
            "# HELP intake_page_read_seconds Time one page took to read on its thread, in seconds.\n\
             # TYPE intake_page_read_seconds histogram"
        );
        let mut cumulative = 0;
        for (bound, count) in PAGE_BUCKETS.iter().zip(&c.page_buckets) {
            cumulative += get(count);
            let _ = writeln!(
                out,
                "intake_page_read_seconds_bucket{{le=\"{bound}\"}} {cumulative}"
            );
        }
        cumulative += get(&c.page_buckets[PAGE_BUCKETS.len()]);
        let _ = writeln!(
            out,
            "intake_page_read_seconds_bucket{{le=\"+Inf\"}} {cumulative}\n\
             intake_page_read_seconds_sum {}\n\
             intake_page_read_seconds_count {cumulative}",
            get(&c.page_micros) as f64 / 1e6
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
        let metrics = Metrics::default();
        metrics.page_recorded(Some(Duration::from_millis(50)));
        metrics.page_recorded(Some(Duration::from_millis(700)));
        metrics.page_recorded(Some(Duration::from_secs(120)));
        // A digital page: counted, no time sample.
        metrics.page_recorded(None);
        metrics.refused(Refused::GlobalDay);
        let mut out = String::new();
        metrics.write(&mut out);
        assert!(out.contains("intake_page_read_seconds_bucket{le=\"0.1\"} 1\n"));
        assert!(out.contains("intake_page_read_seconds_bucket{le=\"1\"} 2\n"));
        assert!(out.contains("intake_page_read_seconds_bucket{le=\"60\"} 2\n"));
        assert!(out.contains("intake_page_read_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(out.contains("intake_page_read_seconds_count 3\n"));
        assert!(out.contains("intake_pages_read_total 4\n"));
        assert!(out.contains("intake_submissions_refused_total{reason=\"global_day\"} 1\n"));
        assert!(out.contains("intake_submissions_refused_total{reason=\"automated\"} 0\n"));
    }
}
