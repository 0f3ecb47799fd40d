//! Personal data by the law's rules: the retention rules (run hourly and by
//! `intake purge`), the erasure of one person (`intake erase`) and the
//! export of one person's data (`intake subject-export`). Files go first,
//! through `Blobs`, then the rows that name them; each run is audited with
//! rules and counts, never with values.

mod drop_copies;
mod export;

use std::path::Path;
use std::time::Duration;

use anyhow::Context;
use time::{Date, OffsetDateTime};

use crate::config::{Config, Retention};
use crate::pipeline::Pipeline;
use crate::store::audit::AuditAction;
use crate::store::privacy::retention::RetentionRule;
use crate::store::privacy::{ErasurePlan, FileToRemove, PersonKey, Removed};

pub use export::{ExportReport, subject_export};

/// What one rule found (and removed, unless it was a dry run).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleOutcome {
    pub rule: RetentionRule,
    pub count: usize,
    /// References, ids of files and triage items, or the keys of blobs no
    /// row names (a content hash, a file id): nothing of a person.
    pub ids: Vec<String>,
}

/// What an erasure removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erased {
    pub removed: Removed,
    pub shared_files: usize,
    pub page_images: usize,
    pub drop_copies: usize,
}

/// Removes one person everywhere: files first, then rows, then (SQLite)
/// the deleted bytes from the database file and its log. `None` when the
/// key finds no one.
pub async fn erase(
    pipeline: &Pipeline,
    drop_dir: &Path,
    key: &PersonKey,
    by: &str,
) -> anyhow::Result<Option<Erased>> {
    let store = &pipeline.store;
    let plan = store.erasure_plan(key).await?;
    if plan.is_empty() {
        return Ok(None);
    }
    let drop_copies = {
        let drop_dir = drop_dir.to_path_buf();
        let originals = plan.originals.clone();
        tokio::task::spawn_blocking(move || {
            let copies = drop_copies::of_originals(&drop_dir, &originals)?;
            drop_copies::remove(&copies)?;
            Ok::<_, std::io::Error>(copies.len())
        })
        .await?
        .context("deleting the drop folder's copies")?
    };
    remove_files(pipeline, &plan.originals, &plan.page_images).await?;
    let detail = |removed: &Removed| {
        format!(
            "by {by}: {} registrations, {} triage items, {} pages, {} files ({} shared with others), \
             {} originals, {} page images, {} drop-folder copies",
            removed.registrations,
            removed.triage_items,
            removed.pages,
            removed.files,
            plan.shared_files.len(),
            removed.originals,
            plan.page_images.len(),
            drop_copies
        )
    };
    let now = OffsetDateTime::now_utc();
    let counted = count_removed(&plan);
    let removed = store
        .erase(&plan, AuditAction::Erasure, &detail(&counted), now)
        .await?;
    store
        .scrub_deleted()
        .await
        .context("clearing the deleted rows from the database file")?;
    Ok(Some(Erased {
        removed,
        shared_files: plan.shared_files.len(),
        page_images: plan.page_images.len(),
        drop_copies,
    }))
}

/// The counts an erasure will audit, from its plan.
fn count_removed(plan: &ErasurePlan) -> Removed {
    Removed {
        registrations: plan.registrations.len() as u64,
        triage_items: plan.triage_items.len() as u64,
        pages: plan.pages.len() as u64,
        files: plan.whole_files.len() as u64,
        originals: plan.originals.len() as u64,
    }
}

async fn remove_files(
    pipeline: &Pipeline,
    originals: &[FileToRemove],
    page_images: &[String],
) -> anyhow::Result<()> {
    let blobs = &pipeline.blobs;
    for image in page_images {
        blobs
            .remove_page_image(image)
            .await
            .context("deleting page images")?;
    }
    for original in originals {
        blobs
            .remove_original(&original.path)
            .await
            .context("deleting originals")?;
    }
    Ok(())
}

