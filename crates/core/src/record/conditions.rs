//! Rules between fields (form version 2, issue 15): a field asked only when
//! another has a value (`shown_when`), one required unless another has a
//! value (`required_unless`), and the identity code against the date of
//! birth, where the code wins. The web refuses what breaks them; paper
//! sends the field to review.

use std::collections::BTreeMap;

use time::Date;
use time::macros::format_description;

use super::validate::{self, FieldError, FieldErrorCode};
use super::{FieldReading, FieldStatus, ReviewReason, Value};
use crate::form::{Channel, Condition, FieldDef, FieldType, FormDefinition};

pub const HETU_FIELD: &str = "hetu";
pub const NO_HETU_FIELD: &str = "no_hetu";
pub const BIRTH_DATE_FIELD: &str = "birth_date";
pub const CITIZENSHIP_FIELD: &str = "citizenship";
pub const OTHER_LANGUAGE_FIELD: &str = "other_language";

/// A field's answer as a condition compares it: `yes` for a ticked box.
fn answer<'a>(fields: &'a BTreeMap<String, FieldReading>, id: &str) -> Option<&'a str> {
    match fields.get(id)?.value.as_ref()? {
        Value::Bool(true) => Some("yes"),
        Value::Bool(false) => None,
        Value::Text(text) => Some(text),
    }
}

pub fn holds(condition: &Condition, fields: &BTreeMap<String, FieldReading>) -> bool {
    answer(fields, &condition.field) == Some(condition.value.as_str())
}

/// Whether the field is asked, given the answers to the fields before it.
pub fn is_shown(field: &FieldDef, fields: &BTreeMap<String, FieldReading>) -> bool {
    field.shown_when.as_ref().is_none_or(|c| holds(c, fields))
}

/// Whether the field must be answered, given the other answers.
pub fn is_required(field: &FieldDef, fields: &BTreeMap<String, FieldReading>) -> bool {
    field.required
        && is_shown(field, fields)
        && !field
            .required_unless
            .as_ref()
            .is_some_and(|c| holds(c, fields))
}

/// What a required field left empty is told: the identity fields say
/// what to do instead.
fn missing(field: &FieldDef) -> FieldError {
    match (field.id.as_str(), field.field_type) {
        (HETU_FIELD, _) if field.required_unless.is_some() => FieldError::HetuOrNoHetu,
        (BIRTH_DATE_FIELD, _) => FieldError::BirthDateMissing,
        (OTHER_LANGUAGE_FIELD, _) => FieldError::OtherLanguageMissing,
        (_, FieldType::Consent) => FieldError::ConsentMissing,
        (_, FieldType::Choice) => FieldError::ChoiceMissing,
        _ => FieldError::Required,
    }
}

fn date_of(fields: &BTreeMap<String, FieldReading>, id: &str) -> Option<Date> {
    let text = fields.get(id)?.value.as_ref()?.as_text()?;
    Date::parse(text, format_description!("[year]-[month]-[day]")).ok()
}

/// The date of birth the answers give: the identity code's, else the
/// one written (the code wins when both are there).
pub fn birth_date(fields: &BTreeMap<String, FieldReading>) -> Option<Date> {
    let hetu = answer(fields, HETU_FIELD).and_then(|h| validate::hetu(h).ok());
    hetu.map(|h| h.birth_date)
        .or_else(|| date_of(fields, BIRTH_DATE_FIELD))
}

/// Both an identity code and a date of birth, and they disagree.
fn birth_date_disagrees(fields: &BTreeMap<String, FieldReading>) -> bool {
    let hetu = answer(fields, HETU_FIELD).and_then(|h| validate::hetu(h).ok());
    match (hetu, date_of(fields, BIRTH_DATE_FIELD)) {
        (Some(hetu), Some(written)) => hetu.birth_date != written,
        _ => false,
    }
}

/// Web: every rule between the fields of a submission that does not hold,
/// as errors of the field to fix.
pub fn check(
    definition: &FormDefinition,
    channel: Channel,
    fields: &BTreeMap<String, FieldReading>,
) -> Vec<(String, FieldError)> {
    let mut errors: Vec<(String, FieldError)> = definition
        .fields_for(channel)
        .filter(|f| !f.always_required() && is_required(f, fields))
        .filter(|f| fields.get(&f.id).is_none_or(|r| r.value.is_none()))
        .map(|f| (f.id.clone(), missing(f)))
        .collect();
    if birth_date_disagrees(fields) {
        errors.push((BIRTH_DATE_FIELD.into(), FieldError::BirthDateMismatch));
    }
    errors
}

