//! `intake bench import DIR`: the pages of generated samples put into one
//! long PDF, as a sheet feeder makes it, and into one PDF per page, then in
//! the same run `intake import` of the long PDF (stored, queued, read by the
//! worker, recorded in a fresh SQLite database), `intake import` of the
//! same pages as separate files, and `intake extract` of the long PDF
//! (recognition alone, no database): pages per minute of each, their
//! ratios, and the peak memory of each, with the reading children of
//! `intake import` counted in.

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::Context;
use image::GrayImage;
use image::codecs::jpeg::JpegEncoder;
use lopdf::{Document, Object, Stream, dictionary};

use super::throughput::sample_files;
use intake_paper::capture::decode::{self, DecodeLimits, PageContent};

pub struct ImportBench {
    pub dir: PathBuf,
    pub pages: usize,
    /// A folder of definitions instead of the built-in ones.
    pub forms_dir: Option<PathBuf>,
    /// Keep the assembled PDF here (to try it by hand).
    pub keep: Option<PathBuf>,
}

/// One child process's run, with its memory and that of its own children
/// (the reading children of `intake import`).
pub(super) struct Run {
    pub(super) took: Duration,
    /// The process's own peak.
    peak_rss_kb: u64,
    /// The largest of its children's peaks.
    child_peak_rss_kb: u64,
    /// The most the process and its children held at one moment (sampled).
    pub(super) together_rss_kb: u64,
}

pub fn run(bench: &ImportBench) -> anyhow::Result<String> {
    let scratch = tempfile::tempdir()?;
    let pdf = scratch.path().join("pile.pdf");
    let separate = scratch.path().join("separate");
    let pages = assemble(&bench.dir, bench.pages, &pdf, Some(&separate))?;
    if let Some(keep) = &bench.keep {
        std::fs::copy(&pdf, keep).with_context(|| format!("keeping {}", keep.display()))?;
    }
    let size_mb = std::fs::metadata(&pdf)?.len() as f64 / 1e6;
    let intake = std::env::current_exe().context("finding the intake binary")?;

    let import = |what: &Path, data: &str| {
        let data = scratch.path().join(data);
        let database = format!("sqlite://{}/intake.db", data.display());
        let mut import = Command::new(&intake);
        import
            .args([
                "import",
                "--office",
                "vaasa",
                "--json",
                "--database",
                &database,
            ])
            .arg(what)
            .env("INTAKE_DATA_DIR", &data);
        if let Some(forms) = &bench.forms_dir {
            import.env("INTAKE_FORMS_DIR", forms);
        }
        import
    };
    let imported = measure(import(&pdf, "data")).context("intake import of the long PDF")?;
    let imported_apart =
        measure(import(&separate, "data-separate")).context("intake import of the pages")?;

    let mut extract = Command::new(&intake);
    extract.args(["extract", "--json"]).arg(&pdf);
    if let Some(forms) = &bench.forms_dir {
        extract.env("INTAKE_FORMS_DIR", forms);
    }
    let extracted = measure(extract).context("intake extract")?;

    let rate = |run: &Run| pages as f64 * 60.0 / run.took.as_secs_f64();
    Ok(format!(
        "one PDF of {pages} pages ({size_mb:.0} MB), {} cores\n\
         intake import:  {:>6.1} s = {:>5.0} pages/min, peak memory {:>4} MB (stored, queued, read, recorded in SQLite)\n\
         \x20 of which: the import process {} MB, its largest reading child {} MB\n\
         the same pages as {pages} files: {:>6.1} s = {:>5.0} pages/min, peak memory {:>4} MB\n\
         one file / separate files: {:.2}\n\
         intake extract: {:>6.1} s = {:>5.0} pages/min, peak memory {:>4} MB (recognition alone)\n\
         import / extract: {:.2}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        imported.took.as_secs_f64(),
        rate(&imported),
        imported.together_rss_kb / 1024,
        imported.peak_rss_kb / 1024,
        imported.child_peak_rss_kb / 1024,
        imported_apart.took.as_secs_f64(),
        rate(&imported_apart),
        imported_apart.together_rss_kb / 1024,
        rate(&imported) / rate(&imported_apart),
        extracted.took.as_secs_f64(),
        rate(&extracted),
        extracted.together_rss_kb / 1024,
        rate(&imported) / rate(&extracted),
    ))
}

