//! Forms filled in on a computer and flattened: every field reads exactly
//! through the text layer, at full size and printed "fit to page".

use std::collections::BTreeMap;
use std::path::Path;

use intake_core::form::{Channel, FormDefinition};
use intake_core::record::normalise::normalise_field;
use intake_core::record::{FieldStatus, Value};
use intake_paper::capture::decode::DecodeLimits;
use intake_paper::capture::extract::{DocumentKind, FormCatalogue, extract_file};
use intake_paper::capture::text_layer::TextLayer;
use intake_paper::printable::{self, Layout};

const SERIAL: &str = "K7PX3MWH2A";

/// What a person typed and ticked, as the PDF's fields take it.
const TYPED: &[(&str, &str)] = &[
    ("hetu", "131052-308T"),
    ("surname", "Åkerlund-Mäkinen"),
    ("first_names", "Anna Sofia"),
    ("street_address", "Mannerheimintie 12 B 34"),
    ("postal_code", "00100"),
    ("post_office", "HELSINKI"),
    ("phone", "040 123 4567"),
    ("email", "anna.akerlund@example.fi"),
    ("service_language", "sv"),
    ("situation", "laid_off"),
    ("situation_since", "06.04.2020"),
    ("desired_occupation", "Lähihoitaja, vanhustyö"),
    ("call_time", "afternoon"),
    ("contact_consent", "yes"),
    ("signature_date", "15.01.2025"),
];

fn definition() -> FormDefinition {
    FormDefinition::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../forms/jobseeker-start-v1.toml"
    )))
    .unwrap()
}

fn flattened(typed: &[(&str, &str)], scale: f64) -> Vec<u8> {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let blank = printable::render(&definition, &layout, &[SERIAL.to_string()]).unwrap();
    let typed: BTreeMap<String, String> = typed
        .iter()
        .map(|(id, v)| (id.to_string(), v.to_string()))
        .collect();
    super::flatten::flatten(&blank, &definition, &layout, &typed, scale).unwrap()
}

/// Every paper field of the definition, read from a flattened PDF through
/// `extract_file`, has the value the web would make of what was typed, and
/// is accepted.
fn assert_reads_exactly(pdf: &[u8]) {
    let definition = definition();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flattened.pdf");
    std::fs::write(&path, pdf).unwrap();
    let catalogue = FormCatalogue::new(vec![definition.clone()]);
    let result = extract_file(&path, &catalogue, &DecodeLimits::default());
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    let [form] = &result.documents[..] else {
        panic!("one form, got {:?}", result.documents);
    };
    assert_eq!(form.kind, DocumentKind::Form);
    assert_eq!(form.serial.as_deref(), Some(SERIAL));
    assert_eq!(form.form.as_deref(), Some("jobseeker-start"));
    let typed: BTreeMap<&str, &str> = TYPED.iter().copied().collect();
    for field in definition.fields_for(Channel::Paper) {
        let reading = &form.fields[&field.id];
        let written = typed.get(field.id.as_str()).copied().unwrap_or("");
        let expected = normalise_field(field, Channel::Paper, written).unwrap();
        assert_eq!(reading.value, expected, "{}: {reading:?}", field.id);
        assert_eq!(
            reading.status,
            FieldStatus::Accepted,
            "{}: {reading:?}",
            field.id
        );
    }
    assert_eq!(form.fields["signed"].value, Some(Value::Bool(false)));
}

#[test]
fn a_flattened_form_reads_exactly() {
    assert_reads_exactly(&flattened(TYPED, 1.0));
}

#[test]
fn a_flattened_form_printed_fit_to_page_reads_exactly() {
    assert_reads_exactly(&flattened(TYPED, 0.94));
}

#[test]
fn the_payload_line_names_the_page_and_an_empty_form_is_still_the_form() {
    let pdf = flattened(&[], 1.0);
    let mut layer = TextLayer::open(&pdf, &Default::default()).unwrap();
    let layout = Layout::from_definition(&definition());
    let page = layer.read_form(1, |_, _| Some(&layout)).unwrap();
    assert_eq!(
        page.payload.to_string(),
        format!("INTAKE1|jobseeker-start|1|p1|{SERIAL}")
    );
    assert!(
        page.raw.values().all(String::is_empty),
        "the printed form has nothing in its boxes: {:?}",
        page.raw
    );
}
