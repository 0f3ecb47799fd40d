//! The three languages of the service and the choice between them.
//! Texts that come from a form definition live there; texts of the service
//! itself live beside the code that shows them, as `Text` values.

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

#[cfg(test)]
mod tests {
    use super::*;

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