/// Paper: a field the rules between fields require that was left empty,
/// and a date of birth that is not the identity code's, go to review with
/// their reason. A corrected field is a person's word and is left alone.
pub fn doubt_paper(fields: &mut BTreeMap<String, FieldReading>, definition: &FormDefinition) {
    let missing: Vec<(String, FieldErrorCode)> = definition
        .fields_for(Channel::Paper)
        .filter(|f| !f.always_required() && is_required(f, fields))
        .filter(|f| fields.get(&f.id).is_some_and(|r| r.value.is_none()))
        .map(|f| (f.id.clone(), missing(f).kind()))
        .collect();
    for (id, rule) in missing {
        doubt(fields, &id, ReviewReason::Invalid(rule));
    }
    if birth_date_disagrees(fields) {
        doubt(
            fields,
            BIRTH_DATE_FIELD,
            ReviewReason::Invalid(FieldErrorCode::BirthDateMismatch),
        );
    }
}

/// After a person's check at the verification station: every field that
/// now breaks a rule between fields is flagged again with its rule, a
/// corrected one too (a correction is held to the rules like the reading
/// was). A field still flagged and empty keeps its own reasons: they say
/// why it is empty. Gives the ids of the fields flagged, in form order.
pub fn flag_broken(
    fields: &mut BTreeMap<String, FieldReading>,
    definition: &FormDefinition,
) -> Vec<String> {
    let mut flagged = Vec::new();
    for (id, error) in check(definition, Channel::Paper, fields) {
        let Some(reading) = fields.get_mut(&id) else {
            continue;
        };
        if reading.status == FieldStatus::NeedsReview && reading.value.is_none() {
            continue;
        }
        reading.status = FieldStatus::NeedsReview;
        let reason = ReviewReason::Invalid(error.kind());
        if !reading.reasons.contains(&reason) {
            reading.reasons.push(reason);
        }
        if !flagged.contains(&id) {
            flagged.push(id);
        }
    }
    flagged
}