/// Runs a command to its end, watching the peak resident memory of it and
/// of its children, every 50 ms.
pub(super) fn measure(mut command: Command) -> anyhow::Result<Run> {
    let started = Instant::now();
    let mut child: Child = command
        .env("RUST_LOG", "intake=warn")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let mut peak = 0;
    let mut child_peaks = std::collections::HashMap::new();
    let mut together = 0;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        let own = memory_kb(child.id()).unwrap_or_default();
        peak = peak.max(own.high_water);
        let mut now = own.resident;
        for pid in children(child.id()) {
            let theirs = memory_kb(pid).unwrap_or_default();
            let seen = child_peaks.entry(pid).or_insert(0);
            *seen = theirs.high_water.max(*seen);
            now += theirs.resident;
        }
        together = together.max(now);
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = started.elapsed();
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            std::io::Read::read_to_string(&mut pipe, &mut stderr)?;
        }
        anyhow::bail!("it failed ({status}): {stderr}");
    }
    let child_peak = child_peaks.values().copied().max().unwrap_or(0);
    Ok(Run {
        took,
        peak_rss_kb: peak,
        child_peak_rss_kb: child_peak,
        // A sample can miss a short peak; never less than either alone.
        together_rss_kb: together.max(peak).max(child_peak),
    })
}

#[derive(Default)]
struct Memory {
    resident: u64,
    high_water: u64,
}

/// A process's resident set now and at its peak, from `/proc` (Linux).
fn memory_kb(pid: u32) -> Option<Memory> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        line.split_whitespace().nth(1)?.parse().ok()
    };
    Some(Memory {
        resident: field("VmRSS:")?,
        high_water: field("VmHWM:")?,
    })
}

/// The process's children now, from `/proc` (Linux).
fn children(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(|task| {
            let path = task.ok()?.path().join("children");
            std::fs::read_to_string(path).ok()
        })
        .flat_map(|list| {
            list.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// Writes `wanted` pages taken from the samples (in order, from the start
/// again if there are fewer) into one PDF of JPEG pages at `out`, and, with
/// `apart`, the same pages as one PDF each into that folder; returns the
/// count.
pub(super) fn assemble(
    dir: &Path,
    wanted: usize,
    out: &Path,
    apart: Option<&Path>,
) -> anyhow::Result<usize> {
    let files = sample_files(dir)?;
    anyhow::ensure!(!files.is_empty(), "no samples in {}", dir.display());
    let mut jpegs = Vec::with_capacity(wanted);
    'outer: while jpegs.len() < wanted {
        for file in &files {
            let Ok(pages) = decode::open(file, &DecodeLimits::default()) else {
                continue;
            };
            for page in pages.flatten() {
                if let PageContent::Image(image) = page.content {
                    jpegs.push(encode(&image)?);
                    if jpegs.len() == wanted {
                        break 'outer;
                    }
                }
            }
        }
    }
    write_pdf(&jpegs, out, None)?;
    let Some(apart) = apart else {
        return Ok(jpegs.len());
    };
    std::fs::create_dir_all(apart)?;
    for (index, page) in jpegs.iter().enumerate() {
        let file = apart.join(format!("page-{:04}.pdf", index + 1));
        // Titled by its place: a page the samples give twice is still a
        // file of its own, not a copy the import skips.
        write_pdf(std::slice::from_ref(page), &file, Some(index + 1))?;
    }
    Ok(jpegs.len())
}

struct JpegPage {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

fn encode(image: &GrayImage) -> anyhow::Result<JpegPage> {
    let mut bytes = Vec::new();
    JpegEncoder::new_with_quality(Cursor::new(&mut bytes), 85).encode_image(image)?;
    Ok(JpegPage {
        bytes,
        width: image.width(),
        height: image.height(),
    })
}

fn write_pdf(pages: &[JpegPage], out: &Path, number: Option<usize>) -> anyhow::Result<()> {
    let mut doc = Document::with_version("1.5");
    let tree = doc.new_object_id();
    let mut kids = Vec::new();
    for page in pages {
        // Every page is A4 wide, whatever its resolution.
        let points_per_pixel = 595.0 / page.width.min(page.height) as f32;
        let (w, h) = (
            page.width as f32 * points_per_pixel,
            page.height as f32 * points_per_pixel,
        );
        let image = doc.add_object(Stream::new(
            dictionary! {
                "Type" => "XObject", "Subtype" => "Image",
                "Width" => page.width as i64, "Height" => page.height as i64,
                "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
            },
            page.bytes.clone(),
        ));
        let content = doc.add_object(Stream::new(
            dictionary! {},
            format!("q {w:.2} 0 0 {h:.2} 0 0 cm /Scan Do Q").into_bytes(),
        ));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page", "Parent" => tree,
            "MediaBox" => vec![0.into(), 0.into(), w.into(), h.into()],
            "Resources" => dictionary! { "XObject" => dictionary! { "Scan" => image } },
            "Contents" => content,
        });
        kids.push(Object::from(page_id));
    }
    let count = kids.len() as i64;
    doc.objects.insert(
        tree,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => kids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => tree });
    doc.trailer.set("Root", catalog);
    if let Some(number) = number {
        let info = doc.add_object(dictionary! {
            "Title" => Object::string_literal(format!("page {number}")),
        });
        doc.trailer.set("Info", info);
    }
    doc.save(out)
        .with_context(|| format!("writing {}", out.display()))?;
    Ok(())
}
