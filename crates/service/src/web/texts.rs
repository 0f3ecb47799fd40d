//! The service's own words on the public pages, in sv, fi and en. Field
//! labels and hints come from the form definition, not from here.

use intake_core::i18n::Lang;

pub struct PageTexts {
    pub service_name: &'static str,
    pub skip_to_content: &'static str,
    pub language: &'static str,
    pub optional: &'static str,
    pub office: &'static str,
    pub office_hint: &'static str,
    pub choose: &'static str,
    pub send: &'static str,
    pub no_bank_id: &'static str,
    pub privacy: &'static str,
    pub error_title: &'static str,
    pub error_intro: &'static str,
    pub office_missing: &'static str,
    pub expired: &'static str,
    pub honeypot_label: &'static str,
    pub receipt_title: &'static str,
    pub receipt_duplicate: &'static str,
    pub your_reference: &'static str,
    pub received_at: &'static str,
    pub next_title: &'static str,
    pub next_call: &'static str,
    pub next_identity: &'static str,
    pub status_link_intro: &'static str,
    pub status_link_private: &'static str,
    pub status_title: &'static str,
    pub status_label: &'static str,
    pub call_due: &'static str,
    pub withdraw: &'static str,
    pub withdraw_hint: &'static str,
    pub withdrawn_done: &'static str,
    pub status_awaiting_review: &'static str,
    pub status_awaiting_call: &'static str,
    pub status_send_letter: &'static str,
    pub status_closed: &'static str,
    pub status_withdrawn: &'static str,
    pub back_to_form: &'static str,
}

pub fn texts(lang: Lang) -> &'static PageTexts {
    match lang {
        Lang::Sv => &SV,
        Lang::Fi => &FI,
        Lang::En => &EN,
    }
}

static SV: PageTexts = PageTexts {
    service_name: "Arbets- och näringstjänster",
    skip_to_content: "Hoppa till innehållet",
    language: "Språk",
    optional: "(frivillig)",
    office: "Serviceställe",
    office_hint: "Välj det serviceställe som ligger närmast dig.",
    choose: "Välj",
    send: "Skicka",
    no_bank_id: "Du behöver inte bankkoder eller mobilcertifikat. Handläggaren kontrollerar din identitet i telefonsamtalet.",
    privacy: "Uppgifterna används bara för att kontakta dig om din jobbsökning.",
    error_title: "Kontrollera uppgifterna",
    error_intro: "Blanketten skickades inte. Rätta följande och skicka igen:",
    office_missing: "Välj ett serviceställe i listan.",
    expired: "Blanketten var öppen för länge och skickades inte. Dina svar finns kvar: kontrollera dem och skicka igen.",
    honeypot_label: "Lämna detta fält tomt",
    receipt_title: "Tack! Vi har tagit emot din anmälan",
    receipt_duplicate: "Du hade redan skickat den här blanketten. Den sparades bara en gång.",
    your_reference: "Din referens",
    received_at: "Mottagen",
    next_title: "Vad händer nu?",
    next_call: "En handläggare ringer dig senast",
    next_identity: "I samtalet kontrollerar handläggaren din identitet och ni kommer överens om nästa steg.",
    status_link_intro: "Spara den här privata länken. Där ser du läget för din anmälan och kan återkalla den:",
    status_link_private: "Dela inte länken: den som har den ser läget för din anmälan.",
    status_title: "Läget för din anmälan",
    status_label: "Läge",
    call_due: "Samtal senast",
    withdraw: "Återkalla anmälan",
    withdraw_hint: "Om du återkallar anmälan ringer vi inte upp dig.",
    withdrawn_done: "Din anmälan är återkallad.",
    status_awaiting_review: "Uppgifterna från pappersblanketten kontrolleras",
    status_awaiting_call: "Väntar på samtal från handläggare",
    status_send_letter: "Vi nådde dig inte per telefon och skickar ett brev",
    status_closed: "Behandlad",
    status_withdrawn: "Återkallad",
    back_to_form: "Till blanketten",
};