/// Runs every rule as of `now`: lists what is due and, unless `dry_run`,
/// removes it. A run that removed something, and every run an operator
/// asked for (`audit_empty`), is audited with the rules' counts.
pub async fn purge(
    pipeline: &Pipeline,
    config: &Config,
    now: OffsetDateTime,
    dry_run: bool,
    audit_empty: bool,
) -> anyhow::Result<Vec<RuleOutcome>> {
    let store = &pipeline.store;
    let rules = &config.retention;
    let mut outcomes = Vec::new();

    let closed = store
        .closed_before(months_before(now, rules.closed_months))
        .await?;
    let ids: Vec<String> = closed
        .iter()
        .map(|(_, reference)| reference.clone())
        .collect();
    let closed_references = ids.clone();
    if !dry_run && !closed.is_empty() {
        let standing: Vec<_> = closed.iter().map(|(id, _)| *id).collect();
        let plan = store.removal_plan(&standing).await?;
        remove_files(pipeline, &plan.originals, &plan.page_images).await?;
        store.remove_registrations(&plan, now).await?;
    }
    outcomes.push(outcome(RetentionRule::ClosedRegistrations, ids));

    let scans = store
        .scans_released_before(days_before(now, rules.verified_paper_days))
        .await?;
    if !dry_run && !scans.files.is_empty() {
        let images: Vec<String> = scans
            .page_images
            .iter()
            .map(|(_, _, p)| p.clone())
            .collect();
        remove_files(pipeline, &scans.originals, &images).await?;
        store.forget_scans(&scans, now).await?;
    }
    let ids = scans.files.iter().map(|id| format!("file {id}")).collect();
    outcomes.push(outcome(RetentionRule::VerifiedPaper, ids));

    let triage = store
        .triage_closed_before(days_before(now, rules.closed_triage_days))
        .await?;
    if !dry_run && !triage.is_empty() {
        let images: Vec<String> = triage
            .iter()
            .flat_map(|item| item.page_images.iter().map(|(_, _, p)| p.clone()))
            .collect();
        remove_files(pipeline, &[], &images).await?;
        store.remove_triage(&triage).await?;
    }
    let ids = triage
        .iter()
        .map(|item| format!("triage {}", item.id))
        .collect();
    outcomes.push(outcome(RetentionRule::ClosedTriage, ids));

    let links_cutoff = days_before(now, rules.status_link_days);
    let mut links = store.status_links_before(links_cutoff).await?;
    // A dry run still finds the links of registrations the first rule
    // removes with them: not counted twice.
    links.retain(|reference| !closed_references.contains(reference));
    if !dry_run && !links.is_empty() {
        store.remove_status_links_before(links_cutoff).await?;
    }
    outcomes.push(outcome(RetentionRule::StatusLinks, links));

    // Their names are the scanner's and may say anything: counted only.
    let drop_cutoff = std::time::SystemTime::UNIX_EPOCH
        + Duration::from_secs(
            days_before(now, rules.drop_copy_days)
                .unix_timestamp()
                .max(0) as u64,
        );
    let drop_dir = config.drop_dir();
    let copies = tokio::task::spawn_blocking(move || {
        let copies = drop_copies::older_than(&drop_dir, drop_cutoff)?;
        if !dry_run {
            drop_copies::remove(&copies)?;
        }
        Ok::<_, std::io::Error>(copies.len())
    })
    .await?
    .context("the drop folder's done/ and failed/ copies")?;
    outcomes.push(RuleOutcome {
        rule: RetentionRule::DropCopies,
        count: copies,
        ids: Vec::new(),
    });

    // Aged on the real clock whatever `now` says (a test's, or a dry run's
    // look ahead): a blob whose row is being written now is never taken.
    let orphan_cutoff = days_before(now.min(OffsetDateTime::now_utc()), rules.orphan_blob_days);
    let orphans = pipeline
        .blobs
        .sweep_orphans(store, orphan_cutoff, dry_run)
        .await
        .context("originals and page images that no row names")?;
    outcomes.push(outcome(RetentionRule::OrphanOriginals, orphans.originals));
    outcomes.push(outcome(
        RetentionRule::OrphanPageImages,
        orphans.page_images,
    ));

    let removed_any = outcomes.iter().any(|o| o.count > 0);
    if audit_empty || (removed_any && !dry_run) {
        let counts: Vec<String> = outcomes
            .iter()
            .map(|o| format!("{}={}", o.rule.code(), o.count))
            .collect();
        let what = if dry_run {
            "dry run, nothing removed"
        } else {
            "removed"
        };
        store
            .audit_retention(
                AuditAction::RetentionPurge,
                &format!("{what}: {}", counts.join(" ")),
                now,
            )
            .await?;
    }
    Ok(outcomes)
}

fn outcome(rule: RetentionRule, ids: Vec<String>) -> RuleOutcome {
    RuleOutcome {
        rule,
        count: ids.len(),
        ids,
    }
}

/// Runs the rules at start and every hour until `stop` (`serve` and
/// `worker`). Several processes may run them: each removal is idempotent.
pub async fn run_periodically(
    pipeline: Pipeline,
    config: std::sync::Arc<Config>,
    mut stop: tokio::sync::watch::Receiver<bool>,
) {
    if !config.retention.automatic {
        return;
    }
    let mut every = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tokio::select! {
            _ = every.tick() => {}
            _ = stop.changed() => return,
        }
        if *stop.borrow() {
            return;
        }
        match purge(&pipeline, &config, OffsetDateTime::now_utc(), false, false).await {
            Ok(outcomes) => {
                for o in outcomes.iter().filter(|o| o.count > 0) {
                    tracing::info!(
                        rule = o.rule.code(),
                        count = o.count,
                        "retention removed what was past its time"
                    );
                }
            }
            Err(error) => {
                tracing::warn!(error = %format!("{error:#}"), "the retention run failed; it runs again in an hour")
            }
        }
    }
}

/// The same moment `months` calendar months earlier (the last day of a
/// shorter month when the day does not exist there).
pub fn months_before(now: OffsetDateTime, months: u32) -> OffsetDateTime {
    let date = now.date();
    let index = date.year() * 12 + i32::from(u8::from(date.month())) - 1 - months as i32;
    let (year, month) = (index.div_euclid(12), index.rem_euclid(12) as u8 + 1);
    let month = time::Month::try_from(month).expect("1 to 12");
    let day = date.day().min(month.length(year));
    now.replace_date(Date::from_calendar_date(year, month, day).expect("a day of the month"))
}

pub fn days_before(now: OffsetDateTime, days: u32) -> OffsetDateTime {
    now - time::Duration::days(i64::from(days))
}

impl Retention {
    /// The rules as the operator set them, for `intake purge`.
    pub fn describe(&self) -> String {
        format!(
            "closed or withdrawn registrations after {} months; verified paper scans after {} days; \
             closed triage items after {} days; status links after {} days; drop-folder copies after {} days; \
             originals and page images no row names after {} days",
            self.closed_months,
            self.verified_paper_days,
            self.closed_triage_days,
            self.status_link_days,
            self.drop_copy_days,
            self.orphan_blob_days
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn months_are_calendar_months() {
        let now = datetime!(2026-12-07 10:00 UTC);
        assert_eq!(months_before(now, 24), datetime!(2024-12-07 10:00 UTC));
        assert_eq!(months_before(now, 12 + 11), datetime!(2025-01-07 10:00 UTC));
        assert_eq!(
            months_before(datetime!(2026-03-31 10:00 UTC), 1),
            datetime!(2026-02-28 10:00 UTC)
        );
    }
}
