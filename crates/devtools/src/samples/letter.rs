//! Other mail from the drop box: short letters in Swedish, Finnish or
//! English (contact requests, a changed address, a question), printed or
//! handwritten on plain paper. The capture must tell them from forms and
//! pass them on with their text.

use image::{Rgb, RgbImage};
use rand::Rng;
use rand::seq::IndexedRandom;

use crate::synthetic::Jobseeker;

use super::fill::{BLACK_INKS, BLUE_INKS};
use super::fonts::{FontClass, Fonts};
use super::ink::{self, GlyphStyle, Ink, Mask};

const A4_MM: (f32, f32) = (210.0, 297.0);

/// `{name}`, `{phone}`, `{street}`, `{postal}`, `{town}` are the sender's.
const LETTERS: &[&str] = &[
    "Hej!\n\nJag har blivit uppsagd från mitt arbete och vill bli arbetssökande. \
     Jag har inga bankkoder och kan inte fylla i blanketten på nätet. \
     Kan någon ringa mig på {phone}?\n\nMed vänlig hälsning\n{name}",
    "Hei,\n\nolen ollut lomautettuna kaksi viikkoa enkä ole vielä ilmoittautunut \
     työnhakijaksi. Minulla ei ole verkkopankkitunnuksia. Soittakaa minulle numeroon \
     {phone}, kiitos.\n\nYstävällisin terveisin\n{name}",
    "Till arbetskraftsbyrån\n\nJag har flyttat. Min nya adress är {street}, {postal} {town}. \
     Mitt telefonnummer är detsamma som förut, {phone}.\n\nTack på förhand\n{name}",
    "Työvoimatoimistolle\n\nMuutin juuri uuteen osoitteeseen: {street}, {postal} {town}. \
     Voitteko päivittää tietoni? Tavoitatte minut parhaiten aamupäivisin numerosta \
     {phone}.\n\nTerveisin\n{name}",
    "Hello,\n\nI moved to Finland last month and I am looking for work. I do not have \
     Finnish bank codes yet. Could somebody call me at {phone}? I speak English and \
     a little Swedish.\n\nThank you\n{name}",
    "Hej,\n\njag fyllde i en blankett förra veckan men har inte hört något. \
     Har ni fått den? Jag vill gärna veta när min arbetssökning börjar.\n\n{name}\n{phone}",
];

pub struct Letter {
    pub page: RgbImage,
    pub text: String,
    pub class: FontClass,
    pub font: &'static str,
}

/// A one-page letter from `person`, at `dpi`.
pub fn letter(person: &Jobseeker, fonts: &Fonts, dpi: u32, rng: &mut impl Rng) -> Letter {
    let text = letter_text(person, rng);
    let class = if rng.random_bool(0.5) {
        FontClass::Printed
    } else {
        FontClass::Handwriting
    };
    draw(text, class, fonts, dpi, rng)
}

/// What `person` writes: a place and date, and one of the letters.
pub fn letter_text(person: &Jobseeker, rng: &mut impl Rng) -> String {
    let template = LETTERS.choose(rng).expect("not empty");
    let place = ["Vasa", "Vaasa", "Korsholm", "Jakobstad"]
        .choose(rng)
        .expect("not empty");
    let date = format!(
        "{place} {}.{}.2025",
        rng.random_range(1..=28),
        rng.random_range(1..=11)
    );
    let body = template
        .replace(
            "{name}",
            &format!("{} {}", person.first_names, person.surname),
        )
        .replace("{phone}", &person.phone_written)
        .replace("{street}", &person.street_address)
        .replace("{postal}", &person.postal_code)
        .replace("{town}", &person.post_office);
    format!("{date}\n\n{body}")
}

fn draw(text: String, class: FontClass, fonts: &Fonts, dpi: u32, rng: &mut impl Rng) -> Letter {
    let face = fonts.class(class).choose(rng).expect("loaded").clone();
    let ppm = dpi as f32 / 25.4;
    let (w, h) = ((A4_MM.0 * ppm) as u32, (A4_MM.1 * ppm) as u32);
    let mut page = RgbImage::from_pixel(w, h, Rgb([255, 255, 255]));
    let handwriting = class == FontClass::Handwriting;
    let (cap_mm, leading_mm) = if handwriting {
        (rng.random_range(3.0..4.2), rng.random_range(8.0..10.0))
    } else {
        (2.8, 5.6)
    };
    let ink = if handwriting {
        Ink {
            rgb: *BLUE_INKS
                .iter()
                .chain(&BLACK_INKS)
                .collect::<Vec<_>>()
                .choose(rng)
                .expect("not empty")
                .to_owned(),
            opacity: 0.9,
        }
    } else {
        Ink::PRINTER
    };
    let slant = if handwriting {
        rng.random_range(-0.05..0.2)
    } else {
        0.0
    };
    let jitter = if handwriting { 1.0 } else { 0.0 };
    let (left_mm, right_mm) = (25.0, A4_MM.0 - 22.0);
    let mut mask = Mask::over(&page, [0.0, 0.0, w as f32, h as f32]);
    let mut baseline = rng.random_range(30.0..45.0) * ppm;
    let space = ink::advance(&face, ' ', cap_mm * ppm);
    for paragraph in text.split('\n') {
        let mut x = left_mm * ppm;
        for word in paragraph.split_whitespace() {
            let width: f32 = word
                .chars()
                .map(|c| ink::advance(&face, c, cap_mm * ppm))
                .sum();
            if x > left_mm * ppm && x + width > right_mm * ppm {
                x = left_mm * ppm;
                baseline += leading_mm * ppm;
            }
            for c in word.chars() {
                let style = GlyphStyle {
                    cap_px: cap_mm * ppm * (1.0 + jitter * rng.random_range(-0.06..0.06)),
                    angle: jitter * rng.random_range(-0.05..0.05),
                    slant,
                    bold_px: if handwriting {
                        super::fill::bold_px(&face, cap_mm * ppm, 0.35 * ppm)
                    } else {
                        0.0
                    },
                };
                let wander = jitter * rng.random_range(-0.15..0.15) * ppm;
                ink::glyph(&mut mask, &face, c, x, baseline + wander, style);
                x += ink::advance(&face, c, style.cap_px);
            }
            x += space * (1.0 + jitter * rng.random_range(0.0..0.5));
        }
        baseline += leading_mm * ppm;
    }
    mask.apply(&mut page, ink);
    Letter {
        page,
        text,
        class,
        font: face.name,
    }
}
