//! A page is named by its text layer: the footer stands in for a missing
//! payload line, and a PDF that is not our form is not read as one. (Forms
//! filled in and flattened are read in `intake-devtools`, which makes them.)

use std::path::Path;

use crate::printable::Layout;
use intake_core::form::FormDefinition;

use lopdf::dictionary;

use super::*;

fn definition() -> FormDefinition {
    FormDefinition::load(Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../forms/jobseeker-start-v1.toml"
    )))
    .unwrap()
}

#[test]
fn a_sheet_without_the_payload_line_is_named_by_its_footer() {
    let words: Vec<String> =
        "jobseeker-start · v1 Blankettnummer / Lomakenumero K7PX3MWH2A Sida / Sivu 2 (2)"
            .split(' ')
            .map(str::to_string)
            .collect();
    let payload = from_footer(&words).unwrap();
    assert_eq!(
        payload.to_string(),
        "INTAKE1|jobseeker-start|1|p2|K7PX3MWH2A"
    );
}

#[test]
fn a_pdf_that_is_not_our_form_is_not_read_as_one() {
    let mut doc = lopdf::Document::with_version("1.7");
    let pages = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let content = b"BT /F1 12 Tf 72 720 Td (Dear office, please call me.) Tj ET".to_vec();
    let content = doc.add_object(lopdf::Stream::new(lopdf::Dictionary::new(), content));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages, "Contents" => content,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    });
    doc.objects.insert(
        pages,
        lopdf::Object::Dictionary(dictionary! {
            "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1,
        }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    let layout = Layout::from_definition(&definition());
    let mut layer = TextLayer::open(&bytes, &Default::default()).unwrap();
    assert_eq!(layer.read_form(1, |_, _| Some(&layout)), None);
}
