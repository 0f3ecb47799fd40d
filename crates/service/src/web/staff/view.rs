//! What every staff page shares: the frame (language links, navigation by
//! role, sign-out), times shown in Finnish time, plain message pages, and
//! the rendering of a page (its headers are set in `web::page`).

use askama::Template;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use time::{Date, Duration, OffsetDateTime};

use super::Access;
use super::auth::Signed;
use super::texts::{StaffTexts, role_label, staff_texts};
use crate::web::AppError;
use intake_core::calendar::finnish_offset;
use intake_core::i18n::Lang;
use uuid::Uuid;

pub struct LanguageLink {
    pub code: &'static str,
    pub name: &'static str,
    pub href: String,
    pub current: bool,
}

pub struct NavLink {
    pub label: &'static str,
    pub href: &'static str,
    pub current: bool,
}

pub struct ChromeUser {
    pub name: String,
    pub role: &'static str,
    pub csrf: String,
}

/// The frame around every staff page.
pub struct Chrome {
    pub lang: Lang,
    pub t: &'static StaffTexts,
    pub languages: Vec<LanguageLink>,
    pub nav: Vec<NavLink>,
    pub user: Option<ChromeUser>,
}

/// The staff pages in the navigation, and who sees each.
fn nav_items(t: &'static StaffTexts) -> [(&'static str, &'static str, Access); 9] {
    [
        (t.nav_home, "/staff", Access::AnyStaff),
        (t.nav_mailroom, "/staff/mailroom", Access::Mailroom),
        (t.nav_verify, "/staff/verify", Access::Mailroom),
        (t.nav_letters, "/staff/letters", Access::Mailroom),
        (t.nav_queue, "/staff/queue", Access::Caseworker),
        (t.nav_triage, "/staff/triage", Access::Caseworker),
        (t.nav_dashboard, "/staff/dashboard", Access::Caseworker),
        (t.nav_export, "/staff/export", Access::Admin),
        (t.nav_staff, "/staff/admin/staff", Access::Admin),
    ]
}

impl Chrome {
    /// The frame for a signed-in member on the page at `path`.
    pub fn signed(staff: &Signed, path: &str) -> Chrome {
        let lang = staff.lang;
        let t = staff_texts(lang);
        let role = staff.session.member.role;
        let nav = nav_items(t)
            .into_iter()
            .filter(|(_, _, access)| access.allows(Some(role)))
            .map(|(label, href, _)| NavLink {
                label,
                href,
                current: path == href || (href != "/staff" && path.starts_with(href)),
            })
            .collect();
        Chrome {
            lang,
            t,
            languages: language_links(lang, path),
            nav,
            user: Some(ChromeUser {
                name: staff.session.member.name.clone(),
                role: role_label(t, role),
                csrf: staff.csrf.clone(),
            }),
        }
    }

    /// The frame for someone not signed in (the sign-in page, refusals).
    pub fn anonymous(lang: Lang, path: &str) -> Chrome {
        Chrome {
            lang,
            t: staff_texts(lang),
            languages: language_links(lang, path),
            nav: Vec::new(),
            user: None,
        }
    }
}

fn language_links(current: Lang, path: &str) -> Vec<LanguageLink> {
    let back = serde_urlencoded::to_string([("back", path)]).unwrap_or_default();
    Lang::ALL
        .into_iter()
        .map(|lang| LanguageLink {
            code: lang.code(),
            name: lang.native_name(),
            href: format!("/staff/language/{}?{back}", lang.code()),
            current: lang == current,
        })
        .collect()
}

/// A staff page, with the headers of every page (see `web::page`).
pub fn page(status: StatusCode, html: String) -> Response {
    crate::web::page::html(status, html)
}

pub fn render(status: StatusCode, template: &impl Template) -> Result<Response, AppError> {
    Ok(page(status, template.render()?))
}

/// The plain refusals of the staff side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    Forbidden,
    NotFound,
    BadForm,
}

#[derive(Template)]
#[template(path = "staff/message.html")]
struct MessagePage {
    chrome: Chrome,
    heading: &'static str,
    body: &'static str,
}

pub fn message(lang: Lang, kind: MessageKind) -> Response {
    let t = staff_texts(lang);
    let (status, heading, body) = match kind {
        MessageKind::Forbidden => (StatusCode::FORBIDDEN, t.forbidden_title, t.forbidden_body),
        MessageKind::NotFound => (StatusCode::NOT_FOUND, t.not_found_title, t.not_found_body),
        MessageKind::BadForm => (StatusCode::BAD_REQUEST, t.bad_form_title, t.bad_form_body),
    };
    let page_view = MessagePage {
        chrome: Chrome::anonymous(lang, "/staff"),
        heading,
        body,
    };
    match render(status, &page_view) {
        Ok(response) => response,
        Err(error) => error.into_response(),
    }
}

