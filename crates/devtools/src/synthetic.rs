//! Synthetic Finnish and Swedish-speaking jobseekers, for demo data,
//! benchmarks and tests: valid identity codes, real-looking names and
//! addresses, phone numbers written the many ways people write them.

use rand::Rng;
use rand::seq::IndexedRandom;

const SURNAMES: &[&str] = &[
    "Korhonen",
    "Virtanen",
    "Mäkinen",
    "Nieminen",
    "Mäkelä",
    "Hämäläinen",
    "Laine",
    "Heikkinen",
    "Koskinen",
    "Järvinen",
    "Lehtonen",
    "Saarinen",
    "Lindqvist",
    "Nyström",
    "Björklund",
    "Holmström",
    "Sundqvist",
    "Westerlund",
    "Back",
    "Ahlskog",
];
const FIRST_NAMES: &[&str] = &[
    "Matti", "Juhani", "Aino", "Eveliina", "Mikko", "Johanna", "Antti", "Sofia", "Elias", "Helmi",
    "Anders", "Karin", "Mikael", "Linnea", "Oskar", "Ebba", "Jukka", "Maria", "Ville", "Emilia",
];
const STREETS: &[&str] = &[
    "Kauppakatu",
    "Hovioikeudenpuistikko",
    "Rantakatu",
    "Koulukatu",
    "Storalatan",
    "Skolhusgatan",
    "Vöråvägen",
    "Kyrkoesplanaden",
    "Pitkäkatu",
    "Strandgatan",
];
const PLACES: &[(&str, &str)] = &[
    ("65100", "Vaasa"),
    ("65200", "Vasa"),
    ("65610", "Korsholm"),
    ("68600", "Jakobstad"),
    ("68620", "Pietarsaari"),
    ("64100", "Kristinestad"),
    ("00100", "Helsinki"),
];
const OCCUPATIONS: &[&str] = &[
    "lähihoitaja",
    "undersköterska",
    "varastotyöntekijä",
    "kock",
    "bussinkuljettaja",
    "elektriker",
    "siivooja",
    "butiksbiträde",
    "ohjelmistokehittäjä",
    "",
];

/// A made-up jobseeker with everything the form asks, in normalised form
/// and as the person would write it.
#[derive(Debug, Clone)]
pub struct Jobseeker {
    pub hetu: String,
    pub surname: String,
    pub first_names: String,
    pub street_address: String,
    pub postal_code: String,
    pub post_office: String,
    /// As written on the form: `040 123 4567`, `+358 40 1234567`, ...
    pub phone_written: String,
    pub phone_e164: String,
    pub email: Option<String>,
    pub service_language: &'static str,
    pub situation: &'static str,
    pub call_time: &'static str,
    pub desired_occupation: String,
}

const CHECK_CHARS: &[u8] = b"0123456789ABCDEFHJKLMNPRSTUVWXY";

/// A valid henkilötunnus with an ordinary (not temporary) number.
pub fn hetu(rng: &mut impl Rng) -> String {
    let year: i32 = rng.random_range(1950..=2006);
    let month: u8 = rng.random_range(1..=12);
    let day: u8 = rng.random_range(1..=28);
    let number: u32 = rng.random_range(2..=899);
    let sign = if year >= 2000 {
        *[b'A', b'B', b'C', b'D', b'E', b'F']
            .choose(rng)
            .expect("not empty") as char
    } else {
        *[b'-', b'Y', b'X', b'W', b'V', b'U']
            .choose(rng)
            .expect("not empty") as char
    };
    let yy = year % 100;
    let digits: u64 = format!("{day:02}{month:02}{yy:02}{number:03}")
        .parse()
        .expect("digits");
    let check = CHECK_CHARS[(digits % 31) as usize] as char;
    format!("{day:02}{month:02}{yy:02}{sign}{number:03}{check}")
}

