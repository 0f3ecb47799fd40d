//! One page cut out of a PDF as a PDF of its own, for drawing. The drawing
//! library holds the whole file it is given in memory, and a long scanner
//! PDF is large; the page alone holds only what the page uses.

use std::collections::HashMap;

use lopdf::{Dictionary, Document, Object, ObjectId};

use super::DecodeError;
use super::pdf::get;

/// Page attributes a page may inherit from the page tree.
const INHERITED: [&[u8]; 4] = [b"Resources", b"MediaBox", b"CropBox", b"Rotate"];

/// The page `page_id` of `doc` as a one-page PDF. `load` gives a stream
/// whose data was left in the file its data. References to other pages (a
/// link's destination, say) become null, so the rest of the file is not
/// pulled in with them.
pub(super) fn page_alone(
    doc: &Document,
    page_id: ObjectId,
    load: &dyn Fn(ObjectId, &Object) -> Result<Object, DecodeError>,
) -> Result<Vec<u8>, DecodeError> {
    let corrupt = |e: lopdf::Error| DecodeError::CorruptPdf(e.to_string());
    let mut page = doc.get_dictionary(page_id).map_err(corrupt)?.clone();
    for key in INHERITED {
        if !page.has(key)
            && let Some(value) = inherited(doc, page_id, key)
        {
            page.set(key, value.clone());
        }
    }
    page.remove(b"Parent");

    let mut out = Document::with_version(doc.version.clone());
    let mut copier = Copier {
        doc,
        page_id,
        new_page_id: out.new_object_id(),
        ids: HashMap::new(),
        out: &mut out,
        load,
    };
    let new_page_id = copier.new_page_id;
    let page = copier.dictionary(&page)?;
    let pages_id = out.new_object_id();
    let mut page = page;
    page.set("Parent", pages_id);
    out.objects.insert(new_page_id, Object::Dictionary(page));
    let mut pages = Dictionary::new();
    pages.set("Type", "Pages");
    pages.set("Kids", vec![Object::Reference(new_page_id)]);
    pages.set("Count", 1);
    out.objects.insert(pages_id, Object::Dictionary(pages));
    let mut catalog = Dictionary::new();
    catalog.set("Type", "Catalog");
    catalog.set("Pages", pages_id);
    let catalog_id = out.add_object(catalog);
    out.trailer.set("Root", catalog_id);
    let mut bytes = Vec::new();
    out.save_to(&mut bytes)
        .map_err(|e| DecodeError::CorruptPdf(format!("the page cannot be cut out: {e}")))?;
    Ok(bytes)
}

/// An attribute from the nearest node of the page tree above the page.
fn inherited<'a>(doc: &'a Document, page_id: ObjectId, key: &[u8]) -> Option<&'a Object> {
    let mut node = doc.get_dictionary(page_id).ok()?;
    for _ in 0..64 {
        node = get(doc, node, b"Parent")?.as_dict().ok()?;
        if let Some(value) = get(doc, node, key) {
            return Some(value);
        }
    }
    None
}

struct Copier<'a> {
    doc: &'a Document,
    page_id: ObjectId,
    new_page_id: ObjectId,
    /// Old object id to its id in the new file.
    ids: HashMap<ObjectId, ObjectId>,
    out: &'a mut Document,
    load: &'a dyn Fn(ObjectId, &Object) -> Result<Object, DecodeError>,
}

