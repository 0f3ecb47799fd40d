//! pdf-extract runs a form XObject (how flattening tools place each field's
//! appearance, and how some viewers print a page) as if it stood at the
//! page's origin: it forgets the position the XObject was drawn at. Before
//! the text is read, every XObject a page draws is therefore replaced by a
//! copy of its own that starts by setting that position. Images become a
//! filled unit square, so that where one lies (a pasted signature) is seen
//! without decoding it.

use lopdf::content::{Content, Operation};
use lopdf::{Dictionary, Document, Object, ObjectId, Stream, dictionary};

/// A PDF matrix `[a b c d e f]`.
type Matrix = [f64; 6];

const IDENTITY: Matrix = [1.0, 0.0, 0.0, 1.0, 0.0, 0.0];
/// XObjects nest; a page of ours has none, a flattened one one level.
const MAX_DEPTH: u32 = 4;
/// XObject copies made for one page at most: a hostile file could otherwise
/// multiply them, each level by each other.
const MAX_COPIES: usize = 4096;

/// Rewrites the page `page_id` of `doc` as above. `false` when the page
/// cannot be read this way.
pub(super) fn bake_page(doc: &mut Document, page_id: ObjectId) -> bool {
    let Ok(content) = doc.get_page_content(page_id) else {
        return false;
    };
    let Some(resources) = page_resources(doc, page_id) else {
        // Nothing named can be drawn: the page is as pdf-extract reads it.
        return true;
    };
    let mut copies = 0;
    let Some((content, resources)) = bake(doc, &content, resources, IDENTITY, 0, &mut copies)
    else {
        return false;
    };
    let contents = doc.add_object(Stream::new(Dictionary::new(), content));
    let Ok(page) = doc.get_dictionary_mut(page_id) else {
        return false;
    };
    page.set("Contents", contents);
    page.set("Resources", resources);
    true
}

/// The page's resources, inherited from the page tree when it has none.
fn page_resources(doc: &Document, page_id: ObjectId) -> Option<Dictionary> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..64 {
        if let Some(resources) = node.get(b"Resources").ok().and_then(|r| dict(doc, r)) {
            return Some(resources);
        }
        let parent = node.get(b"Parent").ok()?.as_reference().ok()?;
        node = doc.get_dictionary(parent).ok()?;
    }
    None
}

fn dict(doc: &Document, object: &Object) -> Option<Dictionary> {
    let (_, object) = doc.dereference(object).ok()?;
    object.as_dict().ok().cloned()
}

/// `content` drawn with `resources` when the position is `ctm` at its
/// start: the same content with every `Do` pointing at a positioned copy,
/// and the resources naming those copies.
fn bake(
    doc: &mut Document,
    content: &[u8],
    mut resources: Dictionary,
    ctm: Matrix,
    depth: u32,
    copies: &mut usize,
) -> Option<(Vec<u8>, Dictionary)> {
    let mut content = Content::decode(content).ok()?;
    let mut xobjects = resources
        .get(b"XObject")
        .ok()
        .and_then(|x| dict(doc, x))
        .unwrap_or_default();
    let original = xobjects.clone();
    let mut ctm = ctm;
    let mut saved = Vec::new();
    for operation in &mut content.operations {
        match operation.operator.as_str() {
            "q" => saved.push(ctm),
            "Q" => ctm = saved.pop().unwrap_or(ctm),
            "cm" => {
                if let Some(m) = matrix(&operation.operands) {
                    ctm = multiply(m, ctm);
                }
            }
            "Do" => {
                let Some(name) = operation.operands.first().and_then(|o| o.as_name().ok()) else {
                    continue;
                };
                let Some(stream) = original
                    .get(name)
                    .ok()
                    .and_then(|o| doc.dereference(o).ok())
                    .and_then(|(_, o)| o.as_stream().ok().cloned())
                else {
                    continue;
                };
                if *copies >= MAX_COPIES {
                    return None;
                }
                *copies += 1;
                let copy = positioned(doc, stream, &resources, ctm, depth, copies)?;
                let id = doc.add_object(copy);
                let new_name = format!("IntakeBaked{}", id.0);
                xobjects.set(new_name.as_bytes().to_vec(), id);
                *operation = Operation::new("Do", vec![Object::Name(new_name.into_bytes())]);
            }
            _ => {}
        }
    }
    resources.set("XObject", xobjects);
    Some((content.encode().ok()?, resources))
}

