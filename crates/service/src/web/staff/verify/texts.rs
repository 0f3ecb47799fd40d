//! The verification station's texts in Swedish, Finnish and English, and
//! the reasons for review the recogniser stores (in English) as each
//! language says them.

use intake_core::i18n::Lang;
use intake_paper::capture::extract::MISSING_PAGE_REASON;
use intake_paper::capture::read::{
    CANCELLED_ONLY, HEAVY_BOX, LETTERS_OR_DIGITS, LOW_CONFIDENCE, NOT_ONE_PER_BOX, OUT_OF_PLACE,
    REQUIRED_BUT_EMPTY, SEVERAL_TICKED, TEMPORARY_HETU, UNCLEAR_SIGN, UNREADABLE,
};

pub struct VerifyTexts {
    pub list_title: &'static str,
    pub list_intro: &'static str,
    pub list_count: &'static str,
    pub list_empty: &'static str,
    pub start_button: &'static str,
    pub fields_column: &'static str,
    pub check_link: &'static str,
    pub form_title: &'static str,
    pub form_intro: &'static str,
    pub position: &'static str,
    pub whole_page: &'static str,
    pub new_tab: &'static str,
    pub read_label: &'static str,
    pub reason_label: &'static str,
    pub nothing_read: &'static str,
    pub no_crop: &'static str,
    pub crop_alt: &'static str,
    pub not_marked: &'static str,
    pub ticked: &'static str,
    pub save_button: &'static str,
    pub send_on_button: &'static str,
    pub send_on_hint: &'static str,
    pub errors_title: &'static str,
    pub notice_queued: &'static str,
    pub notice_folded: &'static str,
    pub notice_sent_on: &'static str,
    pub notice_changed: &'static str,
    pub notice_not_awaiting: &'static str,
    pub notice_all_done: &'static str,
    pub pages_title: &'static str,
    pub back_to_form: &'static str,
    pub page_label: &'static str,
    pub page_alt: &'static str,
    pub marked_fields: &'static str,
    pub no_pages: &'static str,
    reasons: [&'static str; 12],
}

/// The recogniser's reasons, in the order of `VerifyTexts::reasons`.
const REASONS: [&str; 12] = [
    LOW_CONFIDENCE,
    REQUIRED_BUT_EMPTY,
    TEMPORARY_HETU,
    SEVERAL_TICKED,
    HEAVY_BOX,
    CANCELLED_ONLY,
    UNREADABLE,
    NOT_ONE_PER_BOX,
    OUT_OF_PLACE,
    UNCLEAR_SIGN,
    LETTERS_OR_DIGITS,
    MISSING_PAGE_REASON,
];

impl VerifyTexts {
    /// A stored reason in this language; `None` for one the recogniser
    /// took from a validator (the caller asks the validator again).
    pub fn reason(&self, stored: &str) -> Option<&'static str> {
        REASONS
            .iter()
            .position(|known| stored == *known || stored.starts_with(known))
            .map(|i| self.reasons[i])
    }
}

pub fn verify_texts(lang: Lang) -> &'static VerifyTexts {
    match lang {
        Lang::Sv => &SV,
        Lang::Fi => &FI,
        Lang::En => &EN,
    }
}

