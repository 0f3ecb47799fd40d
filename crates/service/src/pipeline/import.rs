//! `intake import`: files and folders into one batch, stored first, then
//! read by this process (and any other worker on the same database), with
//! progress as it goes and a summary at the end.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use time::Date;

use super::Pipeline;
use super::worker::{self, Until, WorkerOptions};
use crate::store::{BatchEntry, BatchProgress, BatchSummary, ScanBatch};

pub struct ImportRequest {
    pub paths: Vec<PathBuf>,
    pub office: String,
    pub received_on: Date,
    pub scanned_by: String,
}

/// The files under the given paths, folders walked in name order; hidden
/// files (`.name`) are left out.
pub fn collect_files(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for path in paths {
        let metadata =
            std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            walk(path, &mut files)?;
        } else {
            files.push(path.clone());
        }
    }
    Ok(files)
}

fn walk(folder: &Path, files: &mut Vec<PathBuf>) -> anyhow::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(folder)
        .with_context(|| format!("cannot read the folder {}", folder.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| {
            !path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
        })
        .collect();
    entries.sort();
    for entry in entries {
        if entry.is_dir() {
            walk(&entry, files)?;
        } else {
            files.push(entry);
        }
    }
    Ok(())
}

/// Makes the batch and stores every file in it. Nothing is read yet; a
/// file that cannot even be stored stops the import with its name (what
/// was stored stays stored).
pub async fn store_batch(
    pipeline: &Pipeline,
    request: &ImportRequest,
    entry: BatchEntry,
) -> anyhow::Result<ScanBatch> {
    let files = collect_files(&request.paths)?;
    anyhow::ensure!(!files.is_empty(), "there are no files to import");
    let batch = pipeline
        .store
        .create_batch(
            &request.office,
            request.received_on,
            &request.scanned_by,
            entry,
        )
        .await?;
    for file in &files {
        pipeline.admit_path(&batch, file).await?;
    }
    Ok(batch)
}

/// Reads the batch's files in this process until none is left queued or
/// running (other workers may take part), reporting progress.
pub async fn process_batch(
    pipeline: &Pipeline,
    batch: &ScanBatch,
    options: WorkerOptions,
    mut progress: impl FnMut(&BatchProgress),
) -> anyhow::Result<BatchSummary> {
    let work = tokio::spawn(worker::run(
        pipeline.clone(),
        options,
        Until::BatchDone(batch.id),
    ));
    let mut every = tokio::time::interval(Duration::from_millis(500));
    while !work.is_finished() {
        every.tick().await;
        if let Ok(now) = pipeline.store.batch_progress(batch.id).await {
            progress(&now);
        }
    }
    work.await.context("the worker stopped")?;
    progress(&pipeline.store.batch_progress(batch.id).await?);
    Ok(pipeline.store.batch_summary(batch.id).await?)
}

/// Progress on a terminal as a bar (pages done, pages a minute, time left),
/// otherwise as a plain line every few seconds.
pub struct ProgressReport {
    bar: Option<indicatif::ProgressBar>,
    started: Instant,
    first_done: Option<(Instant, u64)>,
    last_line: Option<Instant>,
    quiet: bool,
}

impl ProgressReport {
    pub fn new(quiet: bool) -> ProgressReport {
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} pages  {msg}  left {eta}",
                )
                .expect("a valid template"),
            );
            bar
        });
        ProgressReport {
            bar,
            started: Instant::now(),
            first_done: None,
            last_line: None,
            quiet,
        }
    }

    pub fn update(&mut self, progress: &BatchProgress) {
        let rate = self.pages_per_minute(progress.pages_done);
        if let Some(bar) = &self.bar {
            bar.set_length(progress.pages_known);
            bar.set_position(progress.pages_done);
            bar.set_message(format!("{rate:.0} pages/min"));
            return;
        }
        let due = !self.quiet
            && self
                .last_line
                .is_none_or(|at| at.elapsed() >= Duration::from_secs(5));
        if due {
            eprintln!(
                "{} of {} pages read, {rate:.0} pages/min, {} of {} files left",
                progress.pages_done, progress.pages_known, progress.files_open, progress.files
            );
            self.last_line = Some(Instant::now());
        }
    }

    /// Pages a minute since the first page was done (start-up, loading
    /// Tesseract, is not counted against the rate).
    fn pages_per_minute(&mut self, done: u64) -> f64 {
        if done == 0 {
            return 0.0;
        }
        let (since, base) = *self.first_done.get_or_insert((Instant::now(), done));
        let minutes = since.elapsed().as_secs_f64() / 60.0;
        if minutes > 0.0 && done > base {
            (done - base) as f64 / minutes
        } else {
            0.0
        }
    }

    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish();
        }
    }
}

/// The summary for a person.
pub fn describe(summary: &BatchSummary) -> String {
    let mut text = format!(
        "batch {}\n  forms: {}\n  needing review: {}\n  other documents: {}\n  blank pages: {}\n  duplicates: {}\n  quarantined: {}\n",
        summary.batch,
        summary.forms,
        summary.needs_review,
        summary.other,
        summary.blank,
        summary.duplicates,
        summary.quarantined.len()
    );
    for entry in &summary.quarantined {
        match entry.page {
            Some(page) => text.push_str(&format!(
                "    {} (page {page}): {}\n",
                entry.file, entry.reason
            )),
            None => text.push_str(&format!("    {}: {}\n", entry.file, entry.reason)),
        }
    }
    text
}
