//! The letter when the phone fails, every case on SQLite and on PostgreSQL:
//! three unreached calls lead to a letter in the person's language (its
//! text read back from the PDF), the mailroom prints a batch and marks it
//! sent, which closes exactly that batch's registrations as "letter sent",
//! audited; an address that cannot be printed goes to the caseworker; and
//! `intake letters` does the same from the command line.

mod common;

use common::page::{Browser, add_user};
use common::{Backend, Case, TestApp};
use intake_core::record::{Reference, Registration, RegistrationStatus};
use intake_service::accounts::Role;
use intake_service::store::audit::AuditAction;
use intake_service::store::privacy::PersonKey;
use libtest_mimic::Failed;
use reqwest::StatusCode;
use time::OffsetDateTime;

fn main() {
    let cases: &[(&'static str, Case)] = &[
        (
            "three_failed_calls_lead_to_a_letter_then_letter_sent",
            |b| Box::pin(three_failed_calls_lead_to_a_letter_then_letter_sent(b)),
        ),
        ("the_command_line_prints_and_marks_sent", |b| {
            Box::pin(the_command_line_prints_and_marks_sent(b))
        }),
        ("marking_sent_skips_a_letter_no_longer_waiting", |b| {
            Box::pin(marking_sent_skips_a_letter_no_longer_waiting(b))
        }),
    ];
    common::run_on_both_backends(cases)
}

/// Someone registering on the web: a fresh identity code and phone, the
/// service language, and an address or none.
struct Person {
    surname: &'static str,
    first_names: &'static str,
    phone: &'static str,
    language: &'static str,
    office: &'static str,
    address: Option<(&'static str, &'static str, &'static str)>,
}

async fn register(app: &TestApp, who: &Person) -> Result<Registration, Failed> {
    let token = app.form_token("fi").await;
    let hetu = intake_devtools::synthetic::hetu(&mut rand::rng());
    let mut fields = vec![
        ("office", who.office.to_string()),
        ("hetu", hetu),
        ("surname", who.surname.into()),
        ("first_names", who.first_names.into()),
        ("phone", who.phone.into()),
        ("service_language", who.language.into()),
        // Form v2 asks which language "other" is.
        ("other_language", "arabia".into()),
        ("situation", "unemployed".into()),
        ("call_time", "any".into()),
        ("contact_consent", "yes".into()),
        ("website", String::new()),
        ("form_token", token),
    ];
    if let Some((street, code, post_office)) = who.address {
        fields.push(("street_address", street.into()));
        fields.push(("postal_code", code.into()));
        fields.push(("post_office", post_office.into()));
    }
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, receipt) = app.post("/fi", &fields).await;
    ensure!(status == StatusCode::OK, "web submission: {status}");
    let reference = common::reference(&receipt).ok_or("no reference on the receipt")?;
    let reference = Reference::parse(&reference).ok_or("bad reference")?;
    Ok(app
        .store
        .registration_by_reference(&reference)
        .await?
        .ok_or("not stored")?)
}

/// Three calls that do not reach the person, as a caseworker logs them.
async fn three_failed_calls(
    caseworker: &Browser,
    registration: &Registration,
) -> Result<(), Failed> {
    let path = format!("/staff/registrations/{}", registration.id);
    for outcome in ["no_answer", "busy", "voicemail"] {
        let claimed = caseworker.post(&format!("{path}/claim"), &[]).await;
        ensure!(
            claimed.location.contains("notice=claimed"),
            "claim: {}",
            claimed.location
        );
        let logged = caseworker
            .post(
                &format!("{path}/attempts"),
                &[("outcome", outcome), ("note", "")],
            )
            .await;
        ensure!(
            logged.location.contains("notice=logged"),
            "{outcome}: {}",
            logged.location
        );
    }
    Ok(())
}

/// A call that reached the person, who asked to be called tomorrow.
async fn call_back_later(caseworker: &Browser, registration: &Registration) -> Result<(), Failed> {
    let path = format!("/staff/registrations/{}", registration.id);
    caseworker.post(&format!("{path}/claim"), &[]).await;
    let tomorrow =
        intake_core::calendar::finnish_date(OffsetDateTime::now_utc()) + time::Duration::days(1);
    let logged = caseworker
        .post(
            &format!("{path}/attempts"),
            &[
                ("outcome", "call_back_later"),
                ("call_back_date", &tomorrow.to_string()),
                ("call_back_time", "13:15"),
            ],
        )
        .await;
    ensure!(
        logged.location.contains("notice=logged"),
        "call back later: {}",
        logged.location
    );
    Ok(())
}

async fn status_of(
    app: &TestApp,
    registration: &Registration,
) -> Result<RegistrationStatus, Failed> {
    Ok(app
        .store
        .registration(registration.id)
        .await?
        .ok_or("gone")?
        .status)
}

/// The PDF's text per page, whitespace folded.
fn pdf_pages(pdf: &[u8]) -> Result<Vec<String>, Failed> {
    Ok(pdf_extract::extract_text_from_mem_by_pages(pdf)?
        .iter()
        .map(|text| text.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect())
}

const VAASA: Option<(&str, &str, &str)> = Some(("Kauppakatu 12 B 4", "65100", "Vaasa"));

async fn three_failed_calls_lead_to_a_letter_then_letter_sent(
    backend: Backend,
) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    add_user(&app, "maija", Role::Mailroom).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let maija = Browser::sign_in(&app, "maija").await?;
    let people = [
        Person {
            surname: "Holm",
            first_names: "Sara",
            phone: "040 111 2233",
            language: "sv",
            office: "vaasa",
            address: VAASA,
        },
        // Written in Arabic script, which the letter's font has no
        // glyphs for: the caseworker writes to her.
        Person {
            surname: "حداد",
            first_names: "أمل",
            phone: "040 222 3344",
            language: "other",
            office: "mustasaari",
            address: Some(("Koulutie 3", "65610", "Mustasaari")),
        },
        Person {
            surname: "Nieminen",
            first_names: "Aino",
            phone: "040 333 4455",
            language: "fi",
            office: "vaasa",
            address: None,
        },
        // Beyond Windows-1252, within the letter's font.
        Person {
            surname: "Świątek",
            first_names: "Łukasz",
            phone: "040 444 5566",
            language: "other",
            office: "vaasa",
            address: VAASA,
        },
    ];
    let mut registered = Vec::new();
    for who in &people {
        let registration = register(&app, who).await?;
        if who.surname == "Holm" {
            // Reached once, asked to be called later: the letter does not
            // count that call among the ones that failed.
            call_back_later(&kaisa, &registration).await?;
        }
        three_failed_calls(&kaisa, &registration).await?;
        ensure!(
            status_of(&app, &registration).await? == RegistrationStatus::SendLetter,
            "{}: send a letter after three calls",
            who.surname
        );
        registered.push(registration);
    }
    let [holm, haddad, nieminen, swiatek] = &registered[..] else {
        return Err("four registrations".into());
    };

    // The letters page: two to print, two for the caseworker.
    let list = maija.get("/staff/letters").await;
    ensure!(
        list.status == StatusCode::OK,
        "letters page: {}",
        list.status
    );
    let pending = common::page::between(&list.body, "id=\"pending-letters\"", "</table>")
        .ok_or("no pending table")?;
    let for_caseworker =
        common::page::between(&list.body, "id=\"letters-for-caseworker\"", "</table>")
            .ok_or("no table for the caseworker")?;
    for r in [holm, swiatek] {
        ensure!(
            pending.contains(r.reference.as_str()),
            "{} pending",
            r.reference
        );
    }
    for r in [nieminen, haddad] {
        ensure!(
            !pending.contains(r.reference.as_str()),
            "{} not printable",
            r.reference
        );
        ensure!(
            for_caseworker.contains(r.reference.as_str()),
            "{} listed",
            r.reference
        );
    }
    ensure!(
        for_caseworker.contains("no postal address")
            || for_caseworker.contains("ingen postadress")
            || for_caseworker.contains("ei postiosoitetta"),
        "says why: {for_caseworker}"
    );
    ensure!(
        for_caseworker.contains("the printer cannot print")
            || for_caseworker.contains("skrivaren inte kan skriva ut")
            || for_caseworker.contains("tulostin ei osaa"),
        "says why the Arabic-script name is not printed: {for_caseworker}"
    );
    // The caseworker finds them on the dashboard, with a link.
    let dashboard = kaisa.get("/staff/dashboard").await;
    let listed =
        common::page::between(&dashboard.body, "id=\"letters-for-caseworker\"", "</table>")
            .ok_or("no letters on the dashboard")?;
    for r in [nieminen, haddad] {
        ensure!(
            listed.contains(&format!("/staff/registrations/{}", r.id)),
            "{} linked on the dashboard",
            r.reference
        );
    }
    ensure!(
        !listed.contains(holm.reference.as_str()),
        "printable ones are not there"
    );
    // The first view remembered which addresses print: only the two
    // others are read again.
    let offices: Vec<&str> = app.config.offices.iter().map(|o| o.id.as_str()).collect();
    let mut unknown: Vec<uuid::Uuid> = app
        .store
        .letters_not_known_to_print(&offices)
        .await?
        .iter()
        .map(|letter| letter.due.registration.id)
        .collect();
    unknown.sort();
    let mut expected = vec![nieminen.id, haddad.id];
    expected.sort();
    ensure!(unknown == expected, "read again: {unknown:?}");
    // Seen again, from what the first view found of each address: the same.
    let again = kaisa.get("/staff/dashboard").await;
    let listed_again =
        common::page::between(&again.body, "id=\"letters-for-caseworker\"", "</table>")
            .ok_or("no letters on the dashboard the second time")?;
    ensure!(
        listed_again == listed,
        "the same letters the second time: {listed_again}"
    );
    // A caseworker may not print.
    ensure!(
        kaisa.get("/staff/letters").await.status == StatusCode::FORBIDDEN,
        "mailroom only"
    );

    // Print: a batch, then its page with the download.
    let printed = maija.post("/staff/letters", &[("office", "")]).await;
    ensure!(
        printed.status == StatusCode::SEE_OTHER,
        "print: {}",
        printed.status
    );
    let batch_path = printed.location.clone();
    let batch_id = batch_path
        .strip_prefix("/staff/letters/batches/")
        .ok_or_else(|| format!("to the batch: {batch_path}"))?
        .to_string();

    // One more becomes due after the download: it is not in this batch.
    let late = register(
        &app,
        &Person {
            surname: "Lind",
            first_names: "Eva",
            phone: "040 555 6677",
            language: "fi",
            office: "vaasa",
            address: VAASA,
        },
    )
    .await?;
    three_failed_calls(&kaisa, &late).await?;

    let pdf = maija.get(&format!("{batch_path}/pdf")).await;
    ensure!(pdf.status == StatusCode::OK, "pdf: {}", pdf.status);
    ensure!(
        pdf.content_type == "application/pdf",
        "{}",
        pdf.content_type
    );
    let pages = pdf_pages(&pdf.bytes)?;
    ensure!(pages.len() == 2, "one page per letter: {}", pages.len());
    let page_of = |r: &Registration| pages.iter().find(|p| p.contains(r.reference.as_str()));
    let swedish = page_of(holm).ok_or("Holm's letter")?;
    ensure!(
        app.store
            .callback_detail(holm.id, OffsetDateTime::now_utc())
            .await?
            .ok_or("Holm's detail")?
            .call_attempts
            .len()
            == 4,
        "four calls logged for Holm, one of them reached"
    );
    for phrase in [
        "Vi försökte ringa dig",
        "3 gånger",
        "+358 40 111 2233",
        "Sara Holm",
        "Kauppakatu 12 B 4",
        "65100 VAASA",
        "06 123 4500",
    ] {
        ensure!(
            swedish.contains(phrase),
            "Swedish letter has `{phrase}`: {swedish}"
        );
    }
    let received =
        intake_paper::letter::date_text(intake_core::calendar::finnish_date(holm.received_at));
    ensure!(
        swedish.contains(&format!("räknas som inledd den {received}")),
        "the received date stands: {received} in {swedish}"
    );
    ensure!(!swedish.contains("Yritimme soittaa"), "Swedish only");
    let both = page_of(swiatek).ok_or("Świątek's letter")?;
    ensure!(
        both.contains("We tried to call you") && both.contains("Yritimme soittaa sinulle"),
        "another language: English and Finnish: {both}"
    );
    ensure!(
        both.contains("Łukasz Świątek"),
        "the name as written: {both}"
    );
    for r in [nieminen, haddad, &late] {
        ensure!(page_of(r).is_none(), "{} is not printed", r.reference);
    }

    // Mark sent: exactly the batch closes, as "letter sent", audited.
    let marked = maija.post(&format!("{batch_path}/sent"), &[]).await;
    ensure!(
        marked.location.contains("closed=2"),
        "marked: {}",
        marked.location
    );
    for r in [holm, swiatek] {
        ensure!(
            status_of(&app, r).await? == RegistrationStatus::Closed,
            "{} closed",
            r.reference
        );
        let detail = app
            .store
            .callback_detail(r.id, OffsetDateTime::now_utc())
            .await?
            .ok_or("detail")?;
        ensure!(
            detail.result.map(|r| r.as_str()) == Some("letter_sent"),
            "closed as letter sent: {:?}",
            detail.result
        );
        let log = app.store.audit_for_registration(r.id).await?;
        ensure!(
            log.iter().any(|e| e.action == "close"
                && e.detail.contains("letter_sent")
                && e.detail.contains(&batch_id)
                && e.staff_name.as_deref() == Some("maija")),
            "the close is audited: {:?}",
            log.iter()
                .map(|e| (&e.action, &e.detail))
                .collect::<Vec<_>>()
        );
        ensure!(
            log.iter().any(|e| e.action == "letter_print"),
            "the printing is audited"
        );
    }
    for r in [nieminen, haddad, &late] {
        ensure!(
            status_of(&app, r).await? == RegistrationStatus::SendLetter,
            "{} still waits",
            r.reference
        );
    }
    let again = maija.post(&format!("{batch_path}/sent"), &[]).await;
    ensure!(
        again.location.contains("already_sent"),
        "once: {}",
        again.location
    );
    let list = maija.get("/staff/letters").await;
    let pending = common::page::between(&list.body, "id=\"pending-letters\"", "</table>")
        .ok_or("the late one is pending")?;
    ensure!(
        pending.contains(late.reference.as_str()) && !pending.contains(holm.reference.as_str()),
        "the late letter waits for the next batch"
    );
    // A person in a sent batch can still be erased: the batch forgets them.
    let plan = app
        .store
        .erasure_plan(&PersonKey::Reference(holm.reference.as_str().to_string()))
        .await?;
    let removed = app
        .store
        .erase(&plan, AuditAction::Erasure, "", OffsetDateTime::now_utc())
        .await?;
    ensure!(removed.registrations == 1, "erased: {removed:?}");
    ensure!(
        maija.get(&batch_path).await.status == StatusCode::OK,
        "the batch's page still opens"
    );
    app.finish().await;
    Ok(())
}

async fn the_command_line_prints_and_marks_sent(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let vaasa = register(
        &app,
        &Person {
            surname: "Virtanen",
            first_names: "Matti",
            phone: "040 666 7788",
            language: "en",
            office: "vaasa",
            address: VAASA,
        },
    )
    .await?;
    let other = register(
        &app,
        &Person {
            surname: "Berg",
            first_names: "Nils",
            phone: "040 777 8899",
            language: "sv",
            office: "pietarsaari",
            address: Some(("Storgatan 3", "68600", "Jakobstad")),
        },
    )
    .await?;
    for r in [&vaasa, &other] {
        three_failed_calls(&kaisa, r).await?;
    }
    let intake = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
            .arg("letters")
            .args(args)
            .env("DATABASE_URL", &app.config.database_url)
            .env("INTAKE_DATA_DIR", &app.config.data_dir)
            .env("RUST_LOG", "error")
            .output()
            .expect("the intake binary runs")
    };
    let file = app.config.data_dir.join("letters.pdf");
    let file_arg = file.to_str().ok_or("a UTF-8 path")?;
    let printed =
        tokio::task::block_in_place(|| intake(&["print", "-o", file_arg, "--office", "vaasa"]));
    let said = String::from_utf8_lossy(&printed.stdout).into_owned();
    ensure!(
        printed.status.success(),
        "print: {said} {}",
        String::from_utf8_lossy(&printed.stderr)
    );
    let pages = pdf_pages(&std::fs::read(&file)?)?;
    ensure!(pages.len() == 1, "only Vaasa's letter: {}", pages.len());
    ensure!(
        pages[0].contains(vaasa.reference.as_str()) && pages[0].contains("We tried to call you"),
        "the English letter: {}",
        pages[0]
    );
    let batch = said
        .split_whitespace()
        .skip_while(|w| *w != "batch")
        .nth(1)
        .ok_or_else(|| format!("the batch id in: {said}"))?
        .trim_end_matches(';')
        .to_string();
    let exists = tokio::task::block_in_place(|| intake(&["print", "-o", file_arg]));
    ensure!(
        !exists.status.success(),
        "an existing file is never overwritten"
    );

    let marked = tokio::task::block_in_place(|| intake(&["mark-sent", &batch]));
    ensure!(
        marked.status.success(),
        "mark-sent: {}",
        String::from_utf8_lossy(&marked.stderr)
    );
    ensure!(
        status_of(&app, &vaasa).await? == RegistrationStatus::Closed,
        "closed"
    );
    ensure!(
        status_of(&app, &other).await? == RegistrationStatus::SendLetter,
        "another office's letter is not in the batch"
    );
    let log = app.store.audit_for_registration(vaasa.id).await?;
    ensure!(
        log.iter().any(|e| e.action == "close"
            && e.detail.contains("letter_sent")
            && e.staff_id.is_none()),
        "audited as done from the command line"
    );
    let twice = tokio::task::block_in_place(|| intake(&["mark-sent", &batch]));
    ensure!(!twice.status.success(), "a batch is marked sent once");
    app.finish().await;
    Ok(())
}

