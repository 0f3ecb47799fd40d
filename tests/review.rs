//! The mailroom's and the caseworkers' paper work through the real router,
//! every case on SQLite and on PostgreSQL: the upload page behind sign-in
//! and CSRF, the verification station (checks by the web rules, corrections
//! recorded and audited, the queue entered, duplicates folded, field
//! pictures cut from a real scan) and triage (a letter made into a
//! registration, linked to one, or closed).

mod common;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use common::page::{Browser, between, client, page};
use common::{Backend, Case, TestApp};
use intake_core::form::{Channel, FormDefinition};
use intake_core::i18n::Lang;
use intake_core::record::normalise::normalise_submission;
use intake_core::record::paper_postal::doubt_paper_postal;
use intake_core::record::validate::{FieldError, FieldErrorCode};
use intake_core::record::{
    FieldReading, FieldStatus, Provenance, Registration, RegistrationStatus, ReviewReason, Value,
};
use intake_service::accounts::Role;
use intake_service::pipeline::Pipeline;
use intake_service::pipeline::import::{ImportRequest, process_batch, store_batch};
use intake_service::pipeline::worker::WorkerOptions;
use intake_service::store::callbacks::QueueFilter;
use intake_service::store::triage::{TriageDone, TriageStatus};
use intake_service::store::{BatchEntry, NewRegistration, ScanBatch, ScanFile};
use libtest_mimic::Failed;
use reqwest::StatusCode;
use time::OffsetDateTime;
use time::macros::date;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");

fn main() {
    let cases: &[(&str, Case)] = &[
        ("the_upload_page_needs_the_mailroom_and_its_token", |b| {
            Box::pin(the_upload_page_needs_the_mailroom_and_its_token(b))
        }),
        ("verification_checks_records_and_queues", |b| {
            Box::pin(verification_checks_records_and_queues(b))
        }),
        ("a_verified_form_of_a_known_person_is_folded", |b| {
            Box::pin(a_verified_form_of_a_known_person_is_folded(b))
        }),
        ("a_form_that_cannot_pass_is_sent_on_as_it_is", |b| {
            Box::pin(a_form_that_cannot_pass_is_sent_on_as_it_is(b))
        }),
        ("a_scanned_form_shows_the_pictures_of_its_fields", |b| {
            Box::pin(a_scanned_form_shows_the_pictures_of_its_fields(b))
        }),
        ("triage_makes_links_or_closes_once", |b| {
            Box::pin(triage_makes_links_or_closes_once(b))
        }),
        (
            "a_postal_code_of_another_office_shows_its_evidence_and_candidates",
            |b| Box::pin(a_postal_code_of_another_office_shows_its_evidence_and_candidates(b)),
        ),
        ("a_form_on_a_copied_sheet_says_so", |b| {
            Box::pin(a_form_on_a_copied_sheet_says_so(b))
        }),
        ("a_correction_is_held_to_the_rules_between_fields", |b| {
            Box::pin(a_correction_is_held_to_the_rules_between_fields(b))
        }),
    ];
    common::run_on_both_backends(cases)
}

// ---------------------------------------------------------------- helpers

/// The app without its own scan worker: the cases choose what is read.
async fn app(backend: &Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| config.scanning.process = false).await
}

fn definition(app: &TestApp) -> Result<FormDefinition, Failed> {
    Ok(FormDefinition::load_by_id(
        app.config.forms_dir.as_deref(),
        intake_core::form::WEB_FORM_ID,
    )?)
}

/// A paper registration as the scan side stores it, with the given fields
/// flagged: `(field, value read, raw)`.
async fn flagged_paper(
    app: &TestApp,
    hetu: &str,
    phone: &str,
    flags: &[(&str, Option<&str>, &str)],
    received_at: OffsetDateTime,
) -> Result<Registration, Failed> {
    let inputs = [
        ("hetu", hetu),
        ("surname", "NIEMINEN"),
        ("first_names", "AINO"),
        ("phone", phone),
        ("service_language", "fi"),
        ("situation", "unemployed"),
        ("contact_consent", "yes"),
        ("signed", "yes"),
    ];
    flagged_paper_of(app, &inputs, flags, |_| {}, received_at).await
}

/// [`flagged_paper`] with the answers given, and the fields then changed
/// by `read_as` (what the scan side made of them).
async fn flagged_paper_of(
    app: &TestApp,
    inputs: &[(&str, &str)],
    flags: &[(&str, Option<&str>, &str)],
    read_as: impl FnOnce(&mut BTreeMap<String, FieldReading>),
    received_at: OffsetDateTime,
) -> Result<Registration, Failed> {
    let form = definition(app)?;
    let inputs: HashMap<String, String> = inputs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut fields = normalise_submission(&form, Channel::Paper, &inputs)
        .map_err(|e| format!("paper fields: {e:?}"))?;
    for (id, value, raw) in flags {
        let field = fields.get_mut(*id).ok_or("no such field")?;
        field.value = value.map(|v| Value::Text(v.to_string()));
        field.raw = Some(raw.to_string());
        field.status = FieldStatus::NeedsReview;
        field.confidence = Some(0.4);
        field.reasons = vec![ReviewReason::LowConfidence];
    }
    read_as(&mut fields);
    let new = NewRegistration {
        form: form.id().to_string(),
        form_version: form.version(),
        office: "vaasa".into(),
        fields,
        provenance: Provenance::Paper {
            original_sha256: "cd".repeat(32),
            pages: vec![1],
            serial: None,
        },
        submission_key: None,
    };
    Ok(app.store.register_at(new, received_at).await?)
}

async fn stored(app: &TestApp, id: uuid::Uuid) -> Result<Registration, Failed> {
    Ok(app.store.registration(id).await?.ok_or("gone")?)
}

// ------------------------------------------------------------------ cases

