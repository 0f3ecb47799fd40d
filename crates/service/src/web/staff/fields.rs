//! One field of the form definition as a staff page shows it: label, hint,
//! the kind of input, its options and its value as the input holds it (a
//! date as D.M.YYYY, the way the form asks for it). The verification
//! station, paper triage and the registration page all build on it.

use intake_core::countries;
use intake_core::form::{FieldDef, FieldType};
use intake_core::i18n::Lang;
use intake_core::record::Value;
use time::Date;
use time::macros::format_description;

/// How a field is answered on a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Text,
    /// A `select` of the definition's options.
    Choice,
    /// A checkbox (consent, signature).
    Check,
}

impl InputKind {
    pub fn of(def: &FieldDef) -> InputKind {
        match def.field_type {
            FieldType::Choice => InputKind::Choice,
            FieldType::Consent | FieldType::Signature => InputKind::Check,
            _ => InputKind::Text,
        }
    }

    /// As templates name it: `text`, `choice` or `check`.
    pub fn as_str(self) -> &'static str {
        match self {
            InputKind::Text => "text",
            InputKind::Choice => "choice",
            InputKind::Check => "check",
        }
    }
}

/// Templates compare the kind with its name (`field.kind == "check"`).
impl PartialEq<&str> for InputKind {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

pub struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One field of the definition, ready for a form or a read-only line.
pub struct FieldInput {
    pub id: String,
    pub label: String,
    pub hint: Option<String>,
    pub required: bool,
    pub kind: InputKind,
    /// Text: what the input holds. Check: `yes` when ticked.
    pub value: String,
    /// Check: whether the box is ticked.
    pub checked: bool,
    /// Choice: the definition's options, the one of `value` selected.
    pub options: Vec<OptionView>,
    /// Country: its name in the page's language, with the code.
    pub country: Option<String>,
}

impl FieldInput {
    /// The field with `value` as the input holds it (typed, or from
    /// `input_value`).
    pub fn new(def: &FieldDef, lang: Lang, value: String) -> FieldInput {
        let kind = InputKind::of(def);
        let options = if kind == InputKind::Choice {
            def.options
                .iter()
                .map(|o| OptionView {
                    selected: o.value == value,
                    value: o.value.clone(),
                    label: o.label.get(lang).to_string(),
                })
                .collect()
        } else {
            Vec::new()
        };
        let country = (def.field_type == FieldType::Country)
            .then(|| countries::by_code(&value))
            .flatten()
            .map(|c| format!("{} ({})", c.name(lang), c.code));
        FieldInput {
            country,
            id: def.id.clone(),
            label: def.label(lang).to_string(),
            hint: def.hint.as_ref().map(|h| h.get(lang).to_string()),
            required: def.required,
            kind,
            checked: kind == InputKind::Check && matches!(value.as_str(), "yes" | "on" | "true"),
            value,
            options,
        }
    }

    /// The field holding a stored value.
    pub fn stored(def: &FieldDef, lang: Lang, value: Option<&Value>) -> FieldInput {
        FieldInput::new(
            def,
            lang,
            value.map(|v| input_value(def, v)).unwrap_or_default(),
        )
    }

    /// An empty option first, for a choice that may be left unmarked.
    pub fn with_blank_option(mut self, label: &str) -> FieldInput {
        if self.kind == InputKind::Choice {
            let blank = OptionView {
                value: String::new(),
                label: label.to_string(),
                selected: self.value.is_empty(),
            };
            self.options.insert(0, blank);
        }
        self
    }

    /// The value as a sentence shows it: an option's label, yes or no, a
    /// country's name, the text (a date as D.M.YYYY).
    pub fn shown(&self, yes: &str, no: &str) -> String {
        match self.kind {
            InputKind::Check if self.checked => yes.to_string(),
            InputKind::Check => no.to_string(),
            InputKind::Choice => self
                .options
                .iter()
                .find(|o| o.selected && !o.value.is_empty())
                .map_or_else(|| self.value.clone(), |o| o.label.clone()),
            InputKind::Text => self.country.clone().unwrap_or_else(|| self.value.clone()),
        }
    }

    pub fn is_text(&self) -> bool {
        self.kind == InputKind::Text
    }

    pub fn is_choice(&self) -> bool {
        self.kind == InputKind::Choice
    }
}

/// A stored value as the form's input takes it: a ticked box as `yes`, a
/// date (stored as ISO 8601) as D.M.YYYY, which the validator reads back.
pub fn input_value(def: &FieldDef, value: &Value) -> String {
    match value {
        Value::Bool(true) => "yes".to_string(),
        Value::Bool(false) => String::new(),
        Value::Text(text) if def.field_type == FieldType::Date => {
            match Date::parse(text, format_description!("[year]-[month]-[day]")) {
                Ok(date) => format!("{}.{}.{}", date.day(), u8::from(date.month()), date.year()),
                Err(_) => text.clone(),
            }
        }
        Value::Text(text) => text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::form::Channel;
    use intake_core::form::FormDefinition;
    use intake_core::record::normalise::normalise_field;

    fn definition() -> FormDefinition {
        FormDefinition::load(std::path::Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../forms/jobseeker-start.toml"
        )))
        .unwrap()
    }

    #[test]
    fn dates_are_shown_as_the_form_asks_and_read_back() {
        let definition = definition();
        let since = definition.field("situation_since").unwrap();
        let stored = Value::Text("2025-06-29".into());
        let shown = input_value(since, &stored);
        assert_eq!(shown, "29.6.2025");
        assert_eq!(
            normalise_field(since, Channel::Paper, &shown),
            Ok(Some(stored))
        );
    }

    #[test]
    fn choices_show_their_label_and_boxes_yes_or_no() {
        let definition = definition();
        let language = definition.field("service_language").unwrap();
        let value = language.options[0].value.clone();
        let input = FieldInput::new(language, Lang::En, value.clone());
        assert_eq!(input.kind, "choice");
        assert_eq!(
            input.shown("yes", "no"),
            language.options[0].label.get(Lang::En)
        );
        let blank = FieldInput::new(language, Lang::En, String::new()).with_blank_option("–");
        assert!(blank.options[0].selected && blank.options[0].value.is_empty());
        let consent = definition.field("contact_consent").unwrap();
        let ticked = FieldInput::stored(consent, Lang::En, Some(&Value::Bool(true)));
        assert!(ticked.checked);
        assert_eq!(ticked.shown("yes", "no"), "yes");
    }

    #[test]
    fn a_country_is_shown_by_its_name_in_the_page_language() {
        let definition = definition();
        let citizenship = definition.field("citizenship").unwrap();
        let stored = Value::Text("UA".into());
        let said = |lang| FieldInput::stored(citizenship, lang, Some(&stored)).shown("", "");
        assert_eq!(said(Lang::Fi), "Ukraina (UA)");
        assert_eq!(said(Lang::Sv), "Ukraina (UA)");
        assert_eq!(said(Lang::En), "Ukraine (UA)");
        let unknown = Value::Text("XX".into());
        assert_eq!(
            FieldInput::stored(citizenship, Lang::En, Some(&unknown)).shown("", ""),
            "XX",
            "a code not in the list is shown as it is"
        );
        let input = FieldInput::stored(citizenship, Lang::En, Some(&stored));
        assert_eq!(input.value, "UA", "an input still holds the code");
    }
}
