//! Writes a batch of letters to people whose names come from all over
//! Europe, for looking at the letter as the mailroom prints it:
//!
//!     cargo run -p intake-paper --example letter_batch -- letters.pdf [COUNT]
//!
//! COUNT letters (20 unless given), each in turn in one of the three
//! languages or English with Finnish.

use intake_core::i18n::{Lang, Text};
use intake_paper::letter::{Letter, LetterOffice, Recipient, render};
use time::macros::date;

const PEOPLE: [(&str, &str, &str, &str); 6] = [
    ("Łukasz Świątek", "Kauppakatu 12 B 4", "65100", "Vaasa"),
    ("Олена Коваленко", "Koulutie 3", "65610", "Mustasaari"),
    (
        "Ioana Țăranu",
        "Strada Ștefan cel Mare și Sfânt 12",
        "65100",
        "Vaasa",
    ),
    ("Γιώργος Παπαδόπουλος", "Rantakatu 5 A 1", "65100", "Vaasa"),
    ("Åsa Öberg-Niemi", "Handelsesplanaden 22", "65100", "Vasa"),
    ("Işıl Ağaoğlu", "Ģertrūdes iela 7", "65610", "Mustasaari"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = args.next().ok_or("usage: letter_batch OUT.pdf [COUNT]")?;
    let count: usize = args.next().map_or(Ok(20), |n| n.parse())?;
    let both = |sv: &str, fi: &str| Text {
        sv: sv.into(),
        fi: fi.into(),
        en: fi.into(),
    };
    let office = LetterOffice {
        name: both("Sysselsättningstjänster Vasa", "Työllisyyspalvelut Vaasa"),
        street: both("Handelsesplanaden 22", "Kauppapuistikko 22"),
        postal_code: "65100".into(),
        post_office: both("Vasa", "Vaasa"),
        phone: "06 325 6000".into(),
    };
    let languages = [
        vec![Lang::Fi],
        vec![Lang::Sv],
        vec![Lang::En],
        vec![Lang::En, Lang::Fi],
    ];
    let letters: Vec<Letter> = (0..count)
        .map(|i| {
            let (name, street, postal_code, post_office) = PEOPLE[i % PEOPLE.len()];
            Letter {
                languages: languages[i % languages.len()].clone(),
                office: office.clone(),
                recipient: Recipient {
                    name: name.into(),
                    street_address: street.into(),
                    postal_code: postal_code.into(),
                    post_office: post_office.into(),
                },
                reference: format!("K7MX{:04}", i),
                received_on: date!(2026 - 11 - 22),
                dated: date!(2026 - 12 - 7),
                phone: "+358401234567".into(),
                attempts: 3,
            }
        })
        .collect();
    let pdf = render(&letters)?;
    std::fs::write(&out, &pdf)?;
    println!("{count} letters, {} bytes: {out}", pdf.len());
    Ok(())
}
