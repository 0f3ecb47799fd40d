//! The PDF parsed back: what the layout promises is drawn and fillable
//! where it says, on every page of every copy.

use std::collections::{BTreeMap, HashSet};

use lopdf::{Document, Object, ObjectId, decode_text_string};

use crate::printable::layout::BoxMm;
use crate::printable::{FieldKind, Layout, PaperError, QrPayload, filled_values, render};

use super::{Parsed, SERIAL, definition, near, qr_on, serials};

#[test]
fn every_layout_box_is_drawn_and_has_its_widget_where_the_layout_says() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let pdf = render(&definition, &layout, &[SERIAL.to_string()]).unwrap();
    let parsed = Parsed::new(&pdf);
    assert_eq!(parsed.pages.len(), layout.pages as usize);
    for page in 1..=layout.pages {
        let index = page as usize - 1;
        let drawn = parsed.rects(index);
        let is_drawn = |b: BoxMm| drawn.iter().any(|d| near(*d, b));
        for mark in &layout.marks {
            assert!(is_drawn(mark.box_mm), "mark {:?}", mark.corner);
        }
        let widgets = parsed.widgets(index);
        let widget = |id: &str, on: Option<&str>| {
            widgets
                .iter()
                .find(|(serial, field, state, _)| {
                    serial == SERIAL && field == id && state.as_deref() == on
                })
                .map(|w| w.3)
        };
        for field in layout.fields_on(page) {
            match field.kind {
                FieldKind::Comb => {
                    for cell in &field.cell_boxes_mm {
                        assert!(is_drawn(*cell), "{} cell {cell:?}", field.id);
                    }
                    let rect = widget(&field.id, None).unwrap_or_else(|| panic!("{}", field.id));
                    assert!(near(rect, field.box_mm), "{}: widget {rect:?}", field.id);
                }
                FieldKind::Line => {
                    assert!(is_drawn(field.box_mm), "{}", field.id);
                    let rect = widget(&field.id, None).unwrap();
                    assert!(near(rect, field.box_mm), "{}: widget {rect:?}", field.id);
                }
                FieldKind::Signature => {
                    assert!(is_drawn(field.box_mm), "{}", field.id);
                    assert!(
                        widget(&field.id, None).is_none(),
                        "a signature is signed by hand"
                    );
                }
                FieldKind::Choice => {
                    for option in field.options.iter().flatten() {
                        assert!(is_drawn(option.box_mm), "{}.{}", field.id, option.value);
                        let rect = widget(&field.id, Some(&option.value)).unwrap();
                        assert!(near(rect, option.box_mm), "{}.{}", field.id, option.value);
                    }
                }
            }
        }
        let expected = layout.fields_on(page).map(|f| match f.kind {
            FieldKind::Signature => 0,
            FieldKind::Choice => f.options.as_ref().map_or(0, Vec::len),
            _ => 1,
        });
        assert_eq!(widgets.len(), expected.sum::<usize>(), "no stray widgets");
    }
}

#[test]
fn copies_carry_distinct_serials_in_qr_print_and_fields() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let serials = serials(3);
    let pdf = render(&definition, &layout, &serials).unwrap();
    let parsed = Parsed::new(&pdf);
    assert_eq!(parsed.pages.len(), 3 * layout.pages as usize);
    let mut seen = HashSet::new();
    for (page, serial) in serials.iter().enumerate() {
        let payload = qr_on(&parsed, page, &layout);
        assert_eq!(&payload.serial, serial);
        assert_eq!(QrPayload::parse(&payload.to_string()).unwrap(), payload);
        assert!(seen.insert(payload.serial.clone()));
        let text = parsed.text(page);
        assert!(text.windows(serial.len()).any(|w| w == serial.as_bytes()));
        let owners: HashSet<String> = parsed.widgets(page).into_iter().map(|w| w.0).collect();
        assert_eq!(owners, HashSet::from([serial.clone()]));
    }
}

#[test]
fn nordic_letters_are_set_in_win_ansi() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let parsed = Parsed::new(&render(&definition, &layout, &[SERIAL.to_string()]).unwrap());
    let text = parsed.text(0);
    let has = |needle: &[u8]| text.windows(needle.len()).any(|w| w == needle);
    assert!(has(b"Inledning av jobbs\xf6kning / Ty\xf6nhaun aloitus"));
    assert!(has(b"KIRJOITA SELV\xc4STI SUURAKKOSIN"));
    assert!(has(b"Betj\xe4ningsspr\xe5k / Asiointikieli *"));
    let fonts = parsed.doc.get_page_fonts(parsed.pages[0]).unwrap();
    for font in fonts.values() {
        assert_eq!(
            font.get(b"Encoding").unwrap().as_name().unwrap(),
            b"WinAnsiEncoding"
        );
    }
}

