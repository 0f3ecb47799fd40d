//! Reading real rendered forms with values written in: a printed font reads
//! back exactly, handwriting fonts read right or are flagged, and the marks
//! and mistakes people make are flagged, not accepted.

mod draw;

use std::collections::BTreeMap;

use image::GrayImage;

use super::*;
use crate::capture::ocr;
use crate::printable::FieldBox;
use draw::{Pen, blank_form, cross, fill, registered, scribble, sign, tick};
use intake_core::record::Value;

/// A complete, valid form as a person would fill it in block capitals.
const FILLED: &[(&str, &str)] = &[
    ("hetu", "131052-308T"),
    ("surname", "VIRTANEN"),
    ("first_names", "MATTI JUHANI"),
    ("street_address", "MANNERHEIMINTIE 12 B 34"),
    ("postal_code", "00100"),
    ("post_office", "HELSINKI"),
    ("phone", "0401234567"),
    ("email", "MATTI.VIRTANEN@EXAMPLE.FI"),
    ("situation_since", "06042020"),
    ("desired_occupation", "LÄHIHOITAJA"),
    ("signature_date", "15012025"),
];

/// What `FILLED`, with `fi`, `unemployed`, `morning`, consent and a
/// signature, must read as.
const EXPECTED: &[(&str, &str)] = &[
    ("hetu", "131052-308T"),
    ("surname", "VIRTANEN"),
    ("first_names", "MATTI JUHANI"),
    ("street_address", "MANNERHEIMINTIE 12 B 34"),
    ("postal_code", "00100"),
    ("post_office", "HELSINKI"),
    ("phone", "+358401234567"),
    ("email", "matti.virtanen@example.fi"),
    ("service_language", "fi"),
    ("situation", "unemployed"),
    ("situation_since", "2020-04-06"),
    ("desired_occupation", "LÄHIHOITAJA"),
    ("call_time", "morning"),
    ("signature_date", "2025-01-15"),
];

struct Form {
    definition: FormDefinition,
    layout: Layout,
    image: GrayImage,
}

impl Form {
    fn blank() -> Form {
        let definition = draw::definition();
        let layout = Layout::from_definition(&definition);
        Form {
            definition,
            layout,
            image: blank_form(),
        }
    }

    fn field(&self, id: &str) -> FieldBox {
        self.layout.field(id).unwrap().clone()
    }

    fn write(&mut self, pen: &Pen, id: &str, text: &str) {
        let field = self.field(id);
        match field.kind {
            FieldKind::Comb => pen.comb(&mut self.image, &field, text),
            _ => pen.line(&mut self.image, &field, text),
        }
    }

    fn tick(&mut self, id: &str, value: &str) {
        self.mark(tick, id, value);
    }

    /// Draws a mark (`tick`, `cross`, `scribble`) in one option's box.
    fn mark(&mut self, how: fn(&mut GrayImage, &FieldBox, &str), id: &str, value: &str) {
        let field = self.field(id);
        how(&mut self.image, &field, value);
    }

    /// The form filled with `FILLED` in `pen`'s hand.
    fn filled(pen: &Pen) -> Form {
        let mut form = Form::blank();
        for (id, text) in FILLED {
            form.write(pen, id, text);
        }
        form.tick("service_language", "fi");
        form.mark(cross, "situation", "unemployed");
        form.tick("call_time", "morning");
        form.tick("contact_consent", "yes");
        let signed = form.field("signed");
        sign(&mut form.image, &signed);
        form
    }

    fn read(&self) -> BTreeMap<String, FieldReading> {
        let page = registered(self.image.clone(), &self.layout);
        read_fields(&page, &self.layout, &self.definition)
    }
}

fn text(reading: &FieldReading) -> Option<&str> {
    reading.value.as_ref().and_then(Value::as_text)
}

fn reason(reading: &FieldReading) -> &[ReviewReason] {
    &reading.reasons
}

