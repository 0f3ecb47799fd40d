//! The core of `intake`: the form definition, the normalised record and its
//! validators, the Finnish working-day calendar and the three languages.
//! No I/O beyond reading a definition; every other crate builds on this one.

pub mod calendar;
pub mod countries;
pub mod form;
pub mod i18n;
pub mod locale;
pub mod postal;
pub mod record;
pub mod words;
