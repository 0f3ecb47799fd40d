//! The mailroom upload page's texts in Swedish, Finnish and English.

use std::sync::LazyLock;

use crate::web::texts::section;
use intake_core::i18n::Lang;
use intake_core::texts;

texts! {
    pub struct MailroomTexts {
        pub title: &'static str,
        pub office: &'static str,
        pub received: &'static str,
        pub received_hint: &'static str,
        pub scanned_by: &'static str,
        pub files: &'static str,
        pub files_hint: &'static str,
        pub send: &'static str,
        pub errors_heading: &'static str,
        pub error_office: &'static str,
        pub error_date: &'static str,
        pub error_date_future: &'static str,
        pub error_scanned_by: &'static str,
        pub error_no_files: &'static str,
        pub error_upload_broken: &'static str,
        pub batch_title: &'static str,
        pub stored: &'static str,
        pub still_reading: &'static str,
        pub refresh: &'static str,
        pub pages_read: &'static str,
        pub forms: &'static str,
        pub needs_review: &'static str,
        pub other: &'static str,
        pub blank: &'static str,
        pub duplicates: &'static str,
        pub quarantined: &'static str,
        pub file: &'static str,
        pub state: &'static str,
        pub pages: &'static str,
        pub reason: &'static str,
        pub page: &'static str,
        pub upload_more: &'static str,
        pub state_queued: &'static str,
        pub state_done: &'static str,
        pub state_quarantined: &'static str,
        pub state_duplicate: &'static str,
        pub to_verify: &'static str,
        pub copies: &'static str,
    }
}

impl MailroomTexts {
    pub fn state_name(&self, state: &crate::store::FileState) -> &'static str {
        use crate::store::FileState;
        match state {
            FileState::Queued => self.state_queued,
            FileState::Done => self.state_done,
            FileState::Quarantined => self.state_quarantined,
            FileState::Duplicate => self.state_duplicate,
        }
    }
}

pub fn mailroom_texts(lang: Lang) -> &'static MailroomTexts {
    static LOCALES: LazyLock<[MailroomTexts; 3]> =
        LazyLock::new(|| Lang::ALL.map(|lang| section(lang, "mailroom")));
    &LOCALES[lang as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_is_there_in_every_language() {
        for lang in Lang::ALL {
            assert!(!mailroom_texts(lang).title.is_empty());
        }
    }
}
