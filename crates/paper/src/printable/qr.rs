//! What the QR code on every printed page says, and its modules.
//!
//! The payload is one line of ASCII, five fields joined by `|`:
//! `INTAKE1|<form id>|<version>|p<page>|<serial>`, for example
//! `INTAKE1|jobseeker-start|1|p1|K7PX3MWH2A`. `INTAKE1` names this format
//! (a later one changes the number); the page is 1-based within one copy;
//! the serial names the printed copy, the same on each of its pages. It
//! stays under 42 bytes for short form ids, a version 3 symbol at error
//! correction level M.

use std::fmt;
use std::str::FromStr;

use qrcode::{Color, EcLevel, QrCode};

use super::PaperError;
use super::serial::is_serial;

pub const QR_FORMAT: &str = "INTAKE1";

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QrPayload {
    pub form: String,
    pub version: u32,
    pub page: u32,
    pub serial: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrPayloadError {
    #[error("not an intake form code (expected {QR_FORMAT}|form|version|pPAGE|SERIAL)")]
    NotOurs,
    #[error("the form code has a malformed {0}")]
    Malformed(&'static str),
}

impl QrPayload {
    /// Reads a payload as decoded from a scan. Strict: anything else on the
    /// page (another form's code, a web address) is refused, not guessed at.
    pub fn parse(text: &str) -> Result<QrPayload, QrPayloadError> {
        let parts: Vec<&str> = text.trim().split('|').collect();
        let [format, form, version, page, serial] = parts[..] else {
            return Err(QrPayloadError::NotOurs);
        };
        if format != QR_FORMAT {
            return Err(QrPayloadError::NotOurs);
        }
        if !is_form_id(form) {
            return Err(QrPayloadError::Malformed("form id"));
        }
        let number = |s: &str| {
            s.parse::<u32>()
                .ok()
                .filter(|n| *n > 0 && !s.starts_with('+'))
        };
        let version = number(version).ok_or(QrPayloadError::Malformed("version"))?;
        let page = page
            .strip_prefix('p')
            .and_then(number)
            .ok_or(QrPayloadError::Malformed("page"))?;
        if !is_serial(serial) {
            return Err(QrPayloadError::Malformed("serial"));
        }
        Ok(QrPayload {
            form: form.to_string(),
            version,
            page,
            serial: serial.to_string(),
        })
    }

    /// The symbol's modules, row by row, `true` for dark; and its width.
    pub fn modules(&self) -> Result<(Vec<bool>, usize), PaperError> {
        let code = QrCode::with_error_correction_level(self.to_string(), EcLevel::M)?;
        let dark = code
            .to_colors()
            .into_iter()
            .map(|c| c == Color::Dark)
            .collect();
        Ok((dark, code.width()))
    }
}

impl fmt::Display for QrPayload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let QrPayload {
            form,
            version,
            page,
            serial,
        } = self;
        write!(f, "{QR_FORMAT}|{form}|{version}|p{page}|{serial}")
    }
}

impl FromStr for QrPayload {
    type Err = QrPayloadError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        QrPayload::parse(s)
    }
}

/// Form ids as files are named: printable ASCII without `|` or spaces.
pub fn is_form_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.bytes().all(|b| b.is_ascii_graphic() && b != b'|')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> QrPayload {
        QrPayload {
            form: "jobseeker-start".into(),
            version: 1,
            page: 2,
            serial: "K7PX3MWH2A".into(),
        }
    }

    #[test]
    fn the_payload_round_trips_through_its_text() {
        let text = sample().to_string();
        assert_eq!(text, "INTAKE1|jobseeker-start|1|p2|K7PX3MWH2A");
        assert_eq!(QrPayload::parse(&text), Ok(sample()));
        assert_eq!(text.parse::<QrPayload>(), Ok(sample()));
    }

    #[test]
    fn foreign_or_damaged_codes_are_refused() {
        for text in [
            "https://example.org/",
            "INTAKE2|jobseeker-start|1|p1|K7PX3MWH2A",
            "INTAKE1|jobseeker-start|1|p1",
            "INTAKE1|jobseeker-start|1|p1|K7PX3MWH2A|x",
        ] {
            assert_eq!(
                QrPayload::parse(text),
                Err(QrPayloadError::NotOurs),
                "{text}"
            );
        }
        for (text, part) in [
            ("INTAKE1||1|p1|K7PX3MWH2A", "form id"),
            ("INTAKE1|jobseeker-start|0|p1|K7PX3MWH2A", "version"),
            ("INTAKE1|jobseeker-start|+1|p1|K7PX3MWH2A", "version"),
            ("INTAKE1|jobseeker-start|1|1|K7PX3MWH2A", "page"),
            ("INTAKE1|jobseeker-start|1|p0|K7PX3MWH2A", "page"),
            ("INTAKE1|jobseeker-start|1|p1|k7px3mwh2a", "serial"),
            ("INTAKE1|jobseeker-start|1|p1|K7PX3MWH2O", "serial"),
        ] {
            assert_eq!(
                QrPayload::parse(text),
                Err(QrPayloadError::Malformed(part)),
                "{text}"
            );
        }
    }

    #[test]
    fn the_payload_fits_a_small_symbol() {
        let (modules, width) = sample().modules().unwrap();
        assert_eq!(modules.len(), width * width);
        assert!(width <= 29, "version 3 or smaller, got {width} modules");
    }
}