static FI: PageTexts = PageTexts {
    service_name: "Työllisyyspalvelut",
    skip_to_content: "Siirry sisältöön",
    language: "Kieli",
    optional: "(vapaaehtoinen)",
    office: "Palvelupiste",
    office_hint: "Valitse sinua lähinnä oleva palvelupiste.",
    choose: "Valitse",
    send: "Lähetä",
    no_bank_id: "Et tarvitse pankkitunnuksia tai mobiilivarmennetta. Virkailija varmistaa henkilöllisyytesi puhelun aikana.",
    privacy: "Tietoja käytetään vain, jotta sinuun voidaan ottaa yhteyttä työnhakuasiassa.",
    error_title: "Tarkista tiedot",
    error_intro: "Lomaketta ei lähetetty. Korjaa seuraavat kohdat ja lähetä uudelleen:",
    office_missing: "Valitse palvelupiste luettelosta.",
    expired: "Lomake oli auki liian kauan, eikä sitä lähetetty. Vastauksesi ovat tallessa: tarkista ne ja lähetä uudelleen.",
    honeypot_label: "Jätä tämä kenttä tyhjäksi",
    receipt_title: "Kiitos! Ilmoituksesi on vastaanotettu",
    receipt_duplicate: "Olit jo lähettänyt tämän lomakkeen. Se tallennettiin vain kerran.",
    your_reference: "Viitteesi",
    received_at: "Vastaanotettu",
    next_title: "Mitä seuraavaksi tapahtuu?",
    next_call: "Virkailija soittaa sinulle viimeistään",
    next_identity: "Puhelun aikana virkailija varmistaa henkilöllisyytesi ja sovitte seuraavista vaiheista.",
    status_link_intro: "Tallenna tämä yksityinen linkki. Sen kautta näet ilmoituksesi tilan ja voit perua sen:",
    status_link_private: "Älä jaa linkkiä: sen haltija näkee ilmoituksesi tilan.",
    status_title: "Ilmoituksesi tila",
    status_label: "Tila",
    call_due: "Soitto viimeistään",
    withdraw: "Peru ilmoitus",
    withdraw_hint: "Jos perut ilmoituksen, emme soita sinulle.",
    withdrawn_done: "Ilmoituksesi on peruttu.",
    status_awaiting_review: "Paperilomakkeen tietoja tarkistetaan",
    status_awaiting_call: "Odottaa virkailijan soittoa",
    status_send_letter: "Emme tavoittaneet sinua puhelimitse ja lähetämme kirjeen",
    status_closed: "Käsitelty",
    status_withdrawn: "Peruttu",
    back_to_form: "Lomakkeeseen",
};

static EN: PageTexts = PageTexts {
    service_name: "Employment services",
    skip_to_content: "Skip to content",
    language: "Language",
    optional: "(optional)",
    office: "Service point",
    office_hint: "Choose the service point nearest to you.",
    choose: "Choose",
    send: "Send",
    no_bank_id: "You do not need bank codes or mobile ID. The caseworker confirms your identity during the call.",
    privacy: "Your details are used only to contact you about your job search.",
    error_title: "Check your answers",
    error_intro: "The form was not sent. Fix the following and send it again:",
    office_missing: "Choose a service point from the list.",
    expired: "The form was open too long and was not sent. Your answers are kept: check them and send again.",
    honeypot_label: "Leave this field empty",
    receipt_title: "Thank you! We have received your registration",
    receipt_duplicate: "You had already sent this form. It was saved only once.",
    your_reference: "Your reference",
    received_at: "Received",
    next_title: "What happens next?",
    next_call: "A caseworker will phone you by",
    next_identity: "On the call the caseworker confirms your identity and you agree on the next steps.",
    status_link_intro: "Keep this private link. There you can see where your registration stands and withdraw it:",
    status_link_private: "Do not share the link: anyone who has it can see the status of your registration.",
    status_title: "Your registration",
    status_label: "Status",
    call_due: "Call due by",
    withdraw: "Withdraw registration",
    withdraw_hint: "If you withdraw, we will not phone you.",
    withdrawn_done: "Your registration has been withdrawn.",
    status_awaiting_review: "The details from the paper form are being checked",
    status_awaiting_call: "Waiting for a caseworker's call",
    status_send_letter: "We could not reach you by phone and will send a letter",
    status_closed: "Done",
    status_withdrawn: "Withdrawn",
    back_to_form: "Back to the form",
};

/// Plain refusal pages: what happened and what the person can do.
pub struct Refusal {
    pub title: &'static str,
    pub body: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    Automated,
    BadToken,
    TooManyFromClient,
    DailyCapReached,
    TooLarge,
    Unavailable,
    NotFound,
}

