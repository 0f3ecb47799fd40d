//! `intake extract` as a user runs it: several files in one call, one of
//! them broken; the filled PDF read exactly; the others still read.

use std::path::Path;
use std::process::Command;

use serde_json::Value as Json;

fn samples() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/samples"))
}

fn truth(name: &str) -> Json {
    let text = std::fs::read_to_string(samples().join(format!("{name}.truth.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[test]
fn a_broken_file_is_reported_and_the_rest_of_the_call_is_read() {
    let scratch = tempfile::tempdir().unwrap();
    let corrupt = scratch.path().join("corrupt.pdf");
    std::fs::write(&corrupt, b"%PDF-1.7\nthis is not really a PDF").unwrap();
    let empty = scratch.path().join("empty.jpg");
    std::fs::write(&empty, b"").unwrap();

    let output = Command::new(env!("CARGO_BIN_EXE_intake"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OMP_THREAD_LIMIT", "1")
        .arg("extract")
        .arg(samples().join("003-digital.pdf"))
        .arg(&corrupt)
        .arg(&empty)
        .arg(samples().join("009-printed.png"))
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        !output.status.success(),
        "unreadable files make the exit non-zero"
    );
    let lines: Vec<Json> = String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();

    let errors: Vec<&Json> = lines.iter().filter(|l| l.get("error").is_some()).collect();
    assert_eq!(errors.len(), 2, "{errors:?}");
    for (file, error) in [(&corrupt, &errors[0]), (&empty, &errors[1])] {
        assert_eq!(error["source"], file.display().to_string());
        assert!(!error["error"].as_str().unwrap().is_empty());
    }
    assert!(
        errors[1]["error"].as_str().unwrap().contains("empty"),
        "{}",
        errors[1]
    );

    // The AcroForm path is exact: every field as the truth says, accepted.
    let digital = truth("003-digital");
    let expected = &digital["documents"][0];
    let found = lines
        .iter()
        .find(|l| l["serial"] == expected["serial"])
        .expect("the filled PDF is found");
    assert_eq!(found["kind"], "form");
    for (id, value) in expected["fields"].as_object().unwrap() {
        let reading = &found["fields"][id];
        assert_eq!(&reading["value"], value, "{id}");
        assert_eq!(reading["status"], "accepted", "{id}");
    }

    // The scan after the broken files was still read, and identified.
    let printed = truth("009-printed");
    let serial = &printed["documents"][0]["serial"];
    let scan = lines
        .iter()
        .find(|l| &l["serial"] == serial)
        .expect("the scan is read");
    assert_eq!(scan["kind"], "form");
    assert_eq!(scan["pages"], serde_json::json!([1]));
}

/// `intake extract --json` on files written to a scratch folder.
fn extract(files: &[(&str, &[u8])]) -> Vec<Json> {
    let scratch = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_intake"));
    command
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("OMP_THREAD_LIMIT", "1")
        .arg("extract");
    for (name, bytes) in files {
        let path = scratch.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        command.arg(path);
    }
    let output = command.arg("--json").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    // The recogniser's engines are let go before the end: Tesseract warns
    // of a leak for each model still held when the process exits.
    assert!(!stderr.contains("LEAK"), "{stderr}");
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// A form cut into strips, saved as mixed raster content or as JBIG2 is
/// read as the form, every field as written; a letter typed and saved as
/// PDF is other mail with its text, not a blank page.
#[test]
fn every_shape_of_pdf_is_read_as_what_it_shows() {
    const SERIAL: &str = "SHP2C4PYXK";
    let definition = intake_core::form::FormDefinition::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("forms/jobseeker-start.toml"),
    )
    .unwrap();
    let form = intake_devtools::samples::shaped_form(&definition, SERIAL, 7).unwrap();
    let (letter, text) = intake_devtools::samples::typed_letter(3).unwrap();
    let lines = extract(&[
        ("strips.pdf", &form.strips),
        ("mixed.pdf", &form.mixed_raster),
        ("jbig2.pdf", &form.jbig2),
        ("letter.pdf", &letter),
    ]);
    for shape in ["strips.pdf", "mixed.pdf", "jbig2.pdf"] {
        let read: Vec<&Json> = lines
            .iter()
            .filter(|l| l["source"].as_str().unwrap_or("").ends_with(shape))
            .collect();
        assert_eq!(read.len(), 1, "{shape}: {read:?}");
        let document = read[0];
        assert_eq!(document["kind"], "form", "{shape}: {document}");
        assert_eq!(document["serial"], SERIAL, "{shape}");
        for (id, value) in &form.fields {
            assert_eq!(&document["fields"][id]["value"], value, "{shape}: {id}");
        }
    }
    let read = lines
        .iter()
        .find(|l| l["source"].as_str().unwrap_or("").ends_with("letter.pdf"))
        .expect("the letter is read");
    assert_eq!(read["kind"], "other", "{read}");
    let first_line = text.lines().next().unwrap();
    assert!(
        read["text"].as_str().unwrap_or("").contains(first_line),
        "{read}"
    );
}