pub fn jobseeker(rng: &mut impl Rng) -> Jobseeker {
    let surname = SURNAMES.choose(rng).expect("not empty").to_string();
    let first = FIRST_NAMES.choose(rng).expect("not empty");
    let second = FIRST_NAMES.choose(rng).expect("not empty");
    let first_names = if rng.random_bool(0.5) {
        format!("{first} {second}")
    } else {
        first.to_string()
    };
    let (postal_code, post_office) = *PLACES.choose(rng).expect("not empty");
    let prefix = *["40", "44", "45", "50", "41", "46"]
        .choose(rng)
        .expect("not empty");
    let rest: u32 = rng.random_range(1_000_000..=9_999_999);
    let rest = rest.to_string();
    let phone_written = match rng.random_range(0..4) {
        0 => format!("0{prefix} {} {}", &rest[..3], &rest[3..]),
        1 => format!("0{prefix}-{rest}"),
        2 => format!("+358 {prefix} {} {}", &rest[..3], &rest[3..]),
        _ => format!("00358{prefix}{rest}"),
    };
    let email = rng.random_bool(0.6).then(|| {
        format!(
            "{}.{}@example.fi",
            ascii_fold(first).to_lowercase(),
            ascii_fold(&surname).to_lowercase()
        )
    });
    Jobseeker {
        hetu: hetu(rng),
        street_address: format!(
            "{} {}",
            STREETS.choose(rng).expect("not empty"),
            rng.random_range(1..80)
        ),
        postal_code: postal_code.into(),
        post_office: post_office.into(),
        phone_e164: format!("+358{prefix}{rest}"),
        phone_written,
        email,
        service_language: ["fi", "sv", "en", "other"][weighted(rng, &[50, 40, 8, 2])],
        situation: [
            "unemployed",
            "laid_off",
            "part_time",
            "employed",
            "student",
            "other",
        ][weighted(rng, &[50, 20, 10, 8, 8, 4])],
        call_time: ["morning", "afternoon", "any"]
            .choose(rng)
            .expect("not empty"),
        desired_occupation: OCCUPATIONS.choose(rng).expect("not empty").to_string(),
        surname,
        first_names,
    }
}

fn weighted(rng: &mut impl Rng, weights: &[u32]) -> usize {
    let mut pick = rng.random_range(0..weights.iter().sum::<u32>());
    for (i, w) in weights.iter().enumerate() {
        if pick < *w {
            return i;
        }
        pick -= w;
    }
    weights.len() - 1
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ä' | 'å' => 'a',
            'ö' => 'o',
            'Ä' | 'Å' => 'A',
            'Ö' => 'O',
            c => c,
        })
        .collect()
}

impl Jobseeker {
    /// The web form's fields as the person would fill them.
    pub fn web_fields(&self) -> Vec<(&'static str, String)> {
        let mut fields = vec![
            ("office", "vaasa".to_string()),
            ("hetu", self.hetu.clone()),
            ("surname", self.surname.clone()),
            ("first_names", self.first_names.clone()),
            ("street_address", self.street_address.clone()),
            ("postal_code", self.postal_code.clone()),
            ("post_office", self.post_office.clone()),
            ("phone", self.phone_written.clone()),
            ("email", self.email.clone().unwrap_or_default()),
            ("service_language", self.service_language.into()),
            ("situation", self.situation.into()),
            ("desired_occupation", self.desired_occupation.clone()),
            ("call_time", self.call_time.into()),
            ("contact_consent", "yes".into()),
        ];
        if self.service_language == "other" {
            // Form version 2 asks which language; the same person always
            // names the same one.
            let which = OTHER_LANGUAGES[self.surname.len() % OTHER_LANGUAGES.len()];
            fields.push(("other_language", which.into()));
        }
        fields.push(("website", String::new()));
        fields
    }
}

/// Languages people name when they need one that is not ours.
pub const OTHER_LANGUAGES: &[&str] = &["arabia", "ukraina", "somali", "dari", "venäjä", "viro"];

/// A URL-encoded web submission of a random jobseeker.
pub fn web_submission(form_token: &str, rng: &mut impl Rng) -> String {
    let mut fields = jobseeker(rng).web_fields();
    fields.push(("form_token", form_token.to_string()));
    serde_urlencoded::to_string(&fields).expect("strings encode")
}

/// The form token out of a rendered form page.
pub fn form_token(page: &str) -> Option<String> {
    let marker = "name=\"form_token\" value=\"";
    let start = page.find(marker)? + marker.len();
    let end = start + page[start..].find('"')?;
    Some(page[start..end].to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::record::validate;

    #[test]
    fn synthetic_people_pass_the_validators() {
        let mut rng = rand::rng();
        for _ in 0..500 {
            let person = jobseeker(&mut rng);
            let hetu = validate::hetu(&person.hetu).unwrap();
            assert!(!hetu.temporary);
            assert_eq!(
                validate::phone(&person.phone_written).unwrap(),
                person.phone_e164
            );
            assert_eq!(
                validate::postal_code(&person.postal_code).unwrap(),
                person.postal_code
            );
        }
    }
}