/// A moment as people in Finland read it: `5.11.2026 14:05`.
pub fn local_time(at: OffsetDateTime) -> String {
    let local = at.to_offset(finnish_offset(at));
    format!(
        "{}.{}.{} {:02}:{:02}",
        local.day(),
        u8::from(local.month()),
        local.year(),
        local.hour(),
        local.minute()
    )
}

pub fn local_clock(at: OffsetDateTime) -> String {
    let local = at.to_offset(finnish_offset(at));
    format!("{:02}:{:02}", local.hour(), local.minute())
}

pub fn local_date(date: Date) -> String {
    format!("{}.{}.{}", date.day(), u8::from(date.month()), date.year())
}

/// A Finnish number in groups as people read it out (`+358 50 914 7922`);
/// others as stored.
pub fn phone_display(e164: &str) -> String {
    let Some(rest) = e164.strip_prefix("+358") else {
        return e164.to_string();
    };
    if rest.len() < 6 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return e164.to_string();
    }
    // Mobile prefixes (04x, 050) have two digits, most area codes one.
    let area = if rest.starts_with('4') || rest.starts_with('5') {
        2
    } else {
        1
    };
    let (area, number) = rest.split_at(area);
    let (first, last) = number.split_at(3);
    format!("+358 {area} {first} {last}")
}

/// For `datetime` attributes.
pub fn iso_time(at: OffsetDateTime) -> String {
    crate::store::timestamp(at)
}

/// A waiting time in days and hours (or minutes when under an hour).
pub fn span(duration: Duration, t: &StaffTexts) -> String {
    let minutes = duration.whole_minutes().max(0);
    let (days, hours) = (minutes / (24 * 60), minutes / 60 % 24);
    match (days, hours) {
        (0, 0) => format!("{minutes} {}", t.unit_minutes),
        (0, h) => format!("{h} {}", t.unit_hours),
        (d, h) => format!("{d} {} {h} {}", t.unit_days, t.unit_hours),
    }
}

/// The note that a paper registration was made from a photocopy of a sheet
/// registered first for another person: the page's sentence around that
/// registration's reference, which links to its page when the viewer may
/// open it.
pub struct CopyNote {
    pub before: String,
    pub reference: String,
    pub after: String,
    pub href: Option<String>,
}

impl CopyNote {
    /// One note per first registration; `pattern` has `{}` where the
    /// reference goes.
    pub fn all<'a>(
        pattern: &str,
        sheets: impl IntoIterator<Item = (Uuid, &'a str)>,
        linked: bool,
    ) -> Vec<CopyNote> {
        let (before, after) = pattern.split_once("{}").unwrap_or((pattern, ""));
        sheets
            .into_iter()
            .map(|(id, reference)| CopyNote {
                before: before.to_string(),
                reference: reference.to_string(),
                after: after.to_string(),
                href: linked.then(|| format!("/staff/registrations/{id}")),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    #[test]
    fn times_show_in_finnish_time() {
        assert_eq!(
            local_time(datetime!(2026-11-05 12:05 UTC)),
            "5.11.2026 14:05"
        );
        assert_eq!(local_date(date!(2026 - 04 - 07)), "7.4.2026");
    }

    #[test]
    fn finnish_numbers_are_grouped() {
        assert_eq!(phone_display("+358509147922"), "+358 50 914 7922");
        assert_eq!(phone_display("+35861234567"), "+358 6 123 4567");
        assert_eq!(phone_display("+46701234567"), "+46701234567");
    }

    #[test]
    fn spans_read_in_days_and_hours() {
        let t = staff_texts(Lang::En);
        assert_eq!(span(Duration::minutes(45), t), "45 min");
        assert_eq!(span(Duration::hours(5), t), "5 h");
        assert_eq!(span(Duration::hours(53), t), "2 d 5 h");
    }

    #[test]
    fn a_copy_note_puts_the_reference_in_the_sentence() {
        let id = Uuid::new_v4();
        for lang in Lang::ALL {
            let pattern = staff_texts(lang).copy_note;
            let notes = CopyNote::all(pattern, [(id, "ABC123")], true);
            let [note] = notes.as_slice() else {
                panic!("one note")
            };
            let whole = format!("{}{}{}", note.before, note.reference, note.after);
            assert_eq!(whole, intake_core::i18n::fill(pattern, "ABC123"));
            assert!(note.after.ends_with(").") && !note.before.is_empty());
            assert_eq!(note.href, Some(format!("/staff/registrations/{id}")));
        }
        let unlinked = CopyNote::all("x {} y", [(id, "R")], false);
        assert!(unlinked[0].href.is_none());
        assert_eq!(
            (unlinked[0].before.as_str(), unlinked[0].after.as_str()),
            ("x ", " y")
        );
    }
}
