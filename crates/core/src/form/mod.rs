//! Form definitions: `forms/<id>.toml` is the single source of truth for a
//! form's fields, labels, rules and order. This module loads a definition and
//! checks it, so that a broken file stops start-up with a precise message.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::i18n::{Lang, Text};

/// The definitions shipped inside the binary: `forms/*.toml` as they were
/// when it was built, so that it runs from any folder. `INTAKE_FORMS_DIR`
/// (or `forms_dir`) points at a folder to use instead.
pub const SHIPPED: &[(&str, &str)] = &[
    (
        "jobseeker-start-v1.toml",
        include_str!("../../../../forms/jobseeker-start-v1.toml"),
    ),
    (
        "jobseeker-start.toml",
        include_str!("../../../../forms/jobseeker-start.toml"),
    ),
];

/// How a shipped definition is named in messages.
fn shipped_path(name: &str) -> PathBuf {
    PathBuf::from(format!("(built in) forms/{name}"))
}

/// The id of the form the public web channel serves.
pub const WEB_FORM_ID: &str = "jobseeker-start";

/// Field ids every jobseeker-start form must carry: they are the keys of the
/// normalised record (DOMAIN.md).
pub const JOBSEEKER_START_FIELDS: [&str; 16] = [
    "hetu",
    "surname",
    "first_names",
    "street_address",
    "postal_code",
    "post_office",
    "phone",
    "email",
    "service_language",
    "situation",
    "situation_since",
    "desired_occupation",
    "call_time",
    "contact_consent",
    "signed",
    "signature_date",
];

/// Keys the second version of jobseeker-start adds (issue 15: people
/// without a Finnish identity code, and the language they need).
pub const JOBSEEKER_START_V2_FIELDS: [&str; 4] =
    ["no_hetu", "birth_date", "citizenship", "other_language"];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    Hetu,
    Text,
    PostalCode,
    Phone,
    Email,
    Date,
    Choice,
    /// A box to tick: yes or no. A required one must be ticked (consent);
    /// `checkbox` names the same kind where ticking is a plain answer.
    #[serde(alias = "checkbox")]
    Consent,
    Signature,
    /// A country as its ISO 3166-1 alpha-2 code (see `crate::countries`).
    Country,
}

