//! The typefaces samples are written in: printed ones for forms filled in on
//! a computer and letters from a printer, handwriting-like ones for forms
//! filled in by pen. All come from Debian font packages, found by path.

use std::path::Path;
use std::sync::Arc;

use ab_glyph::{Font, FontArc};

use super::SamplesError;

/// How a form was filled in: typed and printed, or by hand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FontClass {
    Printed,
    Handwriting,
}

/// Name, then the paths it may have (Debian moved Liberation between
/// packages), then the package that ships it.
type Candidate = (&'static str, &'static [&'static str], &'static str);

const PRINTED: &[Candidate] = &[
    (
        "DejaVu Sans",
        &["/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"],
        "fonts-dejavu-core",
    ),
    (
        "Liberation Sans",
        &[
            "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        ],
        "fonts-liberation2",
    ),
    (
        "DejaVu Sans Mono",
        &["/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"],
        "fonts-dejavu-core",
    ),
    (
        "Liberation Serif",
        &[
            "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSerif-Regular.ttf",
        ],
        "fonts-liberation2",
    ),
];

/// Not femkeklaver: its letters are hollow outlines, like no pen writes.
/// Every other handwriting-style font Debian packages with Latin capitals.
/// The first four are the hands the reader was tuned on before issue 12.
const HANDWRITING: &[Candidate] = &[
    (
        "Humor Sans",
        &["/usr/share/fonts/truetype/humor-sans/Humor-Sans.ttf"],
        "fonts-humor-sans",
    ),
    (
        "DkgHandwriting",
        &["/usr/share/fonts/truetype/fifthhorseman/dkg.ttf"],
        "fonts-dkg-handwriting",
    ),
    (
        "Breip",
        &["/usr/share/fonts/truetype/breip/Breip.ttf"],
        "fonts-breip",
    ),
    (
        "Comic Neue",
        &["/usr/share/fonts/opentype/comic-neue/ComicNeue-Regular.otf"],
        "fonts-comic-neue",
    ),
    (
        "Because We Build",
        &["/usr/share/fonts/opentype/bwht/BecauseWeBuild-Regular.otf"],
        "fonts-bwht",
    ),
    (
        "Because We Connect",
        &["/usr/share/fonts/opentype/bwht/BecauseWeConnect-Regular.otf"],
        "fonts-bwht",
    ),
    (
        "Because We Create",
        &["/usr/share/fonts/opentype/bwht/BecauseWeCreate-Regular.otf"],
        "fonts-bwht",
    ),
    (
        "Because We Learn",
        &["/usr/share/fonts/opentype/bwht/BecauseWeLearn-Regular.otf"],
        "fonts-bwht",
    ),
    (
        "Because We Mentor",
        &["/usr/share/fonts/opentype/bwht/BecauseWeMentor-Regular.otf"],
        "fonts-bwht",
    ),
    (
        "Because We Organize",
        &["/usr/share/fonts/opentype/bwht/BecauseWeOrganize-Regular.otf"],
        "fonts-bwht",
    ),
    (
        "Delphine",
        &["/usr/share/fonts/truetype/sjfonts/Delphine.ttf"],
        "fonts-sjfonts",
    ),
    (
        "Steve Hand",
        &["/usr/share/fonts/truetype/sjfonts/SteveHand.ttf"],
        "fonts-sjfonts",
    ),
    (
        "Rufscript",
        &["/usr/share/fonts/truetype/rufscript/Rufscript010.ttf"],
        "fonts-rufscript",
    ),
    (
        "Dancing Script",
        &["/usr/share/fonts/opentype/dancingscript/DancingScript-Regular.otf"],
        "fonts-dancingscript",
    ),
    (
        "Kristi",
        &["/usr/share/fonts/truetype/kristi/Kristi.ttf"],
        "fonts-kristi",
    ),
    (
        "Kaushan Script",
        &["/usr/share/fonts/opentype/kaushanscript/KaushanScript-Regular.otf"],
        "fonts-kaushanscript",
    ),
];

/// The handwriting fonts the reader may be tuned on; the rest
/// ([`HandSet::Untuned`]) are only ever measured, so that `bench accuracy`
/// shows how the reader does on hands it was not fitted to. A fixed split:
/// the four older hands, and of each newer package about half.
const TUNED: &[&str] = &[
    "Humor Sans",
    "DkgHandwriting",
    "Breip",
    "Comic Neue",
    "Because We Build",
    "Because We Connect",
    "Delphine",
    "Dancing Script",
];

/// Which handwriting fonts a run uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HandSet {
    #[default]
    All,
    Tuned,
    Untuned,
}

impl HandSet {
    /// The half a handwriting font belongs to.
    pub fn of(font: &str) -> HandSet {
        if TUNED.contains(&font) {
            HandSet::Tuned
        } else {
            HandSet::Untuned
        }
    }

    fn holds(self, font: &str) -> bool {
        self == HandSet::All || HandSet::of(font) == self
    }
}

impl std::str::FromStr for HandSet {
    type Err = String;

    fn from_str(s: &str) -> Result<HandSet, String> {
        match s {
            "all" => Ok(HandSet::All),
            "tuned" => Ok(HandSet::Tuned),
            "untuned" => Ok(HandSet::Untuned),
            other => Err(format!("{other:?}: expected all, tuned or untuned")),
        }
    }
}

/// Everything a form or a letter may need, Swedish and Finnish letters
/// included; a font missing any of them is not used.
const NEEDED: &str =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÅÄÖÉÜabcdefghijklmnopqrstuvwxyzåäöéü0123456789+-.,:@/!?()";

/// The Debian packages the generator reads fonts from.
pub const PACKAGES: &[&str] = &[
    "fonts-dejavu-core",
    "fonts-liberation2",
    "fonts-humor-sans",
    "fonts-dkg-handwriting",
    "fonts-breip",
    "fonts-comic-neue",
    "fonts-bwht",
    "fonts-sjfonts",
    "fonts-rufscript",
    "fonts-dancingscript",
    "fonts-kristi",
    "fonts-kaushanscript",
];

#[derive(Clone)]
pub struct Typeface {
    pub name: &'static str,
    pub font: FontArc,
    /// Height of a capital over the font's pixel scale (ab_glyph's
    /// `PxScale`): scales glyphs so that capitals come out as tall as asked
    /// whatever the font's design.
    pub cap_ratio: f32,
    /// Stroke width over capital height: thin fonts are thickened to the
    /// width of the pen that is supposed to have written them.
    pub stem_ratio: f32,
}

impl Typeface {
    /// The `PxScale` that gives capitals `cap_px` tall.
    pub fn em_for_cap(&self, cap_px: f32) -> f32 {
        cap_px / self.cap_ratio
    }
}

#[derive(Clone)]
pub struct Fonts {
    pub printed: Arc<Vec<Typeface>>,
    pub handwriting: Arc<Vec<Typeface>>,
}

impl Fonts {
    /// Loads every installed candidate that covers `NEEDED`; at least one
    /// of each class must load, else the error names the packages.
    pub fn load(hands: HandSet) -> Result<Fonts, SamplesError> {
        let printed = load_class(PRINTED);
        let mut handwriting = load_class(HANDWRITING);
        handwriting.retain(|face| hands.holds(face.name));
        if printed.is_empty() || handwriting.is_empty() {
            return Err(SamplesError::Fonts(format!(
                "need at least one printed and one handwriting font; install {}",
                PACKAGES.join(" ")
            )));
        }
        Ok(Fonts {
            printed: Arc::new(printed),
            handwriting: Arc::new(handwriting),
        })
    }

    pub fn class(&self, class: FontClass) -> &[Typeface] {
        match class {
            FontClass::Printed => &self.printed,
            FontClass::Handwriting => &self.handwriting,
        }
    }
}

fn load_class(candidates: &[Candidate]) -> Vec<Typeface> {
    candidates
        .iter()
        .filter_map(|(name, paths, _)| {
            let path = paths.iter().map(Path::new).find(|p| p.exists())?;
            let font = FontArc::try_from_vec(std::fs::read(path).ok()?).ok()?;
            let has = |c: char| font.glyph_id(c).0 != 0;
            // Accents the font lacks are drawn by pen over the base letter.
            let covers = NEEDED
                .chars()
                .all(|c| has(c) || super::ink::decompose(c).is_some_and(|(base, _)| has(base)));
            if !covers {
                tracing::debug!(font = name, "skipped: lacks a needed character");
                return None;
            }
            let cap_ratio = cap_ratio(&font)?;
            let stem_ratio = stem_ratio(&font, cap_ratio)?;
            Some(Typeface {
                name,
                font,
                cap_ratio,
                stem_ratio,
            })
        })
        .collect()
}

/// The stroke width of `O` at a capital height of 100 px, over 100: its
/// ink area over the length of the ring's middle line.
fn stem_ratio(font: &FontArc, cap_ratio: f32) -> Option<f32> {
    let cap = 100.0;
    let glyph = font
        .glyph_id('O')
        .with_scale_and_position(cap / cap_ratio, ab_glyph::point(0.0, 0.0));
    let outlined = font.outline_glyph(glyph)?;
    let mut area = 0.0;
    outlined.draw(|_, _, c| area += c);
    let bounds = outlined.px_bounds();
    let (w, h) = (bounds.width(), bounds.height());
    // Solve area = stem * pi * ((w - stem) + (h - stem)) / 2 for stem.
    let mut stem = 5.0;
    for _ in 0..20 {
        stem = area / (std::f32::consts::PI * ((w - stem) + (h - stem)) / 2.0);
    }
    Some(stem / cap)
}

/// Capital height over the pixel scale, from the ink of several capitals as
/// drawn (some fonts' stored glyph boxes are far larger than their ink),
/// the median so that one letter with a flourish does not count.
fn cap_ratio(font: &FontArc) -> Option<f32> {
    let em = 100.0;
    let mut heights: Vec<f32> = "EFHKLMNTXZ"
        .chars()
        .filter_map(|c| {
            let glyph = font
                .glyph_id(c)
                .with_scale_and_position(em, ab_glyph::point(0.0, 0.0));
            let outlined = font.outline_glyph(glyph)?;
            let (mut top, mut bottom) = (u32::MAX, 0);
            outlined.draw(|_, y, coverage| {
                if coverage > 0.5 {
                    top = top.min(y);
                    bottom = bottom.max(y);
                }
            });
            (bottom >= top).then(|| (bottom - top + 1) as f32)
        })
        .collect();
    heights.sort_by(f32::total_cmp);
    Some(*heights.get(heights.len() / 2)? / em)
}
