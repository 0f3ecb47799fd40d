//! The paper form: `printable` lays it out and prints it (A4 PDF, corner
//! marks, QR codes, combs), and `capture` reads scans of it back into field
//! readings. The two share one layout. `letter` prints the letters sent
//! when the phone fails, in a font of its own that it embeds. No database
//! and no HTTP: everything here is testable on files alone.

pub mod capture;
pub mod letter;
pub mod printable;
