//! A flagged field as the verification form shows it (the value read, why
//! it was flagged and the evidence, the likely values as one-click
//! choices, an input of the right kind prefilled, built on
//! `staff::fields`), and what the person typed checked by the web rules.

use std::collections::{BTreeMap, HashMap};
use std::ops::Deref;

use crate::store::review::FieldDecision;
use intake_core::form::{Channel, FieldDef, FormDefinition};
use intake_core::i18n::Lang;
use intake_core::postal;
use intake_core::record::conditions;
use intake_core::record::normalise::normalise_field;
use intake_core::record::paper_postal::{POST_OFFICE_FIELD, POSTAL_CODE_FIELD};
use intake_core::record::validate::FieldError;
use intake_core::record::{FieldReading, ReviewReason, Value};

use super::super::fields::{FieldInput, input_value};
use super::texts::VerifyTexts;

/// One flagged field on the form: the field as the definition gives it,
/// and what the machine read and why it was flagged.
pub struct FieldView {
    pub input: FieldInput,
    /// What the machine read, as read.
    pub read: String,
    pub reasons: Vec<String>,
    /// What the evidence says against the reading, in words.
    pub evidence: Option<String>,
    /// The likely values, each a button that puts it in the input.
    pub candidates: Vec<Candidate>,
    pub crop: Option<String>,
    pub crop_alt: String,
    pub error: Option<String>,
    pub autofocus: bool,
}

/// A likely value offered as a one-click choice, with its access key.
pub struct Candidate {
    pub value: String,
    /// `field=value`, what the button sends as `pick`.
    pub pick: String,
    pub key: Option<char>,
    pub title: String,
}

/// The name of the candidate buttons: `field=value` puts the value in the
/// field's input, and the form comes back to be saved.
pub const PICK_FIELD: &str = "pick";

/// The access keys of candidate buttons, in page order.
const CANDIDATE_KEYS: [char; 9] = ['1', '2', '3', '4', '5', '6', '7', '8', '9'];

/// What the postal code table says against a flagged postal code or post
/// office, from the record's own reading of both.
pub fn evidence(
    def: &FieldDef,
    reading: &FieldReading,
    fields: &BTreeMap<String, FieldReading>,
    lang: Lang,
) -> Option<String> {
    let postal = reading.reasons.iter().any(|r| {
        matches!(
            r,
            ReviewReason::PostalMismatch | ReviewReason::PostalCodeUnknown
        )
    });
    if !postal || ![POSTAL_CODE_FIELD, POST_OFFICE_FIELD].contains(&def.id.as_str()) {
        return None;
    }
    let text = |id: &str| fields.get(id)?.value.as_ref().and_then(Value::as_text);
    postal::evidence(text(POSTAL_CODE_FIELD)?, text(POST_OFFICE_FIELD), lang)
}

/// Gives the candidate buttons of the page their keys, 1 to 9 in order.
pub fn number_candidates(views: &mut [FieldView], t: &VerifyTexts) {
    let mut keys = CANDIDATE_KEYS.iter();
    for candidate in views.iter_mut().flat_map(|v| v.candidates.iter_mut()) {
        candidate.key = keys.next().copied();
        if let Some(key) = candidate.key {
            candidate.title = t
                .candidate_title
                .replacen("{}", &candidate.value, 1)
                .replacen("{}", &key.to_string(), 1);
        }
    }
}

/// The field and value a candidate button sent, if it is one of the
/// flagged fields' candidates.
pub fn picked<'a>(
    flagged: &[(&FieldDef, &'a FieldReading)],
    form: &HashMap<String, String>,
) -> Option<(String, &'a str)> {
    let (field, value) = form.get(PICK_FIELD)?.split_once('=')?;
    let (def, reading) = flagged.iter().find(|(def, _)| def.id == field)?;
    let value = reading.offered().into_iter().find(|c| *c == value)?;
    Some((def.id.clone(), value.as_str()))
}

impl Deref for FieldView {
    type Target = FieldInput;

    fn deref(&self) -> &FieldInput {
        &self.input
    }
}

/// What the input starts with: the value read if there is one (normalised,
/// a date as D.M.YYYY), else the raw text, so that a small slip is fixed
/// rather than retyped.
pub fn prefill(def: &FieldDef, reading: &FieldReading) -> String {
    match &reading.value {
        Some(value) => input_value(def, value),
        None => reading.raw.clone().unwrap_or_default(),
    }
}

/// Why a field was flagged, in the page's language: each stored reason by
/// its code, a rule that did not pass by the validator's whole message when
/// asking it again gives that rule.
pub fn reasons(reading: &FieldReading, def: &FieldDef, lang: Lang) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for reason in &reading.reasons {
        let said = match reason {
            ReviewReason::Invalid(rule) => {
                match reading.raw.as_deref().map(|raw| validate(def, raw)) {
                    Some(Err(error)) if error.kind() == *rule => error.message(lang),
                    _ => reason.text(lang).to_string(),
                }
            }
            known => known.text(lang).to_string(),
        };
        if !out.contains(&said) {
            out.push(said);
        }
    }
    out
}