/// Every field of a printed form has its right value and is accepted, but
/// for a line whose only fault is a confidence a little under
/// `ACCEPT_LINE`: the threshold sits where handwriting is never accepted
/// wrong, and Tesseract puts 0.85-0.96 on clean print (0.5-0.65 on long
/// email addresses). At most two of the six lines may go to review so.
fn assert_read_back(fields: &BTreeMap<String, FieldReading>) {
    assert_eq!(fields.len(), 16, "every field of the page");
    let mut lines_to_review = 0;
    for (id, expected) in EXPECTED {
        let f = &fields[*id];
        assert_eq!(text(f), Some(*expected), "{id}: {f:?}");
        let is_line = Layout::from_definition(&draw::definition())
            .field(id)
            .is_some_and(|b| b.kind == FieldKind::Line);
        if is_line && f.reasons == [LOW_CONFIDENCE] {
            lines_to_review += 1;
            continue;
        }
        assert_eq!(f.status, FieldStatus::Accepted, "{id}: {f:?}");
    }
    assert!(lines_to_review <= 2, "{fields:?}");
    for id in ["contact_consent", "signed"] {
        let f = &fields[id];
        assert_eq!(
            (&f.value, f.status),
            (&Some(Value::Bool(true)), FieldStatus::Accepted),
            "{id}: {f:?}"
        );
    }
}

#[test]
fn a_form_in_a_printed_hand_reads_back_exactly() {
    let form = Form::filled(&Pen::new(draw::PRINTED));
    assert_read_back(&form.read());
}

#[test]
fn the_frame_is_found_when_registration_is_a_little_off() {
    let form = Form::filled(&Pen::new(draw::PRINTED));
    // 0.6 mm right and 0.5 mm up: what a coarse registration leaves.
    let mut shifted =
        GrayImage::from_pixel(form.image.width(), form.image.height(), image::Luma([255]));
    image::imageops::replace(&mut shifted, &form.image, 5, -4);
    let shifted = Form {
        image: shifted,
        ..Form::blank()
    };
    assert_read_back(&shifted.read());
}

#[test]
fn empty_fields_are_told_without_ocr() {
    let pen = Pen::new(draw::PRINTED);
    let mut form = Form::blank();
    let before = ocr::calls_on_this_thread();
    let fields = form.read();
    assert_eq!(
        ocr::calls_on_this_thread(),
        before,
        "a blank form needs no OCR"
    );
    for id in [
        "hetu",
        "surname",
        "first_names",
        "phone",
        "service_language",
        "situation",
        "contact_consent",
    ] {
        assert_eq!(fields[id].status, FieldStatus::NeedsReview, "{id}");
        assert_eq!(reason(&fields[id]), [REQUIRED_BUT_EMPTY], "{id}");
    }

    form.write(&pen, "hetu", "131052-308T");
    form.write(&pen, "surname", "VIRTANEN");
    form.write(&pen, "first_names", "MATTI");
    form.write(&pen, "phone", "040 123 4567");
    form.tick("service_language", "sv");
    form.tick("situation", "student");
    form.tick("contact_consent", "yes");
    let before = ocr::calls_on_this_thread();
    let fields = form.read();
    // The identity code's three strips and three more of its digits
    // alone; two strips of the phone number, which agree surely enough
    // to leave out the third, and its second opinion by another model;
    // one reading of each line, at Tesseract's most sure; none of the
    // empty fields.
    assert_eq!(
        ocr::calls_on_this_thread() - before,
        (3 + 3) + (2 + 1) + 1 + 1
    );
    for (id, reading) in &fields {
        assert_eq!(reading.status, FieldStatus::Accepted, "{id}: {reading:?}");
    }
    assert_eq!(text(&fields["phone"]), Some("+358401234567"));
    assert_eq!(
        text(&fields["call_time"]),
        Some("any"),
        "the default applies"
    );
    for id in [
        "street_address",
        "postal_code",
        "email",
        "situation_since",
        "signature_date",
    ] {
        assert_eq!((&fields[id].value, &fields[id].raw), (&None, &None), "{id}");
    }
    assert_eq!(fields["signed"].value, Some(Value::Bool(false)));
}

