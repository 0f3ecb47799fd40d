//! The font the letters embed: Liberation Sans (crates/paper/fonts, SIL
//! OFL 1.1), as wide as Helvetica letter for letter but with Latin
//! Extended-A/B, Cyrillic and Greek, so that Łukasz Świątek or Олена
//! Коваленко gets a letter instead of a caseworker's call. Each PDF carries
//! only the glyphs its letters use, with a ToUnicode map so that the text
//! copied or extracted from it reads as written.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};
use subsetter::GlyphRemapper;
use ttf_parser::{Face, GlyphId};
use unicode_normalization::UnicodeNormalization;

use super::LetterError;
use crate::printable::text::MM_PER_PT;

static REGULAR_TTF: &[u8] = include_bytes!("../../fonts/LiberationSans-Regular.ttf");
static BOLD_TTF: &[u8] = include_bytes!("../../fonts/LiberationSans-Bold.ttf");

static REGULAR: LazyLock<Face<'static>> = LazyLock::new(|| parse(REGULAR_TTF));
static BOLD: LazyLock<Face<'static>> = LazyLock::new(|| parse(BOLD_TTF));

fn parse(bytes: &'static [u8]) -> Face<'static> {
    // The files are built into the binary and a test parses both: a
    // failure here is a broken build, not bad input.
    Face::parse(bytes, 0).expect("the letter font built into the binary parses")
}

/// The two faces a letter is set in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Weight {
    Regular,
    Bold,
}

impl Weight {
    pub const ALL: [Weight; 2] = [Weight::Regular, Weight::Bold];

    fn face(self) -> &'static Face<'static> {
        match self {
            Weight::Regular => &REGULAR,
            Weight::Bold => &BOLD,
        }
    }

    fn file(self) -> &'static [u8] {
        match self {
            Weight::Regular => REGULAR_TTF,
            Weight::Bold => BOLD_TTF,
        }
    }

    /// The resource name the page content refers to the font by.
    pub fn resource(self) -> &'static str {
        match self {
            Weight::Regular => "L1",
            Weight::Bold => "L2",
        }
    }

    fn postscript_name(self) -> &'static str {
        match self {
            Weight::Regular => "LiberationSans",
            Weight::Bold => "LiberationSans-Bold",
        }
    }

    fn index(self) -> usize {
        self as usize
    }

    /// A length in font units as thousandths of the font size, as PDF
    /// widths and descriptors count.
    fn thousandths(self, units: i32) -> i64 {
        let per_em = f64::from(self.face().units_per_em());
        (f64::from(units) * 1000.0 / per_em).round() as i64
    }

    /// Width of `text` set at `size_pt`, in millimetres, from the font's
    /// own advance widths (no kerning: the PDF sets none either).
    pub fn width_mm(self, text: &str, size_pt: f64) -> f64 {
        let face = self.face();
        let units: u32 = text
            .nfc()
            .filter_map(|c| face.glyph_index(c))
            .filter_map(|glyph| face.glyph_hor_advance(glyph))
            .map(u32::from)
            .sum();
        f64::from(units) / f64::from(face.units_per_em()) * size_pt * MM_PER_PT
    }
}

/// Whether both faces have a glyph for every character of `text`, once
/// composed (an `s` with a combining comma below is `ș`).
pub fn has_glyphs(text: &str) -> bool {
    text.nfc().all(|c| {
        Weight::ALL
            .iter()
            .all(|weight| weight.face().glyph_index(c).is_some_and(|g| g.0 != 0))
    })
}

/// The glyphs one PDF sets, per weight, numbered as its font subsets
/// number them: a glyph's number in the subset is its code in the content
/// (two bytes, Identity-H) and its CID.
#[derive(Default)]
pub struct Glyphs {
    used: [Used; 2],
}

#[derive(Default)]
struct Used {
    remapper: GlyphRemapper,
    /// What each glyph of the subset stands for, for the ToUnicode map.
    text: BTreeMap<u16, char>,
}

