//! The three languages of the service and the choice between them, and the
//! one way the program's own words are written: a `locales/{sv,fi,en}.toml`
//! per crate, read once into structs made with [`texts!`] (a key missing or
//! extra in a file is an error), with [`Plural`] for words said with a
//! count. Texts that come from a form definition are [`Text`] values there.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Sv,
    Fi,
    En,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::Sv, Lang::Fi, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Sv => "sv",
            Lang::Fi => "fi",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code.trim().to_ascii_lowercase().as_str() {
            "sv" => Some(Lang::Sv),
            "fi" => Some(Lang::Fi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The language's own name, for the language switcher.
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::Sv => "Svenska",
            Lang::Fi => "Suomi",
            Lang::En => "English",
        }
    }

    /// Picks the best language from an `Accept-Language` header, honouring
    /// q-values; `None` when the header names none of ours.
    pub fn from_accept_language(header: &str) -> Option<Lang> {
        let mut best: Option<(f32, Lang)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let tag = pieces.next().unwrap_or("").trim();
            let q = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let primary = tag.split('-').next().unwrap_or("");
            if let Some(lang) = Lang::from_code(primary)
                && q > 0.0
                && best.is_none_or(|(bq, _)| q > bq)
            {
                best = Some((q, lang));
            }
        }
        best.map(|(_, lang)| lang)
    }
}

/// A text in all three languages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Text {
    pub sv: String,
    pub fi: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Sv => &self.sv,
            Lang::Fi => &self.fi,
            Lang::En => &self.en,
        }
    }

    pub fn is_complete(&self) -> bool {
        !self.sv.trim().is_empty() && !self.fi.trim().is_empty() && !self.en.trim().is_empty()
    }
}

/// A text with its one `{}` filled in (word order differs between
/// languages).
pub fn fill(pattern: &str, value: &str) -> String {
    pattern.replacen("{}", value, 1)
}

/// A value read from a locale file into the program's own shape: words as
/// `&'static str` (a locale is read once and kept for good), plurals, and
/// the structs [`texts!`] makes.
pub trait Loaded: Sized {
    type Raw: DeserializeOwned;
    fn load(raw: Self::Raw) -> Self;
}

impl Loaded for &'static str {
    type Raw = String;
    fn load(raw: String) -> Self {
        Box::leak(raw.into_boxed_str())
    }
}

/// Words said with a count, `{n}` filled in. Swedish, Finnish and English
/// all have one form for 1 and another for every other number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plural {
    pub one: &'static str,
    pub other: &'static str,
}

impl Plural {
    /// `1 registration`, `2 registrations`.
    pub fn count(&self, n: usize) -> String {
        let pattern = if n == 1 { self.one } else { self.other };
        pattern.replace("{n}", &n.to_string())
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlural {
    one: String,
    other: String,
}

impl Loaded for Plural {
    type Raw = RawPlural;
    fn load(raw: RawPlural) -> Self {
        Plural {
            one: Loaded::load(raw.one),
            other: Loaded::load(raw.other),
        }
    }
}

/// Texts keyed by a stable code (review reasons, audit actions): which
/// codes there must be is checked by [`ByCode::expect`] when the locale is
/// read, so a missing or extra one fails as a missing struct field does.
#[derive(Debug, Clone)]
pub struct ByCode(BTreeMap<String, &'static str>);

impl ByCode {
    /// The text of `code`; empty for a code the locale has not got (which
    /// `expect` does not let happen).
    pub fn get(&self, code: &str) -> &'static str {
        self.0.get(code).copied().unwrap_or("")
    }

    /// Panics, naming them, unless the codes are exactly `codes`.
    pub fn expect<'a>(&self, what: &str, codes: impl IntoIterator<Item = &'a str>) {
        let codes: Vec<&str> = codes.into_iter().collect();
        let missing: Vec<&&str> = codes.iter().filter(|c| !self.0.contains_key(**c)).collect();
        let extra: Vec<&String> = self
            .0
            .keys()
            .filter(|k| !codes.contains(&k.as_str()))
            .collect();
        assert!(
            missing.is_empty() && extra.is_empty(),
            "{what}: missing {missing:?}, unknown {extra:?}"
        );
    }
}

impl Loaded for ByCode {
    type Raw = BTreeMap<String, String>;
    fn load(raw: Self::Raw) -> Self {
        ByCode(raw.into_iter().map(|(k, v)| (k, Loaded::load(v))).collect())
    }
}

/// Reads one locale file; panics with the file's language and the error,
/// since a broken locale is a bug caught by every test that uses it.
pub fn parse_locale<T: Loaded>(lang: Lang, source: &str) -> T {
    match toml::from_str::<T::Raw>(source) {
        Ok(raw) => T::load(raw),
        Err(error) => panic!("locales/{}.toml: {error}", lang.code()),
    }
}

/// A struct of texts, read from a locale file: each field is a word
/// (`&'static str`), a [`Plural`], [`ByCode`] or another such struct (a
/// table in the file). The file must have exactly these keys.
#[macro_export]
macro_rules! texts {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $( $(#[$fmeta:meta])* $fvis:vis $field:ident : $ty:ty ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $( $(#[$fmeta])* $fvis $field: $ty ),*
        }

        const _: () = {
            #[derive(serde::Deserialize)]
            #[serde(deny_unknown_fields)]
            pub struct Raw {
                $( $field: <$ty as $crate::i18n::Loaded>::Raw ),*
            }

            impl $crate::i18n::Loaded for $name {
                type Raw = Raw;
                fn load(raw: Raw) -> Self {
                    $name {
                        $( $field: $crate::i18n::Loaded::load(raw.$field) ),*
                    }
                }
            }
        };
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    texts! {
        struct Sample {
            word: &'static str,
            count: Plural,
        }
    }

    #[test]
    fn plurals_say_one_and_many() {
        let sample: Sample = parse_locale(
            Lang::En,
            "word = \"hi\"\ncount = { one = \"{n} form\", other = \"{n} forms\" }\n",
        );
        assert_eq!(sample.word, "hi");
        assert_eq!(sample.count.count(1), "1 form");
        assert_eq!(sample.count.count(0), "0 forms");
        assert_eq!(sample.count.count(2), "2 forms");
    }

    #[test]
    #[should_panic(expected = "unknown field")]
    fn an_extra_key_is_an_error() {
        let _: Sample = parse_locale(
            Lang::En,
            "word = \"hi\"\nextra = \"x\"\ncount = { one = \"a\", other = \"b\" }\n",
        );
    }

    #[test]
    #[should_panic(expected = "missing field")]
    fn a_missing_key_is_an_error() {
        let _: Sample = parse_locale(Lang::En, "word = \"hi\"\n");
    }

    #[test]
    fn accept_language_prefers_highest_q_among_ours() {
        assert_eq!(
            Lang::from_accept_language("fi-FI,fi;q=0.9,en;q=0.8"),
            Some(Lang::Fi)
        );
        assert_eq!(
            Lang::from_accept_language("de-DE,en;q=0.5,sv;q=0.7"),
            Some(Lang::Sv)
        );
        assert_eq!(Lang::from_accept_language("de,fr"), None);
        assert_eq!(Lang::from_accept_language("sv;q=0,en"), Some(Lang::En));
    }
}
