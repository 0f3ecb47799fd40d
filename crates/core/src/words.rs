//! Word lists, a second source of evidence for handwriting read from
//! paper: a line whose words are all names, places or words people use is
//! far likelier read right than one that is not (`TAKOBSTAD`, `KOKHONEN`).
//! The lists (`data/words-*.txt.gz`, `data/names-*.txt.gz`, licences
//! beside them) are made by `scripts/fetch-word-lists.sh`.

use std::io::Read;
use std::sync::LazyLock;

use crate::form::{FieldDef, FieldType};
use crate::postal;

/// One list: sorted keys, one a line (see [`key`]).
struct List {
    text: String,
    /// Where each key starts in `text`.
    starts: Vec<u32>,
}

impl List {
    fn load(name: &str, gzipped: &[u8]) -> List {
        let mut text = String::new();
        flate2::read::GzDecoder::new(gzipped)
            .read_to_string(&mut text)
            .unwrap_or_else(|e| panic!("{name}: not a gzipped UTF-8 word list: {e}"));
        let mut starts = vec![0];
        starts.extend(
            text.match_indices('\n')
                .map(|(at, _)| at as u32 + 1)
                .filter(|&at| (at as usize) < text.len()),
        );
        List { text, starts }
    }

    #[cfg(test)]
    fn key_at(&self, index: usize) -> &str {
        let start = self.starts[index] as usize;
        let end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |n| start + n);
        &self.text[start..end]
    }

    fn contains(&self, key: &str) -> bool {
        self.starts
            .binary_search_by(|&start| {
                let start = start as usize;
                let end = self.text[start..]
                    .find('\n')
                    .map_or(self.text.len(), |n| start + n);
                self.text[start..end].cmp(key)
            })
            .is_ok()
    }
}

macro_rules! list {
    ($name:literal) => {
        LazyLock::new(|| List::load($name, include_bytes!(concat!("../data/", $name))))
    };
}

static FIRST_NAMES: LazyLock<List> = list!("names-first.txt.gz");
static SURNAMES: LazyLock<List> = list!("names-surnames.txt.gz");
static SWEDISH: LazyLock<List> = list!("words-sv.txt.gz");
static FINNISH: LazyLock<List> = list!("words-fi.txt.gz");

/// A list a word can be looked up in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WordList {
    /// First and middle names in Finland's name statistics (DVV).
    FirstNames,
    /// Surnames in Finland's name statistics (DVV).
    Surnames,
    /// Finland-Swedish words in every form (hunspell-sv).
    Swedish,
    /// Finnish words in the forms seen in text (wordfreq).
    Finnish,
}

impl WordList {
    fn list(self) -> &'static List {
        match self {
            WordList::FirstNames => &FIRST_NAMES,
            WordList::Surnames => &SURNAMES,
            WordList::Swedish => &SWEDISH,
            WordList::Finnish => &FINNISH,
        }
    }

    /// Whether `word` is in this list, whatever its case and accents
    /// other than Å, Ä and Ö (which are letters of their own).
    pub fn contains(self, word: &str) -> bool {
        key(word).is_some_and(|k| self.list().contains(&k))
    }

    /// How many keys the list holds.
    #[cfg(test)]
    fn len(self) -> usize {
        self.list().starts.len()
    }
}

/// A word as the lists hold it: lower case, accents other than å, ä and ö
/// dropped (ø taken as ö). `None` for anything but letters, or a single
/// letter. Must match `keys` in `scripts/fetch-word-lists.sh`.
pub fn key(word: &str) -> Option<String> {
    let key: String = word
        .chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ý' => 'y',
            'ñ' => 'n',
            'ç' => 'c',
            'š' => 's',
            'ž' => 'z',
            'ø' => 'ö',
            other => other,
        })
        .collect();
    let letters = key
        .chars()
        .all(|c| c.is_ascii_lowercase() || "åäö".contains(c));
    (letters && key.chars().count() >= 2).then_some(key)
}

/// What a line of handwriting in a field is checked against, told by
/// what the field holds (its autocomplete hint, as for its whitelist).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Vocabulary {
    FirstNames,
    Surname,
    /// The whole line names a post office in the postal code table.
    PostOffice,
    /// Swedish or Finnish words, places, and street names made of them.
    Street,
    /// Free text (the desired occupation): Swedish or Finnish words.
    Words,
}

/// Endings street names are made with: a word and one of these
/// (`Skolhusgatan`, `Vöråvägen`, `Kauppakatu`). A Swedish stem may take a
/// linking `s` (`Runebergsgatan`).
const STREET_ENDINGS: &[&str] = &[
    "katu",
    "tie",
    "kuja",
    "polku",
    "väylä",
    "kaari",
    "raitti",
    "rinne",
    "puistikko",
    "puisto",
    "tori",
    "aukio",
    "ranta",
    "gatan",
    "vägen",
    "väg",
    "gränd",
    "gränden",
    "stigen",
    "leden",
    "backen",
    "torget",
    "esplanaden",
    "allén",
    "stranden",
    "parken",
];

