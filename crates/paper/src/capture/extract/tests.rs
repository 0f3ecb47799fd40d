//! What a PDF page without a scan is filed as.

use lopdf::{Document, Object, Stream, dictionary};

use super::{DocumentKind, FormCatalogue, extract_file};
use crate::capture::decode::DecodeLimits;

fn one_page_pdf(content: &[u8]) -> tempfile::NamedTempFile {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let font = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
    });
    let content_id = doc.add_object(Stream::new(dictionary! {}, content.to_vec()));
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content_id,
        "Resources" => dictionary! { "Font" => dictionary! { "F1" => font } },
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let file = tempfile::Builder::new().suffix(".pdf").tempfile().unwrap();
    doc.save(file.path()).unwrap();
    file
}

fn kind(content: &[u8]) -> DocumentKind {
    let file = one_page_pdf(content);
    let result = extract_file(
        file.path(),
        &FormCatalogue::new(Vec::new()),
        &DecodeLimits::default(),
    );
    assert!(result.errors.is_empty(), "{:?}", result.errors);
    assert_eq!(result.documents.len(), 1);
    result.documents[0].kind
}

#[test]
fn a_typed_letter_without_images_is_other() {
    let letter = b"BT /F1 12 Tf 72 720 Td (Dear office, please call me back.) Tj ET";
    assert_eq!(kind(letter), DocumentKind::Other);
}

#[test]
fn a_page_drawn_only_in_lines_is_other() {
    assert_eq!(kind(b"1 w 72 72 m 500 700 l S"), DocumentKind::Other);
}

#[test]
fn a_page_that_draws_nothing_is_blank() {
    assert_eq!(
        kind(b"q Q BT /F1 12 Tf ( ) Tj ET 0 0 m 10 10 l n"),
        DocumentKind::Blank
    );
}

/// A drawn page has no scanner noise: a mark far too small for a scan's
/// blank test, or one at the edge where scanners leave shadows, is still
/// on the page (a few words in small print whose font has no text layer).
#[test]
fn a_drawn_page_with_a_small_mark_or_one_at_its_edge_is_other() {
    let small_in_the_middle = b"0 g 280 400 20 3 re f";
    let at_the_edge = b"0 g 2 2 40 6 re f";
    assert_eq!(kind(small_in_the_middle), DocumentKind::Other);
    assert_eq!(kind(at_the_edge), DocumentKind::Other);
    // Also where the page is first searched for the form's code.
    let shipped = FormCatalogue::load(None).unwrap();
    let file = one_page_pdf(small_in_the_middle);
    let result = extract_file(file.path(), &shipped, &DecodeLimits::default());
    assert_eq!(result.documents.len(), 1, "{:?}", result.errors);
    assert_eq!(result.documents[0].kind, DocumentKind::Other);
    // Light grey that a scan would call paper is not ink on a drawing
    // either way; the empty page stays blank (above).
    assert_eq!(kind(b"0.9 g 100 100 300 300 re f"), DocumentKind::Blank);
}