/// A batch whose letters are written and closed set-based: one withdrawn
/// after printing is skipped, the other closes; each printed letter and
/// each close is audited for its own registration.
async fn marking_sent_skips_a_letter_no_longer_waiting(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let mut waiting = Vec::new();
    for (surname, phone) in [("Öberg", "040 123 0001"), ("Ek", "040 123 0002")] {
        let who = Person {
            surname,
            first_names: "Åsa",
            phone,
            language: "sv",
            office: "vaasa",
            address: VAASA,
        };
        let registration = register(&app, &who).await?;
        three_failed_calls(&kaisa, &registration).await?;
        waiting.push(registration);
    }
    let hand = intake_service::store::LetterHand {
        staff: None,
        name: "mailroom".into(),
    };
    let ids: Vec<_> = waiting.iter().map(|r| r.id).collect();
    let now = OffsetDateTime::now_utc();
    let batch = app
        .store
        .record_letter_batch(Some("vaasa"), &ids, &hand, now)
        .await?;
    let made = app.store.letter_batch(batch).await?.ok_or("the batch")?;
    ensure!(
        made.letters == 2,
        "both letters in the batch: {}",
        made.letters
    );
    ensure!(app.store.withdraw(ids[1]).await?, "withdrawn meanwhile");
    let marked = app.store.mark_letter_batch_sent(batch, &hand, now).await?;
    ensure!(
        marked
            == intake_service::store::MarkedSent::Done {
                closed: 1,
                skipped: 1
            },
        "one closed, one skipped: {marked:?}"
    );
    ensure!(
        status_of(&app, &waiting[0]).await? == RegistrationStatus::Closed,
        "the waiting one closed"
    );
    ensure!(
        status_of(&app, &waiting[1]).await? == RegistrationStatus::Withdrawn,
        "the withdrawn one stays withdrawn"
    );
    for (registration, closes) in [(&waiting[0], 1), (&waiting[1], 0)] {
        let log = app.store.audit_for_registration(registration.id).await?;
        let count = |action: &str| log.iter().filter(|e| e.action == action).count();
        ensure!(count("letter_print") == 1, "its printing audited once");
        ensure!(
            count("close") == closes,
            "closes audited: {}",
            count("close")
        );
    }
    let detail = app
        .store
        .callback_detail(ids[0], OffsetDateTime::now_utc())
        .await?
        .ok_or("detail")?;
    ensure!(
        detail.result.map(|r| r.as_str()) == Some("letter_sent") && detail.closed_at.is_some(),
        "its queue entry closed as letter sent"
    );
    app.finish().await;
    Ok(())
}