pub fn refusal(kind: RefusalKind, lang: Lang) -> Refusal {
    use RefusalKind::*;
    let (title, body) = match (kind, lang) {
        (Automated, Lang::Sv) => (
            "Anmälan togs inte emot",
            "Blanketten såg ut att ha fyllts i automatiskt och sparades inte. Är du en person, öppna blanketten på nytt och fyll i den, eller använd pappersblanketten vid serviceställets dörr.",
        ),
        (Automated, Lang::Fi) => (
            "Ilmoitusta ei vastaanotettu",
            "Lomake näytti automaattisesti täytetyltä, eikä sitä tallennettu. Jos olet ihminen, avaa lomake uudelleen ja täytä se, tai käytä paperilomaketta palvelupisteen ovella.",
        ),
        (Automated, Lang::En) => (
            "The registration was not accepted",
            "The form looked as if it had been filled in automatically and was not saved. If you are a person, open the form again and fill it in, or use the paper form by the service point's door.",
        ),
        (BadToken, Lang::Sv) => (
            "Blanketten kunde inte kontrolleras",
            "Blanketten kom inte från den här tjänsten eller var skadad, och sparades inte. Öppna blanketten på nytt och fyll i den.",
        ),
        (BadToken, Lang::Fi) => (
            "Lomaketta ei voitu tarkistaa",
            "Lomake ei tullut tästä palvelusta tai se oli vioittunut, eikä sitä tallennettu. Avaa lomake uudelleen ja täytä se.",
        ),
        (BadToken, Lang::En) => (
            "The form could not be verified",
            "The form did not come from this service or was damaged, and was not saved. Open the form again and fill it in.",
        ),
        (TooManyFromClient, Lang::Sv) => (
            "För många anmälningar",
            "Från din anslutning har det skickats så många anmälningar att vi inte tar emot fler just nu. Ingenting sparades. Försök igen senare eller ring servicestället.",
        ),
        (TooManyFromClient, Lang::Fi) => (
            "Liian monta ilmoitusta",
            "Yhteydestäsi on lähetetty niin monta ilmoitusta, ettemme ota juuri nyt vastaan enempää. Mitään ei tallennettu. Yritä myöhemmin uudelleen tai soita palvelupisteeseen.",
        ),
        (TooManyFromClient, Lang::En) => (
            "Too many registrations",
            "So many registrations have been sent from your connection that we cannot take more right now. Nothing was saved. Try again later or phone the service point.",
        ),
        (DailyCapReached, Lang::Sv) => (
            "Tjänsten är full för i dag",
            "Vi har tagit emot det största antalet webbanmälningar för i dag. Ingenting sparades. Försök igen i morgon eller använd pappersblanketten: du blir arbetssökande den dag anmälan kommer fram.",
        ),
        (DailyCapReached, Lang::Fi) => (
            "Palvelu on tältä päivältä täynnä",
            "Olemme ottaneet vastaan tämän päivän enimmäismäärän verkkoilmoituksia. Mitään ei tallennettu. Yritä huomenna uudelleen tai käytä paperilomaketta: työnhakusi alkaa päivänä, jona ilmoitus saapuu.",
        ),
        (DailyCapReached, Lang::En) => (
            "The service is full for today",
            "We have received the largest number of web registrations we take in one day. Nothing was saved. Try again tomorrow or use the paper form: your job search starts on the day it arrives.",
        ),
        (TooLarge, Lang::Sv) => (
            "Blanketten var för stor",
            "Det som skickades var större än blanketten kan vara och sparades inte. Öppna blanketten på nytt och fyll i den.",
        ),
        (TooLarge, Lang::Fi) => (
            "Lomake oli liian suuri",
            "Lähetetty tieto oli suurempi kuin lomake voi olla, eikä sitä tallennettu. Avaa lomake uudelleen ja täytä se.",
        ),
        (TooLarge, Lang::En) => (
            "The form was too large",
            "What was sent was larger than the form can be and was not saved. Open the form again and fill it in.",
        ),
        (Unavailable, Lang::Sv) => (
            "Tjänsten är inte tillgänglig",
            "Vi kan inte ta emot anmälningar just nu. Ingenting sparades. Försök igen om en stund.",
        ),
        (Unavailable, Lang::Fi) => (
            "Palvelu ei ole käytettävissä",
            "Emme voi ottaa ilmoituksia vastaan juuri nyt. Mitään ei tallennettu. Yritä hetken kuluttua uudelleen.",
        ),
        (Unavailable, Lang::En) => (
            "The service is not available",
            "We cannot take registrations right now. Nothing was saved. Try again in a while.",
        ),
        (NotFound, Lang::Sv) => (
            "Sidan hittades inte",
            "Adressen leder inte till någon sida. Kontrollera länken.",
        ),
        (NotFound, Lang::Fi) => (
            "Sivua ei löytynyt",
            "Osoitteessa ei ole sivua. Tarkista linkki.",
        ),
        (NotFound, Lang::En) => (
            "Page not found",
            "There is no page at this address. Check the link.",
        ),
    };
    Refusal { title, body }
}