static SV: VerifyTexts = VerifyTexts {
    list_title: "Granskning av pappersblanketter",
    list_intro: "Blanketter med fält som maskinen var osäker på, den först mottagna överst. När alla fält i en blankett är kontrollerade går den till samtalskön.",
    list_count: "blanketter att granska",
    list_empty: "Inga blanketter väntar på granskning.",
    start_button: "Börja med den äldsta",
    fields_column: "Fält att kontrollera",
    check_link: "Granska",
    form_title: "Granska blankett",
    form_intro: "Jämför varje fält med bilden. Rätta det som är fel och låt det som är rätt vara. Tab flyttar till nästa fält, Enter sparar och öppnar nästa blankett.",
    position: "Blankett {} av",
    whole_page: "Visa hela sidan",
    new_tab: "(öppnas i en ny flik)",
    read_label: "Maskinen läste",
    reason_label: "Orsak",
    nothing_read: "(inget)",
    no_crop: "Ingen bild av fältet finns.",
    crop_alt: "Bild av fältet {} på blanketten",
    not_marked: "– inget markerat –",
    ticked: "Ikryssad",
    save_button: "Spara och öppna nästa",
    send_on_button: "Skicka vidare till samtalskön som den är",
    send_on_hint: "Om ett fält inte kan godkännas (till exempel samtycket är inte ikryssat eller personbeteckningen är felskriven) skickar den här knappen blanketten till samtalskön ändå. Fälten som inte går igenom förblir markerade för handläggaren, med orsaken och ditt namn.",
    errors_title: "Kontrollera de här fälten",
    notice_queued: "Blankett {} är granskad och ligger nu i samtalskön.",
    notice_folded: "Blankett {} är granskad. Personen hade redan en anmälan; blanketten kopplades till den.",
    notice_sent_on: "Blankett {} skickades vidare till samtalskön. Fält som inte gick igenom är markerade för handläggaren.",
    notice_changed: "Blanketten ändrades medan du granskade den (någon annan granskade den, eller en ny skanning kom). Kontrollera den igen.",
    notice_not_awaiting: "Den blanketten väntar inte längre på granskning.",
    notice_all_done: "Alla blanketter är granskade.",
    pages_title: "Sidorna i blankett",
    back_to_form: "Tillbaka till blanketten",
    page_label: "Sida",
    page_alt: "Skannad sida {} av blanketten; fälten att kontrollera är inramade",
    marked_fields: "Inramade fält att kontrollera",
    no_pages: "Ingen sidbild finns (blanketten fylldes i på dator).",
    reasons: [
        "maskinen var osäker",
        "obligatoriskt men tomt",
        "tillfällig personbeteckning (900–999)",
        "flera alternativ ikryssade",
        "en ruta är helt ifylld: vald eller ångrad?",
        "ett val är ångrat och inget annat ikryssat",
        "handstilen gick inte att läsa",
        "inte ett tecken per ruta",
        "ett tecken som inte kan stå i sin ruta",
        "sekelsymbolen är otydlig",
        "bokstäver eller siffror? ett nummer kan ha lästs som bokstäver",
        "sidan med det här fältet saknas",
    ],
};

static FI: VerifyTexts = VerifyTexts {
    list_title: "Paperilomakkeiden tarkistus",
    list_intro: "Lomakkeet, joiden kentistä kone ei ollut varma, ensin saapunut ylimpänä. Kun lomakkeen kaikki kentät on tarkistettu, se siirtyy soittojonoon.",
    list_count: "lomaketta tarkistettavana",
    list_empty: "Yksikään lomake ei odota tarkistusta.",
    start_button: "Aloita vanhimmasta",
    fields_column: "Tarkistettavat kentät",
    check_link: "Tarkista",
    form_title: "Tarkista lomake",
    form_intro: "Vertaa jokaista kenttää kuvaan. Korjaa väärät ja jätä oikeat ennalleen. Sarkain siirtää seuraavaan kenttään, Enter tallentaa ja avaa seuraavan lomakkeen.",
    position: "Lomake {} /",
    whole_page: "Näytä koko sivu",
    new_tab: "(avautuu uuteen välilehteen)",
    read_label: "Kone luki",
    reason_label: "Syy",
    nothing_read: "(ei mitään)",
    no_crop: "Kentästä ei ole kuvaa.",
    crop_alt: "Kuva lomakkeen kentästä {}",
    not_marked: "– ei merkitty –",
    ticked: "Rastitettu",
    save_button: "Tallenna ja avaa seuraava",
    send_on_button: "Lähetä soittojonoon sellaisenaan",
    send_on_hint: "Jos kenttää ei voi hyväksyä (esimerkiksi suostumusta ei ole rastitettu tai henkilötunnus on kirjoitettu väärin), tämä painike lähettää lomakkeen silti soittojonoon. Hyväksymättömät kentät jäävät merkityiksi käsittelijälle syyn ja nimesi kanssa.",
    errors_title: "Tarkista nämä kentät",
    notice_queued: "Lomake {} on tarkistettu ja on nyt soittojonossa.",
    notice_folded: "Lomake {} on tarkistettu. Henkilöllä oli jo ilmoitus; lomake liitettiin siihen.",
    notice_sent_on: "Lomake {} lähetettiin soittojonoon. Kentät, jotka eivät menneet läpi, on merkitty käsittelijälle.",
    notice_changed: "Lomake muuttui tarkistuksen aikana (joku muu tarkisti sen tai uusi skannaus saapui). Tarkista se uudelleen.",
    notice_not_awaiting: "Lomake ei enää odota tarkistusta.",
    notice_all_done: "Kaikki lomakkeet on tarkistettu.",
    pages_title: "Lomakkeen sivut",
    back_to_form: "Takaisin lomakkeeseen",
    page_label: "Sivu",
    page_alt: "Lomakkeen skannattu sivu {}; tarkistettavat kentät on kehystetty",
    marked_fields: "Kehystetyt tarkistettavat kentät",
    no_pages: "Sivun kuvaa ei ole (lomake täytettiin tietokoneella).",
    reasons: [
        "kone ei ollut varma",
        "pakollinen mutta tyhjä",
        "väliaikainen henkilötunnus (900–999)",
        "useita vaihtoehtoja rastitettu",
        "ruutu on täytetty kokonaan: valittu vai peruttu?",
        "valinta on peruttu eikä muuta ole rastitettu",
        "käsialaa ei saatu luettua",
        "ei yksi merkki ruutua kohden",
        "merkki, joka ei voi olla ruudussaan",
        "välimerkki on epäselvä",
        "kirjaimia vai numeroita? numero on ehkä luettu kirjaimiksi",
        "sivu, jolla tämä kenttä on, puuttuu",
    ],
};