async fn the_upload_page_needs_the_mailroom_and_its_token(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    let kaisa = Browser::new_user(&app, "kaisa", Role::Caseworker).await?;
    let sample = std::fs::read(format!("{SAMPLES}/009-printed.png"))?;

    let anonymous = page(
        client()
            .get(format!("{}/staff/mailroom", app.base))
            .send()
            .await?,
    )
    .await;
    ensure!(
        anonymous.status == StatusCode::SEE_OTHER
            && anonymous.location.starts_with("/staff/sign-in"),
        "without a session: {} {}",
        anonymous.status,
        anonymous.location
    );
    ensure!(
        kaisa.get("/staff/mailroom").await.status == StatusCode::FORBIDDEN,
        "a caseworker is refused"
    );
    let form = mari.get("/staff/mailroom").await;
    ensure!(
        form.status == StatusCode::OK && form.body.contains("enctype=\"multipart/form-data\""),
        "the upload page: {}",
        form.status
    );
    ensure!(
        form.body.contains("value=\"mari\""),
        "the scanner's name starts as the signed-in name"
    );
    ensure!(
        page(
            client()
                .get(format!("{}/mailroom", app.base))
                .send()
                .await?
        )
        .await
        .status
            == StatusCode::NOT_FOUND,
        "the old open address is gone"
    );

    let upload = |csrf: &str, received: &str| {
        vec![
            ("csrf", None, csrf.as_bytes().to_vec()),
            ("office", None, b"vaasa".to_vec()),
            ("received", None, received.as_bytes().to_vec()),
            ("scanned_by", None, b"Mari".to_vec()),
            ("files", Some("009-printed.png"), sample.clone()),
        ]
    };
    let refused = mari
        .post_multipart("/staff/mailroom", &upload("forged", "2026-04-03"))
        .await;
    ensure!(
        refused.status == StatusCode::BAD_REQUEST,
        "a forged token: {}",
        refused.status
    );
    let again = mari
        .post_multipart("/staff/mailroom", &upload(&mari.csrf, "3.4.2026"))
        .await;
    ensure!(
        again.status == StatusCode::UNPROCESSABLE_ENTITY && again.body.contains("VVVV-KK-PP"),
        "a date not as asked comes back: {}",
        again.status
    );
    let sent = mari
        .post_multipart("/staff/mailroom", &upload(&mari.csrf, "2026-04-03"))
        .await;
    ensure!(
        sent.status == StatusCode::SEE_OTHER
            && sent.location.starts_with("/staff/mailroom/batches/"),
        "stored: {} {}",
        sent.status,
        sent.location
    );
    let batch = mari.get(&sent.location).await;
    ensure!(
        batch.status == StatusCode::OK && batch.body.contains("009-printed.png"),
        "the batch page lists the file: {}",
        batch.status
    );
    let id = sent.location.rsplit('/').next().unwrap_or_default();
    let stored_batch = app
        .store
        .batch(uuid::Uuid::parse_str(id)?)
        .await?
        .ok_or("no batch")?;
    ensure!(
        stored_batch.received_on == date!(2026 - 04 - 03) && stored_batch.scanned_by == "Mari",
        "the batch as given: {stored_batch:?}"
    );
    let mari_id = app
        .store
        .staff_members()
        .await?
        .into_iter()
        .find(|m| m.name == "mari")
        .ok_or("mari")?
        .id;
    let audit = app.store.audit_for_staff(mari_id).await?;
    ensure!(
        audit
            .iter()
            .any(|e| e.action == "scan_upload" && e.detail.contains(id)),
        "the upload is audited"
    );
    app.finish().await;
    Ok(())
}

async fn verification_checks_records_and_queues(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    let now = OffsetDateTime::now_utc();
    let older = flagged_paper(
        &app,
        "131052-308T",
        "040 765 4321",
        &[
            ("hetu", None, "131052-308A"),
            ("phone", Some("+358407654321"), "040 765 4321"),
            ("surname", Some("NIEM1NEN"), "NIEM1NEN"),
        ],
        now - time::Duration::days(2),
    )
    .await?;
    let newer = flagged_paper(
        &app,
        &intake_devtools::synthetic::hetu(&mut rand::rng()),
        "040 765 4322",
        &[("email", None, "aino@example")],
        now - time::Duration::days(1),
    )
    .await?;
    ensure!(
        older.status == RegistrationStatus::AwaitingReview,
        "a flagged field holds it back"
    );

    let list = mari.get("/staff/verify").await;
    let body = list.body;
    let (first, second) = (
        body.find(older.reference.as_str()).ok_or("older listed")?,
        body.find(newer.reference.as_str()).ok_or("newer listed")?,
    );
    ensure!(first < second, "oldest received first");

    let path = format!("/staff/verify/{}", older.id);
    let form = mari.get(&path).await;
    let body = form.body;
    ensure!(form.status == StatusCode::OK, "the form: {}", form.status);
    ensure!(
        between(&body, "id=\"f-hetu\"", ">").is_some_and(|tag| tag.contains("autofocus")),
        "the first flagged field (in form order) has the focus"
    );
    ensure!(
        !between(&body, "id=\"f-phone\"", ">").is_some_and(|tag| tag.contains("autofocus")),
        "only the first"
    );
    ensure!(body.contains("131052-308A"), "the raw reading is shown");
    ensure!(
        !body.contains("id=\"f-first_names\""),
        "fields the machine was sure of are not asked"
    );
    let seen = between(&body, "name=\"seen\" value=\"", "\"")
        .ok_or("no fingerprint")?
        .to_string();

    // The web rules: a broken identity code is refused, nothing is stored.
    let refused = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("hetu", "131052-308A"),
                ("phone", "+358407654321"),
                ("surname", "NIEMINEN"),
            ],
        )
        .await;
    let body = refused.body;
    ensure!(
        refused.status == StatusCode::UNPROCESSABLE_ENTITY
            && body.contains("href=\"#f-hetu\"")
            && between(&body, "id=\"f-hetu\"", ">").is_some_and(|t| t.contains("autofocus")),
        "a wrong code comes back with the focus on it: {}",
        refused.status
    );
    ensure!(
        body.contains("value=\"NIEMINEN\""),
        "what was typed is kept"
    );
    ensure!(
        app.store.field_corrections(older.id).await?.is_empty()
            && stored(&app, older.id).await?.status == RegistrationStatus::AwaitingReview,
        "nothing stored"
    );
    // A page older than the record is refused.
    let stale = mari
        .post(
            &path,
            &[
                ("seen", "0000"),
                ("hetu", "131052-308T"),
                ("phone", "+358407654321"),
                ("surname", "NIEMINEN"),
            ],
        )
        .await;
    ensure!(
        stale.location.ends_with("notice=changed"),
        "a stale page: {}",
        stale.location
    );

    let saved = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("hetu", "131052-308t"),
                ("phone", "+358407654321"),
                ("surname", " NIEMINEN "),
            ],
        )
        .await;
    ensure!(
        saved.status == StatusCode::SEE_OTHER
            && saved
                .location
                .starts_with(&format!("/staff/verify/{}?", newer.id))
            && saved.location.contains("notice=queued")
            && saved.location.contains(older.reference.as_str()),
        "on to the next form: {}",
        saved.location
    );
    let after = stored(&app, older.id).await?;
    ensure!(
        after.status == RegistrationStatus::AwaitingCall,
        "in the queue"
    );
    let hetu = &after.fields["hetu"];
    ensure!(
        hetu.status == FieldStatus::Corrected
            && hetu.corrected_by.as_deref() == Some("mari")
            && hetu.value == Some(Value::Text("131052-308T".into()))
            && hetu.raw.as_deref() == Some("131052-308A"),
        "the code corrected, the reading kept: {hetu:?}"
    );
    let phone = &after.fields["phone"];
    ensure!(
        phone.status == FieldStatus::Accepted && phone.corrected_by.is_none(),
        "the phone confirmed as read: {phone:?}"
    );
    let corrections = app.store.field_corrections(older.id).await?;
    let summary: Vec<(String, bool)> = corrections
        .iter()
        .map(|c| (c.field.clone(), c.corrected))
        .collect();
    ensure!(
        summary.len() == 3
            && summary.contains(&("hetu".into(), true))
            && summary.contains(&("phone".into(), false))
            && summary.contains(&("surname".into(), true)),
        "who changed what: {summary:?}"
    );
    let surname = corrections
        .iter()
        .find(|c| c.field == "surname")
        .ok_or("surname")?;
    ensure!(
        surname.old_value == Some(Value::Text("NIEM1NEN".into()))
            && surname.new_value == Some(Value::Text("NIEMINEN".into()))
            && surname.staff_name.as_deref() == Some("mari"),
        "old and new value, and who: {surname:?}"
    );
    let audit = app.store.audit_for_registration(older.id).await?;
    ensure!(
        audit.iter().any(|e| e.action == "verify"
            && e.detail.contains("hetu")
            && !e.detail.contains("131052")),
        "the check is audited, without the values"
    );
    ensure!(
        audit
            .iter()
            .any(|e| e.action == "view" && e.detail == "verify"),
        "showing the form is audited"
    );
    let queue = app
        .store
        .queue(&QueueFilter::default(), OffsetDateTime::now_utc())
        .await?;
    ensure!(
        queue.iter().any(|e| e.id == older.id),
        "the caseworkers' queue has it"
    );
    let again = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("hetu", "131052-308T"),
                ("phone", "+358407654321"),
                ("surname", "NIEMINEN"),
            ],
        )
        .await;
    ensure!(
        again.location.contains("not_awaiting"),
        "checked once: {}",
        again.location
    );

    // The last one: an optional field may be emptied; the list is done.
    let form = mari.get(&format!("/staff/verify/{}", newer.id)).await;
    let seen = between(&form.body, "name=\"seen\" value=\"", "\"")
        .ok_or("no fingerprint")?
        .to_string();
    let last = mari
        .post(
            &format!("/staff/verify/{}", newer.id),
            &[("seen", &seen), ("email", "")],
        )
        .await;
    ensure!(
        last.location.starts_with("/staff/verify?notice=queued"),
        "back to the list: {}",
        last.location
    );
    let done = mari.get(&last.location).await;
    ensure!(done.body.contains("0 lomaketta"), "the list is empty");
    ensure!(
        stored(&app, newer.id).await?.fields["email"]
            .value
            .is_none(),
        "emptied"
    );
    app.finish().await;
    Ok(())
}

