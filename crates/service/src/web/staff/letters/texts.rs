//! The letters pages' texts in Swedish, Finnish and English (`[letters]`).

use std::sync::LazyLock;

use crate::letters::AddressProblem;
use crate::web::texts::section;
use intake_core::i18n::{ByCode, Lang, Plural};
use intake_core::texts;

texts! {
    pub struct LettersTexts {
        pub title: &'static str,
        pub intro: &'static str,
        pub office: &'static str,
        pub all_offices: &'static str,
        pub show: &'static str,
        pub pending_heading: &'static str,
        pub pending_none: &'static str,
        pub pending_count: Plural,
        pub in_open_batch: Plural,
        pub reference: &'static str,
        pub received: &'static str,
        pub language: &'static str,
        pub attempts: &'static str,
        pub print: &'static str,
        pub print_hint: &'static str,
        pub nothing_to_print: &'static str,
        pub open_heading: &'static str,
        pub batch: &'static str,
        pub made: &'static str,
        pub made_by: &'static str,
        pub letters: &'static str,
        pub batch_count: Plural,
        pub batch_title: &'static str,
        /// `{date}` and `{name}`.
        pub batch_made: &'static str,
        /// `{date}` and `{name}`.
        pub batch_sent: &'static str,
        pub download: &'static str,
        pub download_hint: &'static str,
        pub nothing_left: &'static str,
        pub mark_sent: &'static str,
        pub mark_sent_hint: &'static str,
        /// `{closed}`.
        pub marked: &'static str,
        /// `{skipped}`.
        pub marked_skipped: &'static str,
        pub already_sent: &'static str,
        pub back: &'static str,
        pub caseworker_heading: &'static str,
        pub caseworker_intro: &'static str,
        pub caseworker_page_intro: &'static str,
        pub problem: &'static str,
        /// By `AddressProblem` code.
        pub problems: ByCode,
        /// By service language code (`other` for the rest).
        pub languages: ByCode,
    }
}

impl LettersTexts {
    pub fn problem_text(&self, problem: &AddressProblem) -> &'static str {
        self.problems.get(problem.code())
    }

    /// The letter's language(s) for a registration's service language.
    pub fn language_text(&self, service_language: Option<&str>) -> &'static str {
        match service_language {
            Some(code @ ("sv" | "fi" | "en")) => self.languages.get(code),
            _ => self.languages.get("other"),
        }
    }
}

pub fn letters_texts(lang: Lang) -> &'static LettersTexts {
    static LOCALES: LazyLock<[LettersTexts; 3]> = LazyLock::new(|| {
        Lang::ALL.map(|lang| {
            let texts: LettersTexts = section(lang, "letters");
            let file = format!("locales/{}.toml [letters]", lang.code());
            texts
                .problems
                .expect(&file, AddressProblem::ALL.map(AddressProblem::code));
            texts.languages.expect(&file, ["sv", "fi", "en", "other"]);
            texts
        })
    });
    &LOCALES[lang as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_there_in_every_language() {
        for lang in Lang::ALL {
            let t = letters_texts(lang);
            assert!(!t.title.is_empty());
            assert!(!t.problem_text(&AddressProblem::Missing).is_empty());
            assert!(!t.language_text(Some("other")).is_empty());
        }
    }
}
