//! Letters read back: the text extracted from the PDF says what it must in
//! the person's language, and the address lands in the envelope's window.

use lopdf::{Document, Object};
use pdf_extract::{MediaBox, OutputDev, OutputError, Transform};
use time::macros::date;

use intake_core::i18n::{Lang, Text};

use super::draw::WINDOW_MM;
use super::font::Weight;
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

/// A run of text as pdf-extract reads it: where it starts, in mm from the
/// page's top left, and how far its glyphs' widths in the PDF carry it.
#[derive(Debug)]
struct Run {
    text: String,
    left: f64,
    baseline: f64,
    width: f64,
}

#[derive(Default)]
struct Runs {
    runs: Vec<Run>,
}

impl OutputDev for Runs {
    fn begin_page(
        &mut self,
        _: u32,
        _: &MediaBox,
        _: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_page(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        char: &str,
    ) -> Result<(), OutputError> {
        // The letter sets text with Td alone: the position is the matrix's
        // translation, in points from the bottom left.
        let (x, y) = (trm.m31 * MM_PER_PT, PAGE_HEIGHT_MM - trm.m32 * MM_PER_PT);
        let advance = width * font_size * MM_PER_PT;
        match self.runs.last_mut() {
            Some(run)
                if (run.baseline - y).abs() < 0.01 && (run.left + run.width - x).abs() < 0.2 =>
            {
                run.text.push_str(char);
                run.width += advance;
            }
            _ => self.runs.push(Run {
                text: char.to_string(),
                left: x,
                baseline: y,
                width: advance,
            }),
        }
        Ok(())
    }
    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}

/// The runs of text on the first page.
fn runs(pdf: &[u8]) -> Vec<Run> {
    let doc = Document::load_mem(pdf).unwrap();
    let mut runs = Runs::default();
    pdf_extract::output_doc_page(&doc, &mut runs, 1).unwrap();
    runs.runs
}

fn assert_in_window(runs: &[Run], line: &str) {
    let run = runs
        .iter()
        .find(|run| run.text == line)
        .unwrap_or_else(|| panic!("`{line}` is set as one line in {runs:?}"));
    let [x, y, w, h] = WINDOW_MM;
    assert!(
        run.left >= x + 2.0 && run.left < x + w / 2.0,
        "{line} at x {}",
        run.left
    );
    assert!(
        run.left + run.width <= x + w - 2.0,
        "{line} ends at {}",
        run.left + run.width
    );
    assert!(
        run.baseline > y + 5.0 && run.baseline < y + h - 3.0,
        "{line} at y {}",
        run.baseline
    );
}

#[test]
fn the_address_sits_in_the_envelope_window() {
    let runs = runs(&render(&[letter(vec![Lang::Fi])]).unwrap());
    for line in ["Åsa Öberg-Niemi", "Kauppakatu 12 B 4", "65100 VAASA"] {
        assert_in_window(&runs, line);
    }
}

/// People whose names and addresses Windows-1252 has no letters for.
fn from_abroad() -> [Recipient; 3] {
    [
        Recipient {
            name: "Łukasz Świątek".into(),
            street_address: "Kauppakatu 12 B 4".into(),
            postal_code: "65100".into(),
            post_office: "Vaasa".into(),
        },
        Recipient {
            name: "Олена Коваленко".into(),
            street_address: "Koulutie 3".into(),
            postal_code: "65610".into(),
            post_office: "Mustasaari".into(),
        },
        Recipient {
            name: "Ioana Țăranu".into(),
            street_address: "Strada Ștefan cel Mare și Sfânt 12".into(),
            postal_code: "65100".into(),
            post_office: "Vaasa".into(),
        },
    ]
}

#[test]
fn names_and_streets_beyond_windows_1252_print_and_read_back_as_written() {
    for recipient in from_abroad() {
        for part in [&recipient.name, &recipient.street_address] {
            assert!(can_print(part), "{part}");
        }
        let mut letter = letter(vec![Lang::En]);
        letter.recipient = recipient.clone();
        let pdf = render(&[letter]).unwrap();
        let text = &page_texts(&pdf)[0];
        assert!(
            text.contains(&recipient.name),
            "`{}` in {text}",
            recipient.name
        );
        assert!(
            text.contains(&format!("Hello {},", recipient.name)),
            "greeting in {text}"
        );
        assert!(text.contains(&recipient.street_address), "street in {text}");
        // Also as poppler reads it, where it is installed.
        if let Some(text) = pdftotext(&pdf) {
            assert!(text.contains(&recipient.name), "pdftotext: {text}");
            assert!(
                text.contains(&recipient.street_address),
                "pdftotext: {text}"
            );
        }

        let runs = runs(&pdf);
        for line in [&recipient.name, &recipient.street_address] {
            assert_in_window(&runs, line);
        }
        // The widths the PDF gives the glyphs are those the layout used.
        let name = runs.iter().find(|run| run.text == recipient.name).unwrap();
        let laid_out = Weight::Regular.width_mm(&recipient.name, 11.0);
        assert!(
            (name.width - laid_out).abs() < 0.01,
            "{} vs {laid_out}",
            name.width
        );
    }
}

/// The text `pdftotext` finds, or `None` where poppler is not installed.
fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("letter.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    assert!(
        out.status.success(),
        "pdftotext: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(String::from_utf8(out.stdout).unwrap())
}

#[test]
fn a_batch_embeds_each_weight_once_with_only_the_glyphs_it_sets() {
    let letters: Vec<Letter> = from_abroad()
        .into_iter()
        .cycle()
        .take(20)
        .map(|recipient| Letter {
            recipient,
            ..letter(vec![Lang::En, Lang::Fi])
        })
        .collect();
    let pdf = render(&letters).unwrap();
    assert_eq!(page_texts(&pdf).len(), 20);
    let doc = Document::load_mem(&pdf).unwrap();
    let fonts: Vec<&lopdf::Dictionary> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| d.get(b"Subtype").and_then(Object::as_name).ok() == Some(b"Type0"))
        .collect();
    assert_eq!(fonts.len(), 2, "Regular and Bold, shared by all pages");
    let full = include_bytes!("../../fonts/LiberationSans-Regular.ttf").len();
    for font in fonts {
        let name = font.get(b"BaseFont").and_then(Object::as_name).unwrap();
        let name = String::from_utf8_lossy(name);
        assert!(
            name.len() > 7 && name.as_bytes()[6] == b'+',
            "a subset's name: {name}"
        );
        assert!(name.ends_with("LiberationSans") || name.ends_with("LiberationSans-Bold"));
        let descendant = font
            .get(b"DescendantFonts")
            .and_then(Object::as_array)
            .unwrap()[0]
            .as_reference()
            .unwrap();
        let descriptor = doc
            .get_dictionary(descendant)
            .unwrap()
            .get(b"FontDescriptor")
            .unwrap();
        let descriptor = doc
            .get_dictionary(descriptor.as_reference().unwrap())
            .unwrap();
        let file = descriptor
            .get(b"FontFile2")
            .unwrap()
            .as_reference()
            .unwrap();
        let file = doc.get_object(file).unwrap().as_stream().unwrap();
        let length = file.dict.get(b"Length1").unwrap().as_i64().unwrap() as usize;
        assert!(length < full / 4, "{name}: {length} bytes of {full}");
    }
    assert!(pdf.len() < 120_000, "20 letters in {} bytes", pdf.len());
}

#[test]
fn text_the_font_cannot_print_is_caught() {
    assert!(can_print("Åsa Öberg-Niemi, Kauppakatu 12 B 4"));
    assert!(can_print("Who? François Müller"));
    assert!(can_print("Łukasz Świątek"));
    assert!(can_print("Олена Коваленко"));
    assert!(can_print("Strada Ștefan cel Mare și Sfânt 12"));
    assert!(can_print("Γιώργος Παπαδόπουλος"));
    assert!(!can_print("أمل حداد"));
    assert!(!can_print("Amal حداد"));
    assert!(!can_print("王小明"));
}

#[test]
fn a_letter_with_text_the_font_lacks_is_refused_not_printed_blank() {
    let mut arabic = letter(vec![Lang::En]);
    arabic.recipient.name = "أمل حداد".into();
    assert!(matches!(render(&[arabic]), Err(LetterError::NoGlyph(_))));
}