fn validate(def: &FieldDef, input: &str) -> Result<Option<Value>, FieldError> {
    normalise_field(def, Channel::Paper, input)
}

/// The view of one flagged field; `entered` is what the person typed when
/// the form comes back with errors.
pub fn view(
    def: &FieldDef,
    reading: &FieldReading,
    entered: Option<&str>,
    lang: Lang,
    t: &VerifyTexts,
) -> FieldView {
    let value = entered.map_or_else(|| prefill(def, reading), str::to_string);
    let input = FieldInput::new(def, lang, value).with_blank_option(t.not_marked);
    FieldView {
        crop_alt: t.crop_alt.replacen("{}", &input.label, 1),
        input,
        read: reading.raw.clone().unwrap_or_default(),
        reasons: reasons(reading, def, lang),
        evidence: None,
        candidates: reading
            .offered()
            .into_iter()
            .map(|value| Candidate {
                value: value.clone(),
                pick: format!("{}={value}", def.id),
                key: None,
                title: value.clone(),
            })
            .collect(),
        crop: None,
        error: None,
        autofocus: false,
    }
}

/// The person's answers for the flagged fields, each checked; or each
/// field's error. An unticked checkbox sends nothing: that is "no".
pub fn decide(
    flagged: &[(&FieldDef, &FieldReading)],
    form: &HashMap<String, String>,
) -> Result<Vec<FieldDecision>, Vec<(String, FieldError)>> {
    let mut decisions = Vec::new();
    let mut errors = Vec::new();
    for (def, _) in flagged {
        let input = form.get(&def.id).map(String::as_str).unwrap_or("");
        match validate(def, input) {
            Ok(value) => decisions.push(FieldDecision {
                field: def.id.clone(),
                value,
            }),
            Err(error) => errors.push((def.id.clone(), error)),
        }
    }
    if errors.is_empty() {
        Ok(decisions)
    } else {
        Err(errors)
    }
}

/// The rules between fields (identity code or its box, the date of birth
/// the code's, the other language named) over the registration's answers
/// with the decisions in them: the errors of the fields on the form. A
/// field not on the form that breaks a rule is left to the store, which
/// flags it.
pub fn rule_errors(
    definition: &FormDefinition,
    fields: &BTreeMap<String, FieldReading>,
    flagged: &[(&FieldDef, &FieldReading)],
    decisions: &[FieldDecision],
) -> Vec<(String, FieldError)> {
    let mut answers = fields.clone();
    for decision in decisions {
        answers
            .entry(decision.field.clone())
            .or_insert_with(|| FieldReading::typed(None))
            .value = decision.value.clone();
    }
    conditions::check(definition, Channel::Paper, &answers)
        .into_iter()
        .filter(|(id, _)| flagged.iter().any(|(def, _)| def.id == *id))
        .collect()
}

