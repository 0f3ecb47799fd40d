//! PDF pages: scanned images in every encoding scanners use, text pages,
//! and broken pages and files.

use image::{GrayImage, ImageFormat};
use lopdf::{
    Document, EncryptionState, EncryptionVersion, Object, Permissions, Stream, dictionary,
};

use super::{all, encode, flat, image, limits, mean, ramp};
use crate::capture::decode::{DecodeError, FileKind, Page, PageContent, is_pdf, open_bytes};

/// Builds a PDF whose pages each show one image XObject.
pub(super) struct PdfBuilder {
    pub(super) doc: Document,
    pages_id: lopdf::ObjectId,
    kids: Vec<Object>,
}

impl PdfBuilder {
    pub(super) fn new() -> PdfBuilder {
        let mut doc = Document::with_version("1.5");
        let pages_id = doc.new_object_id();
        PdfBuilder {
            doc,
            pages_id,
            kids: Vec::new(),
        }
    }

    pub(super) fn image_page(&mut self, image: Stream) {
        let image_id = self.doc.add_object(image);
        let content = Stream::new(dictionary! {}, b"q 595 0 0 842 0 0 cm /Im0 Do Q".to_vec());
        let content_id = self.doc.add_object(content);
        self.page(
            content_id,
            dictionary! { "XObject" => dictionary! { "Im0" => image_id } },
        );
    }

    pub(super) fn text_page(&mut self, text: &str) {
        let font = self.doc.add_object(dictionary! {
            "Type" => "Font", "Subtype" => "Type1", "BaseFont" => "Helvetica",
        });
        let ops = format!("BT /F1 12 Tf 72 720 Td ({text}) Tj ET");
        let content_id = self
            .doc
            .add_object(Stream::new(dictionary! {}, ops.into_bytes()));
        self.page(
            content_id,
            dictionary! { "Font" => dictionary! { "F1" => font } },
        );
    }

    pub(super) fn page(&mut self, content_id: lopdf::ObjectId, resources: lopdf::Dictionary) {
        let page = self.doc.add_object(dictionary! {
            "Type" => "Page",
            "Parent" => self.pages_id,
            "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
            "Contents" => content_id,
            "Resources" => resources,
        });
        self.kids.push(page.into());
    }

    pub(super) fn document(mut self) -> Document {
        let count = self.kids.len() as i64;
        self.doc.objects.insert(
            self.pages_id,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => self.kids, "Count" => count },
            ),
        );
        let catalog = self
            .doc
            .add_object(dictionary! { "Type" => "Catalog", "Pages" => self.pages_id });
        self.doc.trailer.set("Root", catalog);
        self.doc
    }

    pub(super) fn finish(self) -> Vec<u8> {
        save(self.document())
    }
}

