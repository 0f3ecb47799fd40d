//! The paper form: the printable A4 PDF and the layout the recogniser reads
//! it by. Both come from the form definition, and the PDF is drawn from the
//! layout, so what the recogniser expects is what was printed.

mod acroform;
pub(crate) mod canvas;
mod draw;
mod flow;
pub mod layout;
pub mod pdf;
pub mod qr;
pub mod serial;
pub(crate) mod style;
pub(crate) mod text;

#[cfg(test)]
mod tests;

pub use acroform::{FilledValue, filled_values};
pub use layout::{BoxMm, FieldBox, FieldKind, Layout};
pub use pdf::render;
pub use qr::{QrPayload, QrPayloadError};
pub use serial::new_serial;

#[derive(Debug, thiserror::Error)]
pub enum PaperError {
    #[error("no copies asked for: give at least one serial")]
    NoCopies,
    #[error("`{0}` cannot be a sheet serial: use 4 to 24 of ABCDEFGHJKLMNPRSTUVWXY23456789")]
    BadSerial(String),
    #[error("the serial `{0}` is given twice: every copy needs its own")]
    DuplicateSerial(String),
    #[error("the layout is for {layout} but the definition is {definition}")]
    LayoutMismatch { layout: String, definition: String },
    #[error("cannot make the QR code: {0}")]
    Qr(#[from] qrcode::types::QrError),
    #[error("cannot write the PDF: {0}")]
    Pdf(#[from] lopdf::Error),
}