impl Vocabulary {
    /// The vocabulary of a field read as a line, if it has one: names by
    /// their hints, the post office (`address-level2`), the street
    /// address, and free text without a hint. Email has none.
    pub fn of(field: &FieldDef) -> Option<Vocabulary> {
        if field.field_type != FieldType::Text {
            return None;
        }
        match field.autocomplete.as_deref() {
            Some("given-name") => Some(Vocabulary::FirstNames),
            Some("family-name") => Some(Vocabulary::Surname),
            Some("address-level2") => Some(Vocabulary::PostOffice),
            Some("street-address") => Some(Vocabulary::Street),
            None => Some(Vocabulary::Words),
            Some(_) => None,
        }
    }

    /// Whether every word of `line` is in the vocabulary. Numbers and
    /// single letters (a house number, a staircase) are not words and
    /// neither count for nor against a line; a line with no word at all
    /// is not listed.
    pub fn lists(self, line: &str) -> bool {
        if self == Vocabulary::PostOffice {
            return !postal::codes_of(line).is_empty();
        }
        let words = words(line);
        !words.is_empty() && words.iter().all(|w| self.lists_word(w))
    }

    /// Whether the vocabulary holds nearly every word people write in the
    /// field, so that an unlisted word one letter from a listed one is
    /// likelier a misreading than a word of its own: names (Finland's name
    /// statistics) and post offices (the postal code table). Streets and
    /// free text hold words of their own: a printed `Storalatan` is one
    /// letter from `Storagatan`.
    pub fn is_closed(self) -> bool {
        matches!(
            self,
            Vocabulary::FirstNames | Vocabulary::Surname | Vocabulary::PostOffice
        )
    }

    /// The words of `line` that are not in the vocabulary.
    pub fn unlisted(self, line: &str) -> Vec<String> {
        if self == Vocabulary::PostOffice {
            return if self.lists(line) {
                Vec::new()
            } else {
                vec![line.trim().to_string()]
            };
        }
        words(line)
            .into_iter()
            .filter(|w| !self.lists_word(w))
            .map(str::to_string)
            .collect()
    }

    fn lists_word(self, word: &str) -> bool {
        match self {
            Vocabulary::FirstNames => WordList::FirstNames.contains(word),
            Vocabulary::Surname => WordList::Surnames.contains(word),
            Vocabulary::PostOffice => !postal::codes_of(word).is_empty(),
            Vocabulary::Words => is_word(word),
            Vocabulary::Street => is_word(word) || is_place(word) || is_street_name(word),
        }
    }

    /// Words of the vocabulary one letter away from `word` (one letter
    /// changed, left out or added), at most `most`, in the case `word`
    /// was written in: what a misread word most likely was.
    pub fn neighbours(self, word: &str, most: usize) -> Vec<String> {
        let Some(k) = key(word) else {
            return Vec::new();
        };
        let chars: Vec<char> = k.chars().collect();
        let mut found: Vec<String> = Vec::new();
        let mut try_one = |candidate: Vec<char>| {
            let candidate: String = candidate.into_iter().collect();
            if found.len() < most
                && candidate != k
                && !found.contains(&candidate)
                && self.lists_word(&candidate)
            {
                found.push(candidate);
            }
        };
        for i in 0..chars.len() {
            for c in ALPHABET.chars() {
                let mut changed = chars.clone();
                changed[i] = c;
                try_one(changed);
            }
            let mut left_out = chars.clone();
            left_out.remove(i);
            try_one(left_out);
        }
        for i in 0..=chars.len() {
            for c in ALPHABET.chars() {
                let mut added = chars.clone();
                added.insert(i, c);
                try_one(added);
            }
        }
        found.into_iter().map(|n| as_written(&n, word)).collect()
    }
}

const ALPHABET: &str = "abcdefghijklmnopqrstuvwxyzåäö";

/// `key` in the case of `written`: upper case if it was, else capitalised.
fn as_written(key: &str, written: &str) -> String {
    if written.chars().any(char::is_lowercase) {
        let mut chars = key.chars();
        chars
            .next()
            .map(|first| first.to_uppercase().chain(chars).collect())
            .unwrap_or_default()
    } else {
        key.to_uppercase()
    }
}

/// The words of a line: split at spaces and hyphens, stripped of
/// punctuation; numbers, anything holding a digit, and single letters
/// are left out.
fn words(line: &str) -> Vec<&str> {
    line.split(|c: char| c.is_whitespace() || c == '-' || c == '/')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().count() >= 2 && !w.chars().any(|c| c.is_ascii_digit()))
        .collect()
}

fn is_word(word: &str) -> bool {
    WordList::Swedish.contains(word) || WordList::Finnish.contains(word)
}

fn is_place(word: &str) -> bool {
    !postal::codes_of(word).is_empty()
}

/// A street name made of a word, a place or a name and a street ending.
fn is_street_name(word: &str) -> bool {
    let Some(k) = key(word) else {
        return false;
    };
    STREET_ENDINGS.iter().any(|ending| {
        let Some(stem) = key(ending).and_then(|e| k.strip_suffix(e.as_str()).map(str::to_string))
        else {
            return false;
        };
        let known = |stem: &str| {
            stem.chars().count() >= 2
                && (is_word(stem)
                    || is_place(stem)
                    || WordList::Surnames.contains(stem)
                    || WordList::FirstNames.contains(stem))
        };
        stem.is_empty() || known(&stem) || stem.strip_suffix('s').is_some_and(known)
    })
}

#[cfg(test)]
mod tests;
