//! The public web form driven through the real router, every case on
//! SQLite and on PostgreSQL.

mod common;

use common::{Backend, Case, TestApp, borrowed, html_escaped, reference, valid_fields};
use intake_core::i18n::Lang;
use intake_core::record::validate::FieldError;
use intake_core::record::{
    FieldStatus, Reference, Registration, RegistrationStatus, ReviewReason, Value,
};
use libtest_mimic::Failed;
use reqwest::{Response, StatusCode};

fn main() {
    let cases: &[(&str, Case)] = &[
        ("valid_submission_in_each_language", |b| {
            Box::pin(valid_submission_in_each_language(b))
        }),
        ("every_invalid_value_gets_its_message", |b| {
            Box::pin(every_invalid_value_gets_its_message(b))
        }),
        ("honeypot_is_refused", |b| Box::pin(honeypot_is_refused(b))),
        ("expired_token_keeps_the_answers", |b| {
            Box::pin(expired_token_keeps_the_answers(b))
        }),
        ("forged_token_is_refused", |b| {
            Box::pin(forged_token_is_refused(b))
        }),
        ("client_rate_limit_refuses", |b| {
            Box::pin(client_rate_limit_refuses(b))
        }),
        ("global_daily_cap_refuses", |b| {
            Box::pin(global_daily_cap_refuses(b))
        }),
        ("oversized_body_is_refused", |b| {
            Box::pin(oversized_body_is_refused(b))
        }),
        ("double_submit_makes_one_record", |b| {
            Box::pin(double_submit_makes_one_record(b))
        }),
        ("concurrent_double_submit_makes_one_record", |b| {
            Box::pin(concurrent_double_submit_makes_one_record(b))
        }),
        ("status_page_and_withdrawal", |b| {
            Box::pin(status_page_and_withdrawal(b))
        }),
        ("unavailable_database_refuses", |b| {
            Box::pin(unavailable_database_refuses(b))
        }),
        ("json_api_needs_its_token", |b| {
            Box::pin(json_api_needs_its_token(b))
        }),
        ("language_follows_link_and_header", |b| {
            Box::pin(language_follows_link_and_header(b))
        }),
        ("the_paper_form_has_a_fresh_serial_each_download", |b| {
            Box::pin(the_paper_form_has_a_fresh_serial_each_download(b))
        }),
        (
            "a_postal_code_of_another_office_warns_in_each_language",
            |b| Box::pin(a_postal_code_of_another_office_warns_in_each_language(b)),
        ),
        ("a_postal_code_that_does_not_exist_warns", |b| {
            Box::pin(a_postal_code_that_does_not_exist_warns(b))
        }),
        ("a_person_without_an_identity_code_registers", |b| {
            Box::pin(a_person_without_an_identity_code_registers(b))
        }),
        ("a_missing_birth_date_is_refused_in_each_language", |b| {
            Box::pin(a_missing_birth_date_is_refused_in_each_language(b))
        }),
        ("a_birth_date_that_is_not_the_codes_is_refused", |b| {
            Box::pin(a_birth_date_that_is_not_the_codes_is_refused(b))
        }),
        ("the_intro_comes_in_plain_language", |b| {
            Box::pin(the_intro_comes_in_plain_language(b))
        }),
    ];
    common::run_on_both_backends(cases)
}

async fn submit_valid(app: &TestApp, lang: &str) -> (StatusCode, String) {
    submit_valid_from(app, lang, None).await
}

/// A valid form with a fresh token, sent as from the given address.
async fn submit_valid_from(
    app: &TestApp,
    lang: &str,
    address: Option<&str>,
) -> (StatusCode, String) {
    let fields = valid_fields(&app.form_token(lang).await);
    app.post_from(&format!("/{lang}"), &borrowed(&fields), address)
        .await
}

/// How many registrations the database holds.
async fn registrations(app: &TestApp) -> Result<i64, Failed> {
    Ok(app.store.count_registrations().await?)
}

/// The registration a receipt page names.
async fn stored(app: &TestApp, receipt: &str) -> Result<Registration, Failed> {
    let reference = Reference::parse(&reference(receipt).ok_or("no reference")?)
        .ok_or("the reference is malformed")?;
    Ok(app
        .store
        .registration_by_reference(&reference)
        .await?
        .ok_or("the registration is not stored")?)
}

/// A GET of the JSON API, with a bearer token when one is given.
async fn api_get(app: &TestApp, url: &str, token: Option<&str>) -> reqwest::Result<Response> {
    let request = app.client.get(url);
    match token {
        Some(token) => request.bearer_auth(token),
        None => request,
    }
    .send()
    .await
}

