//! The typographic rules shared by the layout and the drawing: what text a
//! field carries on paper, in which font and size, and how much room it
//! takes. The layout reserves exactly the room the drawing then fills, so
//! both must ask this module rather than measure on their own.

use intake_core::form::{ChoiceOption, FieldDef, FieldType};
use intake_core::i18n::Text;

use super::text::{Font, MM_PER_PT, wrap};

/// Field label, "sv / fi", bold.
pub const LABEL_PT: f64 = 8.5;
/// The English label after it, small and grey.
pub const LABEL_EN_PT: f64 = 6.5;
/// Room from the top of a field's block to the top of its box.
pub const LABEL_H: f64 = 4.4;
/// Baseline of the label, from the top of the block.
pub const LABEL_BASELINE: f64 = 3.0;
pub const HINT_PT: f64 = 6.5;
/// Hints beside a comb: three stacked lines (sv, fi, en) fit its height.
pub const HINT_LEADING: f64 = 2.55;
pub const HINT_GAP: f64 = 3.0;
pub const OPTION_PT: f64 = 8.0;
pub const OPTION_EN_PT: f64 = 6.5;
/// Consent: the statement itself is the label, set larger than options.
pub const CONSENT_PT: f64 = 8.5;
pub const CONSENT_EN_PT: f64 = 7.0;
pub const GREY: f64 = 0.35;
/// Checkboxes: big enough for a firm cross.
pub const CHECK: f64 = 5.0;
/// From a checkbox to its label.
pub const CHECK_TEXT_GAP: f64 = 1.8;
/// Helvetica's capital height and descender, in units of the font size.
const CAP_HEIGHT: f64 = 0.718;
const DESCENT: f64 = 0.21;

/// One line of text to set: font, size and words.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub font: Font,
    pub size_pt: f64,
    pub text: String,
    pub grey: bool,
}

impl Line {
    pub fn new(font: Font, size_pt: f64, text: impl Into<String>, grey: bool) -> Line {
        Line {
            font,
            size_pt,
            text: text.into(),
            grey,
        }
    }

    pub fn width_mm(&self) -> f64 {
        self.font.width_mm(&self.text, self.size_pt)
    }

    /// Distance from the line above to this line's baseline.
    pub fn leading_mm(&self) -> f64 {
        self.size_pt * 1.15 * MM_PER_PT
    }
}

/// Baselines for lines stacked beside a checkbox whose top is at `top`:
/// the first line's capitals centred on the box, the rest below it.
pub fn stack(lines: &[Line], top: f64) -> Vec<f64> {
    let mut baselines = Vec::with_capacity(lines.len());
    for line in lines {
        let baseline = match baselines.last() {
            None => top + CHECK / 2.0 + line.size_pt * CAP_HEIGHT * MM_PER_PT / 2.0,
            Some(previous) => previous + line.leading_mm(),
        };
        baselines.push(baseline);
    }
    baselines
}

/// Height from `top` to below the last line's descenders, at least a box.
pub fn stack_height(lines: &[Line]) -> f64 {
    let bottom = match (stack(lines, 0.0).last(), lines.last()) {
        (Some(baseline), Some(line)) => baseline + line.size_pt * DESCENT * MM_PER_PT,
        _ => 0.0,
    };
    bottom.max(CHECK)
}

/// "Personbeteckning / Henkilötunnus *": sv first, then fi; the star marks
/// a required field (explained in the header).
pub fn label_main(field: &FieldDef) -> Line {
    let star = if field.required { " *" } else { "" };
    let text = format!("{} / {}{star}", field.label.sv, field.label.fi);
    Line::new(Font::Bold, LABEL_PT, text, false)
}

pub fn label_en(field: &FieldDef) -> Line {
    Line::new(Font::Oblique, LABEL_EN_PT, field.label.en.clone(), true)
}

/// Gap between the sv/fi label and the English one on the same line.
pub const LABEL_EN_GAP: f64 = 2.0;

pub fn label_width(field: &FieldDef) -> f64 {
    label_main(field).width_mm() + LABEL_EN_GAP + label_en(field).width_mm()
}

/// Where a field's hint goes: beside a comb (which leaves room on its
/// right), otherwise right-aligned on the label line.
pub fn hint_beside(field: &FieldDef) -> bool {
    comb_slots(field.field_type).is_some()
}

/// A comb's hint, one line per language.
pub fn hint_lines(hint: &Text) -> [Line; 3] {
    [
        Line::new(Font::Regular, HINT_PT, hint.sv.clone(), true),
        Line::new(Font::Regular, HINT_PT, hint.fi.clone(), true),
        Line::new(Font::Oblique, HINT_PT, hint.en.clone(), true),
    ]
}

pub fn hint_inline(hint: &Text) -> Line {
    let text = format!("{} / {} / {}", hint.sv, hint.fi, hint.en);
    Line::new(Font::Regular, HINT_PT, text, true)
}

/// Room the hint takes on its own line or beside its comb; 0 without one.
pub fn hint_width(field: &FieldDef) -> f64 {
    match &field.hint {
        None => 0.0,
        Some(hint) if hint_beside(field) => hint_lines(hint)
            .iter()
            .map(Line::width_mm)
            .fold(0.0, f64::max),
        Some(hint) => hint_inline(hint).width_mm(),
    }
}

/// An option's label beside its checkbox: sv, fi, then en in small grey.
pub fn option_lines(option: &ChoiceOption) -> [Line; 3] {
    [
        Line::new(Font::Regular, OPTION_PT, option.label.sv.clone(), false),
        Line::new(Font::Regular, OPTION_PT, option.label.fi.clone(), false),
        Line::new(Font::Oblique, OPTION_EN_PT, option.label.en.clone(), true),
    ]
}

pub fn option_text_width(option: &ChoiceOption) -> f64 {
    option_lines(option)
        .iter()
        .map(Line::width_mm)
        .fold(0.0, f64::max)
}

/// A consent statement beside its single checkbox, wrapped to `width` mm:
/// sv in bold, fi, then en in small grey.
pub fn consent_lines(field: &FieldDef, width: f64) -> Vec<Line> {
    let star = if field.required { " *" } else { "" };
    let parts = [
        (
            Font::Bold,
            CONSENT_PT,
            format!("{}{star}", field.label.sv),
            false,
        ),
        (
            Font::Bold,
            CONSENT_PT,
            format!("{}{star}", field.label.fi),
            false,
        ),
        (Font::Oblique, CONSENT_EN_PT, field.label.en.clone(), true),
    ];
    parts
        .into_iter()
        .flat_map(|(font, size, text, grey)| {
            wrap(&text, font, size, width)
                .into_iter()
                .map(move |line| Line::new(font, size, line, grey))
        })
        .collect()
}

/// The comb of a field type: how many character slots it has and which of
/// them are printed separators rather than boxes. A date is ten slots,
/// `DD.MM.YYYY`, whose third and sixth carry a printed dot: eight digit
/// cells, and typed `06.04.2020` lines up with them in a comb text field.
pub fn comb_slots(field_type: FieldType) -> Option<(usize, &'static [usize])> {
    match field_type {
        FieldType::Hetu => Some((11, &[])),
        FieldType::PostalCode => Some((5, &[])),
        // "+358401234567" is 13 characters; "040 123 4567" fits too.
        FieldType::Phone => Some((13, &[])),
        FieldType::Date => Some((10, &[2, 5])),
        // ISO 3166-1 alpha-2: two letters.
        FieldType::Country => Some((2, &[])),
        _ => None,
    }
}