impl Glyphs {
    pub fn new() -> Glyphs {
        Glyphs::default()
    }

    /// `text` as the codes of its glyphs in `weight`. A character the
    /// font has no glyph for is an error: it would print as a blank box.
    pub fn encode(&mut self, weight: Weight, text: &str) -> Result<Vec<u8>, LetterError> {
        let face = weight.face();
        let used = &mut self.used[weight.index()];
        let mut codes = Vec::with_capacity(text.len() * 2);
        for c in text.nfc() {
            let glyph = face
                .glyph_index(c)
                .filter(|g| g.0 != 0)
                .ok_or(LetterError::NoGlyph(c))?;
            let code = used.remapper.remap(glyph.0);
            used.text.entry(code).or_insert(c);
            codes.extend_from_slice(&code.to_be_bytes());
        }
        Ok(codes)
    }

    /// Adds the subset fonts to `doc`; returns the `Font` resources.
    pub fn add_fonts(self, doc: &mut Document) -> Result<Dictionary, LetterError> {
        let mut fonts = Dictionary::new();
        for (weight, used) in Weight::ALL.into_iter().zip(self.used) {
            if used.remapper.num_gids() > 1 {
                let font = add_font(doc, weight, &used)?;
                fonts.set(weight.resource(), font);
            }
        }
        Ok(fonts)
    }
}

/// One weight as a Type0 font over a CIDFontType2 with the subset as its
/// FontFile2; the subset's glyph numbers are the CIDs.
fn add_font(doc: &mut Document, weight: Weight, used: &Used) -> Result<ObjectId, LetterError> {
    let face = weight.face();
    let file = subsetter::subset(weight.file(), 0, &used.remapper)?;
    let length = file.len() as i64;
    let file = doc.add_object(Stream::new(dictionary! { "Length1" => length }, file));

    // Old glyph numbers in the order of the new ones.
    let old: Vec<u16> = used.remapper.remapped_gids().collect();
    let name = format!("{}+{}", subset_tag(&old), weight.postscript_name());
    let widths: Vec<Object> = old
        .iter()
        .map(|&g| {
            let advance = face.glyph_hor_advance(GlyphId(g)).unwrap_or(0);
            weight.thousandths(i32::from(advance)).into()
        })
        .collect();
    let bbox = face.global_bounding_box();
    let scaled = |units: i16| weight.thousandths(i32::from(units));
    let descriptor = doc.add_object(dictionary! {
        "Type" => "FontDescriptor",
        "FontName" => Object::Name(name.clone().into_bytes()),
        // Symbolic: the glyphs go beyond the standard Latin set.
        "Flags" => 4,
        "FontBBox" => vec![
            scaled(bbox.x_min).into(),
            scaled(bbox.y_min).into(),
            scaled(bbox.x_max).into(),
            scaled(bbox.y_max).into(),
        ],
        "ItalicAngle" => 0,
        "Ascent" => scaled(face.ascender()),
        "Descent" => scaled(face.descender()),
        "CapHeight" => scaled(face.capital_height().unwrap_or(face.ascender())),
        "StemV" => match weight { Weight::Regular => 80, Weight::Bold => 140 },
        "FontFile2" => file,
    });
    let cid_font = doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "CIDFontType2",
        "BaseFont" => Object::Name(name.clone().into_bytes()),
        "CIDSystemInfo" => dictionary! {
            "Registry" => Object::string_literal("Adobe"),
            "Ordering" => Object::string_literal("Identity"),
            "Supplement" => 0,
        },
        "FontDescriptor" => descriptor,
        "W" => vec![0.into(), Object::Array(widths)],
        "CIDToGIDMap" => "Identity",
    });
    let to_unicode = doc.add_object(Stream::new(Dictionary::new(), to_unicode(&used.text)));
    Ok(doc.add_object(dictionary! {
        "Type" => "Font",
        "Subtype" => "Type0",
        "BaseFont" => Object::Name(name.into_bytes()),
        "Encoding" => "Identity-H",
        "DescendantFonts" => vec![cid_font.into()],
        "ToUnicode" => to_unicode,
    }))
}

