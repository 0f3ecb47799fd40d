//! The jobseeker's form: each field of the definition as an input of its
//! kind, what the person sent kept when it comes back, and the errors
//! summed up at the top with links to their fields. A postal code that is
//! not the post office's (by Posti's table) warns rather than blocks: the
//! person may tick that they checked and send it as written.

use std::collections::HashMap;

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::super::texts::{PageTexts, texts};
use super::{AppError, AppState, LanguageLink, language_links};
use intake_core::countries;
use intake_core::form::{Channel, FieldDef, FieldType};
use intake_core::i18n::Lang;
use intake_core::postal::{PostalCheck, check};
use intake_core::record::paper_postal::{POST_OFFICE_FIELD, POSTAL_CODE_FIELD};
use intake_core::record::validate::FieldError;
use intake_core::record::{FieldReading, Value};

/// The checkbox by which the person says the postal code and post office
/// are right as written.
pub(super) const POSTAL_CONFIRM_FIELD: &str = "postal_confirmed";

/// What Posti's table says against the postal code and post office the
/// person typed (`fields` as normalised), in `lang`: "65100 is VAASA; you
/// wrote Närpes". `None` when they agree or there is nothing to check.
pub(super) fn postal_warning(
    fields: &std::collections::BTreeMap<String, FieldReading>,
    lang: Lang,
) -> Option<String> {
    let text = |id: &str| fields.get(id)?.value.as_ref().and_then(Value::as_text);
    let code = text(POSTAL_CODE_FIELD)?;
    let written = text(POST_OFFICE_FIELD);
    let t = texts(lang);
    match check(code, written) {
        PostalCheck::Agrees => None,
        PostalCheck::UnknownCode { .. } => Some(t.postal_unknown.replace("{code}", code)),
        PostalCheck::Disagrees { office, .. } => Some(
            t.postal_mismatch
                .replace("{code}", code)
                .replace("{office}", office.name(lang))
                .replace("{written}", written.unwrap_or("")),
        ),
    }
}

/// The same warning while other fields still fail, from the answers as
/// typed; none while the postal code itself fails its own rule.
pub(super) fn postal_warning_as_typed(
    values: &HashMap<String, String>,
    errors: &[(String, FieldError)],
    lang: Lang,
) -> Option<String> {
    if errors.iter().any(|(field, _)| field == POSTAL_CODE_FIELD) {
        return None;
    }
    let typed = |id: &str| {
        let value = values.get(id).map(|v| v.trim()).filter(|v| !v.is_empty());
        (
            id.to_string(),
            FieldReading::typed(value.map(|v| Value::Text(v.to_string()))),
        )
    };
    let fields = [typed(POSTAL_CODE_FIELD), typed(POST_OFFICE_FIELD)]
        .into_iter()
        .collect();
    postal_warning(&fields, lang)
}

/// What the person sent, and what was wrong with it.
#[derive(Default)]
pub(super) struct FormInput {
    pub(super) values: HashMap<String, String>,
    pub(super) errors: Vec<(String, FieldError)>,
    pub(super) office_missing: bool,
    pub(super) expired: bool,
    /// The postal code and post office disagree: said by both fields,
    /// with the box to send them as written.
    pub(super) postal_warning: Option<String>,
    /// They had ticked the box: it stays ticked while other fields fail.
    pub(super) postal_confirmed: bool,
    /// The intro as asked for: standard or plain language.
    pub(super) intro: IntroChoice,
}

/// The intro paragraph in the page's language, or in plain-language
/// Finnish or Swedish (selkosuomi, lättläst svenska) on any page.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) enum IntroChoice {
    #[default]
    Standard,
    Plain(Lang),
}

impl IntroChoice {
    /// `?intro=plain-fi` / `plain-sv`.
    pub(super) fn parse(value: Option<&str>) -> IntroChoice {
        match value {
            Some("plain-fi") => IntroChoice::Plain(Lang::Fi),
            Some("plain-sv") => IntroChoice::Plain(Lang::Sv),
            _ => IntroChoice::Standard,
        }
    }
}

