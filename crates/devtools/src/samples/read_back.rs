//! The generator's samples read back by the recogniser: a handwritten form
//! fed sideways or upside down, crooked, through a noisy scanner and JPEG,
//! comes back with every field either right or flagged for review, never
//! accepted wrong.

use serde_json::Value as Json;

use super::plan::{Container, SamplePlan, SheetPlan};
use super::*;
use intake_core::record::validate::fold_for_compare;
use intake_core::record::{FieldReading, FieldStatus, Value};
use intake_paper::capture::decode::DecodeLimits;
use intake_paper::capture::extract::{DocumentKind, FormCatalogue, extract_file};

fn definition() -> FormDefinition {
    FormDefinition::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../forms/jobseeker-start-v1.toml"
    )))
    .unwrap()
}

/// Whether a reading holds the truth's value; text compares as DOMAIN.md
/// says (case folded, white space collapsed).
fn holds(reading: &FieldReading, truth: &Json) -> bool {
    match (&reading.value, truth) {
        (None, Json::Null) => true,
        (Some(Value::Bool(b)), Json::Bool(t)) => b == t,
        (Some(Value::Text(text)), Json::String(t)) => fold_for_compare(text) == fold_for_compare(t),
        _ => false,
    }
}

/// One handwritten sheet per (quarter turns, seed), 200 dpi grey JPEG.
/// The seeds were fixed before the reader was run on them.
const SHEETS: &[(u8, u64)] = &[(1, 3101), (2, 3102), (2, 3103), (1, 3104)];

#[test]
fn a_turned_skewed_noisy_handwritten_form_reads_right_or_flagged() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let fonts = fonts::Fonts::load(fonts::HandSet::All).unwrap();
    let catalogue = FormCatalogue::new(vec![definition.clone()]);
    let mut accepted = 0;
    let mut fields = 0;
    for &(turns, seed) in SHEETS {
        let dir = tempfile::tempdir().unwrap();
        let context = sample::Context {
            definition: &definition,
            layout: &layout,
            fonts: &fonts,
            out: dir.path(),
        };
        let plan = SamplePlan {
            number: 1,
            container: Container::Jpeg,
            sheets: vec![SheetPlan {
                class: FontClass::Handwriting,
                quarter_turns: turns,
            }],
            dpi: 200,
            colour: false,
            seed,
        };
        let entry = sample::make(&context, &plan).unwrap();
        let truth: Json =
            serde_json::from_str(&std::fs::read_to_string(dir.path().join(&entry.truth)).unwrap())
                .unwrap();
        let page = &truth["pages"][0];
        assert_eq!(page["quarter_turns"], turns);
        let skew = page["skew_degrees"].as_f64().unwrap();

        let result = extract_file(
            &dir.path().join(&entry.file),
            &catalogue,
            &DecodeLimits::default(),
        );
        let expected = &truth["documents"][0];
        let form = result
            .documents
            .iter()
            .find(|d| d.kind == DocumentKind::Form)
            .unwrap_or_else(|| panic!("seed {seed}: the form is not found: {result:?}"));
        assert_eq!(form.serial.as_deref(), expected["serial"].as_str());
        for (id, want) in expected["fields"].as_object().unwrap() {
            let reading = &form.fields[id];
            fields += 1;
            if reading.status == FieldStatus::Accepted {
                accepted += 1;
                assert!(
                    holds(reading, want),
                    "seed {seed} ({turns} turns, skew {skew}°, {}): {id} accepted wrong: {reading:?}, truth {want}",
                    expected["font"]
                );
            }
        }
    }
    // Checkboxes, the signature and checksummed codes at least: a reader
    // that flags everything would pass the above and be useless.
    assert!(
        accepted * 3 >= fields,
        "only {accepted} of {fields} fields accepted"
    );
}