/// For sending a form on as it is: the answers that pass the web rules,
/// each checked, and with the others the rules between fields; and the
/// ids of the fields whose answer does not (they stay flagged).
pub fn decide_what_passes(
    definition: &FormDefinition,
    fields: &BTreeMap<String, FieldReading>,
    flagged: &[(&FieldDef, &FieldReading)],
    form: &HashMap<String, String>,
) -> (Vec<FieldDecision>, Vec<String>) {
    let (mut decisions, mut failed) = match decide(flagged, form) {
        Ok(decisions) => (decisions, Vec::new()),
        Err(errors) => {
            let failed: Vec<String> = errors.into_iter().map(|(field, _)| field).collect();
            let passing: Vec<(&FieldDef, &FieldReading)> = flagged
                .iter()
                .filter(|(def, _)| !failed.contains(&def.id))
                .copied()
                .collect();
            (decide(&passing, form).unwrap_or_default(), failed)
        }
    };
    // An answer left out changes what the others must be: again until
    // every answer kept passes (each round keeps fewer).
    loop {
        let breaking: Vec<String> = rule_errors(definition, fields, flagged, &decisions)
            .into_iter()
            .map(|(field, _)| field)
            .filter(|field| decisions.iter().any(|d| d.field == *field))
            .collect();
        if breaking.is_empty() {
            return (decisions, failed);
        }
        decisions.retain(|d| !breaking.contains(&d.field));
        failed.extend(breaking);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::form::FormDefinition;
    use intake_core::record::FieldStatus;
    use intake_core::record::validate::FieldErrorCode;

    fn definition() -> FormDefinition {
        FormDefinition::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../forms/jobseeker-start.toml"
        )))
        .unwrap()
    }

    fn flagged(value: Option<&str>, raw: &str, reasons: &[ReviewReason]) -> FieldReading {
        FieldReading {
            value: value.map(|v| Value::Text(v.into())),
            status: FieldStatus::NeedsReview,
            raw: Some(raw.into()),
            confidence: Some(0.5),
            reasons: reasons.to_vec(),
            candidates: Vec::new(),
            corrected_by: None,
            alternatives: Vec::new(),
        }
    }

    #[test]
    fn the_input_starts_with_the_value_or_else_what_was_read() {
        let definition = definition();
        let phone = definition.field("phone").unwrap();
        let hetu = definition.field("hetu").unwrap();
        let since = definition.field("situation_since").unwrap();
        assert_eq!(
            prefill(phone, &flagged(Some("+358501234567"), "0501234567", &[])),
            "+358501234567"
        );
        assert_eq!(
            prefill(hetu, &flagged(None, "260967X265Y", &[])),
            "260967X265Y"
        );
        assert_eq!(
            prefill(since, &flagged(Some("2025-06-29"), "29 6 2025", &[])),
            "29.6.2025",
            "a date as the form asks for it"
        );
    }

    #[test]
    fn reasons_are_said_in_the_language_of_the_page() {
        let definition = definition();
        let hetu = definition.field("hetu").unwrap();
        let reading = flagged(
            None,
            "260967X265Y",
            &[
                ReviewReason::LowConfidence,
                ReviewReason::Invalid(FieldErrorCode::HetuCheck),
            ],
        );
        let said = reasons(&reading, hetu, Lang::Fi);
        assert_eq!(said.len(), 2);
        assert_eq!(said[0], "kone ei ollut varma");
        assert_eq!(said[1], FieldError::HetuCheck.message(Lang::Fi));
    }

    #[test]
    fn answers_are_checked_by_the_web_rules() {
        let definition = definition();
        let hetu = definition.field("hetu").unwrap();
        let email = definition.field("email").unwrap();
        let reading = flagged(None, "x", &[]);
        let both = [(hetu, &reading), (email, &reading)];
        let mut form: HashMap<String, String> = [
            ("hetu".to_string(), "131052-308t".to_string()),
            ("email".to_string(), "not an address".to_string()),
        ]
        .into();
        let errors = decide(&both, &form).unwrap_err();
        assert_eq!(errors, [("email".to_string(), FieldError::EmailFormat)]);
        form.insert("email".into(), String::new());
        let decisions = decide(&both, &form).unwrap();
        assert_eq!(decisions[0].value, Some(Value::Text("131052-308T".into())));
        assert_eq!(decisions[1].value, None, "an optional field may be emptied");
    }

    #[test]
    fn sending_on_keeps_what_passes_and_leaves_the_rest() {
        let definition = definition();
        let hetu = definition.field("hetu").unwrap();
        let consent = definition.field("contact_consent").unwrap();
        let reading = flagged(None, "x", &[]);
        let both = [(hetu, &reading), (consent, &reading)];
        let form: HashMap<String, String> =
            [("hetu".to_string(), "131052-308t".to_string())].into();
        let (decisions, unresolved) =
            decide_what_passes(&definition, &BTreeMap::new(), &both, &form);
        assert_eq!(decisions.len(), 1);
        assert_eq!(decisions[0].field, "hetu");
        assert_eq!(unresolved, ["contact_consent"]);
    }
}