async fn valid_submission_in_each_language(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    for (lang, label, receipt) in [
        (
            Lang::Sv,
            "Personbeteckning",
            "Tack! Vi har tagit emot din anmälan",
        ),
        (
            Lang::Fi,
            "Henkilötunnus",
            "Kiitos! Ilmoituksesi on vastaanotettu",
        ),
        (
            Lang::En,
            "Personal identity code",
            "Thank you! We have received your registration",
        ),
    ] {
        let (_, form) = app.get(&format!("/{}", lang.code())).await;
        ensure!(
            form.contains(label),
            "the {lang:?} form shows the label {label}"
        );
        ensure!(
            form.contains(&format!("<html lang=\"{}\"", lang.code())),
            "html lang"
        );

        let before = time::OffsetDateTime::now_utc();
        let (status, page) = submit_valid(&app, lang.code()).await;
        let after = time::OffsetDateTime::now_utc();
        ensure!(status == StatusCode::OK, "{lang:?}: status {status}");
        ensure!(
            page.contains(&html_escaped(receipt)),
            "{lang:?}: receipt text missing"
        );
        let record = stored(&app, &page).await?;

        let text = |id: &str| record.text(id).map(str::to_string);
        ensure!(
            text("hetu").as_deref() == Some("131052-308T"),
            "hetu {:?}",
            text("hetu")
        );
        ensure!(text("surname").as_deref() == Some("Virtanen"), "surname");
        ensure!(
            text("first_names").as_deref() == Some("Matti Juhani"),
            "first names"
        );
        ensure!(
            text("phone").as_deref() == Some("+358401234567"),
            "phone {:?}",
            text("phone")
        );
        ensure!(
            text("email").as_deref() == Some("matti.virtanen@example.fi"),
            "email"
        );
        ensure!(
            text("postal_code").as_deref() == Some("65100"),
            "postal code"
        );
        ensure!(
            text("situation").as_deref() == Some("laid_off"),
            "situation"
        );
        ensure!(
            text("situation_since").as_deref() == Some("2026-04-06"),
            "date"
        );
        ensure!(text("call_time").as_deref() == Some("morning"), "call time");
        ensure!(
            record.fields["contact_consent"].value == Some(Value::Bool(true)),
            "consent"
        );
        ensure!(record.office == "vaasa", "office");
        ensure!(record.channel == intake_core::form::Channel::Web, "channel");
        ensure!(record.status == RegistrationStatus::AwaitingCall, "status");
        ensure!(
            !record.identity_verified,
            "identity is not verified by a web form"
        );
        ensure!(
            record.provenance == intake_core::record::Provenance::Web { language: lang },
            "provenance {:?}",
            record.provenance
        );
        ensure!(
            before <= record.received_at && record.received_at <= after,
            "received_at is the moment of storing"
        );
        let due = app
            .store
            .callback_due(record.id)
            .await?
            .ok_or("no callback entry")?;
        ensure!(
            due == intake_core::calendar::first_contact_due(record.received_at),
            "the callback is due 5 working days on"
        );
    }
    ensure!(registrations(&app).await? == 3, "three registrations");
    app.finish().await;
    Ok(())
}

/// Every field's refusals: (field, input, the error it must give).
fn invalid_values() -> Vec<(&'static str, &'static str, FieldError)> {
    use FieldError::*;
    vec![
        ("hetu", "", HetuOrNoHetu),
        ("hetu", "131052-308A", HetuCheck),
        ("hetu", "310252-308T", HetuDate),
        ("hetu", "131052G308T", HetuCenturySign { sign: 'G' }),
        ("hetu", "13105-308T", HetuFormat),
        ("hetu", "010594Y9032", HetuTemporary),
        ("hetu", "811228-9874", HetuSwedishPersonnummer),
        ("surname", "", Required),
        (
            "surname",
            &*Box::leak("x".repeat(101).into_boxed_str()),
            TooLong { max: 100 },
        ),
        ("first_names", "   ", Required),
        ("street_address", "Kauppakatu\u{7}1", ControlCharacter),
        ("postal_code", "6510", PostalCodeFormat),
        ("phone", "", Required),
        ("phone", "soita minulle", PhoneCharacters),
        ("phone", "040 12", PhoneTooShort),
        ("phone", "+358 40 1234 5678 9012", PhoneTooLong),
        ("email", "matti@", EmailFormat),
        ("service_language", "", ChoiceMissing),
        ("service_language", "de", NotAnOption),
        ("situation", "retired", NotAnOption),
        ("situation_since", "eilen", DateFormat),
        ("situation_since", "31.2.2020", DateImpossible),
        ("call_time", "evening", NotAnOption),
        ("contact_consent", "", ConsentMissing),
    ]
}