#[test]
fn a_wrong_check_character_is_flagged_never_accepted() {
    let mut form = Form::blank();
    form.write(&Pen::new(draw::PRINTED), "hetu", "131052-308U");
    let hetu = &form.read()["hetu"];
    assert_eq!(hetu.status, FieldStatus::NeedsReview);
    assert_eq!(hetu.value, None);
    assert_eq!(hetu.raw.as_deref(), Some("131052-308U"));
    assert!(
        reason(hetu).contains(&ReviewReason::Invalid(
            intake_core::record::validate::FieldErrorCode::HetuCheck
        )),
        "{hetu:?}"
    );
}

#[test]
fn a_temporary_identity_code_is_read_but_flagged() {
    let mut form = Form::blank();
    form.write(&Pen::new(draw::PRINTED), "hetu", "010594Y9032");
    let hetu = &form.read()["hetu"];
    assert_eq!(hetu.status, FieldStatus::NeedsReview);
    assert_eq!(text(hetu), Some("010594Y9032"));
    assert_eq!(reason(hetu), [TEMPORARY_HETU]);
}

#[test]
fn a_scribbled_out_box_is_not_a_tick_but_a_filled_one_is() {
    let mut form = Form::blank();
    form.mark(scribble, "situation", "unemployed");
    form.tick("situation", "student");
    form.mark(scribble, "call_time", "morning");
    form.mark(fill, "service_language", "fi");
    let fields = form.read();
    let situation = &fields["situation"];
    assert_eq!(
        (text(situation), situation.status),
        (Some("student"), FieldStatus::Accepted),
        "{situation:?}"
    );
    let call_time = &fields["call_time"];
    assert_eq!(
        (call_time.status, reason(call_time)),
        (FieldStatus::NeedsReview, &[CANCELLED_ONLY][..]),
        "cancelled, nothing chosen"
    );
    assert_ne!(text(call_time), Some("morning"));
    let language = &fields["service_language"];
    assert_eq!(
        (text(language), language.status),
        (Some("fi"), FieldStatus::Accepted),
        "{language:?}"
    );
}

#[test]
fn two_ticks_need_review() {
    let mut form = Form::blank();
    form.tick("service_language", "sv");
    form.mark(cross, "service_language", "fi");
    let language = &form.read()["service_language"];
    assert_eq!(language.status, FieldStatus::NeedsReview);
    assert_eq!(language.value, None);
    assert_eq!(language.raw.as_deref(), Some("sv+fi"));
    assert_eq!(reason(language), [SEVERAL_TICKED]);
}

/// Handwriting-like fonts: every field is either read right or flagged.
/// Prints how many were read right and accepted, for the record.
#[test]
fn handwriting_is_read_right_or_flagged() {
    for font in [draw::HUMOR, draw::DKG] {
        let pen = Pen::new(font);
        let form = Form::filled(&pen);
        let fields = form.read();
        let mut accepted = 0;
        for (id, expected) in EXPECTED {
            let f = &fields[*id];
            let written = FILLED.iter().find(|(i, _)| i == id).map(|(_, t)| *t);
            if written.is_some_and(|t| !pen.can_write(t)) {
                continue; // the font lacks a letter: not a test of the reader
            }
            if f.status == FieldStatus::Accepted {
                accepted += 1;
                assert_eq!(
                    text(f),
                    Some(*expected),
                    "{font} {id} accepted wrong: {f:?}"
                );
            }
        }
        println!(
            "{font}: {accepted} of {} text fields accepted, all right",
            EXPECTED.len()
        );
    }
}

