//! Finland's postal codes and their post offices (Posti's list, see
//! `data/fi-postal-codes.LICENCE.md`), a second source of evidence for a
//! postal code and post office read from paper or typed on the web: each
//! must name the other. Names match whatever their case and accents, in
//! Finnish or Swedish, so that NARPES, Närpes and Närpiö are all 64200.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;

use crate::i18n::Lang;
use crate::locale::core_texts;

const TABLE_SOURCE: &str = include_str!("../data/fi-postal-codes.tsv");

/// How many codes a doubt suggests at most: the verifier picks among a few.
pub const MAX_CANDIDATES: usize = 5;

/// One postal code's post office, by its Finnish and Swedish names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PostOffice {
    pub fi: &'static str,
    /// `None` where the Swedish name is the Finnish one.
    pub sv: Option<&'static str>,
}

impl PostOffice {
    /// The name in `lang`: the Swedish one for Swedish, else the Finnish.
    pub fn name(&self, lang: Lang) -> &'static str {
        match (lang, self.sv) {
            (Lang::Sv, Some(sv)) => sv,
            _ => self.fi,
        }
    }

    /// Both names, Finnish first, each once.
    pub fn names(&self) -> impl Iterator<Item = &'static str> {
        std::iter::once(self.fi).chain(self.sv)
    }

    /// "VAASA / VASA", or the one name.
    pub fn both_names(&self) -> String {
        match self.sv {
            Some(sv) => format!("{} / {sv}", self.fi),
            None => self.fi.to_string(),
        }
    }

    /// Whether `written` names this office, in either language.
    pub fn is_named(&self, written: &str) -> bool {
        let written = fold(written);
        !written.is_empty() && self.names().any(|name| keys(name).any(|k| k == written))
    }
}

struct Table {
    by_code: BTreeMap<&'static str, PostOffice>,
    /// Folded name (and the name without a station suffix) to its codes,
    /// in order.
    by_name: HashMap<String, Vec<&'static str>>,
    /// Folded names that are only ever Swedish.
    swedish: HashSet<String>,
}

static TABLE: LazyLock<Table> = LazyLock::new(|| {
    let mut by_code = BTreeMap::new();
    let mut by_name: HashMap<String, Vec<&'static str>> = HashMap::new();
    let mut finnish = HashSet::new();
    let mut swedish = HashSet::new();
    for line in TABLE_SOURCE.lines().filter(|l| !l.starts_with('#')) {
        let mut columns = line.split('\t');
        let (Some(code), Some(fi), sv) = (columns.next(), columns.next(), columns.next()) else {
            panic!("fi-postal-codes.tsv: a line without a post office: {line:?}");
        };
        let office = PostOffice {
            fi,
            sv: sv.filter(|s| !s.is_empty()),
        };
        for name in office.names() {
            for key in keys(name) {
                let codes = by_name.entry(key).or_default();
                if !codes.contains(&code) {
                    codes.push(code);
                }
            }
        }
        finnish.extend(keys(fi));
        swedish.extend(office.sv.into_iter().flat_map(keys));
        by_code.insert(code, office);
    }
    swedish.retain(|name| !finnish.contains(name));
    Table {
        by_code,
        by_name,
        swedish,
    }
});

/// A name as it is compared: upper case, Å, Ä and Ö as A, A and O (a
/// reading or a keyboard may lose the marks), other accents dropped, and
/// anything between words as one space.
pub fn fold(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut gap = false;
    for c in name.chars().flat_map(char::to_uppercase) {
        let c = match c {
            'Å' | 'Ä' | 'À' | 'Á' | 'Â' | 'Ã' => 'A',
            'Ö' | 'Ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' => 'O',
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'Ü' | 'Ù' | 'Ú' | 'Û' => 'U',
            'Í' | 'Ì' | 'Î' | 'Ï' => 'I',
            'Š' => 'S',
            'Ž' => 'Z',
            other => other,
        };
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            out.push(c);
        } else {
            gap = true;
        }
    }
    out
}