async fn every_invalid_value_gets_its_message(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let lang = Lang::Sv;
    for (field, input, expected) in invalid_values() {
        let mut fields = valid_fields(&app.form_token("sv").await);
        for (id, value) in fields.iter_mut() {
            if *id == field {
                *value = input.to_string();
            }
        }
        let (status, page) = app.post("/sv", &borrowed(&fields)).await;
        ensure!(
            status == StatusCode::UNPROCESSABLE_ENTITY,
            "{field}={input:?}: status {status}"
        );
        let message = html_escaped(&expected.message(lang));
        ensure!(
            page.contains(&message),
            "{field}={input:?}: no message {message:?}"
        );
        let anchor = match field {
            "service_language" | "situation" => format!("href=\"#{field}-"),
            "call_time" => "href=\"#call_time-morning\"".into(),
            _ => format!("href=\"#{field}\""),
        };
        ensure!(
            page.contains(&anchor),
            "{field}: the error summary links to the field"
        );
        ensure!(
            page.contains("class=\"error-summary\""),
            "{field}: error summary"
        );
        // The other answers come back as they were typed.
        ensure!(
            page.contains("value=\"Kauppakatu 12 B 4\"") || field == "street_address",
            "{field}: the street address was kept"
        );
        ensure!(
            page.contains("value=\"040-1234567\"") || field == "phone",
            "{field}: the phone was kept"
        );
        ensure!(
            page.contains("value=\"laid_off\" checked") || field == "situation",
            "{field}: the chosen situation was kept"
        );
    }
    // The office is not a field of the definition, but it is checked too.
    let mut fields = valid_fields(&app.form_token("sv").await);
    fields.retain(|(id, _)| *id != "office");
    let (status, page) = app.post("/sv", &borrowed(&fields)).await;
    ensure!(
        status == StatusCode::UNPROCESSABLE_ENTITY,
        "office: {status}"
    );
    ensure!(
        page.contains("Välj ett serviceställe i listan."),
        "office message"
    );
    ensure!(
        registrations(&app).await? == 0,
        "nothing invalid was stored"
    );
    app.finish().await;
    Ok(())
}

async fn honeypot_is_refused(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let mut fields = valid_fields(&app.form_token("en").await);
    fields.push(("website", "http://spam.example".into()));
    fields.retain(|(id, v)| *id != "website" || !v.is_empty());
    let (status, page) = app.post("/en", &borrowed(&fields)).await;
    ensure!(status == StatusCode::BAD_REQUEST, "status {status}");
    ensure!(
        page.contains("filled in automatically"),
        "the page says why"
    );
    ensure!(registrations(&app).await? == 0, "nothing stored");
    app.finish().await;
    Ok(())
}

async fn expired_token_keeps_the_answers(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let tokens = intake_service::web::abuse::FormTokens::new(
        common::SECRET.as_bytes(),
        app.config.limits.form_token_ttl(),
    );
    let old = time::OffsetDateTime::now_utc() - time::Duration::hours(4);
    let fields = valid_fields(&tokens.issue_at(intake_core::form::WEB_FORM_ID, old));
    let (status, page) = app.post("/fi", &borrowed(&fields)).await;
    ensure!(
        status == StatusCode::UNPROCESSABLE_ENTITY,
        "status {status}"
    );
    ensure!(
        page.contains("Lomake oli auki liian kauan"),
        "the page says the form expired"
    );
    ensure!(page.contains("value=\"Kauppakatu 12 B 4\""), "answers kept");
    ensure!(registrations(&app).await? == 0, "nothing stored");
    // The page carries a fresh token: sending it again works.
    let token = intake_devtools::synthetic::form_token(&page).ok_or("no fresh token")?;
    let (status, _) = app.post("/fi", &borrowed(&valid_fields(&token))).await;
    ensure!(status == StatusCode::OK, "resubmission: {status}");
    app.finish().await;
    Ok(())
}

async fn forged_token_is_refused(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let forged = intake_service::web::abuse::FormTokens::new(
        b"another secret",
        std::time::Duration::from_secs(600),
    )
    .issue(intake_core::form::WEB_FORM_ID);
    for token in [forged.as_str(), "", "1.2.3"] {
        let (status, page) = app.post("/en", &borrowed(&valid_fields(token))).await;
        ensure!(
            status == StatusCode::BAD_REQUEST,
            "{token:?}: status {status}"
        );
        ensure!(
            page.contains("could not be verified"),
            "{token:?}: the page says why"
        );
    }
    ensure!(registrations(&app).await? == 0, "nothing stored");
    app.finish().await;
    Ok(())
}

async fn client_rate_limit_refuses(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |c| {
        c.limits.per_ip_hour = 3;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    for i in 0..3 {
        let (status, _) = submit_valid_from(&app, "en", Some("192.0.2.10")).await;
        ensure!(status == StatusCode::OK, "submission {i}: {status}");
    }
    let (status, page) = submit_valid_from(&app, "en", Some("192.0.2.10")).await;
    ensure!(
        status == StatusCode::TOO_MANY_REQUESTS,
        "the fourth: {status}"
    );
    ensure!(page.contains("Too many registrations"), "the page says why");
    // Another client is not affected.
    let (status, _) = submit_valid_from(&app, "en", Some("192.0.2.11")).await;
    ensure!(status == StatusCode::OK, "another client: {status}");
    ensure!(registrations(&app).await? == 4, "four stored");
    app.finish().await;
    Ok(())
}

async fn global_daily_cap_refuses(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |c| {
        c.limits.global_day = 2;
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()];
    })
    .await;
    for (i, address) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"]
        .into_iter()
        .enumerate()
    {
        let (status, page) = submit_valid_from(&app, "sv", Some(address)).await;
        if i < 2 {
            ensure!(status == StatusCode::OK, "submission {i}: {status}");
        } else {
            ensure!(
                status == StatusCode::TOO_MANY_REQUESTS,
                "over the cap: {status}"
            );
            ensure!(
                page.contains("Tjänsten är full för i dag"),
                "the page says why"
            );
        }
    }
    ensure!(registrations(&app).await? == 2, "two stored");
    app.finish().await;
    Ok(())
}

