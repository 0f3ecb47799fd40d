//! The fast path: a page that is exactly one image filling the page, which
//! is what a scanner writes, is decoded straight from that image at its own
//! resolution instead of being drawn. Anything more (a mask, a second
//! image, a line of text, an image placed off the page box) is drawn.

use image::GrayImage;
use image::imageops;
use lopdf::content::Content;
use lopdf::{Dictionary, Document, Object, ObjectId, Stream};

use super::pdf::{get, page_resources, resolve};
use super::{DecodeLimits, unpack};

/// How far the image's placement may be from the page box, as a share of
/// the page's side: scanners round the page size to whole points.
const PLACEMENT_TOLERANCE: f32 = 0.01;
/// A content stream drawing one image is some tens of bytes; anything much
/// longer is not a scanner's page.
const MAX_SCAN_CONTENT_BYTES: u64 = 4096;

/// The one image that fills a scanned page, and how the page is turned.
pub(super) struct FullPageImage<'a> {
    pub id: Option<ObjectId>,
    pub stream: &'a Stream,
    /// Clockwise quarter turns from /Rotate.
    pub quarter_turns: u8,
}

impl FullPageImage<'_> {
    /// The decoded image turned as a viewer shows the page.
    pub(super) fn turn(&self, image: GrayImage) -> GrayImage {
        match self.quarter_turns {
            1 => imageops::rotate90(&image),
            2 => imageops::rotate180(&image),
            3 => imageops::rotate270(&image),
            _ => image,
        }
    }
}

/// The page's image when the page is exactly one image filling it.
pub(super) fn full_page_image<'a>(
    doc: &'a Document,
    page_id: ObjectId,
    limits: &DecodeLimits,
) -> Option<FullPageImage<'a>> {
    let page = doc.get_dictionary(page_id).ok()?;
    let content = page_content(doc, page, limits)?;
    let operations = Content::decode(&content).ok()?.operations;
    let resources = page_resources(doc, page_id)?;
    let mut ctm = [1.0f32, 0.0, 0.0, 1.0, 0.0, 0.0];
    let mut saved = Vec::new();
    let mut drawn = None;
    for op in &operations {
        match op.operator.as_str() {
            "q" => saved.push(ctm),
            "Q" => ctm = saved.pop()?,
            "cm" => {
                let m: Vec<f32> = op.operands.iter().filter_map(number).collect();
                let m: [f32; 6] = m.try_into().ok()?;
                ctm = multiply(m, ctm);
            }
            "Do" if drawn.is_none() => {
                let name = op.operands.first()?.as_name().ok()?;
                let xobjects = get(doc, resources, b"XObject")?.as_dict().ok()?;
                let value = xobjects.get(name).ok()?;
                let stream = resolve(doc, value)?.as_stream().ok()?;
                drawn = Some((ctm, value.as_reference().ok(), stream));
            }
            _ => return None,
        }
    }
    let (ctm, id, stream) = drawn?;
    if !plain_image(doc, &stream.dict) {
        return None;
    }
    let [a, b, c, d, e, f] = ctm;
    let [x0, y0, x1, y1] = page_box(doc, page_id)?;
    let near = |got: f32, want: f32, side: f32| (got - want).abs() <= side * PLACEMENT_TOLERANCE;
    let (w, h) = (x1 - x0, y1 - y0);
    let fills = b == 0.0
        && c == 0.0
        && near(e, x0, w)
        && near(f, y0, h)
        && near(e + a, x1, w)
        && near(f + d, y1, h);
    if !fills {
        return None;
    }
    let rotate = inherited(doc, page_id, b"Rotate").and_then(|o| o.as_i64().ok());
    let quarter_turns = match rotate.unwrap_or(0).rem_euclid(360) {
        0 => 0,
        90 => 1,
        180 => 2,
        270 => 3,
        _ => return None,
    };
    Some(FullPageImage {
        id,
        stream,
        quarter_turns,
    })
}

/// An image shown as its samples are: no stencil, colour key or soft mask,
/// which only drawing the page gets right.
fn plain_image(doc: &Document, dict: &Dictionary) -> bool {
    let subtype = get(doc, dict, b"Subtype").and_then(|o| o.as_name().ok());
    let stencil = get(doc, dict, b"ImageMask").and_then(|o| o.as_bool().ok()) == Some(true);
    subtype == Some(b"Image".as_slice())
        && !stencil
        && !dict.has(b"Mask")
        && !dict.has(b"SMask")
        && !dict.has(b"SMaskInData")
}

fn page_content(doc: &Document, page: &Dictionary, limits: &DecodeLimits) -> Option<Vec<u8>> {
    let limit = MAX_SCAN_CONTENT_BYTES.min(limits.max_stream_bytes());
    match get(doc, page, b"Contents")? {
        Object::Stream(s) => unpack::unpack_stream(doc, s, limit).ok(),
        Object::Array(parts) => {
            let mut content = Vec::new();
            for part in parts {
                let part = resolve(doc, part)?.as_stream().ok()?;
                content.extend(unpack::unpack_stream(doc, part, limit).ok()?);
                content.push(b'\n');
                if content.len() as u64 > limit {
                    return None;
                }
            }
            Some(content)
        }
        _ => None,
    }
}

/// The visible part of the page: the crop box within the media box.
fn page_box(doc: &Document, page_id: ObjectId) -> Option<[f32; 4]> {
    let rect = |key| -> Option<[f32; 4]> {
        let items = inherited(doc, page_id, key)?.as_array().ok()?;
        let v: Vec<f32> = items
            .iter()
            .filter_map(|o| number(resolve(doc, o)?))
            .collect();
        let [a, b, c, d]: [f32; 4] = v.try_into().ok()?;
        Some([a.min(c), b.min(d), a.max(c), b.max(d)])
    };
    let media = rect(b"MediaBox")?;
    let Some(crop) = rect(b"CropBox") else {
        return Some(media);
    };
    let visible = [
        media[0].max(crop[0]),
        media[1].max(crop[1]),
        media[2].min(crop[2]),
        media[3].min(crop[3]),
    ];
    (visible[0] < visible[2] && visible[1] < visible[3]).then_some(visible)
}

/// A page attribute, from the page or the nearest node above it.
fn inherited<'a>(doc: &'a Document, page_id: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..64 {
        if let Some(value) = get(doc, node, key) {
            return Some(value);
        }
        node = get(doc, node, b"Parent")?.as_dict().ok()?;
    }
    None
}

fn number(o: &Object) -> Option<f32> {
    match o {
        Object::Integer(i) => Some(*i as f32),
        Object::Real(r) => Some(*r),
        _ => None,
    }
}

/// `m` applied before `ctm`, as `cm` does.
fn multiply(m: [f32; 6], ctm: [f32; 6]) -> [f32; 6] {
    let [a, b, c, d, e, f] = m;
    let [a2, b2, c2, d2, e2, f2] = ctm;
    [
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    ]
}
