//! Decoding untrusted files in bounded memory: `intake extract` on a
//! decompression bomb is refused with its reason, and the process never
//! holds more than a few hundred megabytes.

use std::io::Write;
use std::process::Command;

use lopdf::{Document, Object, Stream, dictionary};
use nix::sys::resource::{UsageWho, getrusage};

/// A one-page PDF whose drawing instructions are 1 GB of spaces, packed
/// twice with Flate: about a kilobyte on disk.
fn bomb() -> Vec<u8> {
    let zlib = |data: &dyn Fn(&mut dyn Write)| {
        let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
        data(&mut encoder);
        encoder.finish().unwrap()
    };
    let chunk = vec![b' '; 1 << 20];
    let once = zlib(&|w| {
        for _ in 0..1024 {
            w.write_all(&chunk).unwrap();
        }
    });
    let twice = zlib(&|w| w.write_all(&once).unwrap());
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let filters = vec![Object::from("FlateDecode"), Object::from("FlateDecode")];
    let content = doc.add_object(Stream::new(dictionary! { "Filter" => filters }, twice));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content, "Resources" => dictionary! {},
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

#[test]
fn extract_refuses_a_bomb_in_bounded_memory() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bomb.pdf");
    std::fs::write(&path, bomb()).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_intake"))
        .args(["extract", path.to_str().unwrap(), "--json"])
        .env("OMP_THREAD_LIMIT", "1")
        // An error's captured backtrace is symbolised from the debug
        // binary's own debug info (some 350 MB): measure the decoding, as
        // a service runs it, without that.
        .env("RUST_BACKTRACE", "0")
        .env("RUST_LIB_BACKTRACE", "0")
        .output()
        .unwrap();
    // The only child this test waits for: its peak is the children's peak.
    let usage = getrusage(UsageWho::RUSAGE_CHILDREN).unwrap();
    // Kilobytes on Linux.
    let peak_mb = usage.max_rss() / 1024;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("peak RSS of `intake extract` on the bomb: {peak_mb} MB");
    assert!(
        stdout.contains("a stream unpacks to more than")
            || stderr.contains("a stream unpacks to more than"),
        "stdout: {stdout}\nstderr: {stderr}"
    );
    assert!(peak_mb < 300, "peak RSS {peak_mb} MB");
}