/// "When field `field` has the value `value`" (`yes` for a ticked box).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub field: String,
    pub value: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Paper,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Paper => "paper",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceOption {
    pub value: String,
    pub label: Text,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldDef {
    pub id: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub required: bool,
    pub label: Text,
    pub hint: Option<Text>,
    pub max_length: Option<usize>,
    #[serde(default)]
    pub options: Vec<ChoiceOption>,
    /// The value a choice takes when left empty.
    pub default: Option<String>,
    pub autocomplete: Option<String>,
    /// Which channels carry the field; both when absent.
    pub channels: Option<Vec<Channel>>,
    /// Asked only when another field has a value: the web form reveals it
    /// then (and drops its answer otherwise); `required` holds only then.
    /// Paper prints it always.
    pub shown_when: Option<Condition>,
    /// `required` does not hold when another field has this value.
    pub required_unless: Option<Condition>,
    /// The legend of the group a field forms on the web with the fields
    /// it reveals (those whose `shown_when` names it).
    pub legend: Option<Text>,
}

impl FieldDef {
    pub fn on_channel(&self, channel: Channel) -> bool {
        self.channels.as_ref().is_none_or(|c| c.contains(&channel))
    }

    pub fn option(&self, value: &str) -> Option<&ChoiceOption> {
        self.options.iter().find(|o| o.value == value)
    }

    pub fn label(&self, lang: Lang) -> &str {
        self.label.get(lang)
    }

    /// Required whatever else is answered: what a single field's rules
    /// can check alone. A conditional requirement is checked with the
    /// other answers at hand (`record::conditions`).
    pub fn always_required(&self) -> bool {
        self.required && self.shown_when.is_none() && self.required_unless.is_none()
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormHeader {
    pub id: String,
    pub version: u32,
    pub title: Text,
    pub intro: Option<Text>,
    /// The intro in plain language (selkokieli, lättläst), Finnish and
    /// Swedish.
    pub plain_intro: Option<PlainText>,
}

/// A text in plain-language Swedish and Finnish.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlainText {
    pub sv: String,
    pub fi: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FormDefinition {
    pub form: FormHeader,
    pub fields: Vec<FieldDef>,
}

#[derive(Debug, thiserror::Error)]
pub enum DefinitionError {
    #[error("{path}: cannot read the form definition: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: not a valid form definition: {message}")]
    Syntax { path: PathBuf, message: String },
    #[error("{path}: field `{field}`: {problem}")]
    Field {
        path: PathBuf,
        field: String,
        problem: String,
    },
    #[error("{path}: {problem}")]
    Form { path: PathBuf, problem: String },
}

impl FormDefinition {
    pub fn id(&self) -> &str {
        &self.form.id
    }

    pub fn version(&self) -> u32 {
        self.form.version
    }

    pub fn field(&self, id: &str) -> Option<&FieldDef> {
        self.fields.iter().find(|f| f.id == id)
    }

    pub fn fields_for(&self, channel: Channel) -> impl Iterator<Item = &FieldDef> {
        self.fields.iter().filter(move |f| f.on_channel(channel))
    }

    /// Loads `<id>.toml` from the given folder, or the definition shipped
    /// inside the binary when there is no folder.
    pub fn load_by_id(
        forms_dir: Option<&Path>,
        id: &str,
    ) -> Result<FormDefinition, DefinitionError> {
        let file = format!("{id}.toml");
        match forms_dir {
            Some(dir) => FormDefinition::load(&dir.join(file)),
            None => match SHIPPED.iter().find(|(name, _)| *name == file) {
                Some((name, source)) => FormDefinition::parse(&shipped_path(name), source),
                None => Err(DefinitionError::Read {
                    path: shipped_path(&file),
                    source: std::io::ErrorKind::NotFound.into(),
                }),
            },
        }
    }

    /// One version of a form: the current one from [`load_by_id`], an
    /// older one from the other definitions of the folder (or those
    /// shipped), `<id>-v<N>.toml` by convention.
    ///
    /// [`load_by_id`]: FormDefinition::load_by_id
    pub fn load_version(
        forms_dir: Option<&Path>,
        id: &str,
        version: u32,
    ) -> Result<Option<FormDefinition>, DefinitionError> {
        let found = FormDefinition::load_all(forms_dir)?
            .into_iter()
            .find(|d| d.id() == id && d.version() == version);
        Ok(found)
    }

    /// Every `*.toml` definition in a folder, in name order; without a
    /// folder, the ones shipped inside the binary.
    pub fn load_all(forms_dir: Option<&Path>) -> Result<Vec<FormDefinition>, DefinitionError> {
        let Some(dir) = forms_dir else {
            return SHIPPED
                .iter()
                .map(|(name, source)| FormDefinition::parse(&shipped_path(name), source))
                .collect();
        };
        let entries = std::fs::read_dir(dir).map_err(|source| DefinitionError::Read {
            path: dir.to_owned(),
            source,
        })?;
        let mut paths: Vec<PathBuf> = entries
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        paths.sort();
        paths
            .iter()
            .map(|path| FormDefinition::load(path))
            .collect()
    }

    pub fn load(path: &Path) -> Result<FormDefinition, DefinitionError> {
        let source = std::fs::read_to_string(path).map_err(|source| DefinitionError::Read {
            path: path.to_owned(),
            source,
        })?;
        FormDefinition::parse(path, &source)
    }

    /// Parses and checks a definition; `path` only names it in errors.
    pub fn parse(path: &Path, source: &str) -> Result<FormDefinition, DefinitionError> {
        let definition: FormDefinition =
            toml::from_str(source).map_err(|e| DefinitionError::Syntax {
                path: path.to_owned(),
                message: e.message().to_string(),
            })?;
        definition.check(path)?;
        Ok(definition)
    }

    fn check(&self, path: &Path) -> Result<(), DefinitionError> {
        let form_problem = |problem: String| DefinitionError::Form {
            path: path.to_owned(),
            problem,
        };
        if self.form.id.trim().is_empty() {
            return Err(form_problem("[form] id is empty".into()));
        }
        if self.form.version == 0 {
            return Err(form_problem("[form] version must be 1 or more".into()));
        }
        if !self.form.title.is_complete() {
            return Err(form_problem("[form] title needs sv, fi and en".into()));
        }
        let mut seen = HashSet::new();
        for field in &self.fields {
            if let Some(condition) = &field.shown_when {
                self.check_condition(path, field, condition, Some(&seen))?;
            }
            if let Some(condition) = &field.required_unless {
                self.check_condition(path, field, condition, None)?;
            }
            let problem = |problem: &str| DefinitionError::Field {
                path: path.to_owned(),
                field: field.id.clone(),
                problem: problem.to_string(),
            };
            if !is_field_id(&field.id) {
                return Err(problem("the id must be lower-case letters, digits and _"));
            }
            if !seen.insert(field.id.as_str()) {
                return Err(problem("the id is used twice"));
            }
            if !field.label.is_complete() {
                return Err(problem("the label needs sv, fi and en"));
            }
            if field.hint.as_ref().is_some_and(|h| !h.is_complete()) {
                return Err(problem("the hint needs sv, fi and en"));
            }
            if field.legend.as_ref().is_some_and(|h| !h.is_complete()) {
                return Err(problem("the legend needs sv, fi and en"));
            }
            if field.max_length == Some(0) {
                return Err(problem("max_length must be 1 or more"));
            }
            if field.channels.as_ref().is_some_and(|c| c.is_empty()) {
                return Err(problem("channels is empty: the field would appear nowhere"));
            }
            match field.field_type {
                FieldType::Choice => {
                    if field.options.len() < 2 {
                        return Err(problem("a choice needs at least two options"));
                    }
                    let mut values = HashSet::new();
                    for option in &field.options {
                        if option.value.trim().is_empty() || !values.insert(&option.value) {
                            return Err(problem("option values must be non-empty and distinct"));
                        }
                        if !option.label.is_complete() {
                            return Err(problem(&format!(
                                "option `{}` needs a label in sv, fi and en",
                                option.value
                            )));
                        }
                    }
                    if let Some(default) = &field.default
                        && field.option(default).is_none()
                    {
                        return Err(problem(&format!(
                            "default `{default}` is not one of the options"
                        )));
                    }
                }
                _ if !field.options.is_empty() => {
                    return Err(problem("only a choice field has options"));
                }
                _ if field.default.is_some() => {
                    return Err(problem("only a choice field has a default"));
                }
                _ => {}
            }
        }
        if self.form.id == "jobseeker-start" {
            let v2 = JOBSEEKER_START_V2_FIELDS
                .iter()
                .filter(|_| self.form.version >= 2);
            for id in JOBSEEKER_START_FIELDS.iter().chain(v2) {
                if !seen.contains(id) {
                    return Err(form_problem(format!(
                        "the field `{id}` is missing: it is a key of the normalised record"
                    )));
                }
            }
        }
        Ok(())
    }

    /// A condition names another field and one of the values that field
    /// can take; `shown_when` an earlier one (`earlier`), so that one pass
    /// in order settles what is asked.
    fn check_condition(
        &self,
        path: &Path,
        field: &FieldDef,
        condition: &Condition,
        earlier: Option<&HashSet<&str>>,
    ) -> Result<(), DefinitionError> {
        let problem = |problem: String| DefinitionError::Field {
            path: path.to_owned(),
            field: field.id.clone(),
            problem,
        };
        let Some(on) = self
            .field(&condition.field)
            .filter(|on| on.id != field.id)
            .filter(|_| earlier.is_none_or(|e| e.contains(condition.field.as_str())))
        else {
            let place = if earlier.is_some() {
                " before this one"
            } else {
                ""
            };
            return Err(problem(format!(
                "the condition names `{}`, which is not another field{place}",
                condition.field
            )));
        };
        let possible = match on.field_type {
            FieldType::Consent => condition.value == "yes",
            FieldType::Choice => on.option(&condition.value).is_some(),
            _ => false,
        };
        if !possible {
            return Err(problem(format!(
                "the condition's value `{}` is not one `{}` can take (a box: yes; a choice: an option)",
                condition.value, on.id
            )));
        }
        Ok(())
    }
}

fn is_field_id(id: &str) -> bool {
    !id.is_empty()
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../forms/jobseeker-start.toml"
        ))
        .unwrap()
    }

    fn parse(source: &str) -> Result<FormDefinition, DefinitionError> {
        FormDefinition::parse(Path::new("forms/jobseeker-start.toml"), source)
    }

    #[test]
    fn every_definition_in_forms_is_built_in() {
        let folder = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../forms"));
        let on_disk = FormDefinition::load_all(Some(folder)).unwrap();
        let built_in = FormDefinition::load_all(None).unwrap();
        let ids = |forms: &[FormDefinition]| {
            forms
                .iter()
                .map(|f| (f.id().to_string(), f.version()))
                .collect::<Vec<_>>()
        };
        assert!(!built_in.is_empty());
        assert_eq!(ids(&on_disk), ids(&built_in), "add new files to SHIPPED");
        assert!(FormDefinition::load_by_id(None, WEB_FORM_ID).is_ok());
        assert!(FormDefinition::load_by_id(None, "no-such-form").is_err());
    }

    #[test]
    fn the_shipped_definition_loads_with_every_record_key() {
        let definition = parse(&shipped()).unwrap();
        for id in JOBSEEKER_START_FIELDS {
            assert!(definition.field(id).is_some(), "{id}");
        }
        let web: Vec<_> = definition
            .fields_for(Channel::Web)
            .map(|f| f.id.as_str())
            .collect();
        assert!(!web.contains(&"signed"));
        assert!(web.contains(&"contact_consent"));
    }

    #[test]
    fn a_missing_label_names_file_field_and_problem() {
        let broken = shipped().replace(
            "label = { sv = \"Efternamn\", fi = \"Sukunimi\", en = \"Surname\" }",
            "label = { sv = \"Efternamn\", fi = \"\", en = \"Surname\" }",
        );
        let message = parse(&broken).unwrap_err().to_string();
        assert!(message.contains("forms/jobseeker-start.toml"), "{message}");
        assert!(message.contains("`surname`"), "{message}");
        assert!(message.contains("sv, fi and en"), "{message}");
    }

    #[test]
    fn an_unknown_type_is_a_syntax_error_naming_the_file() {
        let broken = shipped().replace("type = \"postal_code\"", "type = \"zip\"");
        let message = parse(&broken).unwrap_err().to_string();
        assert!(message.contains("forms/jobseeker-start.toml"), "{message}");
        assert!(message.contains("zip"), "{message}");
    }

    #[test]
    fn a_default_outside_the_options_is_refused() {
        let broken = shipped().replace("default = \"any\"", "default = \"evening\"");
        let message = parse(&broken).unwrap_err().to_string();
        assert!(
            message.contains("`call_time`") && message.contains("evening"),
            "{message}"
        );
    }

    #[test]
    fn a_duplicated_or_missing_record_key_is_refused() {
        let duplicated = shipped().replace("id = \"post_office\"", "id = \"surname\"");
        assert!(
            parse(&duplicated)
                .unwrap_err()
                .to_string()
                .contains("used twice")
        );
    }

    #[test]
    fn the_current_form_is_version_2_and_version_1_stays_readable() {
        let current = FormDefinition::load_by_id(None, WEB_FORM_ID).unwrap();
        assert_eq!(current.version(), 2);
        for id in JOBSEEKER_START_V2_FIELDS {
            assert!(current.field(id).is_some(), "{id}");
        }
        let v1 = FormDefinition::load_version(None, WEB_FORM_ID, 1)
            .unwrap()
            .expect("version 1 is shipped");
        assert!(v1.field("no_hetu").is_none());
        assert!(v1.field("hetu").unwrap().always_required());
        assert!(!current.field("hetu").unwrap().always_required());
        assert!(
            FormDefinition::load_version(None, WEB_FORM_ID, 9)
                .unwrap()
                .is_none()
        );
    }

    #[test]
    fn a_condition_must_name_an_earlier_field_and_a_value_it_can_take() {
        let later = shipped().replace(
            "shown_when = { field = \"no_hetu\", value = \"yes\" }\nmax_length = 10",
            "shown_when = { field = \"situation\", value = \"other\" }\nmax_length = 10",
        );
        let message = parse(&later).unwrap_err().to_string();
        assert!(
            message.contains("`birth_date`") && message.contains("`situation`"),
            "{message}"
        );
        let impossible = shipped().replace(
            "shown_when = { field = \"service_language\", value = \"other\" }",
            "shown_when = { field = \"service_language\", value = \"de\" }",
        );
        let message = parse(&impossible).unwrap_err().to_string();
        assert!(message.contains("`de`"), "{message}");
    }
}