async fn oversized_body_is_refused(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |c| c.limits.body_bytes = 4096).await;
    let mut fields = valid_fields(&app.form_token("en").await);
    fields.push(("padding", "x".repeat(10_000)));
    let (status, page) = app.post("/en", &borrowed(&fields)).await;
    ensure!(status == StatusCode::PAYLOAD_TOO_LARGE, "status {status}");
    ensure!(page.contains("The form was too large"), "the page says why");
    ensure!(registrations(&app).await? == 0, "nothing stored");
    app.finish().await;
    Ok(())
}

async fn double_submit_makes_one_record(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let fields = valid_fields(&app.form_token("en").await);
    let (first_status, first) = app.post("/en", &borrowed(&fields)).await;
    let (second_status, second) = app.post("/en", &borrowed(&fields)).await;
    ensure!(
        first_status == StatusCode::OK && second_status == StatusCode::OK,
        "both answered"
    );
    ensure!(
        reference(&first) == reference(&second),
        "the same reference"
    );
    ensure!(
        second.contains("You had already sent this form"),
        "the second says so"
    );
    ensure!(registrations(&app).await? == 1, "one record");
    app.finish().await;
    Ok(())
}

async fn concurrent_double_submit_makes_one_record(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let body = serde_urlencoded::to_string(borrowed(&valid_fields(&app.form_token("fi").await)))?;
    // Six clicks in flight at once, as from an impatient double-clicker.
    let mut clicks = tokio::task::JoinSet::new();
    for _ in 0..6 {
        let request = app
            .client
            .post(format!("{}/fi", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body.clone());
        clicks.spawn(async move {
            let response = request.send().await?;
            Ok::<_, reqwest::Error>((response.status(), response.text().await?))
        });
    }
    let answers: Vec<(StatusCode, String)> = clicks
        .join_all()
        .await
        .into_iter()
        .collect::<Result<_, _>>()?;
    let references: std::collections::HashSet<_> =
        answers.iter().map(|(_, page)| reference(page)).collect();
    ensure!(
        answers.iter().all(|(status, _)| *status == StatusCode::OK),
        "every click got a receipt"
    );
    ensure!(references.len() == 1, "one reference: {references:?}");
    ensure!(registrations(&app).await? == 1, "one record");
    app.finish().await;
    Ok(())
}

async fn status_page_and_withdrawal(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let (_, receipt) = submit_valid(&app, "en").await;
    let path = common::status_path(&receipt).ok_or("no status link")?;
    let (status, page) = app.get(&path).await;
    ensure!(status == StatusCode::OK, "status page: {status}");
    ensure!(
        page.contains("Waiting for a caseworker"),
        "the status is shown"
    );
    ensure!(
        page.contains(&reference(&receipt).unwrap_or_default()),
        "the reference is shown"
    );
    let token = intake_devtools::synthetic::form_token(&page).ok_or("no withdraw token")?;

    let (status, _) = app
        .post(&format!("{path}/withdraw"), &[("form_token", "forged")])
        .await;
    ensure!(
        status == StatusCode::BAD_REQUEST,
        "a forged withdrawal: {status}"
    );
    let (status, page) = app
        .post(&format!("{path}/withdraw"), &[("form_token", &token)])
        .await;
    ensure!(status == StatusCode::OK, "withdrawal: {status}");
    ensure!(
        page.contains("Your registration has been withdrawn."),
        "confirmed"
    );
    ensure!(
        !page.contains("Withdraw registration</button>"),
        "no second withdraw button"
    );
    let record = stored(&app, &receipt).await?;
    ensure!(
        record.status == RegistrationStatus::Withdrawn,
        "withdrawn in the database"
    );

    let (status, _) = app.get("/en/status/not-a-real-token").await;
    ensure!(status == StatusCode::NOT_FOUND, "an unknown link: {status}");
    app.finish().await;
    Ok(())
}

async fn unavailable_database_refuses(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let fields = valid_fields(&app.form_token("en").await);
    // The limiter's state lives in the database: without it, refuse.
    app.store.close().await;
    let (status, page) = app.post("/en", &borrowed(&fields)).await;
    ensure!(status == StatusCode::SERVICE_UNAVAILABLE, "status {status}");
    ensure!(page.contains("Nothing was saved"), "the page says so");
    app.finish().await;
    Ok(())
}

async fn json_api_needs_its_token(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let (_, receipt) = submit_valid(&app, "sv").await;
    let record = stored(&app, &receipt).await?;
    let url = format!("{}/api/registrations/{}", app.base, record.id);

    let anonymous = api_get(&app, &url, None).await?;
    ensure!(
        anonymous.status() == StatusCode::UNAUTHORIZED,
        "no token: {}",
        anonymous.status()
    );
    let wrong = api_get(&app, &url, Some("nope")).await?;
    ensure!(
        wrong.status() == StatusCode::UNAUTHORIZED,
        "a wrong token: {}",
        wrong.status()
    );
    let response = api_get(&app, &url, Some(common::API_TOKEN)).await?;
    ensure!(
        response.status() == StatusCode::OK,
        "status {}",
        response.status()
    );
    let json: serde_json::Value = serde_json::from_str(&response.text().await?)?;
    ensure!(
        json["reference"] == record.reference.as_str(),
        "reference in JSON"
    );
    ensure!(
        json["channel"] == "web" && json["office"] == "vaasa",
        "channel and office"
    );
    ensure!(json["identity_verified"] == false, "identity_verified");
    ensure!(
        json["fields"]["hetu"]["value"] == "131052-308T",
        "hetu value"
    );
    ensure!(
        json["fields"]["hetu"]["status"] == "accepted",
        "hetu status"
    );
    ensure!(
        json["fields"]["contact_consent"]["value"] == true,
        "consent is a boolean"
    );
    ensure!(json["provenance"]["channel"] == "web", "provenance");
    ensure!(
        json["received_at"]
            .as_str()
            .is_some_and(|s| s.ends_with('Z')),
        "received_at"
    );

    let missing = format!("{}/api/registrations/{}", app.base, uuid::Uuid::new_v4());
    let response = api_get(&app, &missing, Some(common::API_TOKEN)).await?;
    ensure!(
        response.status() == StatusCode::NOT_FOUND,
        "unknown id: {}",
        response.status()
    );
    app.finish().await;

    let closed = TestApp::spawn_with(&backend, |c| c.api_token = Default::default()).await;
    let url = format!("{}/api/registrations/{}", closed.base, uuid::Uuid::new_v4());
    let response = api_get(&closed, &url, Some("")).await?;
    ensure!(
        response.status() == StatusCode::FORBIDDEN,
        "closed API: {}",
        response.status()
    );
    closed.finish().await;
    Ok(())
}

async fn language_follows_link_and_header(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    for (header, expected) in [
        (Some("sv-FI,sv;q=0.9"), "sv"),
        (Some("en-GB,en;q=0.9,fi;q=0.5"), "en"),
        (Some("de-DE"), "fi"),
        (None, "fi"),
    ] {
        let mut request = app.client.get(format!("{}/", app.base));
        if let Some(header) = header {
            request = request.header("accept-language", header);
        }
        let page = request.send().await?.text().await?;
        ensure!(
            page.contains(&format!("<html lang=\"{expected}\"")),
            "{header:?} gives {expected}"
        );
    }
    let (_, page) = app.get("/en").await;
    ensure!(
        page.contains("href=\"/sv\" hreflang=\"sv\""),
        "links to the other languages"
    );
    let (status, _) = app.get("/de").await;
    ensure!(
        status == StatusCode::NOT_FOUND,
        "an unknown language: {status}"
    );
    app.finish().await;
    Ok(())
}

/// Every language's form links to the printable paper form (a plain link:
/// no script), and each download is a sheet with a serial of its own.
async fn the_paper_form_has_a_fresh_serial_each_download(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let link = r#"<a href="/paper-form.pdf" id="paper-form" download>"#;
    for (lang, text) in [
        ("sv", "Skriv ut pappersblanketten"),
        ("fi", "Tulosta paperilomake"),
        ("en", "Print the paper form"),
    ] {
        let (status, page) = app.get(&format!("/{lang}")).await;
        ensure!(status == StatusCode::OK, "{lang}: {status}");
        ensure!(
            page.contains(&format!("{link}{text}")),
            "{lang}: the form links to the paper form"
        );
    }
    let mut serials = Vec::new();
    for _ in 0..2 {
        let response = app
            .client
            .get(format!("{}/paper-form.pdf", app.base))
            .send()
            .await?;
        ensure!(response.status() == StatusCode::OK, "{}", response.status());
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string()
        };
        ensure!(header("content-type") == "application/pdf", "a PDF");
        ensure!(header("cache-control") == "no-store", "never cached");
        let disposition = header("content-disposition");
        let serial = disposition
            .strip_prefix("attachment; filename=\"jobseeker-start-")
            .and_then(|rest| rest.strip_suffix(".pdf\""))
            .ok_or_else(|| format!("the file is named by its serial: {disposition}"))?
            .to_string();
        ensure!(
            intake_paper::printable::serial::is_serial(&serial),
            "{serial} is a serial"
        );
        let pdf = response.bytes().await?;
        let document = lopdf::Document::load_mem(&pdf)?;
        ensure!(!document.get_pages().is_empty(), "the form's pages");
        let named = format!("({serial})");
        ensure!(
            pdf.windows(named.len()).any(|w| w == named.as_bytes()),
            "the PDF carries the serial {serial}"
        );
        serials.push(serial);
    }
    ensure!(
        serials[0] != serials[1],
        "two downloads, two serials: {serials:?}"
    );
    app.finish().await;
    Ok(())
}