/// The six capitals before a subset's name, which PDF asks to differ
/// between different subsets of a font; taken from the glyphs it holds,
/// so the same letters give the same PDF.
fn subset_tag(glyphs: &[u16]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for glyph in glyphs {
        for byte in glyph.to_be_bytes() {
            hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    (0..6)
        .map(|i| char::from(b'A' + ((hash >> (i * 8)) % 26) as u8))
        .collect()
}

/// The ToUnicode CMap: each code to the character it was set for, in
/// UTF-16BE as PDF wants.
fn to_unicode(text: &BTreeMap<u16, char>) -> Vec<u8> {
    let mut cmap = String::from(
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n\
         /CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n\
         /CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n\
         1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n",
    );
    let pairs: Vec<(&u16, &char)> = text.iter().collect();
    // A bfchar block holds at most 100 entries.
    for block in pairs.chunks(100) {
        cmap.push_str(&format!("{} beginbfchar\n", block.len()));
        for (code, c) in block {
            let utf16: String = c
                .encode_utf16(&mut [0; 2])
                .iter()
                .map(|unit| format!("{unit:04X}"))
                .collect();
            cmap.push_str(&format!("<{code:04X}> <{utf16}>\n"));
        }
        cmap.push_str("endbfchar\n");
    }
    cmap.push_str("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n");
    cmap.into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printable::text::Font;

    #[test]
    fn both_faces_parse_and_cover_the_scripts_of_the_names_we_meet() {
        for text in [
            "Łukasz Świątek",
            "Žofie Řezníčková",
            "Ștefan Țăranu",
            "Ģirts Ļaudis Šūmane",
            "Ağaoğlu Işıl Şahin",
            "Олена Коваленко",
            "Γιώργος Παπαδόπουλος",
            "Åsa Öberg-Niemi",
        ] {
            assert!(has_glyphs(text), "{text}");
        }
        for text in ["أمل حداد", "王小明", "Kauppakatu\t12"] {
            assert!(!has_glyphs(text), "{text}");
        }
    }

    #[test]
    fn a_decomposed_letter_is_set_as_its_composed_glyph() {
        // "ș" typed as s + combining comma below.
        let decomposed = "s\u{326}";
        assert!(has_glyphs(decomposed));
        let mut glyphs = Glyphs::new();
        let codes = glyphs.encode(Weight::Regular, decomposed).unwrap();
        assert_eq!(codes.len(), 2, "one glyph");
        assert_eq!(glyphs.used[0].text.values().next(), Some(&'ș'));
    }

    #[test]
    fn widths_match_helvetica_where_both_have_the_letter() {
        // Liberation Sans is metric-compatible with Helvetica: the paper
        // form's AFM widths hold for the letter's Latin text too.
        for (weight, font) in [(Weight::Regular, Font::Regular), (Weight::Bold, Font::Bold)] {
            let text = "Työllisyyspalvelut Vaasa, Kauppapuistikko 22";
            let ours = weight.width_mm(text, 10.0);
            assert!(
                (ours - font.width_mm(text, 10.0)).abs() < 0.05,
                "{weight:?}"
            );
        }
        assert!(Weight::Regular.width_mm("Ł", 10.0) > Weight::Regular.width_mm("l", 10.0));
    }

    #[test]
    fn a_glyph_the_font_lacks_is_an_error_not_a_box() {
        let mut glyphs = Glyphs::new();
        assert!(matches!(
            glyphs.encode(Weight::Regular, "Amal أمل"),
            Err(LetterError::NoGlyph('أ'))
        ));
    }

    #[test]
    fn the_unicode_map_spells_each_code() {
        let text = BTreeMap::from([(1, 'Ł'), (2, 'а'), (3, '𝐀')]);
        let cmap = String::from_utf8(to_unicode(&text)).unwrap();
        assert!(cmap.contains("3 beginbfchar\n<0001> <0141>\n<0002> <0430>\n<0003> <D835DC00>\n"));
    }
}
