//! Development tools, kept out of the server: the sample generator
//! (synthetic people on filled-in, scanned forms with truth files), the
//! benchmarks and the demo data.

pub mod bench;
pub mod demo;
pub mod samples;
pub mod synthetic;