/// A valid form with a fresh token but this postal code and post office.
async fn with_place(
    app: &TestApp,
    lang: &str,
    code: &str,
    office: &str,
) -> Vec<(&'static str, String)> {
    let mut fields = valid_fields(&app.form_token(lang).await);
    for (id, value) in fields.iter_mut() {
        match *id {
            "postal_code" => *value = code.to_string(),
            "post_office" => *value = office.to_string(),
            _ => {}
        }
    }
    fields
}

async fn a_postal_code_of_another_office_warns_in_each_language(
    backend: Backend,
) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    for (lang, warning, confirm) in [
        (
            "sv",
            "65100 är VASA; du skrev Närpes.",
            "Jag har kontrollerat: skicka som jag skrev",
        ),
        (
            "fi",
            "65100 on VAASA; kirjoitit Närpes.",
            "Tarkistin: lähetä niin kuin kirjoitin",
        ),
        (
            "en",
            "65100 is VAASA; you wrote Närpes.",
            "I checked: send as I wrote it",
        ),
    ] {
        let fields = with_place(&app, lang, "65100", "Närpes").await;
        let (status, page) = app.post(&format!("/{lang}"), &borrowed(&fields)).await;
        ensure!(
            status == StatusCode::UNPROCESSABLE_ENTITY,
            "{lang}: status {status}"
        );
        let warning = html_escaped(warning);
        ensure!(
            page.contains(&format!(
                "<p class=\"warning-message\" id=\"postal_code-warning\">{warning}</p>"
            )),
            "{lang}: the warning stands by the postal code"
        );
        ensure!(
            page.contains(&format!(
                "<p class=\"warning-message\" id=\"post_office-warning\">{warning}</p>"
            )),
            "{lang}: and by the post office"
        );
        ensure!(
            page.contains("aria-describedby=\"postal_code-hint postal_code-warning\""),
            "{lang}: the postal code input is described by the warning"
        );
        ensure!(
            page.contains("aria-describedby=\"post_office-warning\""),
            "{lang}: the post office input is described by the warning"
        );
        ensure!(
            page.contains("class=\"error-summary\"") && page.contains("href=\"#postal_code\""),
            "{lang}: the summary links to the postal code"
        );
        ensure!(
            page.contains(&html_escaped(confirm))
                && page.contains("name=\"postal_confirmed\" value=\"yes\""),
            "{lang}: the box to send as written"
        );
        ensure!(
            page.contains("value=\"Närpes\"") && page.contains("value=\"65100\""),
            "{lang}: the answers are kept as written"
        );
        ensure!(
            page.contains("value=\"Kauppakatu 12 B 4\""),
            "{lang}: the other answers are kept"
        );
        ensure!(
            registrations(&app).await? == 0,
            "{lang}: nothing stored yet"
        );
    }
    // The person confirms what they wrote: it goes through as written.
    let mut before = 0;
    for lang in ["sv", "fi", "en"] {
        let mut fields = with_place(&app, lang, "65100", "Närpes").await;
        fields.push(("postal_confirmed", "yes".into()));
        let (status, page) = app.post(&format!("/{lang}"), &borrowed(&fields)).await;
        ensure!(status == StatusCode::OK, "{lang}: confirmed: {status}");
        let record = stored(&app, &page).await?;
        ensure!(
            record.text("postal_code") == Some("65100")
                && record.text("post_office") == Some("Närpes"),
            "{lang}: stored as written"
        );
        // Kept as the person's word, with the table's doubt beside it for
        // the caseworker who calls.
        for field in ["postal_code", "post_office"] {
            let reading = &record.fields[field];
            ensure!(
                reading.status == FieldStatus::Accepted
                    && reading.reasons == [ReviewReason::PostalMismatch],
                "{lang}: {field} is marked as sent as written: {reading:?}"
            );
        }
        ensure!(
            record.fields["post_office"]
                .candidates
                .contains(&"VAASA".to_string()),
            "{lang}: the table's post office is kept"
        );
        before += 1;
        ensure!(
            registrations(&app).await? == before,
            "{lang}: one more stored"
        );
    }
    // Another field fails too: the warning is still said, and a ticked box
    // stays ticked, so fixing the other field is all that is left to do.
    let mut fields = with_place(&app, "en", "65100", "Närpes").await;
    fields.retain(|(id, _)| *id != "surname");
    let (status, page) = app.post("/en", &borrowed(&fields)).await;
    ensure!(
        status == StatusCode::UNPROCESSABLE_ENTITY,
        "missing surname: {status}"
    );
    ensure!(
        page.contains(&html_escaped("65100 is VAASA; you wrote Närpes.")),
        "the postal warning comes with the other error"
    );
    fields.push(("postal_confirmed", "yes".into()));
    let (_, page) = app.post("/en", &borrowed(&fields)).await;
    ensure!(
        page.contains("name=\"postal_confirmed\" value=\"yes\" aria-describedby=\"post_office-warning\" checked"),
        "the tick is kept"
    );
    // A code that is the office's needs no confirming.
    let fields = with_place(&app, "sv", "64200", "Närpes").await;
    let (status, page) = app.post("/sv", &borrowed(&fields)).await;
    ensure!(status == StatusCode::OK, "agreeing: {status}");
    ensure!(
        !page.contains("warning-message"),
        "no warning when they agree"
    );
    app.finish().await;
    Ok(())
}

