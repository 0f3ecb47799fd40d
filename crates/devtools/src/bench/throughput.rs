//! `intake bench throughput DIR`: pages per minute of the recogniser on all
//! cores, and in the same run the pages per minute of the `tesseract`
//! command line doing plain full-page OCR of the same pages, with the ratio.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use rayon::prelude::*;

use intake_paper::capture::decode::{self, DecodeLimits, PageContent};
use intake_paper::capture::extract::{FormCatalogue, extract_file};

pub struct ThroughputReport {
    pub pages: usize,
    pub ours: Duration,
    pub cli_pages: usize,
    pub cli: Duration,
    pub threads: usize,
}

fn per_minute(pages: usize, took: Duration) -> f64 {
    pages as f64 * 60.0 / took.as_secs_f64()
}

impl std::fmt::Display for ThroughputReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let ours = per_minute(self.pages, self.ours);
        let cli = per_minute(self.cli_pages, self.cli);
        writeln!(f, "threads: {}", self.threads)?;
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

pub fn run(dir: &Path, forms_dir: Option<&Path>) -> anyhow::Result<ThroughputReport> {
    let catalogue = FormCatalogue::load(forms_dir)?;
    let files = sample_files(dir)?;
    anyhow::ensure!(!files.is_empty(), "no sample files in {}", dir.display());
    let limits = DecodeLimits::default();

    let started = Instant::now();
    let pages: usize = files
        .par_iter()
        .map(|file| {
            let result = extract_file(file, &catalogue, &limits);
            result
                .documents
                .iter()
                .map(|d| d.pages.len())
                .sum::<usize>()
                + result.errors.len()
        })
        .sum();
    let ours = started.elapsed();

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
        threads: rayon::current_num_threads(),
    })
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
