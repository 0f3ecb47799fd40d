//! What each `FieldError` says to the person, in Swedish, Finnish and English.
//! Every message names the problem and how to fix it; the field's own label
//! is shown beside it, so messages do not repeat it unless it helps.

use super::FieldError;
use crate::i18n::Lang;

fn pick(lang: Lang, sv: &str, fi: &str, en: &str) -> String {
    match lang {
        Lang::Sv => sv,
        Lang::Fi => fi,
        Lang::En => en,
    }
    .to_owned()
}

impl FieldError {
    /// A full sentence in the given language saying what is wrong and how to fix it.
    pub fn message(&self, lang: Lang) -> String {
        match self {
            FieldError::Required => pick(
                lang,
                "Det här fältet är obligatoriskt. Fyll i det.",
                "Tämä kenttä on pakollinen. Täytä se.",
                "This field is required. Please fill it in.",
            ),
            FieldError::TooLong { max } => match lang {
                Lang::Sv => format!("Det här är för långt. Använd högst {max} tecken."),
                Lang::Fi => format!("Tämä on liian pitkä. Käytä enintään {max} merkkiä."),
                Lang::En => format!("This is too long. Please use at most {max} characters."),
            },
            FieldError::ControlCharacter => pick(
                lang,
                "Texten innehåller ett osynligt styrtecken. Ta bort det eller skriv texten på nytt i stället för att klistra in den.",
                "Tekstissä on näkymätön ohjausmerkki. Poista se, tai kirjoita teksti itse sen sijaan, että liität sen.",
                "The text contains an invisible control character. Delete it, or type the text again instead of pasting it.",
            ),
            FieldError::HetuFormat => pick(
                lang,
                "En personbeteckning har 11 tecken: födelsedatum, skiljetecken, tre siffror och ett kontrolltecken, till exempel 131052-308T. Kontrollera vad du skrev.",
                "Henkilötunnuksessa on 11 merkkiä: syntymäaika, välimerkki, kolme numeroa ja tarkistusmerkki, esimerkiksi 131052-308T. Tarkista kirjoittamasi tunnus.",
                "A personal identity code has 11 characters: date of birth, century sign, three digits and a check character, for example 131052-308T. Please check what you wrote.",
            ),
            FieldError::HetuCenturySign { sign } => match lang {
                Lang::Sv => format!(
                    "Det sjunde tecknet ”{sign}” är inte ett giltigt skiljetecken. Skiljetecknet är + för den som är född på 1800-talet, - eller Y, X, W, V eller U för den som är född på 1900-talet och A, B, C, D, E eller F för den som är född på 2000-talet."
                ),
                Lang::Fi => format!(
                    "Seitsemäs merkki ”{sign}” ei ole sallittu välimerkki. Välimerkki on + 1800-luvulla syntyneillä, - tai Y, X, W, V tai U 1900-luvulla syntyneillä ja A, B, C, D, E tai F 2000-luvulla syntyneillä."
                ),
                Lang::En => format!(
                    "The seventh character “{sign}” is not a valid century sign. The sign is + for people born in the 1800s, - or Y, X, W, V or U for the 1900s, and A, B, C, D, E or F for the 2000s."
                ),
            },
            FieldError::HetuDate => pick(
                lang,
                "De sex första siffrorna ska vara ditt födelsedatum i formen DDMMÅÅ, till exempel 131052 för den 13 oktober 1952. Kontrollera datumet.",
                "Kuuden ensimmäisen numeron on oltava syntymäaikasi muodossa PPKKVV, esimerkiksi 131052, kun syntymäpäivä on 13.10.1952. Tarkista päivämäärä.",
                "The first six digits must be your date of birth as DDMMYY, for example 131052 for 13 October 1952. Please check the date.",
            ),
            FieldError::HetuIndividualNumber => pick(
                lang,
                "De tre siffrorna efter skiljetecknet kan inte vara 000 eller 001. Jämför personbeteckningen med ditt identitetskort eller FPA-kort.",
                "Välimerkin jälkeiset kolme numeroa eivät voi olla 000 tai 001. Tarkista henkilötunnus henkilökortistasi tai Kela-kortistasi.",
                "The three digits after the century sign cannot be 000 or 001. Please check the code against your ID card or Kela card.",
            ),
            FieldError::HetuCheck => pick(
                lang,
                "Det sista tecknet stämmer inte med resten av personbeteckningen, så något tecken är felskrivet. Jämför med ditt identitetskort eller FPA-kort.",
                "Viimeinen merkki ei täsmää henkilötunnuksen muiden merkkien kanssa, joten jokin merkki on kirjoitettu väärin. Tarkista tunnus henkilökortistasi tai Kela-kortistasi.",
                "The last character does not match the rest of the code, so something is mistyped. Please check the code against your ID card or Kela card.",
            ),
            FieldError::HetuTemporary => pick(
                lang,
                "Det här är en tillfällig personbeteckning (siffrorna efter skiljetecknet är 900–999) och den kan inte användas här. Skriv din egentliga personbeteckning. Om du inte har någon, kontakta sysselsättningstjänsterna.",
                "Tämä on väliaikainen henkilötunnus (välimerkin jälkeiset numerot ovat 900–999), eikä sitä voi käyttää tässä. Kirjoita varsinainen henkilötunnuksesi. Jos sinulla ei ole sellaista, ota yhteyttä työllisyyspalveluihin.",
                "This is a temporary identity code (the digits after the century sign are 900–999) and it cannot be used here. Please write your permanent personal identity code. If you do not have one, contact employment services.",
            ),
            FieldError::HetuSwedishPersonnummer => pick(
                lang,
                "Det här ser ut som ett svenskt personnummer. Skriv i stället din finska personbeteckning, till exempel 131052-308T. Om du inte har någon finsk personbeteckning, kontakta sysselsättningstjänsterna.",
                "Tämä näyttää ruotsalaiselta henkilönumerolta (personnummer). Kirjoita sen sijaan suomalainen henkilötunnuksesi, esimerkiksi 131052-308T. Jos sinulla ei ole suomalaista henkilötunnusta, ota yhteyttä työllisyyspalveluihin.",
                "This looks like a Swedish personal identity number (personnummer). Please write your Finnish personal identity code instead, for example 131052-308T. If you do not have one, contact employment services.",
            ),
            FieldError::PhoneCharacters => pick(
                lang,
                "Ett telefonnummer får bara innehålla siffror, mellanslag, bindestreck och ett + i början. Skriv det till exempel som 040 123 4567 eller +358 40 123 4567.",
                "Puhelinnumerossa voi olla vain numeroita, välilyöntejä, väliviivoja ja alussa +-merkki. Kirjoita se esimerkiksi muodossa 040 123 4567 tai +358 40 123 4567.",
                "A phone number can contain only digits, spaces, dashes and a + at the start. Please write it like 040 123 4567 or +358 40 123 4567.",
            ),
            FieldError::PhoneFormat => pick(
                lang,
                "Börja telefonnumret med 0, eller med + och landsnumret, till exempel 040 123 4567 eller +46 70 123 45 67.",
                "Aloita puhelinnumero nollalla tai +-merkillä ja maatunnuksella, esimerkiksi 040 123 4567 tai +46 70 123 45 67.",
                "Please start the phone number with 0, or with + and the country code, for example 040 123 4567 or +46 70 123 45 67.",
            ),
            FieldError::PhoneTooShort => pick(
                lang,
                "Telefonnumret är för kort. Kontrollera att inga siffror fattas och att riktnumret finns med, till exempel 09 123 4567.",
                "Puhelinnumero on liian lyhyt. Tarkista, ettei numeroita puutu ja että suuntanumero on mukana, esimerkiksi 09 123 4567.",
                "The phone number is too short. Please check that no digits are missing and that the area code is included, for example 09 123 4567.",
            ),
            FieldError::PhoneTooLong => pick(
                lang,
                "Telefonnumret är för långt. Kontrollera att det inte finns extra siffror och skriv bara ett nummer.",
                "Puhelinnumero on liian pitkä. Tarkista, ettei siinä ole ylimääräisiä numeroita, ja kirjoita vain yksi numero.",
                "The phone number is too long. Please check for extra digits and write only one number.",
            ),
            FieldError::PostalCodeFormat => pick(
                lang,
                "Skriv postnumret med fem siffror, till exempel 00100.",
                "Kirjoita postinumero viitenä numerona, esimerkiksi 00100.",
                "Write the postal code as five digits, for example 00100.",
            ),
            FieldError::EmailFormat => pick(
                lang,
                "Det här ser inte ut som en e-postadress. Skriv den i formen namn@exempel.fi utan mellanslag.",
                "Tämä ei näytä sähköpostiosoitteelta. Kirjoita se muodossa nimi@esimerkki.fi ilman välilyöntejä.",
                "This does not look like an email address. Please write it in the form name@example.fi, without spaces.",
            ),
            FieldError::DateFormat => pick(
                lang,
                "Skriv datumet som dag, månad och år, till exempel 6.4.2020.",
                "Kirjoita päivämäärä järjestyksessä päivä, kuukausi, vuosi, esimerkiksi 6.4.2020.",
                "Write the date as day, month and year, for example 6.4.2020.",
            ),
            FieldError::DateImpossible => pick(
                lang,
                "Det datumet finns inte. Kontrollera dagen och månaden.",
                "Tällaista päivämäärää ei ole. Tarkista päivä ja kuukausi.",
                "That date does not exist. Please check the day and the month.",
            ),
            FieldError::NotAnOption => pick(
                lang,
                "Välj ett av de alternativ som visas.",
                "Valitse jokin annetuista vaihtoehdoista.",
                "Please choose one of the options shown.",
            ),
            FieldError::ChoiceMissing => pick(
                lang,
                "Välj ett av alternativen.",
                "Valitse yksi vaihtoehdoista.",
                "Choose one of the options.",
            ),
            FieldError::ConsentMissing => pick(
                lang,
                "Kryssa i rutan om du samtycker till att bli kontaktad per telefon. Vi behöver ringa dig för att bekräfta din identitet och slutföra registreringen.",
                "Merkitse rasti ruutuun, jos suostut siihen, että sinuun otetaan yhteyttä puhelimitse. Meidän täytyy soittaa sinulle, jotta voimme varmistaa henkilöllisyytesi ja viimeistellä ilmoittautumisesi.",
                "Please tick the box to agree to be contacted by phone. We need to call you to confirm your identity and complete your registration.",
            ),
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
