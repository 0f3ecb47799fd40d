//! What each `FieldError` says to the person, in Swedish, Finnish and English
//! (the sentences are in `crates/core/locales/`).
//! Every message names the problem and how to fix it; the field's own label
//! is shown beside it, so messages do not repeat it unless it helps.

use super::FieldError;
use crate::i18n::{Lang, fill};
use crate::locale::core_texts;

impl FieldError {
    /// A full sentence in the given language saying what is wrong and how to
    /// fix it (from `locales/*.toml`, `[field_errors]`).
    pub fn message(&self, lang: Lang) -> String {
        let template = core_texts(lang).field_errors.get(self.code());
        match self {
            FieldError::TooLong { max } => fill(template, &max.to_string()),
            FieldError::HetuCenturySign { sign } => fill(template, &sign.to_string()),
            _ => template.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::error::tests::every_variant;
    use super::*;

    #[test]
    fn every_message_is_a_sentence_and_differs_per_language() {
        for e in every_variant() {
            let [sv, fi, en] = Lang::ALL.map(|lang| e.message(lang));
            for (lang, m) in [("sv", &sv), ("fi", &fi), ("en", &en)] {
                assert!(m.trim().len() > 20, "{} {lang}: too short: {m:?}", e.code());
                assert!(
                    m.ends_with('.'),
                    "{} {lang}: not a sentence: {m:?}",
                    e.code()
                );
                assert!(
                    m.starts_with(char::is_uppercase),
                    "{} {lang}: {m:?}",
                    e.code()
                );
            }
            assert_ne!(sv, fi, "{}", e.code());
            assert_ne!(sv, en, "{}", e.code());
            assert_ne!(fi, en, "{}", e.code());
        }
    }

    #[test]
    fn no_two_variants_share_a_message() {
        for lang in Lang::ALL {
            let messages: Vec<String> = every_variant().iter().map(|e| e.message(lang)).collect();
            for (i, m) in messages.iter().enumerate() {
                assert!(!messages[..i].contains(m), "{lang:?}: duplicate {m:?}");
            }
        }
    }

    #[test]
    fn messages_carry_their_details() {
        for lang in Lang::ALL {
            assert!(
                FieldError::TooLong { max: 123 }
                    .message(lang)
                    .contains("123")
            );
            assert!(
                FieldError::HetuCenturySign { sign: 'G' }
                    .message(lang)
                    .contains("”G”")
                    || FieldError::HetuCenturySign { sign: 'G' }
                        .message(lang)
                        .contains("“G”")
            );
            assert!(FieldError::PostalCodeFormat.message(lang).contains("00100"));
            assert!(FieldError::DateFormat.message(lang).contains("6.4.2020"));
        }
    }

    #[test]
    fn hetu_messages_use_the_official_terms_and_point_to_the_cards() {
        assert!(
            FieldError::HetuFormat
                .message(Lang::Sv)
                .contains("personbeteckning")
        );
        assert!(
            FieldError::HetuFormat
                .message(Lang::Fi)
                .contains("Henkilötunnuksessa")
        );
        for lang in Lang::ALL {
            let check = FieldError::HetuCheck.message(lang);
            assert!(check.contains("Kela") || check.contains("FPA"), "{check}");
            let swedish = FieldError::HetuSwedishPersonnummer.message(lang);
            assert!(swedish.contains("131052-308T"), "{swedish}");
        }
        assert!(
            FieldError::HetuCheck
                .message(Lang::En)
                .contains("last character")
        );
        assert!(
            FieldError::HetuCheck
                .message(Lang::Sv)
                .contains("sista tecknet")
        );
        assert!(
            FieldError::HetuCheck
                .message(Lang::Fi)
                .contains("Viimeinen merkki")
        );
        assert!(
            FieldError::HetuSwedishPersonnummer
                .message(Lang::Sv)
                .contains("svenskt personnummer")
        );
        assert!(
            FieldError::HetuSwedishPersonnummer
                .message(Lang::Fi)
                .contains("ruotsalaiselta")
        );
    }
}
