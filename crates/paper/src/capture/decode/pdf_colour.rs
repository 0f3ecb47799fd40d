//! PDF colour spaces, as far as turning an image into grey needs them.

use lopdf::{Document, Object};

use super::DecodeError;
use super::pdf::{get, resolve};
use super::pdf_image::{corrupt, unsupported};

/// A PDF colour space, as far as turning it into grey needs.
pub(super) enum Colour {
    Gray,
    Rgb,
    Cmyk,
    /// A palette, already turned into grey levels.
    Indexed {
        luma: Vec<u8>,
    },
}

impl Colour {
    pub(super) fn of(doc: &Document, space: Option<&Object>) -> Result<Colour, DecodeError> {
        let Some(space) = space else {
            // JPEG data names its own colours; for others this is a guess.
            return Ok(Colour::Gray);
        };
        let (name, rest): (&[u8], &[Object]) = match space {
            Object::Name(name) => (name, &[]),
            Object::Array(items) => match items.split_first() {
                Some((first, rest)) => (
                    resolve(doc, first)
                        .and_then(|o| o.as_name().ok())
                        .unwrap_or(b""),
                    rest,
                ),
                None => (b"", &[]),
            },
            _ => (b"", &[]),
        };
        match name {
            b"DeviceGray" | b"CalGray" | b"G" => Ok(Colour::Gray),
            b"DeviceRGB" | b"CalRGB" | b"RGB" => Ok(Colour::Rgb),
            b"DeviceCMYK" | b"CMYK" => Ok(Colour::Cmyk),
            b"ICCBased" => {
                let n = rest
                    .first()
                    .and_then(|o| resolve(doc, o)?.as_stream().ok())
                    .and_then(|s| get(doc, &s.dict, b"N")?.as_i64().ok());
                match n {
                    Some(1) => Ok(Colour::Gray),
                    Some(4) => Ok(Colour::Cmyk),
                    _ => Ok(Colour::Rgb),
                }
            }
            b"Indexed" | b"I" => Colour::indexed(doc, rest),
            other => Err(unsupported(format!(
                "the {} colour space",
                String::from_utf8_lossy(other)
            ))),
        }
    }

    fn indexed(doc: &Document, rest: &[Object]) -> Result<Colour, DecodeError> {
        let [base, _hival, lookup, ..] = rest else {
            return Err(corrupt("its palette is incomplete"));
        };
        let base = Colour::of(doc, resolve(doc, base))?;
        let table = match resolve(doc, lookup) {
            Some(Object::String(bytes, _)) => bytes.clone(),
            // Palettes are at most 256 x 4 bytes: small enough to inflate.
            Some(Object::Stream(s)) if s.content.len() < 64 * 1024 => {
                s.get_plain_content().unwrap_or_default()
            }
            _ => return Err(corrupt("its palette cannot be read")),
        };
        let n = usize::from(base.components());
        let luma = table.chunks_exact(n).map(|c| luma_of(&base, c)).collect();
        Ok(Colour::Indexed { luma })
    }

    pub(super) fn components(&self) -> u16 {
        match self {
            Colour::Gray | Colour::Indexed { .. } => 1,
            Colour::Rgb => 3,
            Colour::Cmyk => 4,
        }
    }
}

/// Same weights as `image`'s own conversion (Rec. 709), so that a page
/// reads the same whether it came as a JPEG or inside a PDF.
fn luma_of(colour: &Colour, c: &[u8]) -> u8 {
    let rgb = |r: u8, g: u8, b: u8| {
        ((2126 * u32::from(r) + 7152 * u32::from(g) + 722 * u32::from(b)) / 10000) as u8
    };
    match (colour, c) {
        (Colour::Rgb, [r, g, b]) => rgb(*r, *g, *b),
        (Colour::Cmyk, [c, m, y, k]) => {
            let ink = |v: u8| ((255 - u32::from(v)) * (255 - u32::from(*k)) / 255) as u8;
            rgb(ink(*c), ink(*m), ink(*y))
        }
        (_, [v, ..]) => *v,
        _ => 255,
    }
}