static EN: VerifyTexts = VerifyTexts {
    list_title: "Checking paper forms",
    list_intro: "Forms with fields the machine was unsure of, the first received at the top. When every field of a form is checked, it goes to the callback queue.",
    list_count: "forms to check",
    list_empty: "No form is waiting to be checked.",
    start_button: "Start with the oldest",
    fields_column: "Fields to check",
    check_link: "Check",
    form_title: "Check form",
    form_intro: "Compare each field with the picture. Correct what is wrong and leave what is right. Tab moves to the next field; Enter saves and opens the next form.",
    position: "Form {} of",
    whole_page: "Show the whole page",
    new_tab: "(opens in a new tab)",
    read_label: "The machine read",
    reason_label: "Why",
    nothing_read: "(nothing)",
    no_crop: "There is no picture of this field.",
    crop_alt: "Picture of the field {} on the form",
    not_marked: "– nothing marked –",
    ticked: "Ticked",
    save_button: "Save and open the next",
    send_on_button: "Send on to the callback queue as it is",
    send_on_hint: "When a field cannot pass the rules (say consent is not ticked, or the identity code was written wrongly), this button sends the form to the callback queue all the same. The fields that do not pass stay marked for the caseworker, with their reason and your name.",
    errors_title: "Check these fields",
    notice_queued: "Form {} is checked and now in the callback queue.",
    notice_folded: "Form {} is checked. The person was registered already; the form joined that registration.",
    notice_sent_on: "Form {} was sent on to the callback queue. The fields that did not pass are marked for the caseworker.",
    notice_changed: "The form changed while you were checking it (someone else checked it, or a new scan arrived). Please check it again.",
    notice_not_awaiting: "That form no longer waits to be checked.",
    notice_all_done: "Every form is checked.",
    pages_title: "Pages of form",
    back_to_form: "Back to the form",
    page_label: "Page",
    page_alt: "Scanned page {} of the form; the fields to check are framed",
    marked_fields: "Framed fields to check",
    no_pages: "No page image is kept (the form was filled in on a computer).",
    reasons: [
        "the machine was unsure",
        "required but empty",
        "a temporary identity code (900–999)",
        "several options ticked",
        "a box is filled in: chosen or cancelled?",
        "a choice is cancelled and no other ticked",
        "the writing could not be read",
        "not one character per box",
        "a character that cannot stand in its box",
        "the century sign is unclear",
        "letters or digits? a number may have been read as letters",
        "the page with this field is missing",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_reasons_are_said_in_every_language() {
        for lang in Lang::ALL {
            let t = verify_texts(lang);
            assert!(t.reason(LOW_CONFIDENCE).is_some());
            assert!(t.reason("temporary identity code (900-999)").is_some());
            assert!(t.reason(MISSING_PAGE_REASON).is_some());
            assert_eq!(t.reason("Something a validator said."), None);
        }
    }
}