async fn a_postal_code_that_does_not_exist_warns(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let fields = with_place(&app, "fi", "65009", "Vaasa").await;
    let (status, page) = app.post("/fi", &borrowed(&fields)).await;
    ensure!(
        status == StatusCode::UNPROCESSABLE_ENTITY,
        "status {status}"
    );
    ensure!(
        page.contains("Postinumeroa 65009 ei ole olemassa."),
        "the page says there is no such code"
    );
    ensure!(registrations(&app).await? == 0, "nothing stored");
    // The box ticked on a fresh form sends it as written.
    let mut fields = with_place(&app, "fi", "65009", "Vaasa").await;
    fields.push(("postal_confirmed", "yes".into()));
    let (status, page) = app.post("/fi", &borrowed(&fields)).await;
    ensure!(status == StatusCode::OK, "confirmed: {status}");
    let record = stored(&app, &page).await?;
    ensure!(
        record.text("postal_code") == Some("65009"),
        "stored as written"
    );
    ensure!(
        record.fields["postal_code"].reasons == [ReviewReason::PostalCodeUnknown],
        "marked as a code the table does not know"
    );
    app.finish().await;
    Ok(())
}

/// The valid form without an identity code: the box ticked, a date of
/// birth and a citizenship instead, and another language named.
fn fields_without_code(token: &str) -> Vec<(&'static str, String)> {
    let mut fields = valid_fields(token);
    fields.retain(|(id, _)| !["hetu", "service_language"].contains(id));
    for (id, value) in [
        ("no_hetu", "yes"),
        ("birth_date", "6.4.1990"),
        ("citizenship", "UA"),
        ("service_language", "other"),
        ("other_language", "ukraina"),
    ] {
        fields.push((id, value.to_string()));
    }
    fields
}