async fn a_verified_form_of_a_known_person_is_folded(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    let now = OffsetDateTime::now_utc();
    let first = flagged_paper(
        &app,
        "131052-308T",
        "040 765 4321",
        &[],
        now - time::Duration::days(1),
    )
    .await?;
    ensure!(
        first.status == RegistrationStatus::AwaitingCall,
        "nothing flagged: straight to the queue"
    );
    // The same person on an earlier pile, the code misread: only once it
    // is corrected is the person known.
    let second = flagged_paper(
        &app,
        "131052-308T",
        "050 111 2233",
        &[("hetu", None, "131O52-308T")],
        now - time::Duration::days(3),
    )
    .await?;
    ensure!(
        app.store.duplicate_of(second.id).await?.is_none(),
        "an unsure code is no evidence"
    );
    let path = format!("/staff/verify/{}", second.id);
    let seen = between(&mari.get(&path).await.body, "name=\"seen\" value=\"", "\"")
        .ok_or("no fingerprint")?
        .to_string();
    let saved = mari
        .post(&path, &[("seen", &seen), ("hetu", "131052-308T")])
        .await;
    ensure!(
        saved.location.contains("notice=folded"),
        "says it joined: {}",
        saved.location
    );
    ensure!(
        app.store.duplicate_of(second.id).await? == Some(first.id),
        "folded into the one in the queue"
    );
    let standing = stored(&app, first.id).await?;
    ensure!(
        standing.received_at == stored(&app, second.id).await?.received_at,
        "the earlier received date stands"
    );
    app.finish().await;
    Ok(())
}

