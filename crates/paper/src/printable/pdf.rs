//! The printable PDF: one copy of the form per serial, each copy the
//! layout's pages, with fillable fields over the printed boxes.

use std::collections::HashSet;

use lopdf::{Dictionary, Document, Object, Stream, dictionary, text_string};

use intake_core::form::FormDefinition;

use super::PaperError;
use super::acroform::{self, Appearances};
use super::canvas::pt;
use super::draw;
use super::layout::Layout;
use super::serial::is_serial;
use super::text::Font;

/// Renders `serials.len()` copies of the form, each with its own serial.
pub fn render(
    definition: &FormDefinition,
    layout: &Layout,
    serials: &[String],
) -> Result<Vec<u8>, PaperError> {
    check(definition, layout, serials)?;
    let mut doc = Document::with_version("1.7");
    let page_tree = doc.new_object_id();
    let resources = resources(&mut doc);
    let resources_id = doc.add_object(resources);
    let appearances = Appearances::add(&mut doc);
    let media_box: Vec<Object> = vec![
        0.into(),
        0.into(),
        pt(layout.page.width_mm).into(),
        pt(layout.page.height_mm).into(),
    ];

    let mut page_ids = Vec::new();
    let mut copies = Vec::new();
    for serial in serials {
        let copy = doc.new_object_id();
        let mut copy_kids = Vec::new();
        for page in 1..=layout.pages {
            let content = draw::page(definition, layout, page, serial)?;
            let content_id = doc.add_object(Stream::new(Dictionary::new(), content));
            let page_id = doc.new_object_id();
            let on_page: Vec<_> = layout.fields_on(page).collect();
            let annots = acroform::add_page_fields(
                &mut doc,
                &appearances,
                definition,
                &on_page,
                (page_id, copy),
                &mut copy_kids,
            );
            let mut page_dict = dictionary! {
                "Type" => "Page",
                "Parent" => page_tree,
                "MediaBox" => media_box.clone(),
                "Resources" => resources_id,
                "Contents" => content_id,
            };
            if !annots.is_empty() {
                page_dict.set("Annots", annots);
            }
            doc.objects.insert(page_id, Object::Dictionary(page_dict));
            page_ids.push(Object::from(page_id));
        }
        let copy_field = dictionary! {
            "T" => acroform::text(serial),
            "Kids" => copy_kids,
            // Which form and version the copy is, as its QR codes say:
            // the fields alone do not tell versions apart.
            acroform::FORM_KEY => acroform::text(&format!("{}|{}", definition.id(), definition.version())),
        };
        doc.objects.insert(copy, Object::Dictionary(copy_field));
        copies.push(Object::from(copy));
    }

    let count = page_ids.len() as i64;
    doc.objects.insert(
        page_tree,
        Object::Dictionary(dictionary! { "Type" => "Pages", "Kids" => page_ids, "Count" => count }),
    );
    let helv = font_id(&doc, resources_id, Font::Regular)?;
    let zadb = doc.add_object(dictionary! {
        "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "ZapfDingbats",
    });
    let acro_form = dictionary! {
        "Fields" => copies,
        // Viewers draw typed values themselves; only the buttons carry
        // ready-made appearances.
        "NeedAppearances" => true,
        "DA" => acroform::text("/Helv 0 Tf 0 g"),
        "DR" => dictionary! { "Font" => dictionary! { "Helv" => helv, "ZaDb" => zadb } },
    };
    let title = &definition.form.title;
    let catalog = doc.add_object(dictionary! {
        "Type" => "Catalog",
        "Pages" => page_tree,
        "AcroForm" => acro_form,
        "Lang" => acroform::text("sv-FI"),
    });
    let info = doc.add_object(dictionary! {
        "Title" => text_string(&format!("{} / {}", title.sv, title.fi)),
        "Subject" => text_string(&format!("{} v{}", layout.form, layout.version)),
        "Producer" => acroform::text("intake"),
    });
    doc.trailer.set("Root", catalog);
    doc.trailer.set("Info", info);
    doc.compress();
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).map_err(lopdf::Error::from)?;
    Ok(bytes)
}

fn check(
    definition: &FormDefinition,
    layout: &Layout,
    serials: &[String],
) -> Result<(), PaperError> {
    if layout.form != definition.id() || layout.version != definition.version() {
        return Err(PaperError::LayoutMismatch {
            layout: format!("{} v{}", layout.form, layout.version),
            definition: format!("{} v{}", definition.id(), definition.version()),
        });
    }
    if serials.is_empty() {
        return Err(PaperError::NoCopies);
    }
    let mut seen = HashSet::new();
    for serial in serials {
        if !is_serial(serial) {
            return Err(PaperError::BadSerial(serial.clone()));
        }
        if !seen.insert(serial) {
            return Err(PaperError::DuplicateSerial(serial.clone()));
        }
    }
    Ok(())
}

/// The standard fonts, WinAnsi-encoded so that å, ä and ö print.
fn resources(doc: &mut Document) -> Dictionary {
    let mut fonts = Dictionary::new();
    for font in Font::ALL {
        let id = doc.add_object(dictionary! {
            "Type" => "Font",
            "Subtype" => "Type1",
            "BaseFont" => font.base_font(),
            "Encoding" => "WinAnsiEncoding",
        });
        fonts.set(font.resource(), id);
    }
    dictionary! { "Font" => fonts, "ProcSet" => vec!["PDF".into(), "Text".into()] }
}

fn font_id(doc: &Document, resources: lopdf::ObjectId, font: Font) -> Result<Object, PaperError> {
    let fonts = doc.get_dictionary(resources)?.get(b"Font")?.as_dict()?;
    Ok(fonts.get(font.resource().as_bytes())?.clone())
}
