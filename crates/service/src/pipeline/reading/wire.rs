//! What the parent asks the reading child (one JSON object on its standard
//! input) and what the child answers (frames on its standard output: a
//! little-endian `u32` length and a JSON message, and after a page that has
//! an image, a second frame with its grey pixels, row by row). The parent
//! trusts no length it is sent: a child that went wrong is killed.

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::PathBuf;

use image::GrayImage;
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt};

use intake_core::record::FieldReading;
use intake_paper::capture::extract::{PageOutcome, PageRead};

/// A message's JSON is small (a page's fields or its full text): anything
/// longer than this is a child gone wrong.
const MAX_MESSAGE_BYTES: u32 = 16 * 1024 * 1024;

/// What the child is to read, and within what limits.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReadRequest {
    pub path: PathBuf,
    /// The file's name as handed in; only the test hook looks at it.
    pub name: String,
    pub forms_dir: Option<PathBuf>,
    /// Pages recorded by an earlier attempt: not read again.
    pub skip: Vec<u32>,
    pub max_pixels: u64,
    pub max_file_bytes: u64,
    pub page_timeout_seconds: Option<u64>,
    /// The child's address-space limit.
    pub memory_bytes: u64,
    /// CPU seconds for the whole file, and per page to read, per thread.
    pub cpu_seconds: u64,
    pub cpu_seconds_per_page: u64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Message {
    /// The file is open; it has this many pages.
    Opened { pages: u32 },
    /// The file cannot be read at all, and why (it is quarantined).
    Unreadable { reason: String },
    /// One page, with the size of the image frame that follows, if any.
    Page {
        number: u32,
        outcome: Outcome,
        image: Option<(u32, u32)>,
        /// Its reading time (`PageRead::seconds`).
        seconds: f64,
    },
    /// Every page was handed on.
    Finished { peak_rss_kb: u64 },
}

/// `PageOutcome` without its image, which travels in its own frame.
#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "is", rename_all = "snake_case")]
pub enum Outcome {
    Form {
        form: String,
        version: u32,
        serial: String,
        form_page: u32,
        fields: BTreeMap<String, FieldReading>,
    },
    Blank,
    Other {
        text: String,
    },
    Failed {
        reason: String,
    },
}

/// Writes a page as its message and image frames.
pub fn write_page(out: &mut impl Write, page: PageRead) -> io::Result<()> {
    let (outcome, image) = match page.outcome {
        Err(reason) => (Outcome::Failed { reason }, None),
        Ok(PageOutcome::Blank) => (Outcome::Blank, None),
        Ok(PageOutcome::Other { text, image }) => (Outcome::Other { text }, image),
        Ok(PageOutcome::Form {
            form,
            version,
            serial,
            form_page,
            fields,
            image,
        }) => (
            Outcome::Form {
                form,
                version,
                serial,
                form_page,
                fields,
            },
            image,
        ),
    };
    let message = Message::Page {
        number: page.number,
        outcome,
        image: image.as_ref().map(|i| i.dimensions()),
        seconds: page.seconds,
    };
    write_message(out, &message)?;
    if let Some(image) = image {
        write_frame(out, image.as_raw())?;
    }
    out.flush()
}

pub fn write_message(out: &mut impl Write, message: &Message) -> io::Result<()> {
    let json = serde_json::to_vec(message).map_err(io::Error::other)?;
    write_frame(out, &json)?;
    out.flush()
}

fn write_frame(out: &mut impl Write, bytes: &[u8]) -> io::Result<()> {
    let length = u32::try_from(bytes.len()).map_err(io::Error::other)?;
    out.write_all(&length.to_le_bytes())?;
    out.write_all(bytes)
}

/// What the parent received.
pub enum Received {
    Message(Message),
    Page(PageRead),
}

/// Reads the next message; `Ok(None)` at a clean end of the stream.
/// `max_pixels` bounds an image frame.
pub async fn read_message(
    input: &mut (impl AsyncRead + Unpin),
    max_pixels: u64,
) -> io::Result<Option<Received>> {
    let mut length = [0u8; 4];
    match input.read_exact(&mut length).await {
        Ok(_) => {}
        Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e),
    }
    let length = u32::from_le_bytes(length);
    if length > MAX_MESSAGE_BYTES {
        return Err(malformed(format!("a message of {length} bytes")));
    }
    let mut json = vec![0u8; length as usize];
    input.read_exact(&mut json).await?;
    let message: Message =
        serde_json::from_slice(&json).map_err(|e| malformed(format!("a message: {e}")))?;
    let Message::Page {
        number,
        outcome,
        image,
        seconds,
    } = message
    else {
        return Ok(Some(Received::Message(message)));
    };
    let image = match image {
        None => None,
        Some((width, height)) => Some(read_image(input, width, height, max_pixels).await?),
    };
    let outcome = match outcome {
        Outcome::Failed { reason } => Err(reason),
        Outcome::Blank => Ok(PageOutcome::Blank),
        Outcome::Other { text } => Ok(PageOutcome::Other { text, image }),
        Outcome::Form {
            form,
            version,
            serial,
            form_page,
            fields,
        } => Ok(PageOutcome::Form {
            form,
            version,
            serial,
            form_page,
            fields,
            image,
        }),
    };
    Ok(Some(Received::Page(PageRead {
        number,
        outcome,
        seconds,
    })))
}

