//! `intake bench import DIR --compare-blobs postgres://...`: the same long
//! PDF imported on PostgreSQL with blobs in the data folder and in the
//! database (issue 17), in the same run, each in a fresh schema and data
//! folder, in alternating order over `rounds`: first storing alone
//! (`import --no-wait`: the original copied in, MB/s), then the whole
//! import (stored, read, page images saved, recorded: pages/min), with the
//! peak memory of each.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use anyhow::Context;

use super::import::{Run, assemble, measure};

pub struct BlobsBench<'a> {
    pub dir: &'a Path,
    pub pages: usize,
    pub forms_dir: Option<&'a Path>,
    pub postgres: &'a str,
    pub rounds: usize,
}

#[derive(Default)]
struct Totals {
    store: Duration,
    import: Duration,
    peak_rss_kb: u64,
}

pub async fn run(bench: &BlobsBench<'_>) -> anyhow::Result<String> {
    let scratch = tempfile::tempdir()?;
    let pdf = scratch.path().join("pile.pdf");
    let pages = assemble(bench.dir, bench.pages, &pdf, None)?;
    let size_mb = std::fs::metadata(&pdf)?.len() as f64 / 1e6;
    let mut folder = Totals::default();
    let mut database = Totals::default();
    for round in 0..bench.rounds.max(1) {
        let order = if round % 2 == 0 {
            ["folder", "database"]
        } else {
            ["database", "folder"]
        };
        for blobs in order {
            let totals = if blobs == "folder" {
                &mut folder
            } else {
                &mut database
            };
            let stored = import_once(bench, &pdf, blobs, true).await?;
            let imported = import_once(bench, &pdf, blobs, false).await?;
            totals.store += stored.took;
            totals.import += imported.took;
            totals.peak_rss_kb = totals.peak_rss_kb.max(imported.together_rss_kb);
        }
    }
    let rounds = bench.rounds.max(1) as f64;
    let mb_per_s = |t: &Totals| size_mb * rounds / t.store.as_secs_f64();
    let pages_per_min = |t: &Totals| pages as f64 * 60.0 * rounds / t.import.as_secs_f64();
    let line = |name: &str, t: &Totals| {
        format!(
            "blobs = {name:<8}  store alone {:>6.1} MB/s ({:>5.2} s)   whole import {:>5.0} pages/min ({:>6.1} s), peak memory {:>4} MB",
            mb_per_s(t),
            t.store.as_secs_f64() / rounds,
            pages_per_min(t),
            t.import.as_secs_f64() / rounds,
            t.peak_rss_kb / 1024
        )
    };
    Ok(format!(
        "one PDF of {pages} pages ({size_mb:.0} MB) on PostgreSQL, {} cores, {} round(s), times per round\n{}\n{}\n\
         database / folder: store alone {:.2}, whole import {:.2}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        bench.rounds.max(1),
        line("folder", &folder),
        line("database", &database),
        mb_per_s(&database) / mb_per_s(&folder),
        pages_per_min(&database) / pages_per_min(&folder),
    ))
}

/// `intake import` of the PDF into a fresh schema and data folder;
/// `no_wait`: stored and queued only.
async fn import_once(
    bench: &BlobsBench<'_>,
    pdf: &Path,
    blobs: &str,
    no_wait: bool,
) -> anyhow::Result<Run> {
    let schema = format!("bench_blobs_{}", uuid::Uuid::new_v4().simple());
    let url = intake_service::store::create_schema(bench.postgres, &schema).await?;
    let data = tempfile::tempdir()?;
    let mut import = Command::new(std::env::current_exe().context("finding the intake binary")?);
    import
        .args(["import", "--office", "vaasa", "--json", "--database", &url])
        .arg(pdf)
        .env("INTAKE_DATA_DIR", data.path())
        .env("INTAKE_BLOBS", blobs);
    if no_wait {
        import.arg("--no-wait");
        // The schema is made before the clock starts.
        let mut migrate = Command::new(std::env::current_exe()?);
        migrate.args(["migrate", "--database", &url]);
        anyhow::ensure!(migrate.output()?.status.success(), "migrating {schema}");
    }
    if let Some(forms) = bench.forms_dir {
        import.env("INTAKE_FORMS_DIR", forms);
    }
    let what = format!("intake import with blobs = {blobs}");
    let run = tokio::task::spawn_blocking(move || measure(import))
        .await?
        .context(what)?;
    intake_service::store::drop_schema(bench.postgres, &schema).await?;
    Ok(run)
}