pub(super) fn save(mut doc: Document) -> Vec<u8> {
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

pub(super) fn jpeg_xobject(image: &GrayImage) -> Stream {
    let dict = dictionary! {
        "Type" => "XObject", "Subtype" => "Image",
        "Width" => image.width(), "Height" => image.height(),
        "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "DCTDecode",
    };
    Stream::new(dict, encode(image, ImageFormat::Jpeg)).with_compression(false)
}

fn flate_xobject(width: u32, height: u32, space: &str, bits: i64, raw: Vec<u8>) -> Stream {
    let dict = dictionary! {
        "Type" => "XObject", "Subtype" => "Image",
        "Width" => width, "Height" => height,
        "ColorSpace" => space, "BitsPerComponent" => bits,
    };
    let mut stream = Stream::new(dict, raw);
    stream.compress().unwrap();
    assert!(stream.dict.has(b"Filter"), "compressible test data");
    stream
}

#[test]
fn a_pdf_of_jpeg_pages_gives_each_page() {
    let scans = [flat(400, 566, 230), flat(566, 400, 40), flat(300, 424, 128)];
    let mut pdf = PdfBuilder::new();
    for scan in &scans {
        pdf.image_page(jpeg_xobject(scan));
    }
    let bytes = pdf.finish();
    assert!(is_pdf(&bytes));
    let opened = open_bytes(bytes, &limits()).unwrap();
    assert_eq!((opened.kind(), opened.page_count()), (FileKind::Pdf, 3));
    let read: Vec<_> = opened.collect();
    for (i, (got, want)) in read.iter().zip(&scans).enumerate() {
        let got = image(got);
        assert_eq!(got.dimensions(), want.dimensions(), "page {}", i + 1);
        assert!((mean(got) - mean(want)).abs() < 3.0, "page {}", i + 1);
    }
}

#[test]
fn pdf_images_in_flate_rgb_bilevel_16_bit_and_png_predicted_form_decode() {
    let grey = ramp(120, 90, 0);
    let rgb: Vec<u8> = (0..60 * 40).flat_map(|_| [0u8, 0, 255]).collect();
    // 1 bit per pixel, rows padded to whole bytes: left half black.
    let bilevel: Vec<u8> = (0..20).flat_map(|_| [0x00, 0xFF]).collect();
    let predicted: Vec<u8> = grey
        .rows()
        .flat_map(|row| std::iter::once(0).chain(row.map(|p| p.0[0])))
        .collect();
    let mut png_predicted = flate_xobject(120, 90, "DeviceGray", 8, predicted);
    png_predicted.dict.set(
        "DecodeParms",
        dictionary! { "Predictor" => 15, "Colors" => 1, "Columns" => 120, "BitsPerComponent" => 8 },
    );

    // 16-bit samples are big-endian: 0x80FF is 128 in 8 bits.
    let deep: Vec<u8> = (0..30 * 20).flat_map(|_| [0x80, 0xFF]).collect();

    let mut pdf = PdfBuilder::new();
    pdf.image_page(flate_xobject(
        120,
        90,
        "DeviceGray",
        8,
        grey.as_raw().clone(),
    ));
    pdf.image_page(flate_xobject(60, 40, "DeviceRGB", 8, rgb));
    pdf.image_page(flate_xobject(16, 20, "DeviceGray", 1, bilevel));
    pdf.image_page(png_predicted);
    pdf.image_page(flate_xobject(30, 20, "DeviceGray", 16, deep));
    let read = all(pdf.finish());

    assert_eq!(image(&read[0]), &grey);
    let blue = image(&read[1]);
    assert_eq!(blue.dimensions(), (60, 40));
    assert!(
        (mean(blue) - 18.0).abs() < 2.0,
        "blue's luma is 18: {}",
        mean(blue)
    );
    let bilevel = image(&read[2]);
    assert_eq!(
        (bilevel.get_pixel(3, 5).0[0], bilevel.get_pixel(12, 5).0[0]),
        (0, 255)
    );
    assert_eq!(image(&read[3]), &grey);
    assert_eq!(image(&read[4]), &flat(30, 20, 128));
}

#[test]
fn a_pdf_page_without_an_image_is_digital_with_its_text() {
    let mut pdf = PdfBuilder::new();
    pdf.text_page("Please call me back");
    pdf.image_page(jpeg_xobject(&flat(500, 700, 250)));
    let read = all(pdf.finish());
    match &read[0] {
        Ok(Page {
            number: 1,
            content: PageContent::Digital { text, .. },
        }) => assert!(text.contains("Please call me back"), "{text:?}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(image(&read[1]).dimensions(), (500, 700));
}

#[test]
fn one_broken_pdf_page_is_reported_and_the_others_read() {
    let mut broken = jpeg_xobject(&flat(200, 200, 100));
    broken.set_content(b"not a jpeg at all".to_vec());
    let mut huge = jpeg_xobject(&flat(8, 8, 100));
    huge.dict.set("Width", 40_000);
    huge.dict.set("Height", 40_000);
    let mut jbig2 = jpeg_xobject(&flat(8, 8, 100));
    jbig2.dict.set("Filter", "JBIG2Decode");

    let mut pdf = PdfBuilder::new();
    pdf.image_page(jpeg_xobject(&flat(300, 300, 10)));
    pdf.image_page(broken);
    pdf.image_page(huge);
    pdf.image_page(jbig2);
    pdf.image_page(jpeg_xobject(&flat(300, 300, 240)));
    let read = all(pdf.finish());
    assert_eq!(read.len(), 5);
    assert!(read[0].is_ok() && read[4].is_ok());
    let messages: Vec<String> = read[1..4]
        .iter()
        .map(|r| r.as_ref().err().unwrap().to_string())
        .collect();
    assert!(
        messages[0].starts_with("page 2 cannot be read: the JPEG image"),
        "{}",
        messages[0]
    );
    assert_eq!(
        messages[1],
        "page 3 cannot be read: the page is 40000 x 40000 pixels, over the limit of 80 million"
    );
    // JBIG2 is read now; this is not JBIG2 data.
    assert_eq!(
        messages[2],
        "page 4 cannot be read: the PDF page image is truncated or corrupt (an image on it cannot be decoded)"
    );
}

#[test]
fn a_corrupt_pdf_is_a_clear_error() {
    // Random bytes behind a PDF header, from a fixed seed.
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut bytes = b"%PDF-1.7\n".to_vec();
    bytes.extend((0..20_000).map(|_| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state as u8
    }));
    let error = open_bytes(bytes, &limits())
        .err()
        .expect("random bytes are no PDF");
    assert!(
        matches!(error, DecodeError::CorruptPdf(_) | DecodeError::NoPages),
        "{error}"
    );
    assert!(
        error.to_string().starts_with("the PDF is corrupt")
            || error.to_string() == "the file has no pages"
    );

    // A real PDF cut in half.
    let mut pdf = PdfBuilder::new();
    pdf.image_page(jpeg_xobject(&flat(300, 300, 10)));
    let whole = pdf.finish();
    let half = whole[..whole.len() / 2].to_vec();
    match open_bytes(half, &limits()) {
        Err(error) => assert!(
            matches!(error, DecodeError::CorruptPdf(_) | DecodeError::NoPages),
            "{error}"
        ),
        Ok(pages) => assert!(pages.into_iter().all(|p| p.is_err())),
    }
}

/// A PDF whose cross-reference table and trailer are gone (a file saved
/// by a broken writer, or cut after its last object) opens in a viewer,
/// which rebuilds them: its page is drawn as the viewer draws it, and as
/// a drawn page, any ink on it counts.
#[test]
fn a_pdf_without_its_cross_reference_table_is_drawn_as_a_viewer_rebuilds_it() {
    let mut pdf = PdfBuilder::new();
    pdf.text_page("Please call me back");
    let whole = pdf.finish();
    // Cut before the cross-reference table (or stream) and the trailer.
    let cut = find(&whole, b"startxref").expect("a startxref");
    let cut = [&b"\nxref"[..], b"\rxref", b"/XRef"]
        .iter()
        .filter_map(|marker| find(&whole[..cut], marker))
        .min()
        .map_or(cut, |at| {
            // An xref stream's object starts after the previous `endobj`.
            find(&whole[..at], b"endobj").map_or(at, |end| end + b"endobj".len())
        });
    let broken = whole[..cut].to_vec();
    assert!(
        Document::load_mem(&broken).is_err(),
        "the parser refuses the file"
    );
    let pages = all(broken);
    assert_eq!(pages.len(), 1);
    match &pages[0] {
        Ok(Page {
            content: PageContent::Drawn(image),
            ..
        }) => {
            let ink = image.pixels().filter(|p| p.0[0] < 128).count();
            assert!(ink > 100, "the text is drawn ({ink} dark pixels)");
        }
        other => panic!("expected a drawn page, got {other:?}"),
    }
}

#[test]
fn a_page_the_parser_reads_empty_but_a_viewer_shows_is_not_blank() {
    // A content stream without its /Length, as pdf.js's issue1293r.pdf has
    // it: lopdf keeps the file and loses the page's text, viewers find the
    // `endstream` and show it.
    let bytes = raw_pdf(&[
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 300 100] \
         /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        "<< >>\nstream\nBT /F1 20 Tf 10 40 Td (Please call me back) Tj ET\nendstream",
    ]);
    let parsed = Document::load_mem(&bytes).expect("the parser keeps the file");
    let page = *parsed.get_pages().values().next().unwrap();
    assert!(
        parsed.get_page_content(page).unwrap_or_default().is_empty(),
        "the parser reads the page as empty"
    );

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("no-length.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let from_disk: Vec<_> = crate::capture::decode::open(&path, &limits())
        .unwrap()
        .collect();
    for pages in [all(bytes), from_disk] {
        match &pages[..] {
            [
                Ok(Page {
                    content: PageContent::Drawn(image),
                    ..
                }),
            ] => {
                let ink = image.pixels().filter(|p| p.0[0] < 128).count();
                assert!(ink > 100, "the text is drawn ({ink} dark pixels)");
            }
            other => panic!("expected one drawn page, got {other:?}"),
        }
    }
}

/// A stream object with `content` and its length.
fn stream(content: &str) -> String {
    format!(
        "<< /Length {} >>\nstream\n{content}\nendstream",
        content.len()
    )
}

/// Pages without their pixels, for a failure's message.
fn describe(pages: &[Result<Page, DecodeError>]) -> Vec<String> {
    pages
        .iter()
        .map(|page| match page {
            Ok(Page { content, .. }) => match content {
                PageContent::Image(_) => "image".to_string(),
                PageContent::Drawn(image) => format!(
                    "drawn, ink: {}",
                    crate::capture::register::has_drawn_ink(image)
                ),
                PageContent::Digital { text, .. } => format!("digital: {text:?}"),
            },
            Err(error) => format!("error: {error}"),
        })
        .collect()
}

/// A PDF of `objects`, numbered from 1, written as given (a test may
/// break them as a PDF writer would), with a correct cross-reference table.
fn raw_pdf(objects: &[&str]) -> Vec<u8> {
    let mut bytes = b"%PDF-1.7\n".to_vec();
    let mut offsets = Vec::new();
    for (i, object) in objects.iter().enumerate() {
        offsets.push(bytes.len());
        bytes.extend(format!("{} 0 obj\n{object}\nendobj\n", i + 1).bytes());
    }
    let xref = bytes.len();
    bytes.extend(format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).bytes());
    for offset in offsets {
        bytes.extend(format!("{offset:010} 00000 n \n").bytes());
    }
    let trailer = format!("trailer\n<< /Root 1 0 R /Size {} >>\n", objects.len() + 1);
    bytes.extend(format!("{trailer}startxref\n{xref}\n%%EOF\n").bytes());
    bytes
}

#[test]
fn text_in_a_font_that_cannot_be_drawn_is_not_blank() {
    // As pdf.js's issue19695.pdf: glyph numbers of a Calibri that is not
    // embedded and has no map to characters. Nothing draws it here and no
    // text can be read, but a viewer may show it: a person looks.
    let font = |hidden: &str| {
        raw_pdf(&[
            "<< /Type /Catalog /Pages 2 0 R >>",
            "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 50] \
             /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
            "<< /Type /Font /Subtype /Type0 /BaseFont /Calibri /Encoding /Identity-H \
             /DescendantFonts [6 0 R] >>",
            &stream(&format!(
                "BT {hidden} /F1 20 Tf 10 20 Td <03AC03ED03F0> Tj ET"
            )),
            "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /Calibri \
             /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> \
             /FontDescriptor 7 0 R >>",
            "<< /Type /FontDescriptor /FontName /Calibri /Flags 32 /ItalicAngle 0 \
             /Ascent 750 /Descent -250 /CapHeight 0 /StemV 0 /FontBBox [-503 -312 1240 1026] >>",
        ])
    };
    for (hidden, expect_text) in [("", true), ("3 Tr", false)] {
        let pages = all(font(hidden));
        match &pages[..] {
            [
                Ok(Page {
                    content: PageContent::Digital { image, .. },
                    ..
                }),
            ] if expect_text => {
                assert!(!crate::capture::register::has_drawn_ink(image));
            }
            [
                Ok(Page {
                    content: PageContent::Drawn(_),
                    ..
                }),
            ] if !expect_text => {}
            other => panic!("with {hidden:?}: got {:?}", describe(other)),
        }
    }
}

#[test]
fn text_in_form_fields_and_text_boxes_without_a_drawing_is_not_blank() {
    // As pdf.js's annotation-tx.pdf and bug1865341.pdf: a field's value or
    // a free-text box's text that the file leaves for the viewer to draw.
    // A third page has only a field left empty and a ticked-off box: blank.
    let mut pdf = PdfBuilder::new();
    let empty = |pdf: &mut PdfBuilder| pdf.doc.add_object(Stream::new(dictionary! {}, Vec::new()));
    let field = pdf.doc.add_object(dictionary! {
        "FT" => "Tx", "T" => Object::string_literal("name"),
        "V" => lopdf::text_string("Maija Meikäläinen"),
    });
    let widget = pdf.doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "Parent" => field,
        "Rect" => vec![72.into(), 700.into(), 300.into(), 720.into()],
    });
    let note = pdf.doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "FreeText",
        "Rect" => vec![72.into(), 600.into(), 300.into(), 640.into()],
        "Contents" => Object::string_literal("Please call me back"),
    });
    let unfilled = pdf.doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Tx",
        "Rect" => vec![72.into(), 700.into(), 300.into(), 720.into()],
    });
    let unticked = pdf.doc.add_object(dictionary! {
        "Type" => "Annot", "Subtype" => "Widget", "FT" => "Btn", "V" => "Off",
        "Rect" => vec![72.into(), 600.into(), 90.into(), 618.into()],
    });
    for annots in [vec![widget], vec![note], vec![unfilled, unticked]] {
        let content = empty(&mut pdf);
        pdf.page(content, dictionary! {});
        let page = pdf.kids.last().unwrap().as_reference().unwrap();
        let annots: Vec<Object> = annots.into_iter().map(Object::from).collect();
        pdf.doc
            .get_dictionary_mut(page)
            .unwrap()
            .set("Annots", annots);
    }
    let pages = all(pdf.finish());
    let texts: Vec<Option<&str>> = pages
        .iter()
        .map(|page| match page {
            Ok(Page {
                content: PageContent::Digital { text, .. },
                ..
            }) => Some(text.as_str()),
            Ok(Page {
                content: PageContent::Drawn(image),
                ..
            }) => {
                assert!(!crate::capture::register::has_drawn_ink(image));
                None
            }
            other => panic!("unexpected {other:?}"),
        })
        .collect();
    assert_eq!(
        texts,
        [Some("Maija Meikäläinen"), Some("Please call me back"), None]
    );
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).rposition(|w| w == needle)
}

