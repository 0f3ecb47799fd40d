//! What one person writes on one form: every field's marks as they go on
//! paper, and what the record should end up holding for it. The truth is
//! computed by the service's own normaliser from what was written, so a
//! sample can never promise a value the record could not hold.

use rand::Rng;
use rand::seq::IndexedRandom;
use serde_json::Value as Json;
use time::{Date, Duration, Month};

use crate::synthetic::{Jobseeker, OTHER_LANGUAGES};
use intake_core::form::{Channel, FieldType, FormDefinition};
use intake_core::record::conditions::{
    BIRTH_DATE_FIELD, CITIZENSHIP_FIELD, NO_HETU_FIELD, OTHER_LANGUAGE_FIELD,
};
use intake_core::record::normalise::normalise_field;
use intake_core::record::validate;
use intake_paper::printable::{FieldKind, Layout};

use super::SamplesError;
use super::fonts::FontClass;

/// How a checkbox was marked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// A check mark, two strokes.
    Tick,
    /// An X by hand.
    Cross,
    /// The box filled in.
    Filled,
    /// A neat X printed from the PDF's own field.
    PrintedCross,
    /// Blacked out to take a choice back: not a choice.
    ScribbledOut,
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct Mark {
    pub option: String,
    pub mark: MarkKind,
}

/// What went onto the paper for one field.
#[derive(Debug, Clone)]
pub enum Writing {
    Empty,
    /// One character per cell; a space is a cell left blank.
    Comb(Vec<char>),
    Line(String),
    Marks(Vec<Mark>),
    Signature,
}

#[derive(Debug, Clone)]
pub struct FieldFill {
    pub id: String,
    pub writing: Writing,
    /// The normalised value, `null` for an empty optional field.
    pub truth: Json,
}

/// Fills every paper field of the layout for `person`.
pub fn fill(
    definition: &FormDefinition,
    layout: &Layout,
    person: &Jobseeker,
    class: FontClass,
    rng: &mut impl Rng,
) -> Result<Vec<FieldFill>, SamplesError> {
    fill_as(definition, layout, person, class, None, rng)
}

/// [`fill`], choosing whether a version 2 form is filled in without an
/// identity code (`None`: by chance).
pub fn fill_as(
    definition: &FormDefinition,
    layout: &Layout,
    person: &Jobseeker,
    class: FontClass,
    no_code: Option<bool>,
    rng: &mut impl Rng,
) -> Result<Vec<FieldFill>, SamplesError> {
    let capitals = class == FontClass::Handwriting && rng.random_bool(0.9)
        || class == FontClass::Printed && rng.random_bool(0.2);
    let case = |s: &str| {
        if capitals {
            s.to_uppercase()
        } else {
            s.to_string()
        }
    };
    let signed = rng.random_bool(0.85);
    // Form version 2: some people have no Finnish identity code and give
    // their date of birth and citizenship instead. Drawn only when the
    // form asks, so that a version 1 sheet is made as it always was.
    let asks = definition.field(NO_HETU_FIELD).is_some();
    let no_code = asks && no_code.unwrap_or_else(|| rng.random_bool(NO_CODE_SHARE));
    let no_code_extra = no_code.then(|| NoCode {
        birth_date: validate::hetu(&person.hetu).map_or(Date::MIN, |h| h.birth_date),
        citizenship: CITIZENSHIPS.choose(rng).expect("not empty"),
    });
    let mut fills = Vec::new();
    for placed in &layout.fields {
        let Some(field) = definition.field(&placed.id) else {
            continue;
        };
        let writing = match (placed.kind, placed.id.as_str(), &no_code_extra) {
            (FieldKind::Comb, "hetu", Some(_)) => Writing::Empty,
            (FieldKind::Choice, NO_HETU_FIELD, Some(_)) => marks(field, "yes", class, rng),
            (FieldKind::Comb, BIRTH_DATE_FIELD, Some(extra)) => {
                Writing::Comb(date_cells(extra.birth_date))
            }
            (FieldKind::Comb, CITIZENSHIP_FIELD, Some(extra)) => {
                Writing::Comb(extra.citizenship.chars().collect())
            }
            (FieldKind::Line, OTHER_LANGUAGE_FIELD, _) if person.service_language == "other" => {
                Writing::Line(case(OTHER_LANGUAGES.choose(rng).expect("not empty")))
            }
            _ => match (placed.kind, placed.id.as_str()) {
                (FieldKind::Comb, "hetu") => Writing::Comb(person.hetu.chars().collect()),
                (FieldKind::Comb, "postal_code") => {
                    Writing::Comb(person.postal_code.chars().collect())
                }
                (FieldKind::Comb, "phone") => Writing::Comb(phone_cells(&person.phone_e164, rng)),
                (FieldKind::Comb, "situation_since") => {
                    let likely =
                        matches!(person.situation, "unemployed" | "laid_off" | "part_time");
                    if rng.random_bool(if likely { 0.65 } else { 0.25 }) {
                        Writing::Comb(date_cells(random_date(rng, (2023, 1, 1), 1000)))
                    } else {
                        Writing::Empty
                    }
                }
                (FieldKind::Comb, "signature_date") => {
                    if signed && rng.random_bool(0.75) {
                        Writing::Comb(date_cells(random_date(rng, (2025, 1, 2), 320)))
                    } else {
                        Writing::Empty
                    }
                }
                (FieldKind::Line, "surname") => Writing::Line(case(&person.surname)),
                (FieldKind::Line, "first_names") => Writing::Line(case(&person.first_names)),
                (FieldKind::Line, "street_address") => {
                    optional(rng, 0.85, case(&person.street_address))
                }
                (FieldKind::Line, "post_office") => Writing::Line(case(&person.post_office)),
                (FieldKind::Line, "email") => match &person.email {
                    // Addresses are mostly written as they are typed, even
                    // by people who print everything else.
                    Some(email) if rng.random_bool(0.9) => Writing::Line(if rng.random_bool(0.8) {
                        email.clone()
                    } else {
                        email.to_uppercase()
                    }),
                    _ => Writing::Empty,
                },
                (FieldKind::Line, "desired_occupation") => {
                    optional(rng, 0.8, case(&person.desired_occupation))
                }
                (FieldKind::Choice, "service_language") => {
                    marks(field, person.service_language, class, rng)
                }
                (FieldKind::Choice, "situation") => marks(field, person.situation, class, rng),
                (FieldKind::Choice, "call_time") if rng.random_bool(0.75) => {
                    marks(field, person.call_time, class, rng)
                }
                (FieldKind::Choice, "contact_consent") if rng.random_bool(0.93) => {
                    marks(field, "yes", class, rng)
                }
                (FieldKind::Signature, _) if signed => Writing::Signature,
                _ => Writing::Empty,
            },
        };
        let truth = truth(field, &writing)?;
        fills.push(FieldFill {
            id: placed.id.clone(),
            writing,
            truth,
        });
    }
    Ok(fills)
}