#[test]
fn typed_values_read_back_by_serial_and_field_id() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let serials = serials(2);
    let pdf = render(&definition, &layout, &serials).unwrap();
    assert!(
        filled_values(&pdf).unwrap().is_empty(),
        "a fresh form is empty"
    );

    // Fill the second copy as a PDF viewer would: /V on the field.
    let mut doc = Document::load_mem(&pdf).unwrap();
    let mut fills: BTreeMap<&str, Object> = BTreeMap::new();
    fills.insert("surname", lopdf::text_string("Öhman"));
    fills.insert("hetu", lopdf::text_string("131052-308T"));
    fills.insert("situation", Object::Name(b"laid_off".to_vec()));
    fills.insert("contact_consent", Object::Name(b"yes".to_vec()));
    let ids: Vec<ObjectId> = doc.objects.keys().copied().collect();
    for id in ids {
        let Ok(dict) = doc.get_dictionary(id) else {
            continue;
        };
        let Some(name) = dict.get(b"T").ok().and_then(|t| decode_text_string(t).ok()) else {
            continue;
        };
        let Ok(parent) = dict.get(b"Parent").and_then(Object::as_reference) else {
            continue;
        };
        let copy = doc.get_dictionary(parent).unwrap().get(b"T").unwrap();
        if decode_text_string(copy).unwrap() != serials[1] {
            continue;
        }
        if let Some(value) = fills.get(name.as_str()) {
            doc.get_dictionary_mut(id).unwrap().set("V", value.clone());
        }
    }
    let mut filled = Vec::new();
    doc.save_to(&mut filled).unwrap();
    let mut values: Vec<(String, String, String)> = filled_values(&filled)
        .unwrap()
        .into_iter()
        .map(|v| (v.serial, v.field, v.value))
        .collect();
    values.sort();
    let s = serials[1].clone();
    let mut expected = vec![
        (s.clone(), "contact_consent".into(), "yes".into()),
        (s.clone(), "hetu".into(), "131052-308T".into()),
        (s.clone(), "situation".into(), "laid_off".into()),
        (s, "surname".into(), "Öhman".into()),
    ];
    expected.sort();
    assert_eq!(values, expected);
}

#[test]
fn bad_requests_are_refused_with_a_reason() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    assert!(matches!(
        render(&definition, &layout, &[]),
        Err(PaperError::NoCopies)
    ));
    let twice = [SERIAL.to_string(), SERIAL.to_string()];
    assert!(matches!(
        render(&definition, &layout, &twice),
        Err(PaperError::DuplicateSerial(_))
    ));
    let bad = ["K7PX|MWH2A".to_string()];
    assert!(matches!(
        render(&definition, &layout, &bad),
        Err(PaperError::BadSerial(_))
    ));
    let mut other = layout.clone();
    other.version = 2;
    let one = [SERIAL.to_string()];
    assert!(matches!(
        render(&definition, &other, &one),
        Err(PaperError::LayoutMismatch { .. })
    ));
}

#[test]
fn comb_fields_hold_one_typed_character_per_slot() {
    let definition = definition();
    let layout = Layout::from_definition(&definition);
    let pdf = render(&definition, &layout, &[SERIAL.to_string()]).unwrap();
    let doc = Document::load_mem(&pdf).unwrap();
    let field = |id: &str| {
        doc.objects
            .values()
            .filter_map(|o| o.as_dict().ok())
            .find(|d| {
                d.get(b"T")
                    .ok()
                    .and_then(|t| decode_text_string(t).ok())
                    .as_deref()
                    == Some(id)
            })
            .unwrap_or_else(|| panic!("no field {id}"))
            .clone()
    };
    const COMB: i64 = 1 << 24;
    for (id, slots) in [
        ("hetu", 11),
        ("postal_code", 5),
        ("phone", 13),
        ("situation_since", 10),
    ] {
        let dict = field(id);
        assert_eq!(
            dict.get(b"MaxLen").unwrap().as_i64().unwrap(),
            slots,
            "{id}"
        );
        assert_ne!(dict.get(b"Ff").unwrap().as_i64().unwrap() & COMB, 0, "{id}");
    }
    let surname = field("surname");
    assert_eq!(surname.get(b"MaxLen").unwrap().as_i64().unwrap(), 100);
    assert!(surname.get(b"Ff").is_err(), "a line is a plain text field");
}
