//! The verification station's texts in Swedish, Finnish and English (the
//! `[verify]` table of `crates/service/locales/*.toml`). The reasons for
//! review are said by `ReviewReason::text`, from the core's locales.

use std::sync::LazyLock;

use crate::web::texts::section;
use intake_core::i18n::{Lang, Plural};
use intake_core::texts;

texts! {
    pub struct VerifyTexts {
        pub list_title: &'static str,
        pub list_intro: &'static str,
        pub list_count: Plural,
        pub list_empty: &'static str,
        pub start_button: &'static str,
        pub fields_column: &'static str,
        pub check_link: &'static str,
        pub form_title: &'static str,
        pub form_intro: &'static str,
        pub position: &'static str,
        pub whole_page: &'static str,
        pub new_tab: &'static str,
        pub read_label: &'static str,
        pub reason_label: &'static str,
        pub nothing_read: &'static str,
        pub no_crop: &'static str,
        pub crop_alt: &'static str,
        pub not_marked: &'static str,
        pub ticked: &'static str,
        pub save_button: &'static str,
        pub send_on_button: &'static str,
        pub send_on_hint: &'static str,
        pub candidates_label: &'static str,
        pub candidates_hint: &'static str,
        /// The value and its key are filled in, in that order.
        pub candidate_title: &'static str,
        pub errors_title: &'static str,
        pub notice_queued: &'static str,
        pub notice_folded: &'static str,
        pub notice_sent_on: &'static str,
        pub notice_changed: &'static str,
        pub notice_flagged: &'static str,
        pub notice_not_awaiting: &'static str,
        pub notice_all_done: &'static str,
        pub pages_title: &'static str,
        pub back_to_form: &'static str,
        pub page_label: &'static str,
        pub page_alt: &'static str,
        pub marked_fields: &'static str,
        pub no_pages: &'static str,
        pub copy_note: &'static str,
    }
}

pub fn verify_texts(lang: Lang) -> &'static VerifyTexts {
    static LOCALES: LazyLock<[VerifyTexts; 3]> =
        LazyLock::new(|| Lang::ALL.map(|lang| section(lang, "verify")));
    &LOCALES[lang as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::record::ReviewReason;
    use intake_paper::capture::extract::MISSING_PAGE_REASON;
    use intake_paper::capture::read::{LOW_CONFIDENCE, RING_OR_DOTS};

    #[test]
    fn stored_reasons_are_said_in_every_language() {
        for lang in Lang::ALL {
            assert!(!verify_texts(lang).reason_label.is_empty());
            for reason in [LOW_CONFIDENCE, MISSING_PAGE_REASON, RING_OR_DOTS] {
                assert!(!reason.text(lang).is_empty());
            }
        }
        // Once said in English on every page.
        assert_ne!(
            ReviewReason::RingOrDots.text(Lang::Sv),
            ReviewReason::RingOrDots.text(Lang::En)
        );
        assert_eq!(LOW_CONFIDENCE.text(Lang::Fi), "kone ei ollut varma");
    }

    #[test]
    fn the_list_counts_in_the_singular_and_the_plural() {
        let said = |lang| [1, 2].map(|n| verify_texts(lang).list_count.count(n));
        assert_eq!(said(Lang::En), ["1 form to check", "2 forms to check"]);
        assert_eq!(
            said(Lang::Sv),
            ["1 blankett att granska", "2 blanketter att granska"]
        );
        assert_eq!(
            said(Lang::Fi),
            ["1 lomake tarkistettavana", "2 lomaketta tarkistettavana"]
        );
    }
}
