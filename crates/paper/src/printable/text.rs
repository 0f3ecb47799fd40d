//! Text for the standard PDF fonts: WinAnsi encoding (so that å ä ö Å Ä Ö
//! print as themselves) and Helvetica metrics, which the layout needs to
//! know how much room a label takes before anything is drawn.

/// The standard fonts the form uses; all are built into every PDF viewer,
/// so nothing is embedded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Font {
    Regular,
    Bold,
    Oblique,
    /// Fixed width, for the serial: every character is told apart by shape.
    Mono,
}

impl Font {
    pub const ALL: [Font; 4] = [Font::Regular, Font::Bold, Font::Oblique, Font::Mono];

    /// The resource name the page content refers to the font by.
    pub fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
            Font::Oblique => "F3",
            Font::Mono => "F4",
        }
    }

    pub fn base_font(self) -> &'static str {
        match self {
            Font::Regular => "Helvetica",
            Font::Bold => "Helvetica-Bold",
            Font::Oblique => "Helvetica-Oblique",
            Font::Mono => "Courier-Bold",
        }
    }

    /// Advance width of one WinAnsi byte in thousandths of the font size.
    fn advance(self, byte: u8) -> u16 {
        if byte < 32 {
            return 0;
        }
        match self {
            Font::Regular | Font::Oblique => HELVETICA[usize::from(byte - 32)],
            Font::Bold => HELVETICA_BOLD[usize::from(byte - 32)],
            Font::Mono => 600,
        }
    }

    /// Width of `text` set at `size_pt`, in millimetres.
    pub fn width_mm(self, text: &str, size_pt: f64) -> f64 {
        let units: u32 = win_ansi(text)
            .iter()
            .map(|&b| u32::from(self.advance(b)))
            .sum();
        f64::from(units) / 1000.0 * size_pt * MM_PER_PT
    }
}

pub const MM_PER_PT: f64 = 25.4 / 72.0;

/// Encodes text as WinAnsi (Windows-1252) bytes. Characters outside it
/// become `?`: a visible flaw beats a silently dropped letter.
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|c| match u32::from(c) {
            code @ (0x20..=0x7E | 0xA0..=0xFF) => code as u8,
            _ => WIN_ANSI_HIGH
                .iter()
                .position(|&u| u == c)
                .map_or(b'?', |i| 0x80 + i as u8),
        })
        .collect()
}

/// Breaks `text` into lines no wider than `max_mm`; a single word wider than
/// that keeps its own line rather than being cut.
pub fn wrap(text: &str, font: Font, size_pt: f64, max_mm: f64) -> Vec<String> {
    wrap_by(text, max_mm, |line| font.width_mm(line, size_pt))
}

/// [`wrap`] for any font: `width_mm` measures a line as it will be set.
pub fn wrap_by(text: &str, max_mm: f64, width_mm: impl Fn(&str) -> f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_string()
        } else {
            format!("{current} {word}")
        };
        if current.is_empty() || width_mm(&candidate) <= max_mm {
            current = candidate;
        } else {
            lines.push(std::mem::replace(&mut current, word.to_string()));
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Windows-1252 bytes 0x80..=0x9F; `\0` marks the five unused codes.
const WIN_ANSI_HIGH: [char; 32] = [
    '€', '\0', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\0', 'Ž', '\0', '\0', '‘',
    '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\0', 'ž', 'Ÿ',
];

/// Helvetica (and Helvetica-Oblique) advance widths for WinAnsi 32..=255,
/// from Adobe's AFM files.
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
    611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
    222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
    0, 556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 222, 222,
    333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    260, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 556, 537, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, 556, 556,
    556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500,
];

/// Helvetica-Bold advance widths for WinAnsi 32..=255.
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
    556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, 975, 722, 722, 722, 722, 667,
    611, 778, 722, 278, 556, 722, 611, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
    667, 611, 333, 278, 333, 584, 556, 333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556,
    278, 889, 611, 611, 611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
    0, 556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0, 0, 278, 278,
    500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667, 278, 333, 556, 556, 556, 556,
    280, 556, 333, 737, 370, 556, 584, 333, 737, 333, 400, 584, 333, 333, 333, 611, 556, 278, 333,
    333, 365, 556, 834, 834, 834, 611, 722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667,
    278, 278, 278, 278, 722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667,
    611, 556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, 611, 611,
    611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nordic_letters_encode_to_their_win_ansi_codes() {
        assert_eq!(win_ansi("åäöÅÄÖ"), vec![0xE5, 0xE4, 0xF6, 0xC5, 0xC4, 0xD6]);
        assert_eq!(win_ansi("a–b€"), vec![b'a', 0x96, b'b', 0x80]);
        assert_eq!(win_ansi("ł"), vec![b'?']);
    }

    #[test]
    fn widths_follow_the_afm_metrics() {
        // "Ä" is as wide as "A"; 10 pt of 1000 units is 10 pt = 3.528 mm.
        assert!((Font::Regular.width_mm("Ä", 10.0) - 0.667 * 10.0 * MM_PER_PT).abs() < 1e-9);
        assert!(Font::Bold.width_mm("Työnhaun", 9.0) > Font::Regular.width_mm("Työnhaun", 9.0));
        assert!((Font::Mono.width_mm("AB", 10.0) - 1.2 * 10.0 * MM_PER_PT).abs() < 1e-9);
    }

    #[test]
    fn wrapping_keeps_words_whole() {
        let lines = wrap(
            "Suostun siihen, että minuun otetaan yhteyttä",
            Font::Regular,
            9.0,
            30.0,
        );
        assert!(lines.len() > 1);
        assert_eq!(
            lines.join(" "),
            "Suostun siihen, että minuun otetaan yhteyttä"
        );
        for line in &lines {
            assert!(Font::Regular.width_mm(line, 9.0) <= 30.0 || !line.contains(' '));
        }
    }
}
