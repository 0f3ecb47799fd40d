//! The jobseeker's form: each field of the definition as an input of its
//! kind, what the person sent kept when it comes back, and the errors
//! summed up at the top with links to their fields.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::super::texts::{PageTexts, texts};
use super::{AppError, AppState, LanguageLink, language_links};
use intake_core::form::{Channel, FieldDef, FieldType};
use intake_core::i18n::Lang;
use intake_core::record::validate::FieldError;

/// What the person sent, and what was wrong with it.
#[derive(Default)]
pub(super) struct FormInput {
    pub(super) values: HashMap<String, String>,
    pub(super) errors: Vec<(String, FieldError)>,
    pub(super) office_missing: bool,
    pub(super) expired: bool,
}

pub(super) fn render_form(
    state: &AppState,
    lang: Lang,
    input: FormInput,
    status: StatusCode,
) -> Response {
    let t = texts(lang);
    let error_for = |id: &str| {
        input
            .errors
            .iter()
            .find(|(field, _)| field == id)
            .map(|(_, e)| e.message(lang))
    };
    let fields: Vec<FieldView> = state
        .form
        .fields_for(Channel::Web)
        .map(|def| FieldView::new(def, lang, input.values.get(&def.id), error_for(&def.id)))
        .collect();
    let chosen_office = input.values.get("office");
    let office = OfficeView {
        error: input.office_missing.then_some(t.office_missing),
        options: state
            .config
            .offices
            .iter()
            .map(|o| OptionView {
                value: o.id.clone(),
                label: o.name.get(lang).to_string(),
                checked: chosen_office == Some(&o.id),
            })
            .collect(),
    };
    let mut errors = Vec::new();
    if let Some(message) = office.error {
        errors.push(ErrorLink {
            anchor: "office".into(),
            label: t.office.into(),
            message: message.into(),
        });
    }
    errors.extend(fields.iter().filter_map(|f| {
        f.error.as_ref().map(|message| ErrorLink {
            anchor: f.anchor.clone(),
            label: f.label.clone(),
            message: message.clone(),
        })
    }));
    let page = FormPage {
        lang,
        t,
        languages: language_links(|l| format!("/{}", l.code()), lang),
        title: state.form.form.title.get(lang).to_string(),
        intro: state
            .form
            .form
            .intro
            .as_ref()
            .map(|i| i.get(lang).to_string()),
        action: format!("/{}", lang.code()),
        paper_form: super::PAPER_FORM_PATH,
        token: state.tokens.issue(state.form.id()),
        notice: input.expired.then_some(t.expired),
        errors,
        office,
        fields,
    };
    match page.render() {
        Ok(html) => crate::web::page::html(status, html),
        Err(e) => AppError::from(e).into_response(),
    }
}

struct OptionView {
    value: String,
    label: String,
    checked: bool,
}

struct OfficeView {
    error: Option<&'static str>,
    options: Vec<OptionView>,
}

struct ErrorLink {
    anchor: String,
    label: String,
    message: String,
}

enum Control {
    Input(&'static str),
    Radios,
    Checkbox,
}

struct FieldView {
    id: String,
    /// Where the error summary links to: the input, or a fieldset's first option.
    anchor: String,
    control: Control,
    label: String,
    hint: Option<String>,
    required: bool,
    value: String,
    error: Option<String>,
    options: Vec<OptionView>,
    max_length: Option<usize>,
    autocomplete: Option<String>,
    described_by: String,
    width: &'static str,
}

impl FieldView {
    fn new(def: &FieldDef, lang: Lang, value: Option<&String>, error: Option<String>) -> FieldView {
        let value = value
            .cloned()
            .or_else(|| def.default.clone())
            .unwrap_or_default();
        let control = match def.field_type {
            FieldType::Choice => Control::Radios,
            FieldType::Consent | FieldType::Signature => Control::Checkbox,
            FieldType::Phone => Control::Input("tel"),
            FieldType::Email => Control::Input("email"),
            _ => Control::Input("text"),
        };
        let options: Vec<OptionView> = def
            .options
            .iter()
            .map(|o| OptionView {
                value: o.value.clone(),
                label: o.label.get(lang).to_string(),
                checked: o.value == value,
            })
            .collect();
        let anchor = match (&control, options.first()) {
            (Control::Radios, Some(first)) => format!("{}-{}", def.id, first.value),
            _ => def.id.clone(),
        };
        let described_by = [
            def.hint.as_ref().map(|_| format!("{}-hint", def.id)),
            error.as_ref().map(|_| format!("{}-error", def.id)),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        let width = match def.max_length {
            Some(n) if n <= 12 => "short",
            Some(n) if n <= 20 => "medium",
            _ => "long",
        };
        FieldView {
            id: def.id.clone(),
            anchor,
            control,
            label: def.label(lang).to_string(),
            hint: def.hint.as_ref().map(|h| h.get(lang).to_string()),
            required: def.required,
            value,
            error,
            options,
            max_length: def.max_length,
            autocomplete: def.autocomplete.clone(),
            described_by,
            width,
        }
    }
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    lang: Lang,
    t: &'static PageTexts,
    languages: Vec<LanguageLink>,
    title: String,
    intro: Option<String>,
    action: String,
    /// Where the blank paper form is downloaded.
    paper_form: &'static str,
    token: String,
    notice: Option<&'static str>,
    errors: Vec<ErrorLink>,
    office: OfficeView,
    fields: Vec<FieldView>,
}