/// A copy of the XObject `stream` that draws itself where it was drawn
/// with the position `ctm`.
fn positioned(
    doc: &mut Document,
    stream: Stream,
    parent: &Dictionary,
    ctm: Matrix,
    depth: u32,
    copies: &mut usize,
) -> Option<Stream> {
    let subtype = stream.dict.get(b"Subtype").and_then(Object::as_name).ok();
    let form = |content: Vec<u8>, resources: Dictionary| {
        Stream::new(
            dictionary! {
                "Type" => "XObject",
                "Subtype" => "Form",
                "BBox" => vec![(-1e5).into(), (-1e5).into(), 1e5.into(), 1e5.into()],
                "Resources" => resources,
            },
            content,
        )
    };
    match subtype {
        Some(b"Form") if depth < MAX_DEPTH => {
            let own = matrix(
                stream
                    .dict
                    .get(b"Matrix")
                    .and_then(Object::as_array)
                    .map(Vec::as_slice)
                    .unwrap_or_default(),
            )
            .unwrap_or(IDENTITY);
            let start = multiply(own, ctm);
            let resources = stream
                .dict
                .get(b"Resources")
                .ok()
                .and_then(|r| dict(doc, r))
                .unwrap_or_else(|| parent.clone());
            let inner = stream.decompressed_content().unwrap_or(stream.content);
            let (inner, resources) = bake(doc, &inner, resources, start, depth + 1, copies)?;
            let mut content = set_position(start);
            content.extend_from_slice(&inner);
            Some(form(content, resources))
        }
        // An image fills the unit square of its position.
        Some(b"Image") => {
            let mut content = set_position(ctm);
            content.extend_from_slice(b"0 0 1 1 re f\n");
            Some(form(content, Dictionary::new()))
        }
        // Anything else (nesting too deep, PostScript) draws nothing.
        _ => Some(form(Vec::new(), Dictionary::new())),
    }
}

/// `m` as the `cm` that starts a copy: pdf-extract starts each XObject
/// at the identity.
fn set_position(m: Matrix) -> Vec<u8> {
    let [a, b, c, d, e, f] = m;
    format!("{a} {b} {c} {d} {e} {f} cm\n").into_bytes()
}

fn matrix(operands: &[Object]) -> Option<Matrix> {
    let mut m = [0.0; 6];
    if operands.len() != 6 {
        return None;
    }
    for (slot, operand) in m.iter_mut().zip(operands) {
        *slot = match operand {
            Object::Integer(i) => *i as f64,
            Object::Real(r) => f64::from(*r),
            _ => return None,
        };
    }
    m.iter().all(|v| v.is_finite()).then_some(m)
}

/// `m` then `n`: the matrix `m x n` in PDF's row-vector convention.
fn multiply(m: Matrix, n: Matrix) -> Matrix {
    let [a, b, c, d, e, f] = m;
    let [a2, b2, c2, d2, e2, f2] = n;
    [
        a * a2 + b * c2,
        a * b2 + b * d2,
        c * a2 + d * c2,
        c * b2 + d * d2,
        e * a2 + f * c2 + e2,
        e * b2 + f * d2 + f2,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_translation_after_a_scale_moves_by_the_unscaled_amount() {
        let scale = [2.0, 0.0, 0.0, 2.0, 0.0, 0.0];
        let shift = [1.0, 0.0, 0.0, 1.0, 10.0, 20.0];
        // `cm shift` inside a scaled space: the shift is scaled too.
        assert_eq!(multiply(shift, scale), [2.0, 0.0, 0.0, 2.0, 20.0, 40.0]);
        assert_eq!(multiply(scale, shift), [2.0, 0.0, 0.0, 2.0, 10.0, 20.0]);
        assert_eq!(multiply(IDENTITY, shift), shift);
    }
}
