use std::path::Path;

use super::*;
use crate::form::FormDefinition;

#[test]
fn keys_fold_case_and_accents_but_keep_the_nordic_letters() {
    assert_eq!(key("Närpes").as_deref(), Some("närpes"));
    assert_eq!(key("JOSÉ").as_deref(), Some("jose"));
    assert_eq!(key("Søren").as_deref(), Some("sören"));
    assert_eq!(key("ÅSA").as_deref(), Some("åsa"));
    for not_a_word in ["12", "12B", "A", "O'Neil", ""] {
        assert_eq!(key(not_a_word), None, "{not_a_word}");
    }
}

#[test]
fn names_are_found_whatever_their_case_and_misreads_are_not() {
    for name in ["Matti", "MATTI", "eveliina", "Ebba", "Linnea"] {
        assert!(WordList::FirstNames.contains(name), "{name}");
    }
    for name in ["Virtanen", "KORHONEN", "Björklund", "BJÖRKLUND"] {
        assert!(WordList::Surnames.contains(name), "{name}");
    }
    for misread in ["VIKTANEN", "KOKHONEN", "BJORKLUND"] {
        assert!(!WordList::Surnames.contains(misread), "{misread}");
    }
    assert!(!WordList::FirstNames.contains("CLIN"));
}

#[test]
fn words_are_found_in_either_language_and_a_lost_dot_matters() {
    assert!(WordList::Swedish.contains("UNDERSKÖTERSKA"));
    assert!(WordList::Swedish.contains("lärare"));
    assert!(!WordList::Swedish.contains("UNDERSKOTERSKA"));
    assert!(!WordList::Swedish.contains("LORARE"));
    assert!(WordList::Finnish.contains("Sähköasentaja"));
    assert!(WordList::Finnish.contains("lähihoitaja"));
    assert!(!WordList::Finnish.contains("SOHKOASENTAJA"));
}

#[test]
fn every_list_is_sorted_and_holds_only_keys() {
    for list in [
        WordList::FirstNames,
        WordList::Surnames,
        WordList::Swedish,
        WordList::Finnish,
    ] {
        let l = list.list();
        assert!(list.len() > 8_000, "{list:?}: {}", list.len());
        for i in 1..list.len() {
            assert!(l.key_at(i - 1) < l.key_at(i), "{list:?} at {i}");
        }
        for i in (0..list.len()).step_by(997) {
            assert_eq!(key(l.key_at(i)).as_deref(), Some(l.key_at(i)), "{list:?}");
        }
    }
}

#[test]
fn each_field_is_checked_against_what_it_holds() {
    let source = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../forms/jobseeker-start.toml"
    ))
    .unwrap();
    let form = FormDefinition::parse(Path::new("forms/jobseeker-start.toml"), &source).unwrap();
    let of = |id: &str| Vocabulary::of(form.field(id).unwrap());
    assert_eq!(of("first_names"), Some(Vocabulary::FirstNames));
    assert_eq!(of("surname"), Some(Vocabulary::Surname));
    assert_eq!(of("post_office"), Some(Vocabulary::PostOffice));
    assert_eq!(of("street_address"), Some(Vocabulary::Street));
    assert_eq!(of("desired_occupation"), Some(Vocabulary::Words));
    assert_eq!(of("email"), None);
    assert_eq!(of("hetu"), None);
}

#[test]
fn a_line_is_listed_only_when_every_word_is() {
    assert!(Vocabulary::FirstNames.lists("MATTI JUHANI"));
    assert!(Vocabulary::FirstNames.lists("Ari-Pekka"));
    assert!(!Vocabulary::FirstNames.lists("MATTI JUHAMI"));
    assert_eq!(Vocabulary::FirstNames.unlisted("MATTI JUHAMI"), ["JUHAMI"]);
    assert!(Vocabulary::PostOffice.lists("JAKOBSTAD"));
    assert!(Vocabulary::PostOffice.lists("Närpiö"));
    assert!(!Vocabulary::PostOffice.lists("TAKOBSTAD"));
    assert!(Vocabulary::Words.lists("SÄHKÖASENTAJA"));
    assert!(!Vocabulary::Words.lists("SOHKOASENTAJA"));
    assert!(!Vocabulary::Words.lists(""), "no word at all");
}

#[test]
fn street_names_are_words_or_places_with_a_street_ending() {
    for street in [
        "KAUPPAKATU 12",
        "Skolhusgatan 4 B",
        "VÖRÅVÄGEN 3",
        "STRANDGATAN 7 A 2",
        "RUNEBERGSGATAN 1",
    ] {
        assert!(Vocabulary::Street.lists(street), "{street}");
    }
    for misread in ["KAUPPAKATU 12 XQZ", "XQZKATU 5", "KAUPPAKOTU 3"] {
        assert!(!Vocabulary::Street.lists(misread), "{misread}");
    }
}

#[test]
fn a_misread_word_has_the_listed_word_it_came_from_as_a_neighbour() {
    assert!(
        Vocabulary::Surname
            .neighbours("VIKTANEN", 5)
            .contains(&"VIRTANEN".to_string())
    );
    assert!(
        Vocabulary::Surname
            .neighbours("KOKHONEN", 5)
            .contains(&"KORHONEN".to_string())
    );
    assert!(
        Vocabulary::PostOffice
            .neighbours("TAKOBSTAD", 5)
            .contains(&"JAKOBSTAD".to_string())
    );
    assert!(
        Vocabulary::FirstNames
            .neighbours("Clin", 20)
            .contains(&"Elin".to_string())
    );
    assert!(Vocabulary::Surname.neighbours("QQQQQQQXQ", 5).is_empty());
}
