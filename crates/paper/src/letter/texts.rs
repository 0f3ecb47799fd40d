//! The letter's words in Swedish, Finnish and English, from
//! `crates/paper/locales/{sv,fi,en}.toml` (the `[letter]` table).

use std::sync::LazyLock;

use intake_core::i18n::{Lang, Plural, parse_locale};
use intake_core::texts;

texts! {
    pub struct LetterTexts {
        pub title: &'static str,
        pub date: &'static str,
        pub reference: &'static str,
        /// `{name}`.
        pub greeting: &'static str,
        /// `{date}`.
        pub received: &'static str,
        /// `{n}` and `{phone}`.
        pub tried: Plural,
        pub what_now_heading: &'static str,
        /// `{office_phone}`, `{reference}` and `{office_address}`.
        pub what_now: &'static str,
        pub date_stands_heading: &'static str,
        /// `{date}`.
        pub date_stands: &'static str,
        pub closing: &'static str,
    }
}

texts! {
    struct PaperTexts {
        letter: LetterTexts,
    }
}

pub fn letter_texts(lang: Lang) -> &'static LetterTexts {
    static LOCALES: LazyLock<[PaperTexts; 3]> = LazyLock::new(|| {
        Lang::ALL.map(|lang| {
            let source = match lang {
                Lang::Sv => include_str!("../../locales/sv.toml"),
                Lang::Fi => include_str!("../../locales/fi.toml"),
                Lang::En => include_str!("../../locales/en.toml"),
            };
            parse_locale(lang, source)
        })
    });
    &LOCALES[lang as usize].letter
}