async fn a_person_without_an_identity_code_registers(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    // One page: the box in its own group, the fields it reveals inside it,
    // hidden by the style sheet alone until it is ticked.
    let (_, form) = app.get("/sv").await;
    ensure!(
        form.contains("<fieldset class=\"field reveal reveal-group\" id=\"no_hetu-group\">"),
        "the group is a fieldset"
    );
    ensure!(
        form.contains("<legend>Om du inte har en finsk personbeteckning</legend>"),
        "with its legend"
    );
    ensure!(
        form.contains("name=\"no_hetu\" value=\"yes\" data-reveals"),
        "the box reveals"
    );
    let group = form
        .split("id=\"no_hetu-group\"")
        .nth(1)
        .and_then(|rest| rest.split("</fieldset>").next())
        .ok_or("no group")?;
    for id in ["birth_date", "citizenship"] {
        ensure!(
            group.contains(&format!("<label for=\"{id}\">")),
            "{id} is labelled inside the group"
        );
    }
    ensure!(
        group.contains("<option value=\"UA\">Ukraina</option>"),
        "countries by their Swedish names"
    );
    ensure!(
        !form.contains("<script"),
        "no script: the style sheet reveals the fields"
    );
    let (_, style) = app.get("/static/style.css").await;
    ensure!(
        style.contains(".reveal:has([data-reveals]:not(:checked)) .revealed { display: none; }"),
        "the style sheet hides what is not asked"
    );
    ensure!(
        form.contains("value=\"other\" data-reveals"),
        "another language reveals its field"
    );

    let fields = fields_without_code(&app.form_token("en").await);
    let (status, page) = app.post("/en", &borrowed(&fields)).await;
    ensure!(status == StatusCode::OK, "status {status}");
    let record = stored(&app, &page).await?;
    ensure!(record.form_version == 2, "form version 2");
    ensure!(record.text("hetu").is_none(), "no identity code");
    ensure!(
        record.fields["no_hetu"].value == Some(Value::Bool(true)),
        "the box is kept"
    );
    ensure!(
        record.text("birth_date") == Some("1990-04-06"),
        "birth date {:?}",
        record.text("birth_date")
    );
    ensure!(record.text("citizenship") == Some("UA"), "citizenship");
    ensure!(
        record.text("other_language") == Some("ukraina"),
        "the language needed"
    );
    ensure!(
        record.status == RegistrationStatus::AwaitingCall,
        "in the queue"
    );
    app.finish().await;
    Ok(())
}

