//! The triage pages' texts in Swedish, Finnish and English.

use std::sync::LazyLock;

use crate::web::texts::section;
use intake_core::i18n::{Lang, Plural};
use intake_core::texts;

texts! {
    pub struct TriageTexts {
        pub list_title: &'static str,
        pub list_intro: &'static str,
        pub list_count: Plural,
        pub list_empty: &'static str,
        pub file_column: &'static str,
        pub start_column: &'static str,
        pub pages_column: &'static str,
        pub open_link: &'static str,
        pub item_title: &'static str,
        pub back_to_list: &'static str,
        pub file_label: &'static str,
        pub pages_title: &'static str,
        pub page_alt: &'static str,
        pub page_full: &'static str,
        pub no_image: &'static str,
        pub text_title: &'static str,
        pub no_text: &'static str,
        pub status_converted: &'static str,
        pub status_linked: &'static str,
        pub status_closed: &'static str,
        pub handled_by: &'static str,
        pub convert_title: &'static str,
        pub convert_intro: &'static str,
        pub found_in_text: &'static str,
        pub optional: &'static str,
        pub not_marked: &'static str,
        pub convert_button: &'static str,
        pub link_title: &'static str,
        pub link_intro: &'static str,
        pub reference_hint: &'static str,
        pub note_optional: &'static str,
        pub link_button: &'static str,
        pub close_title: &'static str,
        pub close_intro: &'static str,
        pub close_button: &'static str,
        pub errors_title: &'static str,
        pub error_reference: &'static str,
        pub error_note: &'static str,
        pub error_note_long: &'static str,
        pub notice_converted: &'static str,
        pub notice_linked: &'static str,
        pub notice_closed: &'static str,
        pub notice_not_open: &'static str,
    }
}

pub fn triage_texts(lang: Lang) -> &'static TriageTexts {
    static LOCALES: LazyLock<[TriageTexts; 3]> =
        LazyLock::new(|| Lang::ALL.map(|lang| section(lang, "triage")));
    &LOCALES[lang as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_there_in_every_language() {
        for lang in Lang::ALL {
            assert!(!triage_texts(lang).list_title.is_empty());
        }
    }

    #[test]
    fn the_list_counts_in_the_singular_and_the_plural() {
        let said = |lang| [1, 2].map(|n| triage_texts(lang).list_count.count(n));
        assert_eq!(said(Lang::En), ["1 open", "2 open"]);
        assert_eq!(said(Lang::Sv), ["1 öppen", "2 öppna"]);
        assert_eq!(said(Lang::Fi), ["1 avoinna", "2 avoinna"]);
    }
}
