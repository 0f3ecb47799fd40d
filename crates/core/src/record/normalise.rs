//! Turning what a person typed into normalised field values, by the rules of
//! the form definition. The same function serves every channel; the channel
//! only decides how strict some rules are (temporary identity codes).

use std::collections::{BTreeMap, HashMap};

use time::macros::format_description;

use super::validate::{self, FieldError};
use super::{FieldReading, Value};
use crate::form::{Channel, FieldDef, FieldType, FormDefinition};

/// Normalises one value. `Ok(None)` is an empty optional field.
pub fn normalise_field(
    field: &FieldDef,
    channel: Channel,
    input: &str,
) -> Result<Option<Value>, FieldError> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return match (field.field_type, &field.default) {
            (FieldType::Consent, _) if field.required => Err(FieldError::ConsentMissing),
            (FieldType::Choice, None) if field.required => Err(FieldError::ChoiceMissing),
            (FieldType::Consent | FieldType::Signature, _) => Ok(Some(Value::Bool(false))),
            (_, Some(default)) => Ok(Some(Value::Text(default.clone()))),
            _ if field.required => Err(FieldError::Required),
            _ => Ok(None),
        };
    }
    let text = match field.field_type {
        FieldType::Hetu => {
            let hetu = validate::hetu(trimmed)?;
            if hetu.temporary && channel == Channel::Web {
                return Err(FieldError::HetuTemporary);
            }
            hetu.code
        }
        FieldType::Text => validate::text(trimmed, field.max_length.unwrap_or(200))?,
        FieldType::PostalCode => validate::postal_code(trimmed)?,
        FieldType::Phone => validate::phone(trimmed)?,
        FieldType::Email => validate::email(trimmed)?,
        FieldType::Date => validate::date(trimmed)?
            .format(format_description!("[year]-[month]-[day]"))
            .expect("a calendar date always formats"),
        FieldType::Choice => match field.option(trimmed) {
            Some(option) => option.value.clone(),
            None => return Err(FieldError::NotAnOption),
        },
        FieldType::Consent | FieldType::Signature => {
            return match trimmed {
                "yes" | "on" | "true" => Ok(Some(Value::Bool(true))),
                _ => Err(FieldError::NotAnOption),
            };
        }
    };
    Ok(Some(Value::Text(text)))
}

/// The fields of a submission on one channel, or every field's error.
pub fn normalise_submission(
    definition: &FormDefinition,
    channel: Channel,
    inputs: &HashMap<String, String>,
) -> Result<BTreeMap<String, FieldReading>, Vec<(String, FieldError)>> {
    let mut fields = BTreeMap::new();
    let mut errors = Vec::new();
    for field in definition.fields_for(channel) {
        let input = inputs.get(&field.id).map(String::as_str).unwrap_or("");
        match normalise_field(field, channel, input) {
            Ok(value) => {
                fields.insert(field.id.clone(), FieldReading::typed(value));
            }
            Err(error) => errors.push((field.id.clone(), error)),
        }
    }
    if errors.is_empty() {
        Ok(fields)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition() -> FormDefinition {
        FormDefinition::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../forms/jobseeker-start.toml"
        )))
        .unwrap()
    }

    fn valid_inputs() -> HashMap<String, String> {
        [
            ("hetu", "131052-308t"),
            ("surname", "  Virtanen "),
            ("first_names", "Matti   Juhani"),
            ("phone", "040 123 4567"),
            ("service_language", "fi"),
            ("situation", "unemployed"),
            ("contact_consent", "yes"),
            ("situation_since", "6.4.2020"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    }

    #[test]
    fn a_valid_web_submission_is_normalised() {
        let fields = normalise_submission(&definition(), Channel::Web, &valid_inputs()).unwrap();
        let text = |id: &str| {
            fields[id]
                .value
                .as_ref()
                .and_then(Value::as_text)
                .map(String::from)
        };
        assert_eq!(text("hetu").as_deref(), Some("131052-308T"));
        assert_eq!(text("surname").as_deref(), Some("Virtanen"));
        assert_eq!(text("first_names").as_deref(), Some("Matti Juhani"));
        assert_eq!(text("phone").as_deref(), Some("+358401234567"));
        assert_eq!(text("situation_since").as_deref(), Some("2020-04-06"));
        assert_eq!(
            text("call_time").as_deref(),
            Some("any"),
            "the default applies"
        );
        assert_eq!(fields["email"].value, None);
        assert_eq!(fields["contact_consent"].value, Some(Value::Bool(true)));
        assert!(
            !fields.contains_key("signed"),
            "the web form has no signature"
        );
    }

    #[test]
    fn every_required_field_left_empty_is_reported() {
        let errors =
            normalise_submission(&definition(), Channel::Web, &HashMap::new()).unwrap_err();
        let ids: Vec<_> = errors.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "hetu",
                "surname",
                "first_names",
                "phone",
                "service_language",
                "situation",
                "contact_consent"
            ]
        );
        assert_eq!(errors.last().unwrap().1, FieldError::ConsentMissing);
    }

    #[test]
    fn a_temporary_code_is_refused_on_the_web_but_read_on_paper() {
        let definition = definition();
        let hetu = definition.field("hetu").unwrap();
        assert_eq!(
            normalise_field(hetu, Channel::Web, "010594Y9032"),
            Err(FieldError::HetuTemporary)
        );
        assert_eq!(
            normalise_field(hetu, Channel::Paper, "010594Y9032"),
            Ok(Some(Value::Text("010594Y9032".into())))
        );
    }

    #[test]
    fn a_value_outside_the_options_is_refused() {
        let definition = definition();
        let situation = definition.field("situation").unwrap();
        assert_eq!(
            normalise_field(situation, Channel::Web, "retired"),
            Err(FieldError::NotAnOption)
        );
    }
}