async fn a_missing_birth_date_is_refused_in_each_language(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    for lang in Lang::ALL {
        let mut fields = fields_without_code(&app.form_token(lang.code()).await);
        fields.retain(|(id, _)| *id != "birth_date");
        let (status, page) = app
            .post(&format!("/{}", lang.code()), &borrowed(&fields))
            .await;
        ensure!(
            status == StatusCode::UNPROCESSABLE_ENTITY,
            "{lang:?}: status {status}"
        );
        let message = html_escaped(&FieldError::BirthDateMissing.message(lang));
        ensure!(page.contains(&message), "{lang:?}: no message {message:?}");
        ensure!(
            page.contains("href=\"#birth_date\""),
            "{lang:?}: the summary links to the date of birth"
        );
        ensure!(
            page.contains("id=\"birth_date\" name=\"birth_date\" type=\"text\" value=\"\"")
                && page.contains(
                    "aria-describedby=\"birth_date-hint birth_date-error\" aria-invalid=\"true\""
                ),
            "{lang:?}: the field is marked and described by its error"
        );
        // Every answer comes back: the box still ticked, the country chosen.
        ensure!(
            page.contains("value=\"yes\" data-reveals checked"),
            "{lang:?}: the box stays ticked"
        );
        ensure!(
            page.contains("<option value=\"UA\" selected>"),
            "{lang:?}: the citizenship stays chosen"
        );
        ensure!(
            page.contains("value=\"ukraina\""),
            "{lang:?}: the language stays written"
        );
    }
    // No code and no box: the identity code is asked for, with the way out.
    let mut fields = fields_without_code(&app.form_token("fi").await);
    fields.retain(|(id, _)| *id != "no_hetu");
    let (status, page) = app.post("/fi", &borrowed(&fields)).await;
    ensure!(
        status == StatusCode::UNPROCESSABLE_ENTITY,
        "status {status}"
    );
    ensure!(
        page.contains(&html_escaped(&FieldError::HetuOrNoHetu.message(Lang::Fi))),
        "the identity code's message says what to do without one"
    );
    // Another language without saying which.
    let mut fields = fields_without_code(&app.form_token("en").await);
    fields.retain(|(id, _)| *id != "other_language");
    let (_, page) = app.post("/en", &borrowed(&fields)).await;
    ensure!(
        page.contains(&html_escaped(
            &FieldError::OtherLanguageMissing.message(Lang::En)
        )),
        "which language is asked for"
    );
    ensure!(registrations(&app).await? == 0, "nothing was stored");
    app.finish().await;
    Ok(())
}

async fn a_birth_date_that_is_not_the_codes_is_refused(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let with_birth_date = |token: String, born: &str| {
        let mut fields = valid_fields(&token);
        fields.push(("no_hetu", "yes".into()));
        fields.push(("birth_date", born.into()));
        fields
    };
    for lang in Lang::ALL {
        let fields = with_birth_date(app.form_token(lang.code()).await, "14.10.1952");
        let (status, page) = app
            .post(&format!("/{}", lang.code()), &borrowed(&fields))
            .await;
        ensure!(
            status == StatusCode::UNPROCESSABLE_ENTITY,
            "{lang:?}: status {status}"
        );
        let message = html_escaped(&FieldError::BirthDateMismatch.message(lang));
        ensure!(page.contains(&message), "{lang:?}: no message {message:?}");
        ensure!(
            page.contains("href=\"#birth_date\""),
            "{lang:?}: linked from the summary"
        );
        ensure!(
            page.contains("value=\"131052-308t\"") && page.contains("value=\"14.10.1952\""),
            "{lang:?}: both answers kept as typed"
        );
    }
    ensure!(registrations(&app).await? == 0, "nothing stored");
    // Both given and agreeing: the code wins, and is stored.
    let fields = with_birth_date(app.form_token("sv").await, "13.10.1952");
    let (status, page) = app.post("/sv", &borrowed(&fields)).await;
    ensure!(status == StatusCode::OK, "agreeing: status {status}");
    let record = stored(&app, &page).await?;
    ensure!(
        record.text("hetu") == Some("131052-308T"),
        "the code is kept"
    );
    app.finish().await;
    Ok(())
}

async fn the_intro_comes_in_plain_language(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let (_, standard) = app.get("/en").await;
    ensure!(
        standard.contains(
            "href=\"/en?intro=plain-fi#intro\" lang=\"fi\" hreflang=\"fi\">Selkosuomeksi</a>"
        ),
        "a link to plain Finnish"
    );
    ensure!(
        standard.contains(">På lättläst svenska</a>"),
        "a link to plain Swedish"
    );
    let (status, plain) = app.get("/en?intro=plain-fi").await;
    ensure!(status == StatusCode::OK, "status {status}");
    ensure!(
        plain.contains("<p class=\"lead\" id=\"intro\" lang=\"fi\">Kirjoita tietosi lomakkeeseen."),
        "the plain Finnish intro, marked as Finnish on an English page"
    );
    ensure!(
        plain.contains("action=\"/en?intro=plain-fi\""),
        "a refused form keeps the plain intro"
    );
    let (_, plain_sv) = app.get("/sv?intro=plain-sv").await;
    ensure!(
        plain_sv.contains("<p class=\"lead\" id=\"intro\">Skriv dina uppgifter på blanketten."),
        "plain Swedish on the Swedish page"
    );
    ensure!(
        plain_sv.contains(">Samma på standardsvenska</a>"),
        "and the way back"
    );
    app.finish().await;
    Ok(())
}
