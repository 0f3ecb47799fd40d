//! The service's own words on the public pages, in sv, fi and en, and the
//! reading of `crates/service/locales/{sv,fi,en}.toml`, where every text
//! of the web pages is: one table per part (`[page]`, `[refusals]`,
//! `[staff]`, `[mailroom]`, `[triage]`, `[verify]`, `[letters]`), each read once into
//! that part's struct. Field labels and hints come from the form
//! definition, not from here.

use std::sync::LazyLock;

use serde::Deserialize;

use intake_core::i18n::{Lang, Loaded};
use intake_core::texts;

texts! {
    pub struct PageTexts {
        pub service_name: &'static str,
        pub skip_to_content: &'static str,
        pub language: &'static str,
        pub optional: &'static str,
        pub office: &'static str,
        pub office_hint: &'static str,
        pub choose: &'static str,
        pub send: &'static str,
        pub no_bank_id: &'static str,
        /// Back from the plain-language intro to the standard one.
        pub standard_intro: &'static str,
        pub print_form: &'static str,
        pub print_form_hint: &'static str,
        pub privacy: &'static str,
        pub error_title: &'static str,
        pub error_intro: &'static str,
        pub office_missing: &'static str,
        pub expired: &'static str,
        pub honeypot_label: &'static str,
        pub receipt_title: &'static str,
        pub receipt_duplicate: &'static str,
        pub your_reference: &'static str,
        pub received_at: &'static str,
        pub next_title: &'static str,
        pub next_call: &'static str,
        pub next_identity: &'static str,
        pub status_link_intro: &'static str,
        pub status_link_private: &'static str,
        pub status_title: &'static str,
        pub status_label: &'static str,
        pub call_due: &'static str,
        pub withdraw: &'static str,
        pub withdraw_hint: &'static str,
        pub withdrawn_done: &'static str,
        pub status_awaiting_review: &'static str,
        pub status_awaiting_call: &'static str,
        pub status_send_letter: &'static str,
        pub status_closed: &'static str,
        pub status_withdrawn: &'static str,
        pub back_to_form: &'static str,
        pub postal_check_intro: &'static str,
        /// `{code}`, `{office}` and `{written}` are filled in.
        pub postal_mismatch: &'static str,
        /// `{code}` is filled in.
        pub postal_unknown: &'static str,
        pub postal_confirm: &'static str,
    }
}

pub fn texts(lang: Lang) -> &'static PageTexts {
    static LOCALES: LazyLock<[PageTexts; 3]> =
        LazyLock::new(|| Lang::ALL.map(|lang| section(lang, "page")));
    &LOCALES[lang as usize]
}

texts! {
    /// Plain refusal pages: what happened and what the person can do.
    #[derive(Debug, Clone, Copy)]
    pub struct Refusal {
        pub title: &'static str,
        pub body: &'static str,
    }
}

texts! {
    /// The `[refusals]` table: one refusal page per `RefusalKind`.
    pub struct Refusals {
        automated: Refusal,
        bad_token: Refusal,
        too_many_from_client: Refusal,
        daily_cap_reached: Refusal,
        too_large: Refusal,
        unavailable: Refusal,
        not_found: Refusal,
        busy: Refusal,
        timed_out: Refusal,
        server_error: Refusal,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Automated,
    BadToken,
    TooManyFromClient,
    DailyCapReached,
    TooLarge,
    Unavailable,
    NotFound,
    /// Too many requests in flight at once.
    Busy,
    /// A handler did not answer within the request timeout.
    TimedOut,
    /// A handler panicked.
    ServerError,
}

pub fn refusal(kind: RefusalKind, lang: Lang) -> Refusal {
    static LOCALES: LazyLock<[Refusals; 3]> =
        LazyLock::new(|| Lang::ALL.map(|lang| section(lang, "refusals")));
    let all = &LOCALES[lang as usize];
    match kind {
        RefusalKind::Automated => all.automated,
        RefusalKind::BadToken => all.bad_token,
        RefusalKind::TooManyFromClient => all.too_many_from_client,
        RefusalKind::DailyCapReached => all.daily_cap_reached,
        RefusalKind::TooLarge => all.too_large,
        RefusalKind::Unavailable => all.unavailable,
        RefusalKind::NotFound => all.not_found,
        RefusalKind::Busy => all.busy,
        RefusalKind::TimedOut => all.timed_out,
        RefusalKind::ServerError => all.server_error,
    }
}

/// The tables of each locale file, each read by the module whose texts it
/// holds (with [`section`]); a file with another table fails to load.
const SECTIONS: [&str; 7] = [
    "page", "refusals", "staff", "mailroom", "triage", "verify", "letters",
];

static FILES: LazyLock<[toml::Table; 3]> = LazyLock::new(|| {
    Lang::ALL.map(|lang| {
        let source = match lang {
            Lang::Sv => include_str!("../../locales/sv.toml"),
            Lang::Fi => include_str!("../../locales/fi.toml"),
            Lang::En => include_str!("../../locales/en.toml"),
        };
        let file = format!("locales/{}.toml", lang.code());
        let table: toml::Table =
            toml::from_str(source).unwrap_or_else(|error| panic!("{file}: {error}"));
        let mut tables: Vec<&str> = table.keys().map(String::as_str).collect();
        tables.sort_unstable();
        let mut expected = SECTIONS.to_vec();
        expected.sort_unstable();
        assert_eq!(tables, expected, "{file}: its tables");
        table
    })
});

/// One table of the locale file of `lang`, read into `T`: every key `T`
/// has must be there, and no other (a bug every test that shows a page
/// finds, so this panics naming the file and the key).
pub fn section<T: Loaded>(lang: Lang, name: &str) -> T {
    let table = FILES[lang as usize][name].clone();
    match T::Raw::deserialize(table) {
        Ok(raw) => T::load(raw),
        Err(error) => panic!("locales/{}.toml [{name}]: {error}", lang.code()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each part's own tests read its table in every language (a key
    /// missing or extra fails there); this reads the public pages' and
    /// checks each file has exactly the tables the parts read.
    #[test]
    fn every_locale_has_every_table_and_no_other() {
        for lang in Lang::ALL {
            assert_eq!(FILES[lang as usize].len(), SECTIONS.len());
            assert!(!texts(lang).service_name.is_empty());
            for kind in [RefusalKind::Automated, RefusalKind::NotFound] {
                assert!(!refusal(kind, lang).title.is_empty());
                assert!(!refusal(kind, lang).body.is_empty());
            }
        }
    }
}