fn doubt(fields: &mut BTreeMap<String, FieldReading>, id: &str, reason: ReviewReason) {
    let Some(reading) = fields.get_mut(id) else {
        return;
    };
    if reading.status == FieldStatus::Corrected {
        return;
    }
    reading.status = FieldStatus::NeedsReview;
    if !reading.reasons.contains(&reason) {
        reading.reasons.push(reason);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition() -> FormDefinition {
        FormDefinition::load_by_id(None, crate::form::WEB_FORM_ID).unwrap()
    }

    fn fields(pairs: &[(&str, Value)]) -> BTreeMap<String, FieldReading> {
        pairs
            .iter()
            .map(|(id, value)| (id.to_string(), FieldReading::typed(Some(value.clone()))))
            .collect()
    }

    fn text(t: &str) -> Value {
        Value::Text(t.into())
    }

    #[test]
    fn without_a_code_the_box_and_a_birth_date_are_needed() {
        let definition = definition();
        let errors = check(&definition, Channel::Web, &fields(&[]));
        assert!(errors.contains(&(HETU_FIELD.into(), FieldError::HetuOrNoHetu)));
        let ticked = fields(&[(NO_HETU_FIELD, Value::Bool(true))]);
        assert_eq!(
            check(&definition, Channel::Web, &ticked),
            [(BIRTH_DATE_FIELD.into(), FieldError::BirthDateMissing)]
        );
        let complete = fields(&[
            (NO_HETU_FIELD, Value::Bool(true)),
            (BIRTH_DATE_FIELD, text("1990-04-06")),
        ]);
        assert!(check(&definition, Channel::Web, &complete).is_empty());
    }

    #[test]
    fn the_code_wins_and_the_birth_date_must_be_its_own() {
        let definition = definition();
        let agree = fields(&[
            (HETU_FIELD, text("131052-308T")),
            (NO_HETU_FIELD, Value::Bool(true)),
            (BIRTH_DATE_FIELD, text("1952-10-13")),
        ]);
        assert!(check(&definition, Channel::Web, &agree).is_empty());
        assert_eq!(
            birth_date(&agree),
            Some(time::macros::date!(1952 - 10 - 13))
        );
        let disagree = fields(&[
            (HETU_FIELD, text("131052-308T")),
            (NO_HETU_FIELD, Value::Bool(true)),
            (BIRTH_DATE_FIELD, text("1952-10-14")),
        ]);
        assert_eq!(
            check(&definition, Channel::Web, &disagree),
            [(BIRTH_DATE_FIELD.into(), FieldError::BirthDateMismatch)]
        );
    }

    #[test]
    fn another_language_must_be_named() {
        let definition = definition();
        let other = fields(&[
            (HETU_FIELD, text("131052-308T")),
            ("service_language", text("other")),
        ]);
        assert_eq!(
            check(&definition, Channel::Web, &other),
            [(
                OTHER_LANGUAGE_FIELD.into(),
                FieldError::OtherLanguageMissing
            )]
        );
    }

    #[test]
    fn on_paper_a_missing_birth_date_and_a_disagreeing_one_go_to_review() {
        let definition = definition();
        let mut paper = fields(&[(NO_HETU_FIELD, Value::Bool(true))]);
        paper.insert(HETU_FIELD.into(), FieldReading::typed(None));
        paper.insert(BIRTH_DATE_FIELD.into(), FieldReading::typed(None));
        doubt_paper(&mut paper, &definition);
        assert_eq!(paper[HETU_FIELD].status, FieldStatus::Accepted);
        assert_eq!(paper[BIRTH_DATE_FIELD].status, FieldStatus::NeedsReview);
        assert_eq!(
            paper[BIRTH_DATE_FIELD].reasons,
            [ReviewReason::Invalid(FieldErrorCode::BirthDateMissing)]
        );

        let mut disagree = fields(&[
            (HETU_FIELD, text("131052-308T")),
            (BIRTH_DATE_FIELD, text("1990-01-01")),
        ]);
        doubt_paper(&mut disagree, &definition);
        assert_eq!(
            disagree[BIRTH_DATE_FIELD].reasons,
            [ReviewReason::Invalid(FieldErrorCode::BirthDateMismatch)]
        );
        assert_eq!(disagree[HETU_FIELD].status, FieldStatus::Accepted);
    }

    #[test]
    fn after_a_check_a_correction_that_breaks_a_rule_is_flagged_again() {
        let definition = definition();
        let mut checked = fields(&[
            (HETU_FIELD, text("131052-308T")),
            (BIRTH_DATE_FIELD, text("1990-01-01")),
        ]);
        checked.get_mut(HETU_FIELD).unwrap().status = FieldStatus::Corrected;
        checked.get_mut(BIRTH_DATE_FIELD).unwrap().status = FieldStatus::Corrected;
        assert_eq!(flag_broken(&mut checked, &definition), [BIRTH_DATE_FIELD]);
        assert_eq!(checked[BIRTH_DATE_FIELD].status, FieldStatus::NeedsReview);
        assert_eq!(
            checked[BIRTH_DATE_FIELD].reasons,
            [ReviewReason::Invalid(FieldErrorCode::BirthDateMismatch)]
        );
        assert_eq!(checked[HETU_FIELD].status, FieldStatus::Corrected);

        let mut ticked = fields(&[(NO_HETU_FIELD, Value::Bool(true))]);
        ticked.insert(HETU_FIELD.into(), FieldReading::typed(None));
        ticked.insert(BIRTH_DATE_FIELD.into(), FieldReading::typed(None));
        assert_eq!(flag_broken(&mut ticked, &definition), [BIRTH_DATE_FIELD]);

        let mut fine = fields(&[
            (HETU_FIELD, text("131052-308T")),
            (BIRTH_DATE_FIELD, text("1952-10-13")),
        ]);
        assert!(flag_broken(&mut fine, &definition).is_empty());

        // A code that could not be read, left for the caseworker: its own
        // reason says why it is empty.
        let mut unread = fields(&[]);
        let mut hetu = FieldReading::typed(None);
        hetu.status = FieldStatus::NeedsReview;
        hetu.reasons = vec![ReviewReason::LowConfidence];
        unread.insert(HETU_FIELD.into(), hetu);
        assert!(flag_broken(&mut unread, &definition).is_empty());
        assert_eq!(unread[HETU_FIELD].reasons, [ReviewReason::LowConfidence]);
    }
}
