//! Decompression bombs: refused with their reason, before anything
//! unpacks them whole. Limits here are small so that the bombs are too.

use std::io::Write;

use lopdf::{Document, Object, Stream, dictionary};

use crate::capture::decode::{DecodeError, DecodeLimits, open_bytes};

/// Drawing instructions may unpack to 1 MB, images to 4 MB.
const LIMITS: DecodeLimits = DecodeLimits {
    max_pixels: 1_000_000,
    max_file_bytes: 64 * 1024 * 1024,
};
const BOMB_BYTES: usize = 16 * 1024 * 1024;

pub(crate) fn zlib(data: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(data).unwrap();
    encoder.finish().unwrap()
}

/// A one-page PDF drawing `content`, with `image` as its XObject /Im0.
pub(crate) fn pdf(content: Stream, image: Option<Stream>, extra: Option<Stream>) -> Vec<u8> {
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content_id = doc.add_object(content);
    let mut resources = dictionary! {};
    if let Some(image) = image {
        let image_id = doc.add_object(image);
        resources.set("XObject", dictionary! { "Im0" => image_id });
    }
    if let Some(extra) = extra {
        doc.add_object(extra);
    }
    let page = doc.add_object(dictionary! {
        "Type" => "Page", "Parent" => pages_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
        "Contents" => content_id, "Resources" => resources,
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(
            dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
        ),
    );
    let catalog = doc.add_object(dictionary! { "Type" => "Catalog", "Pages" => pages_id });
    doc.trailer.set("Root", catalog);
    let mut bytes = Vec::new();
    doc.save_to(&mut bytes).unwrap();
    bytes
}

fn plain(content: &[u8]) -> Stream {
    Stream::new(dictionary! {}, content.to_vec())
}

/// The whole file refused, or its one page.
fn refusal(bytes: Vec<u8>) -> String {
    let error = match open_bytes(bytes, &LIMITS) {
        Err(error) => error,
        Ok(mut pages) => match pages.next() {
            Some(Err(error)) => error,
            other => panic!("read: {other:?}"),
        },
    };
    error.to_string()
}

fn assert_refused_for_size(bytes: Vec<u8>, mb: u64) {
    let reason = refusal(bytes);
    assert!(
        reason.contains(&format!("a stream unpacks to more than {mb} MB")),
        "{reason}"
    );
}

#[test]
fn a_bomb_in_the_drawing_instructions_is_refused() {
    let bomb = Stream::new(
        dictionary! { "Filter" => "FlateDecode" },
        zlib(&vec![b' '; BOMB_BYTES]),
    );
    assert_refused_for_size(pdf(bomb, None, None), 1);
}

#[test]
fn a_nested_flate_bomb_is_refused() {
    let bomb = Stream::new(
        dictionary! { "Filter" => vec![Object::from("FlateDecode"), Object::from("FlateDecode")] },
        zlib(&zlib(&vec![0; BOMB_BYTES])),
    );
    assert_refused_for_size(pdf(bomb, None, None), 1);
}

#[test]
fn a_small_stream_packed_twice_is_refused_too() {
    let twice = Stream::new(
        dictionary! { "Filter" => vec![Object::from("FlateDecode"), Object::from("FlateDecode")] },
        zlib(&zlib(b"BT /F1 12 Tf (Hello) Tj ET")),
    );
    assert!(refusal(pdf(twice, None, None)).contains("packed twice"));
}

#[test]
fn a_bomb_in_an_object_stream_is_refused() {
    let objects = Stream::new(
        dictionary! { "Type" => "ObjStX", "N" => 1, "First" => 4, "Filter" => "FlateDecode" },
        zlib(&vec![b' '; BOMB_BYTES]),
    );
    // lopdf leaves object streams out when it writes: named so after.
    let mut bytes = pdf(plain(b""), None, Some(objects));
    let at = memchr::memmem::find(&bytes, b"/ObjStX").unwrap();
    bytes[at..at + 7].copy_from_slice(b"/ObjStm");
    assert_refused_for_size(bytes, 1);
}

#[test]
fn a_bomb_in_a_page_image_is_refused() {
    let image = Stream::new(
        dictionary! {
            "Type" => "XObject", "Subtype" => "Image", "Width" => 600, "Height" => 600,
            "ColorSpace" => "DeviceGray", "BitsPerComponent" => 8, "Filter" => "FlateDecode",
        },
        zlib(&vec![255; BOMB_BYTES]),
    );
    assert_refused_for_size(
        pdf(plain(b"q 595 0 0 842 0 0 cm /Im0 Do Q"), Some(image), None),
        4,
    );
}

#[test]
fn a_bomb_behind_ascii85_is_refused() {
    let packed = zlib(&vec![b' '; BOMB_BYTES]);
    let mut text = Vec::new();
    for chunk in packed.chunks(4) {
        let mut group = [0u8; 4];
        group[..chunk.len()].copy_from_slice(chunk);
        let mut n = u32::from_be_bytes(group);
        let mut digits = [0u8; 5];
        for d in digits.iter_mut().rev() {
            *d = (n % 85) as u8 + b'!';
            n /= 85;
        }
        text.extend_from_slice(&digits[..chunk.len() + 1]);
    }
    text.extend_from_slice(b"~>");
    let bomb = Stream::new(
        dictionary! { "Filter" => vec![Object::from("ASCII85Decode"), Object::from("FlateDecode")] },
        text,
    );
    assert_refused_for_size(pdf(bomb, None, None), 1);
}

#[test]
fn a_stream_within_the_limit_is_read() {
    let content = Stream::new(
        dictionary! { "Filter" => "FlateDecode" },
        zlib(b"0 0 m 100 100 l S"),
    );
    let mut pages = open_bytes(pdf(content, None, None), &LIMITS).unwrap();
    assert!(pages.next().unwrap().is_ok());
}

#[test]
fn a_bomb_in_a_tiff_strip_yields_only_its_declared_pixels() {
    use crate::capture::decode::tiff::{self, Strip};
    let data = zlib(&vec![0; BOMB_BYTES]);
    let strip = Strip {
        width: 100,
        height: 100,
        bits_per_sample: 8,
        samples: 1,
        photometric: tiff::PHOTOMETRIC_BLACK_IS_ZERO,
        compression: tiff::COMPRESSION_DEFLATE,
        predictor: 1,
        data: &data,
    };
    let mut pages = open_bytes(tiff::write(&[strip]), &LIMITS).unwrap();
    match pages.next() {
        Some(Ok(page)) => match page.content {
            crate::capture::decode::PageContent::Image(image) => {
                assert_eq!(image.dimensions(), (100, 100))
            }
            other => panic!("{other:?}"),
        },
        Some(Err(DecodeError::Page { .. })) | None => {}
        other => panic!("{other:?}"),
    }
}