/// The keys a name is found by: the name, and for a station or church
/// village office (NÄRPIÖ AS, SAARI KK, KOSKI TL) the name without its
/// suffix, since people write their town.
fn keys(name: &str) -> impl Iterator<Item = String> {
    let full = fold(name);
    let base = full
        .rsplit_once(' ')
        .filter(|(_, suffix)| matches!(*suffix, "AS" | "ST" | "KK" | "KBY" | "TL"))
        .map(|(base, _)| base.to_string());
    std::iter::once(full).chain(base)
}

/// The post office of `code`, if the code exists.
pub fn office(code: &str) -> Option<&'static PostOffice> {
    TABLE.by_code.get(code)
}

/// Every code of the post office named `written`, in order; none for a
/// name that is no post office.
pub fn codes_of(written: &str) -> &'static [&'static str] {
    TABLE
        .by_name
        .get(&fold(written))
        .map_or(&[], |codes| codes.as_slice())
}

/// What the table says of a postal code and the post office written with
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostalCheck {
    /// The code exists and, if a post office was written, names it.
    Agrees,
    /// No such code. `candidates` are codes of the written post office,
    /// closest first.
    UnknownCode { candidates: Vec<String> },
    /// The code belongs to another post office than the one written.
    /// `codes` are codes of the written post office, closest to the
    /// written code first (a single digit misread comes first);
    /// `offices` are the names of the code's own post office, the one in
    /// the language the person wrote in first.
    Disagrees {
        office: PostOffice,
        codes: Vec<String>,
        offices: Vec<String>,
    },
}

/// Checks a five-digit `code` against the post office written beside it
/// (`None` or blank when none was).
pub fn check(code: &str, written_office: Option<&str>) -> PostalCheck {
    let written = written_office.map(str::trim).filter(|w| !w.is_empty());
    let nearest = || {
        written
            .map(|w| closest(code, codes_of(w)))
            .unwrap_or_default()
    };
    match (office(code), written) {
        (None, _) => PostalCheck::UnknownCode {
            candidates: nearest(),
        },
        (Some(office), Some(written)) if !office.is_named(written) => {
            let mut offices: Vec<String> = office.names().map(str::to_string).collect();
            if TABLE.swedish.contains(&fold(written)) {
                offices.reverse();
            }
            PostalCheck::Disagrees {
                office: *office,
                codes: nearest(),
                offices,
            }
        }
        _ => PostalCheck::Agrees,
    }
}

/// What the table says against a postal code and the post office written
/// with it, in `lang`, for the person who checks them ("postal code 65200
/// belongs to VAASA / VASA; the written post office is NÄRPES"); `None`
/// when they agree.
pub fn evidence(code: &str, written_office: Option<&str>, lang: Lang) -> Option<String> {
    let t = &core_texts(lang).postal;
    match check(code, written_office) {
        PostalCheck::Agrees => None,
        PostalCheck::UnknownCode { .. } => Some(t.unknown.replace("{code}", code)),
        PostalCheck::Disagrees { office, .. } => Some(
            t.mismatch
                .replace("{code}", code)
                .replace("{office}", &office.both_names())
                .replace("{written}", written_office.unwrap_or("").trim()),
        ),
    }
}