async fn read_image(
    input: &mut (impl AsyncRead + Unpin),
    width: u32,
    height: u32,
    max_pixels: u64,
) -> io::Result<GrayImage> {
    let pixels = u64::from(width) * u64::from(height);
    if pixels > max_pixels {
        return Err(malformed(format!("an image of {width}x{height}")));
    }
    let mut length = [0u8; 4];
    input.read_exact(&mut length).await?;
    if u64::from(u32::from_le_bytes(length)) != pixels {
        return Err(malformed("an image frame of the wrong size".into()));
    }
    let mut raw = vec![0u8; pixels as usize];
    input.read_exact(&mut raw).await?;
    GrayImage::from_raw(width, height, raw).ok_or_else(|| malformed("an image".into()))
}

fn malformed(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, format!("malformed: {what}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(number: u32, outcome: Result<PageOutcome, String>) -> PageRead {
        PageRead {
            number,
            outcome,
            seconds: f64::from(number) / 4.0,
        }
    }

    #[tokio::test]
    async fn pages_and_images_go_through_the_pipe_whole() {
        let mut wire = Vec::new();
        write_message(&mut wire, &Message::Opened { pages: 3 }).unwrap();
        let image = GrayImage::from_fn(7, 5, |x, y| image::Luma([(x * 10 + y) as u8]));
        let other = PageOutcome::Other {
            text: "Hej, jag flyttar".into(),
            image: Some(image.clone()),
        };
        write_page(&mut wire, page(1, Ok(other))).unwrap();
        write_page(&mut wire, page(2, Ok(PageOutcome::Blank))).unwrap();
        write_page(&mut wire, page(3, Err("too large".into()))).unwrap();

        let mut input = wire.as_slice();
        assert!(matches!(
            read_message(&mut input, 100).await.unwrap(),
            Some(Received::Message(Message::Opened { pages: 3 }))
        ));
        match read_message(&mut input, 100).await.unwrap() {
            Some(Received::Page(PageRead {
                number: 1,
                outcome: Ok(PageOutcome::Other { text, image: got }),
                seconds,
            })) => {
                assert_eq!(seconds, 0.25, "its reading time came along");
                assert_eq!(text, "Hej, jag flyttar");
                assert_eq!(got.unwrap(), image);
            }
            _ => panic!("page 1 is the letter with its image"),
        }
        assert!(matches!(
            read_message(&mut input, 100).await.unwrap(),
            Some(Received::Page(PageRead {
                number: 2,
                outcome: Ok(PageOutcome::Blank),
                ..
            }))
        ));
        match read_message(&mut input, 100).await.unwrap() {
            Some(Received::Page(PageRead {
                number: 3,
                outcome: Err(reason),
                ..
            })) => assert_eq!(reason, "too large"),
            _ => panic!("page 3 failed with its reason"),
        }
        assert!(read_message(&mut input, 100).await.unwrap().is_none());
    }

    #[tokio::test]
    async fn lengths_from_a_child_gone_wrong_are_refused() {
        let mut huge = Vec::new();
        huge.extend_from_slice(&u32::MAX.to_le_bytes());
        let error = read_message(&mut huge.as_slice(), 100).await.err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);

        // An image larger than the page limit.
        let mut wire = Vec::new();
        let other = PageOutcome::Other {
            text: String::new(),
            image: Some(GrayImage::new(20, 20)),
        };
        write_page(&mut wire, page(1, Ok(other))).unwrap();
        let error = read_message(&mut wire.as_slice(), 100).await.err().unwrap();
        assert_eq!(error.kind(), io::ErrorKind::InvalidData);

        // Cut off in the middle of a frame.
        let mut wire = Vec::new();
        write_message(&mut wire, &Message::Opened { pages: 1 }).unwrap();
        wire.truncate(wire.len() - 2);
        assert!(read_message(&mut wire.as_slice(), 100).await.is_err());
    }
}