/// A scanner-style bilevel page: our form at 50 dpi, CCITT G4 compressed by
/// Ghostscript (`gs -sDEVICE=tiffg4 -r50`).
const G4_TIFF: &[u8] = include_bytes!("../testdata/form-g4-50dpi.tif");

/// The one strip of a one-page little-endian TIFF, and its size.
fn only_strip(tiff: &[u8]) -> (u32, u32, &[u8]) {
    let u16_at = |i: usize| u16::from_le_bytes([tiff[i], tiff[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(tiff[i..i + 4].try_into().unwrap());
    let directory = u32_at(4) as usize;
    let value = |tag: u16| {
        (0..u16_at(directory) as usize)
            .map(|e| directory + 2 + e * 12)
            .find(|&at| u16_at(at) == tag)
            .map(|at| u32_at(at + 8))
            .unwrap()
    };
    let (at, len) = (value(273) as usize, value(279) as usize);
    (value(256), value(257), &tiff[at..at + len])
}

#[test]
fn ccitt_g4_reads_black_on_white_from_tiff_and_from_pdf() {
    let from_tiff = all(G4_TIFF.to_vec());
    let page = image(&from_tiff[0]);
    // The top-left registration mark is 10 to 16 mm in: about pixel 25.
    assert_eq!(
        (page.get_pixel(25, 25).0[0], page.get_pixel(5, 5).0[0]),
        (0, 255)
    );
    assert!(mean(page) > 200.0, "mostly white paper: {}", mean(page));

    let (width, height, data) = only_strip(G4_TIFF);
    let ccitt = |black_is_1: bool, decode: Option<Vec<Object>>| {
        let mut dict = dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => width, "Height" => height,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 1, "Filter" => "CCITTFaxDecode",
            "DecodeParms" => dictionary! { "K" => -1, "Columns" => width, "Rows" => height, "BlackIs1" => black_is_1 },
        };
        if let Some(decode) = decode {
            dict.set("Decode", decode);
        }
        Stream::new(dict, data.to_vec()).with_compression(false)
    };
    let mut pdf = PdfBuilder::new();
    pdf.image_page(ccitt(false, None));
    // BlackIs1 with an inverting /Decode shows the same page.
    pdf.image_page(ccitt(true, Some(vec![1.into(), 0.into()])));
    let from_pdf = all(pdf.finish());
    assert_eq!(image(&from_pdf[0]), page);
    assert_eq!(image(&from_pdf[1]), page);
}

#[test]
fn a_flate_bomb_in_a_pdf_image_is_inflated_only_as_far_as_its_size() {
    // 64 MB of zeros behind a header saying 100 x 100: only 10,000 bytes
    // may come out.
    let bomb = flate_xobject(100, 100, "DeviceGray", 8, vec![0u8; 64 << 20]);
    assert!(bomb.content.len() < 200_000);
    let mut pdf = PdfBuilder::new();
    pdf.image_page(bomb);
    let read = all(pdf.finish());
    assert_eq!(image(&read[0]), &flat(100, 100, 0));
}

fn encrypted(user_password: &str) -> Vec<u8> {
    let mut pdf = PdfBuilder::new();
    pdf.image_page(jpeg_xobject(&flat(300, 300, 10)));
    let mut doc = pdf.document();
    let id = Object::string_literal(b"0123456789abcdef".to_vec());
    doc.trailer.set("ID", vec![id.clone(), id]);
    let state = EncryptionState::try_from(EncryptionVersion::V2 {
        document: &doc,
        owner_password: "owner",
        user_password,
        key_length: 128,
        permissions: Permissions::default(),
    })
    .unwrap();
    doc.encrypt(&state).unwrap();
    save(doc)
}

#[test]
fn a_password_protected_pdf_is_named_as_such() {
    let error = open_bytes(encrypted("secret"), &limits()).err().unwrap();
    assert!(matches!(error, DecodeError::EncryptedPdf), "{error}");
    assert_eq!(error.to_string(), "the PDF is password-protected");
    // Restricted only by an owner password, it opens as any other.
    let read = all(encrypted(""));
    assert_eq!(image(&read[0]).dimensions(), (300, 300));
}

/// An encrypted file whose objects sit in object streams is drawn by the
/// drawing library alone, which decrypts it as viewers do (lopdf would
/// unpack its object streams unmeasured). Restricted by an owner password
/// only, its page is read; with a password to open it, it is refused as
/// such.
#[test]
fn an_encrypted_pdf_with_object_streams_is_drawn_as_a_viewer_opens_it() {
    // The check finds object streams by their name anywhere in the bytes:
    // a comment after the end of the file names one and moves nothing.
    let with_object_streams = |mut bytes: Vec<u8>| {
        assert!(Document::load_mem(&bytes).unwrap().is_encrypted());
        bytes.extend_from_slice(b"%/ObjStm\n");
        assert!(crate::capture::decode::encrypted_with_object_streams(
            &bytes
        ));
        bytes
    };
    let read = all(with_object_streams(encrypted("")));
    match &read[..] {
        [
            Ok(Page {
                content: PageContent::Drawn(image),
                ..
            }),
        ] => assert!(mean(image) < 40.0, "the dark page is drawn"),
        other => panic!("{:?}", describe(other)),
    }
    let error = open_bytes(with_object_streams(encrypted("secret")), &limits())
        .err()
        .unwrap();
    assert!(matches!(error, DecodeError::EncryptedPdf), "{error}");
}

/// A PDF opened from disk leaves its page images in the file until each
/// page is read, and gives the same pages as one read whole into memory.
#[test]
fn a_pdf_on_disk_gives_the_same_pages_as_one_in_memory() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../samples/007-batch.pdf"
    ));
    let from_disk: Vec<_> = crate::capture::decode::open(path, &limits())
        .unwrap()
        .collect();
    let in_memory = all(std::fs::read(path).unwrap());
    assert_eq!(from_disk.len(), 6);
    assert_eq!(from_disk.len(), in_memory.len());
    for (disk, memory) in from_disk.iter().zip(&in_memory) {
        assert_eq!(image(disk), image(memory));
    }
}

#[test]
fn image_data_that_is_not_where_the_pdf_says_is_a_clear_error() {
    let path = std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../samples/007-batch.pdf"
    ));
    let mut bytes = std::fs::read(path).unwrap();
    // Break every `endstream` after a page image: the data no longer ends
    // where its length says.
    let mut at = 0;
    while let Some(found) = bytes[at..].windows(9).position(|w| w == b"endstream") {
        bytes[at + found] = b'X';
        at += found + 9;
    }
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.pdf");
    std::fs::write(&broken, bytes).unwrap();
    match crate::capture::decode::open(&broken, &limits()) {
        // lopdf may refuse the whole file, or the pages one by one.
        Err(error) => assert!(error.to_string().contains("PDF"), "{error}"),
        Ok(pages) => {
            for page in pages {
                let error = page.expect_err("no page decodes");
                assert!(error.to_string().contains("PDF"), "{error}");
            }
        }
    }
}
