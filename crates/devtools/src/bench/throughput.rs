//! `intake bench throughput DIR`: pages per minute of the recogniser on all
//! cores, each file read as the service reads it (in a child process with
//! its limits, one file per core; or in this process), and in the same run
//! the pages per minute of the `tesseract` command line doing plain
//! full-page OCR of the same pages, with the ratio.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use rayon::prelude::*;

use intake_paper::capture::decode::{self, DecodeLimits, PageContent};
use intake_paper::capture::extract::{FormCatalogue, ReadOptions};
use intake_service::pipeline::Reader;
use intake_service::pipeline::reading::{FileToRead, ReadEnd, ReadEvent};

pub struct ThroughputReport {
    pub pages: usize,
    pub ours: Duration,
    pub cli_pages: usize,
    pub cli: Duration,
    pub threads: usize,
    /// How the files were read.
    pub reader: &'static str,
}

fn per_minute(pages: usize, took: Duration) -> f64 {
    pages as f64 * 60.0 / took.as_secs_f64()
}

impl std::fmt::Display for ThroughputReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ours = per_minute(self.pages, self.ours);
        let cli = per_minute(self.cli_pages, self.cli);
        writeln!(f, "threads: {}; files read {}", self.threads, self.reader)?;
        writeln!(
            f,
            "intake recognition: {:>5} pages in {:>7.1} s = {:>7.0} pages/min",
            self.pages,
            self.ours.as_secs_f64(),
            ours
        )?;
        writeln!(
            f,
            "tesseract CLI:      {:>5} pages in {:>7.1} s = {:>7.0} pages/min (full page, swe+fin, one process per page)",
            self.cli_pages,
            self.cli.as_secs_f64(),
            cli
        )?;
        write!(f, "ratio: {:.1}x", ours / cli)
    }
}

pub fn sample_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let extension = path
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if ["png", "jpg", "jpeg", "tif", "tiff", "pdf"].contains(&extension.as_str()) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

pub async fn run(
    dir: &Path,
    forms_dir: Option<&Path>,
    reader: Reader,
) -> anyhow::Result<ThroughputReport> {
    let catalogue = FormCatalogue::load(forms_dir)?;
    let files = sample_files(dir)?;
    anyhow::ensure!(!files.is_empty(), "no sample files in {}", dir.display());
    let limits = DecodeLimits::default();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    let started = Instant::now();
    let pages = read_all(&files, &catalogue, &reader, threads).await?;
    let ours = started.elapsed();
    reader.close().await;
    // The same pages as image files for the command line (not timed).
    let scratch = tempfile::tempdir()?;
    let images = page_images(&files, scratch.path(), &limits)?;
    let started = Instant::now();
    images
        .par_iter()
        .map(|image| {
            let output = Command::new("tesseract")
                .arg(image)
                .arg("stdout")
                .args(["-l", "swe+fin"])
                .env("OMP_THREAD_LIMIT", "1")
                .output()
                .context("running tesseract (apt-get install tesseract-ocr)")?;
            anyhow::ensure!(
                output.status.success(),
                "tesseract failed on {}",
                image.display()
            );
            Ok(())
        })
        .collect::<anyhow::Result<Vec<()>>>()?;
    let cli = started.elapsed();
    Ok(ThroughputReport {
        pages,
        ours,
        cli_pages: images.len(),
        cli,
        threads,
        reader: match reader {
            Reader::InProcess => "in this process, one per core, pages on one pool",
            Reader::Child(_) => "in child processes, one per core, each reading file after file",
        },
    })
}

/// Reads the files, one per core at once (as a worker does), and counts
/// the pages read (a page that could not be read counts too).
async fn read_all(
    files: &[PathBuf],
    catalogue: &FormCatalogue,
    reader: &Reader,
    files_at_once: usize,
) -> anyhow::Result<usize> {
    let options = ReadOptions {
        limits: DecodeLimits::default(),
        page_timeout: None,
    };
    let mut queue = files.iter();
    let mut running = tokio::task::JoinSet::new();
    let mut pages = 0;
    loop {
        while running.len() < files_at_once
            && let Some(file) = queue.next()
        {
            let (reader, catalogue, options) = (reader.clone(), catalogue.clone(), options.clone());
            let file = FileToRead {
                path: file.clone(),
                name: file.display().to_string(),
                skip: Default::default(),
            };
            running.spawn(async move {
                let (events, mut heard) = tokio::sync::mpsc::channel(8);
                let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                let counted = tokio::spawn(async move {
                    let mut pages = 0;
                    while let Some(event) = heard.recv().await {
                        pages += usize::from(matches!(event, ReadEvent::Page(_)));
                    }
                    pages
                });
                let name = file.name.clone();
                let end = reader
                    .read(file, &catalogue, &options, 1, events, stop)
                    .await;
                match end {
                    ReadEnd::Read | ReadEnd::Unreadable(_) => Ok(counted.await?),
                    ReadEnd::Crashed(what) | ReadEnd::Failed(what) => {
                        anyhow::bail!("reading {name} failed: {what}")
                    }
                }
            });
        }
        match running.join_next().await {
            Some(done) => pages += done??,
            None => return Ok(pages),
        }
    }
}

fn page_images(
    files: &[PathBuf],
    out: &Path,
    limits: &DecodeLimits,
) -> anyhow::Result<Vec<PathBuf>> {
    let mut images = Vec::new();
    for (f, file) in files.iter().enumerate() {
        let Ok(pages) = decode::open(file, limits) else {
            continue;
        };
        for page in pages.flatten() {
            if let PageContent::Image(image) = page.content {
                let path = out.join(format!("{f:04}-{:03}.png", page.number));
                image.save(&path)?;
                images.push(path);
            }
        }
    }
    Ok(images)
}
