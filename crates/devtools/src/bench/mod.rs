//! Benchmarks that print numbers (never timed tests): web submissions,
//! recognition accuracy on generated samples, and recognition throughput
//! against the plain `tesseract` command line.

pub mod accuracy;
pub mod blobs;
pub mod import;
pub mod pages;
pub mod plans;
pub mod preload;
pub mod queue;
pub mod submit;
pub mod throughput;

pub use submit::{SubmitBench, SubmitReport, submit};
