//! Scanned paper in the database: batches, the files handed in (each stored
//! once by content hash), and what became of every page. A page is recorded
//! exactly once; a form sheet is one registration, found again by its serial.

mod batches;
mod files;
mod pages;
mod sheets;

pub use batches::{BatchEntry, BatchProgress, BatchSummary, QuarantineEntry, ScanBatch};
pub use files::{Admission, FileState, ScanFile, StoredOriginal};
pub use pages::{PageRecord, PageRecorded, ReadBy};
pub use sheets::{FormPage, SheetSoFar};
