//! The layout alone: every paper field placed, sized for handwriting, and
//! clear of each other, the margins, the marks and the QR code.

use crate::printable::layout::{BoxMm, MARK_CLEAR_MM, contains, grow, overlaps};
use crate::printable::{FieldKind, Layout, render};
use intake_core::form::Channel;

use super::{Parsed, definition, longer_definition, parse, qr_on, serials, shipped_source};

#[test]
fn every_paper_field_is_laid_out_in_definition_order() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let expected: Vec<&str> = definition
        .fields_for(Channel::Paper)
        .map(|f| f.id.as_str())
        .collect();
    let laid_out: Vec<&str> = layout.fields.iter().map(|f| f.id.as_str()).collect();
    assert_eq!(laid_out, expected);
    assert!(laid_out.contains(&"signed") && laid_out.contains(&"signature_date"));
    assert_eq!(layout.pages, 1, "the shipped form fits one sheet");

    let web_only = shipped_source().replace(
        "autocomplete = \"email\"",
        "autocomplete = \"email\"\nchannels = [\"web\"]",
    );
    assert!(
        Layout::from_definition(&parse(&web_only))
            .field("email")
            .is_none()
    );
}

#[test]
fn fields_get_the_kind_and_cells_their_type_needs() {
    let layout = Layout::from_definition(&definition());
    let kind = |id: &str| layout.field(id).unwrap().kind;
    let cells = |id: &str| layout.field(id).unwrap().cells;
    assert_eq!((kind("hetu"), cells("hetu")), (FieldKind::Comb, Some(11)));
    assert_eq!(
        (kind("postal_code"), cells("postal_code")),
        (FieldKind::Comb, Some(5))
    );
    assert_eq!((kind("phone"), cells("phone")), (FieldKind::Comb, Some(13)));
    assert_eq!(
        (kind("situation_since"), cells("situation_since")),
        (FieldKind::Comb, Some(8))
    );
    for id in [
        "surname",
        "first_names",
        "street_address",
        "post_office",
        "email",
    ] {
        assert_eq!(kind(id), FieldKind::Line, "{id}");
    }
    assert_eq!(kind("signed"), FieldKind::Signature);
    let consent = layout.field("contact_consent").unwrap();
    assert_eq!(consent.kind, FieldKind::Choice);
    let values: Vec<&str> = consent
        .options
        .iter()
        .flatten()
        .map(|o| o.value.as_str())
        .collect();
    assert_eq!(values, ["yes"]);
    let situation = layout.field("situation").unwrap().options.clone().unwrap();
    assert_eq!(situation.len(), 6);

    // Handwriting sizes: 6 x 8 mm cells, 5 mm checkboxes; a date is
    // DD.MM.YYYY with a dot slot after the day and the month.
    let date = layout.field("situation_since").unwrap();
    assert!(
        date.cell_boxes_mm
            .iter()
            .all(|c| c[2] == 6.0 && c[3] == 8.0)
    );
    assert_eq!(date.box_mm[2], 60.0);
    assert_eq!(date.cell_boxes_mm[2][0] - date.cell_boxes_mm[1][0], 12.0);
    assert!(
        situation
            .iter()
            .all(|o| o.box_mm[2] == 5.0 && o.box_mm[3] == 5.0)
    );
}

#[test]
fn boxes_do_not_overlap_and_keep_clear_of_margins_marks_and_qr() {
    for definition in [definition(), longer_definition(14)] {
        let layout = Layout::from_definition(&definition);
        let keep_out: Vec<BoxMm> = layout
            .marks
            .iter()
            .map(|m| grow(m.box_mm, MARK_CLEAR_MM))
            .chain([grow(layout.qr.box_mm, layout.qr.clear_mm)])
            .collect();
        for mark in &layout.marks {
            assert!(!overlaps(
                mark.box_mm,
                grow(layout.qr.box_mm, layout.qr.clear_mm)
            ));
        }
        for (i, a) in layout.fields.iter().enumerate() {
            assert!(a.page >= 1 && a.page <= layout.pages);
            assert!(
                contains(layout.content_mm, a.box_mm),
                "{} leaves the margins",
                a.id
            );
            for zone in &keep_out {
                assert!(
                    !overlaps(a.box_mm, *zone),
                    "{} is too near a mark or the QR",
                    a.id
                );
            }
            let parts: Vec<BoxMm> = a
                .cell_boxes_mm
                .iter()
                .copied()
                .chain(a.options.iter().flatten().map(|o| o.box_mm))
                .collect();
            for (j, part) in parts.iter().enumerate() {
                assert!(
                    contains(a.box_mm, *part),
                    "{}: a cell or checkbox leaves its box",
                    a.id
                );
                for other in &parts[j + 1..] {
                    assert!(
                        !overlaps(*part, *other),
                        "{}: cells or checkboxes overlap",
                        a.id
                    );
                }
            }
            for b in &layout.fields[i + 1..] {
                assert!(
                    a.page != b.page || !overlaps(a.box_mm, b.box_mm),
                    "{} overlaps {}",
                    a.id,
                    b.id
                );
            }
        }
    }
}

#[test]
fn a_long_form_flows_onto_a_second_page() {
    let definition = longer_definition(14);
    let layout = Layout::from_definition(&definition);
    assert_eq!(layout.pages, 2);
    let first_on_2 = layout.fields_on(2).next().unwrap();
    assert_eq!(
        first_on_2.box_mm[1] - crate::printable::style::LABEL_H,
        layout.content_mm[1]
    );
    let pages: Vec<u32> = layout.fields.iter().map(|f| f.page).collect();
    assert!(
        pages.is_sorted(),
        "fields keep definition order across pages"
    );

    let serials = serials(2);
    let pdf = render(&definition, &layout, &serials).unwrap();
    let parsed = Parsed::new(&pdf);
    assert_eq!(parsed.pages.len(), 4);
    assert_eq!(
        qr_on(&parsed, 3, &layout).to_string(),
        format!("INTAKE1|jobseeker-start|1|p2|{}", serials[1])
    );
}

#[test]
fn the_layout_is_deterministic_and_has_the_promised_json_shape() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    assert_eq!(layout, Layout::from_definition(&definition));
    let json = layout.to_json();
    assert_eq!(json, Layout::from_definition(&definition).to_json());
    let value: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(value["form"], "jobseeker-start");
    assert_eq!(value["version"], 1);
    assert_eq!(value["page"]["width_mm"], 210.0);
    assert_eq!(value["page"]["height_mm"], 297.0);
    assert_eq!(value["marks"].as_array().unwrap().len(), 4);
    assert_eq!(value["qr"]["box_mm"].as_array().unwrap().len(), 4);
    for field in value["fields"].as_array().unwrap() {
        let kind = field["kind"].as_str().unwrap();
        assert!(
            ["comb", "line", "choice", "signature"].contains(&kind),
            "{kind}"
        );
        assert!(field["id"].is_string() && field["page"].is_u64());
        assert_eq!(field["box_mm"].as_array().unwrap().len(), 4);
        assert_eq!(field.get("cells").is_some(), kind == "comb");
        assert_eq!(field.get("options").is_some(), kind == "choice");
        for option in field["options"].as_array().into_iter().flatten() {
            assert!(option["value"].is_string());
            assert_eq!(option["box_mm"].as_array().unwrap().len(), 4);
        }
    }
    let back: Layout = serde_json::from_str(&json).unwrap();
    assert_eq!(back, layout);
}