impl Copier<'_> {
    fn object(&mut self, object: &Object) -> Result<Object, DecodeError> {
        Ok(match object {
            Object::Reference(id) => self.reference(*id)?,
            Object::Array(items) => Object::Array(
                items
                    .iter()
                    .map(|item| self.object(item))
                    .collect::<Result<_, _>>()?,
            ),
            Object::Dictionary(dict) => Object::Dictionary(self.dictionary(dict)?),
            Object::Stream(stream) => {
                let mut stream = stream.clone();
                stream.dict = self.dictionary(&stream.dict)?;
                Object::Stream(stream)
            }
            other => other.clone(),
        })
    }

    fn dictionary(&mut self, dict: &Dictionary) -> Result<Dictionary, DecodeError> {
        let mut copy = Dictionary::new();
        for (key, value) in dict.iter() {
            copy.set(key.clone(), self.object(value)?);
        }
        Ok(copy)
    }

    fn reference(&mut self, id: ObjectId) -> Result<Object, DecodeError> {
        if id == self.page_id {
            return Ok(Object::Reference(self.new_page_id));
        }
        if let Some(new) = self.ids.get(&id) {
            return Ok(Object::Reference(*new));
        }
        let Ok(old) = self.doc.get_object(id) else {
            return Ok(Object::Null);
        };
        if is_page_tree_node(old) {
            return Ok(Object::Null);
        }
        let new = self.out.new_object_id();
        // Before copying what it holds: objects may refer to each other.
        self.ids.insert(id, new);
        let loaded = (self.load)(id, old)?;
        let copy = self.object(&loaded)?;
        self.out.objects.insert(new, copy);
        Ok(Object::Reference(new))
    }
}

fn is_page_tree_node(object: &Object) -> bool {
    let dict = match object {
        Object::Dictionary(dict) => dict,
        _ => return false,
    };
    dict.get(b"Type")
        .and_then(|t| t.as_name())
        .is_ok_and(|t| t == b"Page" || t == b"Pages")
}

#[cfg(test)]
mod tests {
    use super::*;
    use lopdf::{Stream, dictionary};

    /// Three pages sharing inherited resources and a media box; the second
    /// links to the first.
    fn three_pages() -> (Document, Vec<ObjectId>) {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        let font = doc.add_object(
            dictionary! {"Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica"},
        );
        let mut ids = Vec::new();
        for n in 1..=3 {
            let text = format!("BT /F1 12 Tf 72 720 Td (page number {n}) Tj ET");
            let content = doc.add_object(Stream::new(dictionary! {}, text.into_bytes()));
            let page = doc.add_object(
                dictionary! {"Type" => "Page", "Parent" => pages_id, "Contents" => content},
            );
            ids.push(page);
        }
        let link = doc.add_object(dictionary! {"Type" => "Annot", "Subtype" => "Link",
        "Rect" => vec![0.into(), 0.into(), 10.into(), 10.into()],
        "Dest" => vec![ids[0].into(), "Fit".into()]});
        doc.get_dictionary_mut(ids[1])
            .unwrap()
            .set("Annots", vec![link.into()]);
        doc.objects.insert(
            pages_id,
            Object::Dictionary(dictionary! {
                "Type" => "Pages", "Count" => 3,
                "Kids" => ids.iter().map(|id| Object::Reference(*id)).collect::<Vec<_>>(),
                "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
                "Resources" => dictionary! {"Font" => dictionary! {"F1" => font}},
            }),
        );
        let catalog = doc.add_object(dictionary! {"Type" => "Catalog", "Pages" => pages_id});
        doc.trailer.set("Root", catalog);
        (doc, ids)
    }

    #[test]
    fn a_page_alone_holds_that_page_and_what_it_inherits_only() {
        let (doc, ids) = three_pages();
        let load = |_: ObjectId, object: &Object| Ok(object.clone());
        let bytes = page_alone(&doc, ids[1], &load).unwrap();
        let alone = Document::load_mem(&bytes).unwrap();
        let pages = alone.get_pages();
        assert_eq!(pages.len(), 1);
        let page = alone.get_dictionary(pages[&1]).unwrap();
        assert!(page.has(b"MediaBox") && page.has(b"Resources"), "{page:?}");
        let text =
            String::from_utf8_lossy(&alone.get_page_content(pages[&1]).unwrap()).into_owned();
        assert!(text.contains("page number 2"), "{text}");
        for other in ["page number 1", "page number 3"] {
            assert!(
                !bytes.windows(other.len()).any(|w| w == other.as_bytes()),
                "{other}"
            );
        }
    }
}
