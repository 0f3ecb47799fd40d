//! The letter sent when the phone fails: one A4 page per person, in their
//! service language, the address placed for a C5/DL window envelope. All
//! pending letters print as one PDF, one letter per page, with the paper
//! form's drawing code and an embedded font that has the letters of names
//! from all over Europe (see [`font`]).

mod draw;
mod font;
#[cfg(test)]
mod tests;
mod texts;

use lopdf::{Document, Object, Stream, dictionary, text_string};
use time::Date;

use intake_core::i18n::{Lang, Text};

use crate::printable::canvas::pt;
use crate::printable::layout::{PAGE_HEIGHT_MM, PAGE_WIDTH_MM};
pub use texts::{LetterTexts, letter_texts};

/// The office the letter comes from, as its settings give it.
#[derive(Debug, Clone, PartialEq)]
pub struct LetterOffice {
    pub name: Text,
    pub street: Text,
    pub postal_code: String,
    pub post_office: Text,
    pub phone: String,
}

impl LetterOffice {
    /// "Kauppapuistikko 22, 65100 Vaasa" in one language.
    pub fn address(&self, lang: Lang) -> String {
        format!(
            "{}, {} {}",
            self.street.get(lang),
            self.postal_code,
            self.post_office.get(lang)
        )
    }
}

/// Who the letter goes to, as the registration has it.
#[derive(Debug, Clone, PartialEq)]
pub struct Recipient {
    pub name: String,
    pub street_address: String,
    pub postal_code: String,
    pub post_office: String,
}

/// One letter.
#[derive(Debug, Clone, PartialEq)]
pub struct Letter {
    /// One language, or English and then Finnish for someone who chose
    /// another language (see [`languages_for`]).
    pub languages: Vec<Lang>,
    pub office: LetterOffice,
    pub recipient: Recipient,
    pub reference: String,
    /// The received date that stands for the benefit.
    pub received_on: Date,
    /// The day the letter is printed.
    pub dated: Date,
    /// The number that was called.
    pub phone: String,
    /// Calls that did not reach the person.
    pub attempts: u32,
}

/// The languages of the letter for a registration's `service_language`:
/// its own for sv, fi and en; English with Finnish for any other (or none).
pub fn languages_for(service_language: Option<&str>) -> Vec<Lang> {
    match service_language.and_then(Lang::from_code) {
        Some(lang) => vec![lang],
        None => vec![Lang::En, Lang::Fi],
    }
}

/// Whether the letter's font prints `text` as written: every character has
/// a glyph in it. A letter whose name or address has one it lacks (Arabic,
/// Chinese, ...) goes to a person instead of printing a blank box.
pub fn can_print(text: &str) -> bool {
    font::has_glyphs(text)
}

/// The day in the letter: 7.12.2026 in all three languages.
pub fn date_text(date: Date) -> String {
    format!("{}.{}.{}", date.day(), u8::from(date.month()), date.year())
}

#[derive(Debug, thiserror::Error)]
pub enum LetterError {
    #[error("there are no letters to print")]
    NoLetters,
    #[error("cannot write the PDF: {0}")]
    Pdf(#[from] lopdf::Error),
    /// Text that [`can_print`] refuses reached the page anyway.
    #[error("the letter font has no glyph for U+{:04X}", u32::from(*.0))]
    NoGlyph(char),
    #[error("cannot embed the letter font: {0}")]
    Font(#[from] subsetter::Error),
}

/// All `letters` as one PDF, each on a page of its own.
pub fn render(letters: &[Letter]) -> Result<Vec<u8>, LetterError> {
    if letters.is_empty() {
        return Err(LetterError::NoLetters);
    }
    let mut doc = Document::with_version("1.7");
    let page_tree = doc.new_object_id();
    // The fonts hold the glyphs of every page, so they come after them.
    let resources_id = doc.new_object_id();
    let mut glyphs = font::Glyphs::new();
    let media_box: Vec<Object> = vec![
        0.into(),
        0.into(),
        pt(PAGE_WIDTH_MM).into(),
        pt(PAGE_HEIGHT_MM).into(),
    ];
    let mut page_ids = Vec::new();
    for letter in letters {
        let content = draw::page(letter, &mut glyphs)?;
        let content_id = doc.add_object(Stream::new(lopdf::Dictionary::new(), content));
        let page_id = doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => page_tree,
            "MediaBox" => media_box.clone(),
            "Resources" => resources_id,
            "Contents" => content_id,
        });
        page_ids.push(Object::from(page_id));
    }
    let fonts = glyphs.add_fonts(&mut doc)?;
    doc.objects.insert(
        resources_id,
        Object::Dictionary(dictionary! {
            "Font" => fonts,
            "ProcSet" => vec!["PDF".into(), "Text".into()],
        }),
    );
    let count = page_ids.len() as i64;
    doc.objects.insert(
        page_tree,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => page_ids, "Count" => count }),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => page_tree });
    let info = doc.add_object(dictionary! {
        "Title" => text_string("Letters"),
        "Producer" => text_string("intake"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    doc.compress();
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(lopdf::Error::from)?;
    Ok(bytes)
}