#[test]
fn a_letter_is_read_as_text() {
    let pen = Pen::new(draw::PRINTED);
    let mut page = GrayImage::from_pixel(1680, 400, image::Luma([255]));
    for (i, line) in ["HEJ, JAG VILL BOKA EN TID.", "SOITTAKAA MINULLE HUOMENNA."]
        .iter()
        .enumerate()
    {
        let at = FieldBox {
            id: "letter".into(),
            kind: FieldKind::Line,
            page: 1,
            box_mm: [20.0, 10.0 + 12.0 * i as f64, 170.0, 8.5],
            cells: None,
            cell_boxes_mm: Vec::new(),
            options: None,
        };
        pen.line(&mut page, &at, line);
    }
    let text = ocr::page_text(&page);
    assert!(text.contains("BOKA EN TID"), "{text:?}");
    assert!(text.contains("HUOMENNA"), "{text:?}");
}

#[test]
fn a_dash_in_a_comb_is_told_by_its_shape() {
    let pen = Pen::new(draw::PRINTED);
    let mut form = Form::blank();
    form.write(&pen, "hetu", "010594-9032");
    form.write(&pen, "phone", "040-1234567");
    let fields = form.read();
    for (id, expected) in [("hetu", "010594-9032"), ("phone", "+358401234567")] {
        let f = &fields[id];
        assert_eq!(text(f), Some(expected), "{id}: {f:?}");
    }
    assert_eq!(fields["phone"].status, FieldStatus::Accepted);
    assert_eq!(fields["phone"].raw.as_deref(), Some("040-1234567"));
}

/// An Ä written as an A with two dots over it, as a hand does when its
/// letters come one stroke at a time: whatever Tesseract makes of it, the
/// surname is never accepted as the bare A. Likewise with the dots run
/// into one blot, or set wide of the letter.
#[test]
fn an_a_with_its_dots_is_never_accepted_as_a() {
    let pen = Pen::new(draw::PRINTED);
    let dots: [&[(f64, f64)]; 3] = [
        &[(-0.9, 0.0), (0.9, 0.0)],
        &[(0.0, 0.0)],
        &[(-2.2, 0.0), (2.2, 0.0)],
    ];
    for (case, offsets) in dots.iter().enumerate() {
        let mut form = Form::blank();
        let field = form.field("surname");
        form.write(&pen, "surname", "MAKINEN");
        let (x, top) = pen.place_in_line(&field, "MAKINEN", 1);
        for (dx, dy) in *offsets {
            let at = (x + dx, top - 1.0 + dy);
            let width = if offsets.len() == 1 { 1.2 } else { 0.7 };
            draw::stroke(&mut form.image, at, (at.0 + 0.05, at.1), width);
        }
        let surname = &form.read()["surname"];
        let bare = surname.status == FieldStatus::Accepted && text(surname) == Some("MAKINEN");
        assert!(!bare, "case {case}: {surname:?}");
        if surname.status == FieldStatus::Accepted {
            assert_eq!(text(surname), Some("MÄKINEN"), "case {case}");
        }
    }
}

/// The reason and the alternatives a comb's close call is found with
/// reach the reading: it goes to review, with the runner-ups offered.
#[test]
fn a_reading_with_a_close_runner_up_goes_to_review_with_its_alternatives() {
    let definition = draw::definition();
    let field = definition.field("postal_code").unwrap();
    let mut seen = Seen::new(ACCEPT_COMB);
    seen.raw = "64200".into();
    seen.doubt(0.95);
    seen.problem(CLOSE_RUNNER_UP);
    seen.alternatives = vec!["65200".into(), "69200".into()];
    let reading = judge(field, seen);
    assert_eq!(reading.status, FieldStatus::NeedsReview);
    assert_eq!(reading.reasons, vec![CLOSE_RUNNER_UP]);
    assert_eq!(reading.alternatives, vec!["65200", "69200"]);
    assert_eq!(text(&reading), Some("64200"), "kept for the reviewer");
}

