//! What a letter's text gives towards a registration: an identity code, a
//! phone number, an email address, a postal code with its post office, the
//! writer's name (the signature line) and the language it is written in.
//! Each value is kept only if the web form's own rules accept it; the
//! caseworker checks them all before the registration is made.

use std::collections::BTreeMap;

use intake_core::record::validate;

/// Field id to the value found, as the form's inputs take it.
pub fn prefill(text: &str) -> BTreeMap<&'static str, String> {
    let mut found = BTreeMap::new();
    if let Some(hetu) = find_hetu(text) {
        found.insert("hetu", hetu);
    }
    if let Some(phone) = find_phone(text) {
        found.insert("phone", phone);
    }
    if let Some(email) = find_email(text) {
        found.insert("email", email);
    }
    if let Some((code, office)) = find_postal(text) {
        found.insert("postal_code", code);
        found.insert("post_office", office);
    }
    if let Some((surname, first_names)) = find_name(text) {
        found.insert("surname", surname);
        found.insert("first_names", first_names);
    }
    if let Some(language) = guess_language(text) {
        found.insert("service_language", language.to_string());
    }
    found
}

/// The first 11 characters in a row (spaces left out) that make a valid
/// henkilötunnus.
fn find_hetu(text: &str) -> Option<String> {
    text.lines().find_map(|line| {
        let chars: Vec<char> = line.chars().filter(|c| !c.is_whitespace()).collect();
        chars.windows(11).find_map(|window| {
            let candidate: String = window.iter().collect();
            validate::hetu(&candidate).ok().map(|h| h.code)
        })
    })
}

/// The first run of digits and separators that starts like a phone number
/// (`0`, `+`), stands on its own (a digit run glued to letters or brackets
/// is something else, or misread) and normalises as one.
fn find_phone(text: &str) -> Option<String> {
    let is_part = |c: char| c.is_ascii_digit() || matches!(c, ' ' | '-' | '/');
    for line in text.lines() {
        let chars: Vec<char> = line.chars().collect();
        for start in 0..chars.len() {
            let first = chars[start];
            let glued =
                |c: Option<&char>| c.is_some_and(|c| c.is_alphanumeric() || "()[]".contains(*c));
            if !(first == '0' || first == '+') || (start > 0 && glued(chars.get(start - 1))) {
                continue;
            }
            let length = 1 + chars[start + 1..]
                .iter()
                .take_while(|c| is_part(**c))
                .count();
            let run: String = chars[start..start + length].iter().collect();
            let run = run.trim_end_matches([' ', '-', '/']);
            let digits = run.chars().filter(char::is_ascii_digit).count();
            if (7..=15).contains(&digits)
                && !glued(chars.get(start + length))
                && let Ok(phone) = validate::phone(run)
            {
                return Some(phone);
            }
        }
    }
    None
}

fn find_email(text: &str) -> Option<String> {
    text.split_whitespace()
        .filter(|word| word.contains('@'))
        .map(|word| word.trim_matches(|c: char| !(c.is_alphanumeric() || c == '@')))
        .find_map(|word| validate::email(word).ok())
}

/// Five digits followed by a word: `65100 VAASA`.
fn find_postal(text: &str) -> Option<(String, String)> {
    text.lines().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        words.windows(2).find_map(|pair| {
            let code = pair[0].trim_matches(|c: char| !c.is_ascii_digit());
            let office = pair[1].trim_matches(|c: char| !c.is_alphabetic());
            let is_code = code.len() == 5 && pair[0].len() <= 6;
            let is_place = office.chars().count() >= 2 && office.chars().all(char::is_alphabetic);
            (is_code && is_place)
                .then(|| validate::postal_code(code).ok())
                .flatten()
                .map(|code| (code, office.to_string()))
        })
    })
}

/// The signature: the last line of two to four capitalised words and
/// nothing else. The last word is taken as the surname.
fn find_name(text: &str) -> Option<(String, String)> {
    let is_name_word = |word: &str| {
        let mut chars = word.chars();
        chars.next().is_some_and(char::is_uppercase)
            && word.chars().count() >= 2
            && word
                .chars()
                .all(|c| c.is_alphabetic() || c == '-' || c == '\'')
    };
    text.lines().rev().find_map(|line| {
        let words: Vec<&str> = line.split_whitespace().collect();
        let plausible = (2..=4).contains(&words.len()) && words.iter().all(|w| is_name_word(w));
        let (surname, first) = words.split_last()?;
        plausible.then(|| (surname.to_string(), first.join(" ")))
    })
}

/// Which of the service languages a text is in, by its commonest words;
/// `None` when it is not clear.
fn guess_language(text: &str) -> Option<&'static str> {
    const MARKERS: [(&str, &[&str]); 3] = [
        (
            "sv",
            &[
                "och", "jag", "att", "inte", "är", "har", "min", "mitt", "för", "med", "hej",
                "vill", "om", "på",
            ],
        ),
        (
            "fi",
            &[
                "ja",
                "olen",
                "minä",
                "että",
                "ei",
                "on",
                "hei",
                "haluan",
                "minun",
                "työ",
                "kiitos",
                "voisitteko",
            ],
        ),
        (
            "en",
            &[
                "the", "and", "my", "to", "is", "please", "hello", "would", "have", "for",
            ],
        ),
    ];
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let mut scores: Vec<(usize, &str)> = MARKERS
        .iter()
        .map(|(language, markers)| {
            let hits = words
                .iter()
                .filter(|w| markers.contains(&w.as_str()))
                .count();
            (hits, *language)
        })
        .collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.0));
    let (best, language) = scores[0];
    (best >= 2 && best > scores[1].0).then_some(language)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LETTER: &str = "Vaasa 22.4.2025\n\nHej,\n\njag fyllde i en blankett förra veckan \
        men har inte hört något. Min personbeteckning är 131052 -308T och\nmitt nummer \
        040 123 4567. Adress Kauppakatu 12, 65100 VAASA.\nE-post: eveliina.h@example.fi.\n\n\
        Med vänlig hälsning\nEveliina Helmi Holmström\n003594972717)6\n";

    #[test]
    fn a_letter_gives_what_it_holds() {
        let found = prefill(LETTER);
        assert_eq!(found["hetu"], "131052-308T");
        assert_eq!(found["phone"], "+358401234567");
        assert_eq!(found["email"], "eveliina.h@example.fi");
        assert_eq!(found["postal_code"], "65100");
        assert_eq!(found["post_office"], "VAASA");
        assert_eq!(found["surname"], "Holmström");
        assert_eq!(found["first_names"], "Eveliina Helmi");
        assert_eq!(found["service_language"], "sv");
    }

    #[test]
    fn noise_gives_nothing() {
        let found = prefill("22.4.2025 ab\n\u{c}\nx 12 (5)\n003594972717)6\n");
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn finnish_is_recognised() {
        assert_eq!(
            guess_language("Hei, olen työtön ja haluan että joku soittaa."),
            Some("fi")
        );
        assert_eq!(guess_language("Hello"), None);
    }
}