/// The codes closest to `code`: fewest digits different first, then
/// nearest in number, at most [`MAX_CANDIDATES`].
fn closest(code: &str, codes: &[&str]) -> Vec<String> {
    let number = |c: &str| c.parse::<i64>().unwrap_or(0);
    let mut ranked: Vec<&str> = codes.to_vec();
    ranked.sort_by_key(|other| {
        let digits = code
            .chars()
            .zip(other.chars())
            .filter(|(a, b)| a != b)
            .count();
        (digits, (number(code) - number(other)).abs(), *other)
    });
    ranked
        .into_iter()
        .take(MAX_CANDIDATES)
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_every_code_once_with_its_names() {
        assert!(TABLE.by_code.len() > 3000, "{}", TABLE.by_code.len());
        assert_eq!(
            office("65100"),
            Some(&PostOffice {
                fi: "VAASA",
                sv: Some("VASA")
            })
        );
        assert_eq!(office("00100").unwrap().name(Lang::Sv), "HELSINGFORS");
        assert_eq!(office("00100").unwrap().name(Lang::Fi), "HELSINKI");
        assert_eq!(office("79700").unwrap().sv, None, "HEINÄVESI in both");
        assert_eq!(office("65009"), None);
        assert_eq!(office("6510"), None);
    }

    #[test]
    fn names_are_found_whatever_the_case_accents_and_language() {
        for written in ["Närpes", "NÄRPES", "narpes", "Närpiö", "NARPIO", " närpes "] {
            assert!(codes_of(written).contains(&"64200"), "{written}");
        }
        assert!(codes_of("Vasa").contains(&"65100"));
        assert!(codes_of("vaasa").contains(&"65200"));
        assert!(codes_of("Nowhere").is_empty());
        assert!(codes_of("").is_empty());
        assert!(office("64230").unwrap().is_named("Närpes"), "NÄRPES ST");
        assert!(office("64230").unwrap().is_named("närpiö as"));
        assert_eq!(fold("  Pernajan--vanhakylä "), "PERNAJAN VANHAKYLA");
    }

    #[test]
    fn a_code_and_its_own_office_agree() {
        assert_eq!(check("65100", Some("Vaasa")), PostalCheck::Agrees);
        assert_eq!(check("65100", Some("VASA")), PostalCheck::Agrees);
        assert_eq!(check("64200", Some("Narpes")), PostalCheck::Agrees);
        assert_eq!(check("65100", None), PostalCheck::Agrees);
        assert_eq!(check("65100", Some("  ")), PostalCheck::Agrees);
    }

    #[test]
    fn a_four_read_as_five_disagrees_and_suggests_the_code_one_digit_away() {
        let PostalCheck::Disagrees {
            office,
            codes,
            offices,
        } = check("65200", Some("Närpes"))
        else {
            panic!("65200 is not Närpes");
        };
        assert_eq!(office.fi, "VAASA");
        assert_eq!(codes[0], "64200", "one digit away first: {codes:?}");
        assert!(codes.len() <= MAX_CANDIDATES);
        assert!(
            codes
                .iter()
                .all(|c| codes_of("Närpes").contains(&c.as_str()))
        );
        assert_eq!(offices, ["VASA", "VAASA"], "written in Swedish");
        let PostalCheck::Disagrees { offices, .. } = check("65100", Some("Närpiö")) else {
            panic!("65100 is not Närpiö");
        };
        assert_eq!(offices, ["VAASA", "VASA"], "written in Finnish");
    }

    #[test]
    fn an_office_that_is_no_office_still_disagrees() {
        let PostalCheck::Disagrees { codes, offices, .. } = check("65100", Some("Vqasx")) else {
            panic!("Vqasx is not VAASA");
        };
        assert!(codes.is_empty());
        assert_eq!(offices, ["VAASA", "VASA"]);
    }

    #[test]
    fn a_code_that_does_not_exist_is_unknown() {
        assert_eq!(
            check("65009", None),
            PostalCheck::UnknownCode {
                candidates: Vec::new()
            }
        );
        let PostalCheck::UnknownCode { candidates } = check("65009", Some("Vaasa")) else {
            panic!("65009 exists");
        };
        assert!(!candidates.is_empty());
        assert!(candidates.iter().all(|c| office(c).unwrap().fi == "VAASA"));
    }

    #[test]
    fn the_evidence_is_said_in_each_language() {
        assert_eq!(
            evidence("65200", Some("NÄRPES"), Lang::En).unwrap(),
            "postal code 65200 belongs to VAASA / VASA; the written post office is NÄRPES"
        );
        assert!(
            evidence("65200", Some("NÄRPES"), Lang::Sv)
                .unwrap()
                .starts_with("postnummer 65200 hör till VAASA / VASA")
        );
        assert!(evidence("65009", None, Lang::Fi).unwrap().contains("65009"));
        assert_eq!(evidence("65200", Some("Vasa"), Lang::En), None);
    }
}