/// A date whose second, different reading gave other digits goes to
/// review with that reading offered; the same date confirmed is accepted.
#[test]
fn a_date_is_accepted_only_when_a_second_reading_agrees() {
    let definition = draw::definition();
    let field = definition.field("signature_date").unwrap();
    let read = |problems: &[ReviewReason], alternatives: &[&str]| {
        let mut seen = Seen::new(ACCEPT_COMB);
        seen.raw = "21.01.2025".into();
        seen.doubt(0.95);
        for problem in problems {
            seen.problem(*problem);
        }
        seen.alternatives = alternatives.iter().map(|a| a.to_string()).collect();
        judge(field, seen)
    };
    let confirmed = read(&[], &[]);
    assert_eq!(confirmed.status, FieldStatus::Accepted);
    assert_eq!(text(&confirmed), Some("2025-01-21"));

    let differing = read(&[READINGS_DIFFER], &["29.01.2025"]);
    assert_eq!(differing.status, FieldStatus::NeedsReview);
    assert_eq!(differing.reasons, vec![READINGS_DIFFER]);
    assert_eq!(differing.alternatives, vec!["29.01.2025"]);
    assert_eq!(
        text(&differing),
        Some("2025-01-21"),
        "kept for the reviewer"
    );
}

/// A line printed in a crop of its own, and the readings of it said to
/// have given `agreed`: what the word-list check makes of them, and how
/// many OCR calls it made.
fn checked_against_lists(id: &str, ink: &str, agreed: &str) -> (Seen, u64) {
    let pen = Pen::new(draw::PRINTED);
    let mut crop = GrayImage::from_pixel(760, 90, image::Luma([255]));
    let at = FieldBox {
        id: id.into(),
        kind: FieldKind::Line,
        page: 1,
        box_mm: [1.0, 1.0, 90.0, 8.5],
        cells: None,
        cell_boxes_mm: Vec::new(),
        options: None,
    };
    pen.line(&mut crop, &at, ink);
    let definition = draw::definition();
    let field = definition.field(id).unwrap();
    let read = agree::Agreed {
        text: agreed.into(),
        confidence: 0.95,
        unanimous: true,
        texts: vec![agreed.into(), agreed.into()],
        symbols: Vec::new(),
    };
    let mut seen = Seen::new(ACCEPT_LINE);
    seen.raw = agreed.into();
    seen.doubt(0.95);
    let smaller = agree::scaled(&crop, 0.7);
    let line = vocabulary::LineReading {
        field,
        read: &read,
        crop: &crop,
        smaller: &smaller,
        languages: ocr::FIELD_LANGUAGES,
        whitelist: "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖ -'.",
        same: |text| text.split_whitespace().collect::<Vec<_>>().join(" "),
    };
    let before = ocr::calls_on_this_thread();
    vocabulary::check(&line, &mut seen);
    (seen, ocr::calls_on_this_thread() - before)
}

/// A listed surname reads through on the readings it has; one in no list
/// needs a reading made another way to agree, and goes to review with
/// that reading offered when it does not; one a letter from a listed
/// surname goes to review with the listed one offered.
#[test]
fn a_line_in_no_list_needs_a_different_reading_to_agree() {
    let (listed, calls) = checked_against_lists("surname", "VIRTANEN", "VIRTANEN");
    assert_eq!((listed.problems.as_slice(), calls), (&[][..], 0));

    let (confirmed, calls) = checked_against_lists("surname", "HULMASTAD", "HULMASTAD");
    assert_eq!((confirmed.problems.as_slice(), calls), (&[][..], 1));

    let (differing, _) = checked_against_lists("surname", "HULMASTAD", "HULMAST");
    assert_eq!(differing.problems, [UNLISTED_UNCONFIRMED]);
    assert_eq!(differing.alternatives, ["HULMASTAD"]);
    let reading = judge(draw::definition().field("surname").unwrap(), differing);
    assert_eq!(reading.status, FieldStatus::NeedsReview);

    let (near, calls) = checked_against_lists("surname", "KOKHONEN", "KOKHONEN");
    assert_eq!(
        (near.problems.as_slice(), calls),
        (&[NEAR_LISTED_WORD][..], 0)
    );
    assert!(
        near.alternatives.contains(&"KORHONEN".to_string()),
        "{near:?}"
    );
    let (office, _) = checked_against_lists("post_office", "TAKOBSTAD", "TAKOBSTAD");
    assert_eq!(office.alternatives, ["JAKOBSTAD"]);
}
