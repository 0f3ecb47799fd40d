//! Letters read back: the text extracted from the PDF says what it must in
//! the person's language, and the address lands in the envelope's window.

use lopdf::Document;
use lopdf::content::Content;
use time::macros::date;

use intake_core::i18n::{Lang, Text};

use super::draw::WINDOW_MM;
use super::*;
use crate::printable::layout::PAGE_HEIGHT_MM;
use crate::printable::text::MM_PER_PT;

fn office() -> LetterOffice {
    let both = |sv: &str, fi: &str| Text {
        sv: sv.into(),
        fi: fi.into(),
        en: fi.into(),
    };
    LetterOffice {
        name: both("Sysselsättningstjänster Vasa", "Työllisyyspalvelut Vaasa"),
        street: both("Handelsesplanaden 22", "Kauppapuistikko 22"),
        postal_code: "65100".into(),
        post_office: both("Vasa", "Vaasa"),
        phone: "06 325 6000".into(),
    }
}

fn letter(languages: Vec<Lang>) -> Letter {
    Letter {
        languages,
        office: office(),
        recipient: Recipient {
            name: "Åsa Öberg-Niemi".into(),
            street_address: "Kauppakatu 12 B 4".into(),
            postal_code: "65100".into(),
            post_office: "Vaasa".into(),
        },
        reference: "K7MX4TQA".into(),
        received_on: date!(2026 - 11 - 22),
        dated: date!(2026 - 12 - 7),
        phone: "+358401234567".into(),
        attempts: 3,
    }
}

/// The text of each page, whitespace folded to single spaces.
fn page_texts(pdf: &[u8]) -> Vec<String> {
    pdf_extract::extract_text_from_mem_by_pages(pdf)
        .unwrap()
        .iter()
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect()
}

#[test]
fn each_language_says_what_happened_what_to_do_and_the_date_that_stands() {
    let cases = [
        (
            Lang::Fi,
            [
                "Yritimme soittaa sinulle 3 kertaa",
                "Soita meille arkipäivänä numeroon 06 325 6000",
                "Työnhakusi katsotaan alkaneeksi 22.11.2026",
                "Kauppapuistikko 22, 65100 Vaasa",
            ],
        ),
        (
            Lang::Sv,
            [
                "Vi har försökt ringa dig 3 gånger",
                "Ring oss på 06 325 6000",
                "räknas som inledd den 22.11.2026",
                "Handelsesplanaden 22, 65100 Vasa",
            ],
        ),
        (
            Lang::En,
            [
                "We have tried to call you 3 times",
                "Please call us at 06 325 6000",
                "counts as started on 22.11.2026",
                "Kauppapuistikko 22, 65100 Vaasa",
            ],
        ),
    ];
    for (lang, phrases) in cases {
        let pdf = render(&[letter(vec![lang])]).unwrap();
        let pages = page_texts(&pdf);
        assert_eq!(pages.len(), 1, "{lang:?}: one page");
        let text = &pages[0];
        for phrase in phrases {
            assert!(text.contains(phrase), "{lang:?}: `{phrase}` in {text}");
        }
        for needed in [
            "K7MX4TQA",
            "Åsa Öberg-Niemi",
            "Kauppakatu 12 B 4",
            "65100 VAASA",
            "+358401234567",
            "7.12.2026",
        ] {
            assert!(text.contains(needed), "{lang:?}: `{needed}` in {text}");
        }
        for other in Lang::ALL.into_iter().filter(|l| *l != lang) {
            assert!(
                !text.contains(letter_texts(other).title),
                "{lang:?} has no {other:?}"
            );
        }
    }
}

#[test]
fn another_language_gets_english_and_finnish_on_one_page() {
    assert_eq!(languages_for(Some("other")), vec![Lang::En, Lang::Fi]);
    assert_eq!(languages_for(None), vec![Lang::En, Lang::Fi]);
    assert_eq!(languages_for(Some("sv")), vec![Lang::Sv]);
    let pdf = render(&[letter(languages_for(Some("other")))]).unwrap();
    let pages = page_texts(&pdf);
    assert_eq!(pages.len(), 1);
    let english = pages[0].find("We tried to call you").expect("English");
    let finnish = pages[0].find("Yritimme soittaa sinulle").expect("Finnish");
    assert!(english < finnish, "English first");
    assert!(!pages[0].contains("Vi försökte ringa dig"));
}

#[test]
fn one_letter_per_page_and_none_is_an_error() {
    let mut second = letter(vec![Lang::Sv]);
    second.reference = "ABCD2345".into();
    second.attempts = 1;
    let pages = page_texts(&render(&[letter(vec![Lang::Fi]), second]).unwrap());
    assert_eq!(pages.len(), 2);
    assert!(pages[0].contains("K7MX4TQA") && !pages[0].contains("ABCD2345"));
    assert!(pages[1].contains("ABCD2345") && pages[1].contains("en gång"));
    assert!(matches!(render(&[]), Err(LetterError::NoLetters)));
}

#[test]
fn the_address_sits_in_the_envelope_window() {
    let pdf = render(&[letter(vec![Lang::Fi])]).unwrap();
    let doc = Document::load_mem(&pdf).unwrap();
    let page = *doc.get_pages().values().next().unwrap();
    let content = Content::decode(&doc.get_page_content(page).unwrap()).unwrap();
    // Where each string is set, in mm from the top left.
    let mut at = (0.0, 0.0);
    let mut placed = Vec::new();
    for op in &content.operations {
        match op.operator.as_str() {
            "Td" => {
                let n: Vec<f64> = op
                    .operands
                    .iter()
                    .map(|o| o.as_float().unwrap() as f64)
                    .collect();
                at = (n[0] * MM_PER_PT, PAGE_HEIGHT_MM - n[1] * MM_PER_PT);
            }
            "Tj" => placed.push((op.operands[0].as_str().unwrap().to_vec(), at)),
            _ => {}
        }
    }
    let [x, y, w, h] = WINDOW_MM;
    for line in ["Kauppakatu 12 B 4", "65100 VAASA"] {
        let bytes = crate::printable::text::win_ansi(line);
        let (_, (left, baseline)) = placed.iter().find(|(b, _)| *b == bytes).expect(line);
        assert!(
            *left >= x + 2.0 && *left < x + w / 2.0,
            "{line} at x {left}"
        );
        assert!(
            *baseline > y + 5.0 && *baseline < y + h - 3.0,
            "{line} at y {baseline}"
        );
    }
}

#[test]
fn text_the_fonts_cannot_print_is_caught() {
    assert!(can_print("Åsa Öberg-Niemi, Kauppakatu 12 B 4"));
    assert!(can_print("Who? François Müller"));
    assert!(!can_print("Łukasz Wróbel"));
    assert!(!can_print("Олена"));
}
