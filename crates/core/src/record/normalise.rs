//! Turning what a person typed into normalised field values, by the rules of
//! the form definition. The same function serves every channel; the channel
//! only decides how strict some rules are (temporary identity codes).

use std::collections::{BTreeMap, HashMap};

use time::macros::format_description;

use super::conditions;
use super::validate::{self, FieldError};
use super::{FieldReading, Value};
use crate::form::{Channel, FieldDef, FieldType, FormDefinition};

/// Normalises one value. `Ok(None)` is an empty optional field. A field
/// required only with other answers (`shown_when`, `required_unless`) is
/// optional here: `conditions` checks it with the answers at hand.
pub fn normalise_field(
    field: &FieldDef,
    channel: Channel,
    input: &str,
) -> Result<Option<Value>, FieldError> {
    let trimmed = input.trim();
    let required = field.always_required();
    if trimmed.is_empty() {
        return match (field.field_type, &field.default) {
            (FieldType::Consent, _) if required => Err(FieldError::ConsentMissing),
            (FieldType::Choice, None) if required => Err(FieldError::ChoiceMissing),
            (FieldType::Consent | FieldType::Signature, _) => Ok(Some(Value::Bool(false))),
            (_, Some(default)) => Ok(Some(Value::Text(default.clone()))),
            _ if required => Err(FieldError::Required),
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
        FieldType::Country => match crate::countries::by_code(trimmed) {
            Some(country) => country.code.to_string(),
            None => return Err(FieldError::CountryUnknown),
        },
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

/// The fields of a submission on one channel, or every field's error. A
/// field not asked (its `shown_when` does not hold) keeps no answer: the
/// web form hid it, whatever the browser still sent.
pub fn normalise_submission(
    definition: &FormDefinition,
    channel: Channel,
    inputs: &HashMap<String, String>,
) -> Result<BTreeMap<String, FieldReading>, Vec<(String, FieldError)>> {
    let mut fields = BTreeMap::new();
    let mut errors = Vec::new();
    for field in definition.fields_for(channel) {
        // Conditions name earlier fields, already normalised.
        let input = if conditions::is_shown(field, &fields) {
            inputs.get(&field.id).map(String::as_str).unwrap_or("")
        } else {
            ""
        };
        match normalise_field(field, channel, input) {
            Ok(value) => {
                fields.insert(field.id.clone(), FieldReading::typed(value));
            }
            Err(error) => errors.push((field.id.clone(), error)),
        }
    }
    for (id, error) in conditions::check(definition, channel, &fields) {
        if !errors.iter().any(|(field, _)| *field == id) {
            errors.push((id, error));
        }
    }
    // In the form's order, as the error summary lists them.
    let order = |id: &str| definition.fields.iter().position(|f| f.id == id);
    errors.sort_by_key(|(id, _)| order(id));
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
            "/../../forms/jobseeker-start-v1.toml"
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

    fn version_2() -> FormDefinition {
        FormDefinition::load_by_id(None, crate::form::WEB_FORM_ID).unwrap()
    }

    #[test]
    fn version_2_takes_a_birth_date_and_citizenship_instead_of_a_code() {
        let mut inputs = valid_inputs();
        inputs.remove("hetu");
        for (k, v) in [
            ("no_hetu", "yes"),
            ("birth_date", "6.4.1990"),
            ("citizenship", "ua"),
        ] {
            inputs.insert(k.into(), v.into());
        }
        let fields = normalise_submission(&version_2(), Channel::Web, &inputs).unwrap();
        assert_eq!(fields["hetu"].value, None);
        assert_eq!(fields["no_hetu"].value, Some(Value::Bool(true)));
        assert_eq!(
            fields["birth_date"].value,
            Some(Value::Text("1990-04-06".into()))
        );
        assert_eq!(fields["citizenship"].value, Some(Value::Text("UA".into())));

        inputs.insert("citizenship".into(), "XX".into());
        inputs.remove("birth_date");
        let errors = normalise_submission(&version_2(), Channel::Web, &inputs).unwrap_err();
        assert_eq!(
            errors,
            [
                ("birth_date".to_string(), FieldError::BirthDateMissing),
                ("citizenship".to_string(), FieldError::CountryUnknown),
            ]
        );
    }

    #[test]
    fn a_field_not_asked_keeps_no_answer() {
        let mut inputs = valid_inputs();
        inputs.insert("birth_date".into(), "1.1.1990".into());
        inputs.insert("other_language".into(), "arabia".into());
        let fields = normalise_submission(&version_2(), Channel::Web, &inputs).unwrap();
        assert_eq!(fields["birth_date"].value, None, "no_hetu is not ticked");
        assert_eq!(fields["other_language"].value, None, "the language is fi");
        inputs.insert("service_language".into(), "other".into());
        let fields = normalise_submission(&version_2(), Channel::Web, &inputs).unwrap();
        assert_eq!(
            fields["other_language"].value,
            Some(Value::Text("arabia".into()))
        );
    }
}