async fn a_form_that_cannot_pass_is_sent_on_as_it_is(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    let kaisa = Browser::new_user(&app, "kaisa", Role::Caseworker).await?;
    let now = OffsetDateTime::now_utc();
    // Consent not ticked, the code written wrongly by the person.
    let stuck = flagged_paper(
        &app,
        "131052-308T",
        "040 765 4321",
        &[
            ("hetu", None, "131052-308A"),
            ("surname", Some("NIEM1NEN"), "NIEM1NEN"),
            ("contact_consent", None, ""),
        ],
        now - time::Duration::days(3),
    )
    .await?;
    // A person already in the queue, and a form of theirs that cannot pass.
    let code = intake_devtools::synthetic::hetu(&mut rand::rng());
    let known = flagged_paper(
        &app,
        &code,
        "050 555 0000",
        &[],
        now - time::Duration::days(1),
    )
    .await?;
    let again = flagged_paper(
        &app,
        &code,
        "050 555 0000",
        &[("hetu", None, "0102O3A0307"), ("contact_consent", None, "")],
        now - time::Duration::days(2),
    )
    .await?;
    ensure!(
        known.status == RegistrationStatus::AwaitingCall
            && stuck.status == RegistrationStatus::AwaitingReview,
        "as stored"
    );

    let path = format!("/staff/verify/{}", stuck.id);
    let form = mari.get(&path).await;
    let body = form.body;
    let send_on = between(&body, "id=\"send-on\"", ">").ok_or("no second button")?;
    ensure!(
        send_on.contains("name=\"verify_action\"")
            && send_on.contains("value=\"send_on\"")
            && body.contains("Lähetä soittojonoon sellaisenaan"),
        "a second submit button, in the page's language"
    );
    ensure!(
        body.find("id=\"save\"") < body.find("id=\"send-on\""),
        "Enter still saves: the save button comes first"
    );
    let seen = between(&body, "name=\"seen\" value=\"", "\"")
        .ok_or("no fingerprint")?
        .to_string();
    let answers = [
        ("seen", seen.as_str()),
        ("hetu", "131052-308A"),
        ("surname", "NIEMINEN"),
        ("verify_action", "send_on"),
    ];

    // Without the session's token nothing happens.
    let forged = mari
        .client
        .post(format!("{}{path}", mari.base))
        .header("cookie", &mari.cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(serde_urlencoded::to_string(
            std::iter::once(("csrf", "forged"))
                .chain(answers)
                .collect::<Vec<_>>(),
        )?)
        .send()
        .await?;
    ensure!(
        forged.status() == StatusCode::BAD_REQUEST,
        "a forged token: {}",
        forged.status()
    );
    ensure!(
        stored(&app, stuck.id).await?.status == RegistrationStatus::AwaitingReview,
        "nothing sent on"
    );

    let sent = mari.post(&path, &answers).await;
    ensure!(
        sent.status == StatusCode::SEE_OTHER
            && sent
                .location
                .starts_with(&format!("/staff/verify/{}?", again.id))
            && sent.location.contains("notice=sent_on")
            && sent.location.contains(stuck.reference.as_str()),
        "on to the next form: {} {}",
        sent.status,
        sent.location
    );
    let next = mari.get(&sent.location).await;
    ensure!(
        next.body.contains("lähetettiin soittojonoon"),
        "the next form says what became of the last"
    );
    let after = stored(&app, stuck.id).await?;
    ensure!(
        after.status == RegistrationStatus::AwaitingCall,
        "in the queue: {:?}",
        after.status
    );
    for field in ["hetu", "contact_consent"] {
        let reading = &after.fields[field];
        ensure!(
            reading.status == FieldStatus::NeedsReview
                && reading.reasons == [ReviewReason::LowConfidence]
                && reading.corrected_by.as_deref() == Some("mari"),
            "{field} left to check, its reason kept, who sent it on: {reading:?}"
        );
    }
    ensure!(
        after.fields["hetu"].raw.as_deref() == Some("131052-308A")
            && after.fields["hetu"].value.is_none(),
        "the reading kept as read"
    );
    let surname = &after.fields["surname"];
    ensure!(
        surname.status == FieldStatus::Corrected
            && surname.value == Some(Value::Text("NIEMINEN".into())),
        "what passes is kept as a check keeps it: {surname:?}"
    );
    let corrections = app.store.field_corrections(stuck.id).await?;
    ensure!(
        corrections.len() == 1
            && corrections[0].field == "surname"
            && corrections[0].corrected
            && corrections[0].staff_name.as_deref() == Some("mari"),
        "the correction recorded: {corrections:?}"
    );
    let audit = app.store.audit_for_registration(stuck.id).await?;
    ensure!(
        audit.iter().any(|e| e.action == "verify_sent_on"
            && e.detail.contains("surname")
            && e.detail.contains("hetu")
            && e.detail.contains("contact_consent")
            && !e.detail.contains("131052")),
        "sending on is audited, without the values: {audit:?}"
    );
    let queue = app
        .store
        .queue(&QueueFilter::default(), OffsetDateTime::now_utc())
        .await?;
    ensure!(
        queue.iter().any(|e| e.id == stuck.id),
        "the caseworkers' queue has it"
    );
    let shown = kaisa
        .get(&format!("/staff/registrations/{}", stuck.id))
        .await;
    ensure!(
        shown.status == StatusCode::OK && shown.body.contains("lähettänyt eteenpäin mari"),
        "the caseworker sees the field was sent on unchecked: {}",
        shown.status
    );
    ensure!(
        mari.post(&path, &answers)
            .await
            .location
            .contains("not_awaiting"),
        "sent on once"
    );

    // The same person, known by phone and name: folded like a check.
    let path = format!("/staff/verify/{}", again.id);
    let seen = between(&mari.get(&path).await.body, "name=\"seen\" value=\"", "\"")
        .ok_or("no fingerprint")?
        .to_string();
    let folded = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("hetu", "0102O3A0307"),
                ("verify_action", "send_on"),
            ],
        )
        .await;
    ensure!(
        folded.location.starts_with("/staff/verify?notice=folded"),
        "says it joined, back to the empty list: {}",
        folded.location
    );
    ensure!(
        app.store.duplicate_of(again.id).await? == Some(known.id),
        "folded into the one in the queue"
    );
    ensure!(
        app.store.review_list().await?.is_empty(),
        "nothing left to verify"
    );
    app.finish().await;
    Ok(())
}