/// The share of version 2 forms filled in without an identity code.
const NO_CODE_SHARE: f64 = 0.3;
/// Citizenships of people without a Finnish identity code.
const CITIZENSHIPS: &[&str] = &["UA", "EE", "SE", "RU", "SO", "IQ", "AF", "VN", "PL", "DE"];

/// What someone without an identity code writes instead.
struct NoCode {
    birth_date: Date,
    citizenship: &'static str,
}

/// The value the record holds for what was written, by the normaliser.
fn truth(field: &intake_core::form::FieldDef, writing: &Writing) -> Result<Json, SamplesError> {
    let raw = match writing {
        Writing::Empty => String::new(),
        Writing::Comb(cells) if field.field_type == FieldType::Date => {
            let digits: String = cells.iter().collect();
            format!("{}.{}.{}", &digits[..2], &digits[2..4], &digits[4..])
        }
        Writing::Comb(cells) => cells.iter().collect(),
        Writing::Line(text) => text.clone(),
        Writing::Marks(marks) => marks
            .iter()
            .find(|m| m.mark != MarkKind::ScribbledOut)
            .map(|m| m.option.clone())
            .unwrap_or_default(),
        Writing::Signature => "yes".into(),
    };
    match normalise_field(field, Channel::Paper, &raw) {
        Ok(Some(value)) => Ok(serde_json::to_value(value).unwrap_or(Json::Null)),
        Ok(None) => Ok(Json::Null),
        // An unticked consent: the record holds "no consent".
        Err(_) if field.field_type == FieldType::Consent && raw.is_empty() => Ok(Json::Bool(false)),
        Err(error) => Err(SamplesError::Invalid {
            field: field.id.clone(),
            written: raw,
            reason: error.to_string(),
        }),
    }
}

fn optional(rng: &mut impl Rng, present: f64, text: String) -> Writing {
    if !text.trim().is_empty() && rng.random_bool(present) {
        Writing::Line(text)
    } else {
        Writing::Empty
    }
}

/// The ways a number goes into 13 cells: national or international, with
/// a dash, or with cells skipped where a space would be.
fn phone_cells(e164: &str, rng: &mut impl Rng) -> Vec<char> {
    let national = format!("0{}", &e164[4..]);
    let (area, rest) = national.split_at(3);
    let written = match rng.random_range(0..6) {
        0 | 1 => national.clone(),
        2 => e164.to_string(),
        3 => format!("{area}-{rest}"),
        4 => format!("{area} {rest}"),
        _ => format!("{area} {} {}", &rest[..3], &rest[3..]),
    };
    written.chars().collect()
}

fn date_cells(date: Date) -> Vec<char> {
    format!(
        "{:02}{:02}{:04}",
        date.day(),
        u8::from(date.month()),
        date.year()
    )
    .chars()
    .collect()
}

fn random_date(rng: &mut impl Rng, (y, m, d): (i32, u8, u8), within_days: i64) -> Date {
    let start = Date::from_calendar_date(y, Month::try_from(m).unwrap_or(Month::January), d)
        .unwrap_or(Date::MIN);
    start + Duration::days(rng.random_range(0..within_days))
}

/// The chosen option marked, now and then after another was marked and
/// blacked out again.
fn marks(
    field: &intake_core::form::FieldDef,
    chosen: &str,
    class: FontClass,
    rng: &mut impl Rng,
) -> Writing {
    let kind = match class {
        FontClass::Printed if rng.random_bool(0.6) => MarkKind::PrintedCross,
        _ => *[
            MarkKind::Tick,
            MarkKind::Tick,
            MarkKind::Cross,
            MarkKind::Cross,
            MarkKind::Cross,
            MarkKind::Filled,
        ]
        .choose(rng)
        .expect("not empty"),
    };
    let mut marks = Vec::new();
    let others: Vec<&str> = field
        .options
        .iter()
        .map(|o| o.value.as_str())
        .filter(|v| *v != chosen)
        .collect();
    if kind != MarkKind::PrintedCross
        && rng.random_bool(0.1)
        && let Some(wrong) = others.choose(rng)
    {
        marks.push(Mark {
            option: wrong.to_string(),
            mark: MarkKind::ScribbledOut,
        });
    }
    marks.push(Mark {
        option: chosen.to_string(),
        mark: kind,
    });
    Writing::Marks(marks)
}