struct IntroView {
    text: String,
    /// Set when it is not in the page's language.
    lang: Option<&'static str>,
}

fn intro(state: &AppState, lang: Lang, choice: IntroChoice) -> Option<IntroView> {
    let header = &state.form.form;
    let plain = |l: Lang| {
        let plain = header.plain_intro.as_ref()?;
        Some(match l {
            Lang::Sv => plain.sv.clone(),
            _ => plain.fi.clone(),
        })
    };
    match choice {
        IntroChoice::Plain(l) => plain(l).map(|text| IntroView {
            text,
            lang: (l != lang).then_some(l.code()),
        }),
        IntroChoice::Standard => header.intro.as_ref().map(|i| IntroView {
            text: i.get(lang).to_string(),
            lang: None,
        }),
    }
}

struct IntroLink {
    href: String,
    label: &'static str,
    lang: &'static str,
}

/// Links to the intro in plain language, each named in its own language,
/// and back to the standard one.
fn plain_intro_links(state: &AppState, lang: Lang, choice: IntroChoice) -> Vec<IntroLink> {
    if state.form.form.plain_intro.is_none() {
        return Vec::new();
    }
    let t = texts(lang);
    let mut links = Vec::new();
    for (l, value, label) in [
        (Lang::Fi, "plain-fi", "Selkosuomeksi"),
        (Lang::Sv, "plain-sv", "På lättläst svenska"),
    ] {
        if choice != IntroChoice::Plain(l) {
            links.push(IntroLink {
                href: format!("/{}?intro={value}", lang.code()),
                label,
                lang: l.code(),
            });
        }
    }
    if choice != IntroChoice::Standard {
        links.push(IntroLink {
            href: format!("/{}", lang.code()),
            label: t.standard_intro,
            lang: lang.code(),
        });
    }
    links
}