async fn a_scanned_form_shows_the_pictures_of_its_fields(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    let pipeline = Pipeline::new(app.store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![format!("{SAMPLES}/011-handwriting.png").into()],
        office: "vaasa".into(),
        received_on: date!(2026 - 04 - 03),
        scanned_by: "test".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let options = WorkerOptions::new(Duration::from_secs(60), 1);
    let summary = process_batch(&pipeline, &batch, options, |_| {}).await?;
    ensure!(summary.forms == 1, "one form: {summary:?}");
    let registration = app
        .store
        .batch_registrations(batch.id)
        .await?
        .pop()
        .ok_or("no registration")?;
    let flagged: Vec<String> = registration
        .fields
        .iter()
        .filter(|(_, f)| f.status == FieldStatus::NeedsReview)
        .map(|(id, _)| id.clone())
        .collect();
    ensure!(
        !flagged.is_empty(),
        "the sample has a field to check (011-handwriting.png reads its email address with doubt)"
    );
    let id = registration.id;
    let form = mari.get(&format!("/staff/verify/{id}")).await;
    for field in &flagged {
        let src = format!("/staff/verify/{id}/crop?field={field}");
        ensure!(
            form.body.contains(&src.replace('&', "&#38;")) || form.body.contains(&src),
            "the form shows the picture of {field}"
        );
        let crop = mari.get(&src).await;
        ensure!(
            crop.status == StatusCode::OK
                && crop.content_type == "image/png"
                && crop.bytes.starts_with(b"\x89PNG"),
            "the crop of {field}: {} {}",
            crop.status,
            crop.content_type
        );
        let decoded = image::load_from_memory(&crop.bytes)?;
        ensure!(
            decoded.width() > 100 && decoded.height() > 40 && decoded.width() < 1680,
            "a field's size, not a page's: {}x{}",
            decoded.width(),
            decoded.height()
        );
    }
    let pages = mari.get(&format!("/staff/verify/{id}/pages")).await;
    ensure!(
        pages.status == StatusCode::OK && pages.body.contains("<svg"),
        "the whole page: {}",
        pages.status
    );
    let whole = mari
        .get(&format!("/staff/verify/{id}/image?form_page=1"))
        .await;
    ensure!(
        whole.status == StatusCode::OK && whole.bytes.starts_with(&[0xFF, 0xD8]),
        "the page image is a JPEG: {}",
        whole.status
    );
    ensure!(
        mari.get(&format!("/staff/verify/{id}/crop?field=nonsense"))
            .await
            .status
            == StatusCode::NOT_FOUND,
        "no such field"
    );
    app.finish().await;
    Ok(())
}

/// Two people filled photocopies of one printed sheet: the second one's
/// registration page, and its pages at the verification station, say that
/// the sheet was registered first for the other, with the first one's
/// reference (a link only for who may open registrations); the batch page
/// counts the copy.
async fn a_form_on_a_copied_sheet_says_so(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    // Version 1: one page per person (a copy of version 2's second page
    // names no one).
    let definition = FormDefinition::load_version(None, intake_core::form::WEB_FORM_ID, 1)?
        .ok_or("version 1 is shipped")?;
    let stack = intake_devtools::samples::photocopy_stack(&definition, "CPYN8TE2RK", 2, 4)?;
    let pile = tempfile::tempdir()?;
    let path = pile.path().join("copies.pdf");
    std::fs::write(&path, &stack.pdf)?;
    let pipeline = Pipeline::new(app.store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![path],
        office: "vaasa".into(),
        received_on: date!(2026 - 04 - 03),
        scanned_by: "test".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let options = WorkerOptions::new(Duration::from_secs(120), 1);
    let summary = process_batch(&pipeline, &batch, options, |_| {}).await?;
    ensure!(summary.forms == 2, "a form per person: {summary:?}");
    let pages = app.store.batch_pages(batch.id).await?;
    let forms: Vec<_> = pages.iter().filter(|p| p.outcome == "form").collect();
    let first = forms[0].registration_id.ok_or("the first registration")?;
    let copy = forms[1].registration_id.ok_or("the copy's registration")?;
    ensure!(forms[1].copy_of == Some(first), "the copy is noted");
    let first_reference = stored(&app, first).await?.reference.to_string();
    ensure!(
        app.store.copied_sheets(first).await?.is_empty(),
        "the sheet itself is no copy"
    );
    let sheets = app.store.copied_sheets(copy).await?;
    ensure!(
        sheets.len() == 1 && sheets[0].id == first && sheets[0].reference == first_reference,
        "the copy's first registration: {sheets:?}"
    );

    let link = format!(
        "<a href=\"/staff/registrations/{first}\" class=\"reference\">{first_reference}</a>"
    );
    let maija = Browser::new_user(&app, "maija", Role::Caseworker).await?;
    let shown = maija.get(&format!("/staff/registrations/{copy}")).await;
    ensure!(shown.status == StatusCode::OK, "{}", shown.status);
    ensure!(
        shown.body.contains("class=\"copy-note\"") && shown.body.contains(&link),
        "the note links the first registration: {:?}",
        between(&shown.body, "sources-title", "</table>")
    );
    let original = maija.get(&format!("/staff/registrations/{first}")).await;
    ensure!(
        !original.body.contains("copy-note"),
        "the first registration has no note"
    );

    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    let batch_page = mari
        .get(&format!("/staff/mailroom/batches/{}", batch.id))
        .await;
    let counted = [
        "Forms on copied sheets",
        "Blanketter på kopierade blad",
        "Lomakkeita kopioiduilla arkeilla",
    ]
    .iter()
    .any(|label| batch_page.body.contains(&format!("{label}</dt><dd>1</dd>")));
    ensure!(
        counted,
        "the batch counts the copy: {} {:?}",
        batch_page.status,
        between(&batch_page.body, "<dl", "</dl>")
    );
    // The station shows only forms waiting for review (this sample's copy
    // reads cleanly and goes straight to the queue).
    let registration = stored(&app, copy).await?;
    if registration.status == RegistrationStatus::AwaitingReview {
        let pages = mari.get(&format!("/staff/verify/{copy}/pages")).await;
        ensure!(pages.status == StatusCode::OK, "{}", pages.status);
        ensure!(
            pages.body.contains("class=\"copy-note\"")
                && pages.body.contains(&format!(
                    "<span class=\"reference\">{first_reference}</span>"
                ))
                && !pages
                    .body
                    .contains(&format!("/staff/registrations/{first}")),
            "the mailroom sees the reference without a link"
        );
    }
    app.finish().await;
    Ok(())
}

/// A triage item with the given text, on a file of a fresh batch.
async fn triage_item(
    app: &TestApp,
    pipeline: &Pipeline,
    text: &str,
) -> Result<(uuid::Uuid, ScanBatch), Failed> {
    let batch = app
        .store
        .create_batch("vaasa", date!(2026 - 04 - 03), "test", BatchEntry::Import)
        .await?;
    let letter = tempfile::NamedTempFile::new()?;
    std::fs::write(letter.path(), format!("{text}\n{}", uuid::Uuid::new_v4()))?;
    let file: ScanFile = pipeline.admit_path(&batch, letter.path()).await?;
    let recorded = app
        .store
        .record_other_page(&file, &batch, 1, text, None, common::TEST_READER)
        .await?;
    match recorded {
        intake_service::store::PageRecorded::Triage(id) => Ok((id, batch)),
        other => Err(format!("not a triage item: {other:?}").into()),
    }
}

async fn triage_makes_links_or_closes_once(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let kaisa = Browser::new_user(&app, "kaisa", Role::Caseworker).await?;
    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    let pipeline = Pipeline::new(app.store.clone(), &app.config)?;
    let letter = "Hei,\nolen työtön ja haluan että minulle soitetaan. Henkilötunnukseni on \
                  131052-308T ja puhelin 040 111 2222.\n\nTerveisin\nMatti Virtanen";
    let (convert_id, batch) = triage_item(&app, &pipeline, letter).await?;
    let (link_id, _) = triage_item(&app, &pipeline, "Hej, det gäller min anmälan.").await?;
    let (close_id, _) = triage_item(&app, &pipeline, "Reklam").await?;

    ensure!(
        mari.get("/staff/triage").await.status == StatusCode::FORBIDDEN,
        "the mailroom does not do triage"
    );
    let list = kaisa.get("/staff/triage").await;
    ensure!(
        list.body.contains(&convert_id.to_string()) && list.body.contains("3 avoinna"),
        "three open items"
    );
    let path = format!("/staff/triage/{convert_id}");
    let item = kaisa.get(&path).await;
    let body = item.body;
    ensure!(
        body.contains("value=\"131052-308T\"")
            && body.contains("value=\"+358401112222\"")
            && body.contains("value=\"Virtanen\"")
            && body.contains("value=\"Matti\""),
        "prefilled from the text"
    );
    ensure!(
        body.contains("<option value=\"fi\" selected>"),
        "the language of the letter"
    );
    let mut fields = vec![
        ("hetu", "131052-308T"),
        ("surname", "Virtanen"),
        ("first_names", "Matti"),
        ("phone", "+358401112222"),
        ("service_language", "fi"),
        ("situation", "unemployed"),
        ("call_time", "any"),
    ];
    let missing = kaisa.post(&format!("{path}/convert"), &fields).await;
    ensure!(
        missing.status == StatusCode::UNPROCESSABLE_ENTITY
            && missing.body.contains("href=\"#c-contact_consent\""),
        "the web rules hold: consent is needed: {}",
        missing.status
    );
    fields.push(("contact_consent", "yes"));
    let made = kaisa.post(&format!("{path}/convert"), &fields).await;
    ensure!(
        made.location
            .starts_with("/staff/triage?notice=converted&reference="),
        "converted: {}",
        made.location
    );
    let reference = made.location.rsplit('=').next().unwrap_or_default();
    let reference = intake_core::record::Reference::parse(reference).ok_or("a reference")?;
    let registration = app
        .store
        .registration_by_reference(&reference)
        .await?
        .ok_or("the registration")?;
    ensure!(
        registration.channel == Channel::Paper
            && registration.office == "vaasa"
            && registration.received_at == batch.received_at()
            && registration.status == RegistrationStatus::AwaitingCall,
        "paper, the batch's office and day, in the queue: {registration:?}"
    );
    let item = app.store.triage_item(convert_id).await?.ok_or("item")?;
    ensure!(
        item.status == TriageStatus::Converted
            && item.registration_id == Some(registration.id)
            && item.handled_by.as_deref() == Some("kaisa"),
        "the item says what became of it"
    );
    let audit = app.store.audit_for_registration(registration.id).await?;
    ensure!(
        audit.iter().any(|e| e.action == "triage_convert"),
        "audited on the registration"
    );
    let twice = kaisa.post(&format!("{path}/convert"), &fields).await;
    ensure!(
        twice.location.contains("not_open"),
        "made once: {}",
        twice.location
    );

    let link = format!("/staff/triage/{link_id}/link");
    let unknown = kaisa
        .post(&link, &[("reference", "ABCD2345"), ("link_note", "")])
        .await;
    ensure!(
        unknown.status == StatusCode::UNPROCESSABLE_ENTITY
            && unknown.body.contains("href=\"#reference\""),
        "an unknown reference: {}",
        unknown.status
    );
    let linked = kaisa
        .post(
            &link,
            &[
                ("reference", &reference.as_str().to_lowercase()),
                ("link_note", "asks about the same"),
            ],
        )
        .await;
    ensure!(
        linked.location.contains("notice=linked"),
        "linked: {}",
        linked.location
    );
    let item = app.store.triage_item(link_id).await?.ok_or("item")?;
    ensure!(
        item.status == TriageStatus::Linked
            && item.registration_id == Some(registration.id)
            && item.note.as_deref() == Some("asks about the same"),
        "linked with its note"
    );
    ensure!(
        app.store.triage_items_of(registration.id).await?.len() == 2,
        "the registration has both letters"
    );
    let shown = kaisa
        .get(&format!("/staff/registrations/{}", registration.id))
        .await;
    let body = shown.body;
    ensure!(
        shown.status == StatusCode::OK
            && body.contains(&format!("href=\"/staff/triage/{link_id}\""))
            && body.contains("Hej, det gäller min anmälan.")
            && body.contains(&format!("href=\"/staff/triage/{convert_id}\""))
            && body.contains("Hei, / olen työtön")
            && body.contains("datetime=\"2026-04-03\">3.4.2026</time>"),
        "the registration page lists its letters, with date and first lines: {}",
        shown.status
    );
    ensure!(
        kaisa.get(&format!("/staff/triage/{link_id}")).await.status == StatusCode::OK,
        "the link leads to the letter"
    );

    let close = format!("/staff/triage/{close_id}/close");
    let bare = kaisa.post(&close, &[("close_note", "  ")]).await;
    ensure!(
        bare.status == StatusCode::UNPROCESSABLE_ENTITY,
        "closing needs a note: {}",
        bare.status
    );
    let closed = kaisa.post(&close, &[("close_note", "advertising")]).await;
    ensure!(
        closed.location.contains("notice=closed"),
        "closed: {}",
        closed.location
    );
    let staff = app.store.staff_members().await?;
    let kaisa_id = staff.iter().find(|m| m.name == "kaisa").ok_or("kaisa")?.id;
    ensure!(
        app.store
            .close_triage(close_id, kaisa_id, "again", OffsetDateTime::now_utc())
            .await?
            == TriageDone::NotOpen,
        "dealt with once"
    );
    let audit = app.store.audit_for_staff(kaisa_id).await?;
    for action in [
        "triage_view",
        "triage_convert",
        "triage_link",
        "triage_close",
    ] {
        ensure!(
            audit.iter().any(|e| e.action == action),
            "{action} is audited"
        );
    }
    ensure!(
        kaisa.get("/staff/triage").await.body.contains("0 avoinna"),
        "nothing open"
    );
    app.finish().await;
    Ok(())
}

async fn a_postal_code_of_another_office_shows_its_evidence_and_candidates(
    backend: Backend,
) -> Result<(), Failed> {
    let app = app(&backend).await;
    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    // A 4 read as a 5: 64200 NÄRPES written, 65200 read.
    let form = definition(&app)?;
    let inputs: HashMap<String, String> = [
        ("hetu", "131052-308T"),
        ("surname", "NIEMINEN"),
        ("first_names", "AINO"),
        ("phone", "040 765 4321"),
        ("postal_code", "65200"),
        ("post_office", "NÄRPES"),
        ("service_language", "sv"),
        ("situation", "unemployed"),
        ("contact_consent", "yes"),
        ("signed", "yes"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut fields = normalise_submission(&form, Channel::Paper, &inputs)
        .map_err(|e| format!("paper fields: {e:?}"))?;
    doubt_paper_postal(&mut fields);
    let new = NewRegistration {
        form: form.id().to_string(),
        form_version: form.version(),
        office: "vaasa".into(),
        fields,
        provenance: Provenance::Paper {
            original_sha256: "ef".repeat(32),
            pages: vec![1],
            serial: None,
        },
        submission_key: None,
    };
    let registration = app
        .store
        .register_at(new, OffsetDateTime::now_utc())
        .await?;
    ensure!(
        registration.status == RegistrationStatus::AwaitingReview,
        "the disagreement holds it back"
    );
    let path = format!("/staff/verify/{}", registration.id);
    let body = mari.get(&path).await.body;
    let evidence = between(&body, "id=\"f-postal_code-evidence\">", "</p>")
        .ok_or("no evidence by the postal code")?;
    ensure!(
        evidence.contains("65200")
            && evidence.contains("VAASA / VASA")
            && evidence.contains("NÄRPES"),
        "the evidence names the code, its office and the written one: {evidence}"
    );
    ensure!(
        body.contains("id=\"f-post_office-evidence\""),
        "and stands by the post office"
    );
    ensure!(
        between(&body, "value=\"postal_code=64200\"", ">")
            .is_some_and(|t| t.contains("accesskey=\"1\"")),
        "the code one digit away is the first choice, on key 1"
    );
    ensure!(
        body.contains("name=\"pick\" value=\"post_office=VASA\""),
        "the code's own office is a choice for the post office"
    );
    ensure!(
        body.find("aria-hidden=\"true\">") < body.find("name=\"pick\""),
        "a hidden save button comes before the choices, so Enter saves"
    );
    let seen = between(&body, "name=\"seen\" value=\"", "\"")
        .ok_or("no fingerprint")?
        .to_string();

    // A choice puts its value in the input; nothing is saved yet.
    let picked = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("postal_code", "65200"),
                ("post_office", "NÄRPES"),
                ("pick", "postal_code=64200"),
            ],
        )
        .await;
    ensure!(picked.status == StatusCode::OK, "picked: {}", picked.status);
    ensure!(
        between(&picked.body, "id=\"f-postal_code\"", ">")
            .is_some_and(|t| t.contains("value=\"64200\"") && t.contains("autofocus")),
        "the choice is in the input, with the focus"
    );
    ensure!(
        stored(&app, registration.id).await?.status == RegistrationStatus::AwaitingReview,
        "a choice alone saves nothing"
    );
    // A value that is no candidate is not taken as a choice.
    let forged = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("postal_code", "65200"),
                ("post_office", "NÄRPES"),
                ("pick", "postal_code=00100"),
            ],
        )
        .await;
    ensure!(
        !between(&forged.body, "id=\"f-postal_code\"", ">")
            .is_some_and(|t| t.contains("value=\"00100\"")),
        "only the offered values are picked"
    );
    ensure!(
        forged.status == StatusCode::OK
            && stored(&app, registration.id).await?.status == RegistrationStatus::AwaitingReview,
        "nor is anything saved"
    );

    let saved = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("postal_code", "64200"),
                ("post_office", "NÄRPES"),
            ],
        )
        .await;
    ensure!(
        saved.status == StatusCode::SEE_OTHER,
        "saved: {}",
        saved.status
    );
    let after = stored(&app, registration.id).await?;
    ensure!(
        after.status == RegistrationStatus::AwaitingCall,
        "in the queue"
    );
    let code = &after.fields["postal_code"];
    ensure!(
        code.status == FieldStatus::Corrected
            && code.value == Some(Value::Text("64200".into()))
            && code.candidates.is_empty()
            && code.reasons.is_empty(),
        "the code is corrected and its candidates gone: {code:?}"
    );
    app.finish().await;
    Ok(())
}

