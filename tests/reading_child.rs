//! Decompression bombs read by the worker as the service reads them, in a
//! child process: each is quarantined with its reason, and no reading child
//! grows past a few hundred megabytes. Alone in its test binary, so that
//! the children this process waits for are these readings only.

mod common;

use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use common::{Backend, TestApp, run_on_both_backends};
use intake_service::pipeline::import::{ImportRequest, process_batch, store_batch};
use intake_service::pipeline::worker::WorkerOptions;
use intake_service::pipeline::{Pipeline, Reader, ReadingChild};
use intake_service::store::{BatchEntry, FileState};
use libtest_mimic::Failed;
use lopdf::{Document, Object, Stream, dictionary};
use nix::sys::resource::{UsageWho, getrusage};
use time::macros::date;

const INTAKE: &str = env!("CARGO_BIN_EXE_intake");

fn main() {
    run_on_both_backends(&[(
        "bombs_are_quarantined_by_a_reading_child_in_bounded_memory",
        |b| {
            Box::pin(bombs_are_quarantined_by_a_reading_child_in_bounded_memory(
                b,
            ))
        },
    )])
}

/// `bytes` spaces or zeros, packed with Flate `times` times, written in
/// chunks (never whole in memory).
fn packed(byte: u8, bytes: usize, times: usize) -> Vec<u8> {
    let chunk = vec![byte; 1 << 20];
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::fast());
    for _ in 0..bytes / chunk.len() {
        encoder.write_all(&chunk).unwrap();
    }
    let mut data = encoder.finish().unwrap();
    for _ in 1..times {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&data).unwrap();
        data = encoder.finish().unwrap();
    }
    data
}

fn flate(times: usize) -> Object {
    Object::Array(vec![Object::from("FlateDecode"); times])
}

/// A one-page PDF drawing `content`, with `image` as its XObject /Im0 and
/// `extra` as one more object.
fn pdf(content: Stream, image: Option<Stream>, extra: Option<Stream>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(content);
    let mut resources = dictionary! {};
    if let Some(image) = image {
        let image_id = doc.add_object(image);
        resources.set("XObject", dictionary! { "Im0" => image_id });
    }
    if let Some(extra) = extra {
        doc.add_object(extra);
    }
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content_id, "Resources" => resources,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

const GB: usize = 1 << 30;

/// Drawing instructions, an object stream, a page image and nested Flate,
/// each unpacking to hundreds of megabytes (nested: a gigabyte) from a
/// megabyte at most.
fn write_bombs(dir: &Path) -> std::io::Result<Vec<&'static str>> {
    let content = Stream::new(
        dictionary! { "Filter" => flate(1) },
        packed(b' ', GB / 4, 1),
    );
    std::fs::write(dir.join("content.pdf"), pdf(content, None, None))?;

    let nested = Stream::new(dictionary! { "Filter" => flate(2) }, packed(0, GB, 2));
    std::fs::write(dir.join("nested.pdf"), pdf(nested, None, None))?;

    let objects = Stream::new(
        dictionary! { "Type" => "ObjStX", "N" => 1, "First" => 4, "Filter" => flate(1) },
        packed(b' ', 256 << 20, 1),
    );
    // lopdf leaves object streams out when it writes: named so after.
    let mut bytes = pdf(Stream::new(dictionary! {}, vec![]), None, Some(objects));
    let at = bytes
        .windows(7)
        .position(|w| w == b"/ObjStX")
        .expect("the object stream");
    bytes[at..at + 7].copy_from_slice(b"/ObjStm");
    std::fs::write(dir.join("object-stream.pdf"), bytes)?;

    // 64 million pixels (within the page limit), half a gigabyte of data.
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 8000, "Height" => 8000,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => flate(1),
        },
        packed(255, GB / 2, 1),
    );
    let draw = Stream::new(dictionary! {}, b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec());
    std::fs::write(dir.join("image.pdf"), pdf(draw, Some(image), None))?;
    Ok(vec![
        "content.pdf",
        "nested.pdf",
        "object-stream.pdf",
        "image.pdf",
    ])
}

async fn bombs_are_quarantined_by_a_reading_child_in_bounded_memory(
    backend: Backend,
) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |config| config.scanning.process = false).await;
    let pile = tempfile::tempdir()?;
    let bombs = write_bombs(pile.path())?;
    let child = Arc::new(ReadingChild::new(INTAKE.into(), &app.config));
    let pipeline =
        Pipeline::new(app.store.clone(), &app.config)?.with_reader(Reader::Child(child.clone()));
    let request = ImportRequest {
        paths: vec![pile.path().to_owned()],
        office: "vaasa".into(),
        received_on: date!(2026 - 11 - 20),
        scanned_by: "test".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let mut options = WorkerOptions::new(Duration::from_secs(60), 2);
    options.first_retry = Duration::ZERO;
    let summary = process_batch(&pipeline, &batch, options, |_| {}).await?;
    // Children are kept between files, and let go once idle for long
    // enough (so they end here, to be waited for).
    let kept = child.idle_children();
    ensure!(kept > 0, "no child was kept for the next file");
    child.close_idle(Duration::from_secs(3600)).await;
    ensure!(
        child.idle_children() == kept,
        "a child idle for less was let go"
    );
    child.close_idle(Duration::ZERO).await;
    ensure!(child.idle_children() == 0, "an idle child was kept");

    // Kilobytes on Linux: the largest child this process has waited for,
    // and every child it has are reading children.
    let peak_mb = getrusage(UsageWho::RUSAGE_CHILDREN)?.max_rss() / 1024;
    eprintln!("peak RSS of the reading children on the bombs: {peak_mb} MB");

    let files = app.store.batch_files(batch.id).await?;
    ensure!(files.len() == bombs.len(), "{} files", files.len());
    for file in &files {
        let reason = file.reason.as_deref().unwrap_or_default();
        ensure!(
            file.state == FileState::Quarantined && reason.contains("unpacks to more than"),
            "{}: {:?}, {reason}",
            file.name,
            file.state
        );
    }
    ensure!(
        summary.quarantined.len() == bombs.len(),
        "the summary names them all"
    );
    let counts = app.store.queue_counts().await?;
    ensure!(
        counts.dead == 0 && counts.queued == 0,
        "refused, not crashed: {counts:?}"
    );
    ensure!(peak_mb > 0, "the children were measured");
    ensure!(peak_mb < 300, "peak RSS {peak_mb} MB");
    app.finish().await;
    Ok(())
}