/// Puts each field that another reveals (`shown_when`) inside that one's
/// view, in order: the page shows them in one group, hidden by the style
/// sheet until the box is ticked or the option chosen (no script).
fn group_revealed(
    flat: Vec<FieldView>,
    form: &intake_core::form::FormDefinition,
) -> Vec<FieldView> {
    let mut grouped: Vec<FieldView> = Vec::new();
    for view in flat {
        let condition = form.field(&view.id).and_then(|d| d.shown_when.as_ref());
        let owner = condition.and_then(|c| grouped.iter_mut().find(|g| g.id == c.field));
        match (owner, condition) {
            (Some(owner), Some(condition)) => {
                owner.reveal_value = Some(condition.value.clone());
                owner.revealed.push(view);
            }
            _ => grouped.push(view),
        }
    }
    grouped
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
    let flat: Vec<FieldView> = state
        .form
        .fields_for(Channel::Web)
        .map(|def| {
            let warned = [POSTAL_CODE_FIELD, POST_OFFICE_FIELD].contains(&def.id.as_str());
            let warning = input.postal_warning.clone().filter(|_| warned);
            let mut view = FieldView::new(
                def,
                lang,
                input.values.get(&def.id),
                error_for(&def.id),
                warning,
            );
            view.confirm_postal = view.warning.is_some() && def.id == POST_OFFICE_FIELD;
            view
        })
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
    errors.extend(flat.iter().filter_map(|f| {
        f.error.as_ref().map(|message| ErrorLink {
            anchor: f.anchor.clone(),
            label: f.label.clone(),
            message: message.clone(),
        })
    }));
    let postal = input.postal_warning.as_ref().map(|message| {
        let code_label = flat
            .iter()
            .find(|f| f.id == POSTAL_CODE_FIELD)
            .map_or_else(String::new, |f| f.label.clone());
        ErrorLink {
            anchor: POSTAL_CODE_FIELD.into(),
            label: code_label,
            message: message.clone(),
        }
    });
    let fields = group_revealed(flat, &state.form);
    let page = FormPage {
        lang,
        t,
        languages: language_links(|l| format!("/{}", l.code()), lang),
        title: state.form.form.title.get(lang).to_string(),
        intro: intro(state, lang, input.intro),
        plain_intro_links: plain_intro_links(state, lang, input.intro),
        action: match input.intro {
            IntroChoice::Plain(l) => format!("/{}?intro=plain-{}", lang.code(), l.code()),
            IntroChoice::Standard => format!("/{}", lang.code()),
        },
        paper_form: super::PAPER_FORM_PATH,
        token: state.tokens.issue(state.form.id()),
        notice: input.expired.then_some(t.expired),
        errors,
        postal,
        postal_confirm_field: POSTAL_CONFIRM_FIELD,
        postal_confirmed: input.postal_confirmed,
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
    /// A list to choose from (the countries).
    Select,
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
    /// What the postal code table says against this field.
    warning: Option<String>,
    /// The box "I checked: send as I wrote it" follows this field.
    confirm_postal: bool,
    options: Vec<OptionView>,
    max_length: Option<usize>,
    autocomplete: Option<String>,
    described_by: String,
    width: &'static str,
    /// The fields this one reveals, and the value that reveals them.
    revealed: Vec<FieldView>,
    reveal_value: Option<String>,
    /// The legend of the group it forms with them.
    legend: Option<String>,
}

impl FieldView {
    fn new(
        def: &FieldDef,
        lang: Lang,
        value: Option<&String>,
        error: Option<String>,
        warning: Option<String>,
    ) -> FieldView {
        let value = value
            .cloned()
            .or_else(|| def.default.clone())
            .unwrap_or_default();
        let control = match def.field_type {
            FieldType::Choice => Control::Radios,
            FieldType::Consent | FieldType::Signature => Control::Checkbox,
            FieldType::Phone => Control::Input("tel"),
            FieldType::Email => Control::Input("email"),
            FieldType::Country => Control::Select,
            _ => Control::Input("text"),
        };
        let options: Vec<OptionView> = if def.field_type == FieldType::Country {
            let chosen = value.trim().to_ascii_uppercase();
            countries::by_name(lang)
                .into_iter()
                .map(|c| OptionView {
                    value: c.code.to_string(),
                    label: c.name(lang).to_string(),
                    checked: c.code == chosen,
                })
                .collect()
        } else {
            def.options
                .iter()
                .map(|o| OptionView {
                    value: o.value.clone(),
                    label: o.label.get(lang).to_string(),
                    checked: o.value == value,
                })
                .collect()
        };
        let anchor = match (&control, options.first()) {
            (Control::Radios, Some(first)) => format!("{}-{}", def.id, first.value),
            _ => def.id.clone(),
        };
        let described_by = [
            def.hint.as_ref().map(|_| format!("{}-hint", def.id)),
            error.as_ref().map(|_| format!("{}-error", def.id)),
            warning.as_ref().map(|_| format!("{}-warning", def.id)),
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
            warning,
            confirm_postal: false,
            options,
            max_length: def.max_length,
            autocomplete: def.autocomplete.clone(),
            described_by,
            width,
            revealed: Vec::new(),
            reveal_value: None,
            legend: def.legend.as_ref().map(|l| l.get(lang).to_string()),
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
    intro: Option<IntroView>,
    plain_intro_links: Vec<IntroLink>,
    action: String,
    /// Where the blank paper form is downloaded.
    paper_form: &'static str,
    token: String,
    notice: Option<&'static str>,
    errors: Vec<ErrorLink>,
    /// The postal warning, linked to the postal code field.
    postal: Option<ErrorLink>,
    postal_confirm_field: &'static str,
    postal_confirmed: bool,
    office: OfficeView,
    fields: Vec<FieldView>,
}