/// The same signed-in browser with its pages in another language.
fn in_language(browser: &Browser, lang: &str) -> Browser {
    Browser {
        base: browser.base.clone(),
        client: client(),
        cookie: format!("{}; intake_staff_lang={lang}", browser.cookie),
        csrf: browser.csrf.clone(),
    }
}

fn seen_of(body: &str) -> Result<String, Failed> {
    Ok(between(body, "name=\"seen\" value=\"", "\"")
        .ok_or("no fingerprint")?
        .to_string())
}

/// Form version 2: a correction is checked with the other answers too. A
/// field on the form that breaks a rule between fields is refused with its
/// message in the page's language; one not on the form is flagged and the
/// form comes back with it; sent on, it stays flagged.
async fn a_correction_is_held_to_the_rules_between_fields(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let mari = Browser::new_user(&app, "mari", Role::Mailroom).await?;
    let now = OffsetDateTime::now_utc();
    let with_code = [
        ("hetu", "131052-308T"),
        ("surname", "NIEMINEN"),
        ("first_names", "AINO"),
        ("phone", "040 765 4321"),
        ("service_language", "fi"),
        ("situation", "unemployed"),
        ("contact_consent", "yes"),
        ("signed", "yes"),
    ];
    // The code and the date of birth both on the form: they must agree.
    let both = flagged_paper_of(
        &app,
        &with_code,
        &[
            ("hetu", None, "131052-3O8T"),
            ("birth_date", Some("1952-10-13"), "13.10.1952"),
        ],
        |_| {},
        now - time::Duration::days(3),
    )
    .await?;
    let path = format!("/staff/verify/{}", both.id);
    for lang in [Lang::Sv, Lang::Fi, Lang::En] {
        let browser = in_language(&mari, lang.code());
        let seen = seen_of(&browser.get(&path).await.body)?;
        let refused = browser
            .post(
                &path,
                &[
                    ("seen", &seen),
                    ("hetu", "131052-308T"),
                    ("birth_date", "14.10.1952"),
                ],
            )
            .await;
        let message = FieldError::BirthDateMismatch.message(lang);
        ensure!(
            refused.status == StatusCode::UNPROCESSABLE_ENTITY
                && refused.body.contains(&message)
                && refused.body.contains("href=\"#f-birth_date\""),
            "{lang:?}: a date of birth not the code's is refused with `{message}`: {}",
            refused.status
        );
    }
    ensure!(
        app.store.field_corrections(both.id).await?.is_empty()
            && stored(&app, both.id).await?.status == RegistrationStatus::AwaitingReview,
        "nothing stored"
    );
    let seen = seen_of(&mari.get(&path).await.body)?;
    let saved = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("hetu", "131052-308T"),
                ("birth_date", "13.10.1952"),
            ],
        )
        .await;
    ensure!(
        saved.location.contains("notice=queued")
            && stored(&app, both.id).await?.status == RegistrationStatus::AwaitingCall,
        "agreeing, it is queued: {}",
        saved.location
    );

    // No code read, and the box unclear: ticked at the station, the date
    // of birth (read empty, not on the form) is needed; the service
    // language corrected to another one, that language is needed.
    let without_code = [
        ("surname", "HADDAD"),
        ("first_names", "AMAL"),
        ("phone", "040 222 3344"),
        ("service_language", "fi"),
        ("situation", "unemployed"),
        ("contact_consent", "yes"),
        ("signed", "yes"),
        ("no_hetu", "yes"),
        ("birth_date", "6.4.1990"),
    ];
    let unclear = flagged_paper_of(
        &app,
        &without_code,
        &[("hetu", None, ""), ("service_language", None, "")],
        // As read: the box not seen ticked, no date of birth written.
        |fields| {
            if let Some(no_hetu) = fields.get_mut("no_hetu") {
                no_hetu.value = Some(Value::Bool(false));
                no_hetu.status = FieldStatus::NeedsReview;
                no_hetu.reasons = vec![ReviewReason::HeavyBox];
            }
            if let Some(birth_date) = fields.get_mut("birth_date") {
                birth_date.value = None;
            }
        },
        now - time::Duration::days(2),
    )
    .await?;
    let path = format!("/staff/verify/{}", unclear.id);
    let form = mari.get(&path).await;
    ensure!(
        form.body.contains("id=\"f-no_hetu\"") && !form.body.contains("id=\"f-birth_date\""),
        "the box is on the form, the date of birth is not"
    );
    // Neither a code nor the box: refused on the code, in each language.
    for lang in [Lang::Sv, Lang::Fi, Lang::En] {
        let browser = in_language(&mari, lang.code());
        let seen = seen_of(&browser.get(&path).await.body)?;
        let refused = browser
            .post(
                &path,
                &[("seen", &seen), ("hetu", ""), ("service_language", "fi")],
            )
            .await;
        let message = FieldError::HetuOrNoHetu.message(lang);
        ensure!(
            refused.status == StatusCode::UNPROCESSABLE_ENTITY && refused.body.contains(&message),
            "{lang:?}: no code and no box refused with `{message}`: {}",
            refused.status
        );
    }
    let seen = seen_of(&mari.get(&path).await.body)?;
    let saved = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("hetu", ""),
                ("no_hetu", "yes"),
                ("service_language", "other"),
            ],
        )
        .await;
    ensure!(
        saved.status == StatusCode::SEE_OTHER
            && saved.location == format!("/staff/verify/{}?notice=flagged", unclear.id),
        "saved, and the same form again: {}",
        saved.location
    );
    let after = stored(&app, unclear.id).await?;
    ensure!(
        after.status == RegistrationStatus::AwaitingReview,
        "still waiting for review"
    );
    for (field, rule) in [
        ("birth_date", FieldErrorCode::BirthDateMissing),
        ("other_language", FieldErrorCode::OtherLanguageMissing),
    ] {
        let reading = &after.fields[field];
        ensure!(
            reading.status == FieldStatus::NeedsReview
                && reading.reasons.contains(&ReviewReason::Invalid(rule)),
            "{field} flagged by its rule: {reading:?}"
        );
    }
    ensure!(
        after.fields["no_hetu"].status == FieldStatus::Corrected
            && after.fields["no_hetu"].value == Some(Value::Bool(true)),
        "the box ticked as corrected"
    );
    ensure!(
        app.store
            .audit_for_registration(unclear.id)
            .await?
            .iter()
            .any(|e| e.action == "verify" && e.detail.contains("rules between fields: birth_date")),
        "audited"
    );
    for lang in [Lang::Sv, Lang::Fi, Lang::En] {
        let again = in_language(&mari, lang.code()).get(&saved.location).await;
        let reason = ReviewReason::Invalid(FieldErrorCode::BirthDateMissing).text(lang);
        ensure!(
            again.body.contains("id=\"f-birth_date\"")
                && again.body.contains("id=\"f-other_language\"")
                && !again.body.contains("id=\"f-no_hetu\"")
                && again.body.contains(reason),
            "{lang:?}: the fields the rules flagged are asked, with `{reason}`"
        );
    }
    let seen = seen_of(&mari.get(&path).await.body)?;
    let done = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("birth_date", "6.4.1990"),
                ("other_language", "arabia"),
            ],
        )
        .await;
    let after = stored(&app, unclear.id).await?;
    ensure!(
        done.location.contains("notice=queued")
            && after.status == RegistrationStatus::AwaitingCall
            && after.fields["birth_date"].value == Some(Value::Text("1990-04-06".into())),
        "then queued: {}",
        done.location
    );

    // Sent on as it is: a date of birth not the code's stays flagged with
    // that rule, the code is kept.
    let mut another_code = with_code;
    another_code[0] = ("hetu", "060490-1239");
    another_code[1] = ("surname", "LINDQVIST");
    let sent = flagged_paper_of(
        &app,
        &another_code,
        &[
            ("hetu", None, "O60490-1239"),
            ("birth_date", Some("1990-04-07"), "7.4.1990"),
        ],
        |_| {},
        now - time::Duration::days(1),
    )
    .await?;
    let path = format!("/staff/verify/{}", sent.id);
    let seen = seen_of(&mari.get(&path).await.body)?;
    let on = mari
        .post(
            &path,
            &[
                ("seen", &seen),
                ("hetu", "060490-1239"),
                ("birth_date", "7.4.1990"),
                ("verify_action", "send_on"),
            ],
        )
        .await;
    let after = stored(&app, sent.id).await?;
    ensure!(
        on.location.contains("notice=sent_on")
            && after.status == RegistrationStatus::AwaitingCall
            && after.fields["hetu"].value == Some(Value::Text("060490-1239".into()))
            && after.fields["hetu"].status == FieldStatus::Corrected
            && after.fields["birth_date"].status == FieldStatus::NeedsReview
            && after.fields["birth_date"]
                .reasons
                .contains(&ReviewReason::Invalid(FieldErrorCode::BirthDateMismatch)),
        "sent on with the date of birth flagged: {} {:?}",
        on.location,
        after.fields["birth_date"]
    );
    app.finish().await;
    Ok(())
}
