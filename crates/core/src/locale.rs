//! The core's own words, from `crates/core/locales/{sv,fi,en}.toml`: what
//! each validation rule says to the person, each review reason, and what
//! the postal code table says.

use std::sync::LazyLock;

use crate::i18n::{ByCode, Lang, parse_locale};
use crate::record::ReviewReason;
use crate::record::validate::FieldErrorCode;
use crate::texts;

texts! {
    pub struct CoreTexts {
        /// By `FieldError` code; `{}` is filled in (a length, a sign).
        pub field_errors: ByCode,
        /// By `ReviewReason` code.
        pub review: ByCode,
        pub postal: PostalTexts,
    }
}

texts! {
    /// What the postal code table says of a postal code and post office.
    pub struct PostalTexts {
        /// `{code}`, `{office}` (the code's own) and `{written}`.
        pub mismatch: &'static str,
        /// `{code}`.
        pub unknown: &'static str,
    }
}

static LOCALES: LazyLock<[CoreTexts; 3]> = LazyLock::new(|| {
    Lang::ALL.map(|lang| {
        let source = match lang {
            Lang::Sv => include_str!("../locales/sv.toml"),
            Lang::Fi => include_str!("../locales/fi.toml"),
            Lang::En => include_str!("../locales/en.toml"),
        };
        let texts: CoreTexts = parse_locale(lang, source);
        let file = format!("locales/{}.toml", lang.code());
        texts.field_errors.expect(
            &format!("{file} [field_errors]"),
            FieldErrorCode::ALL.iter().map(|c| c.code()),
        );
        texts.review.expect(
            &format!("{file} [review]"),
            ReviewReason::ALL.iter().map(|r| r.code()),
        );
        texts
    })
});

pub fn core_texts(lang: Lang) -> &'static CoreTexts {
    &LOCALES[lang as usize]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_locale_reads_and_has_every_code() {
        for lang in Lang::ALL {
            let t = core_texts(lang);
            for code in FieldErrorCode::ALL {
                assert!(!t.field_errors.get(code.code()).trim().is_empty());
            }
            for reason in ReviewReason::ALL {
                assert!(!t.review.get(reason.code()).trim().is_empty());
            }
        }
    }
}
