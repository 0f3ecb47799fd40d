//! The staff side driven through the real router, every case on SQLite and
//! on PostgreSQL: roles on every staff route, sessions, sign-in throttles,
//! accounts over their life, the
//! callback queue (claims, attempts, the letter rule, due dates), duplicates
//! across channels, the audit log, export and the dashboard.

mod common;

use std::collections::HashMap;

use common::page::{Browser, PASSWORD, add_user, between, client, page, sign_in_attempt};
use common::{Backend, Case, TestApp};
use intake_core::form::{Channel, FormDefinition};
use intake_core::record::normalise::normalise_submission;
use intake_core::record::{
    FieldStatus, Provenance, Reference, Registration, RegistrationStatus, ReviewReason,
};
use intake_service::accounts::Role;
use intake_service::callbacks::CallOutcome;
use intake_service::callbacks::schedule::finnish_moment;
use intake_service::store::NewRegistration;
use intake_service::store::callbacks::{AttemptLogged, Claim, NewCallAttempt, QueueFilter};
use intake_service::store::sign_in_throttle::SignInKeys;
use intake_service::web::staff::{Access, routes};
use libtest_mimic::Failed;
use reqwest::StatusCode;
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};

fn main() {
    let cases: &[(&str, Case)] = &[
        ("every_staff_route_refuses_the_wrong_people", |b| {
            Box::pin(every_staff_route_refuses_the_wrong_people(b))
        }),
        (
            "a_proxy_on_this_machine_not_named_trusted_gets_secure_cookies",
            |b| Box::pin(a_proxy_on_this_machine_not_named_trusted_gets_secure_cookies(b)),
        ),
        ("sign_in_sets_a_safe_cookie_and_sign_out_ends_it", |b| {
            Box::pin(sign_in_sets_a_safe_cookie_and_sign_out_ends_it(b))
        }),
        ("sign_in_gives_nothing_away", |b| {
            Box::pin(sign_in_gives_nothing_away(b))
        }),
        ("sign_in_throttles_count_apart", |b| {
            Box::pin(sign_in_throttles_count_apart(b))
        }),
        ("accounts_over_their_whole_life", |b| {
            Box::pin(accounts_over_their_whole_life(b))
        }),
        ("an_idle_session_ends", |b| {
            Box::pin(an_idle_session_ends(b))
        }),
        ("two_concurrent_claims_one_wins", |b| {
            Box::pin(two_concurrent_claims_one_wins(b))
        }),
        ("three_unreached_calls_send_a_letter", |b| {
            Box::pin(three_unreached_calls_send_a_letter(b))
        }),
        ("a_reached_call_confirms_identity_and_closes", |b| {
            Box::pin(a_reached_call_confirms_identity_and_closes(b))
        }),
        ("other_outcomes_do_what_they_say", |b| {
            Box::pin(other_outcomes_do_what_they_say(b))
        }),
        ("due_dates_skip_a_holiday_weekend", |b| {
            Box::pin(due_dates_skip_a_holiday_weekend(b))
        }),
        ("duplicates_across_channels_are_one_registration", |b| {
            Box::pin(duplicates_across_channels_are_one_registration(b))
        }),
        ("queue_filters_and_search", |b| {
            Box::pin(queue_filters_and_search(b))
        }),
        ("the_queue_shows_and_filters_by_the_other_language", |b| {
            Box::pin(the_queue_shows_and_filters_by_the_other_language(b))
        }),
        ("queue_filters_give_the_rows_of_reading_every_entry", |b| {
            Box::pin(queue_filters_give_the_rows_of_reading_every_entry(b))
        }),
        (
            "a_person_without_an_identity_code_is_matched_by_birth_date",
            |b| {
                Box::pin(a_person_without_an_identity_code_is_matched_by_birth_date(
                    b,
                ))
            },
        ),
        ("audit_log_records_views_and_changes", |b| {
            Box::pin(audit_log_records_views_and_changes(b))
        }),
        ("export_and_dashboard", |b| {
            Box::pin(export_and_dashboard(b))
        }),
        ("user_add_command_makes_an_account", |b| {
            Box::pin(user_add_command_makes_an_account(b))
        }),
        ("a_backup_restores_every_registration", |b| {
            Box::pin(a_backup_restores_every_registration(b))
        }),
    ];
    common::run_on_both_backends(cases)
}

// ---------------------------------------------------------------- helpers

/// Someone to register: a valid identity code, a name, a phone.
#[derive(Clone)]
struct Person {
    hetu: String,
    surname: String,
    first_names: String,
    phone: String,
    office: &'static str,
    language: &'static str,
    /// Written for "another language" (form v2).
    other_language: Option<&'static str>,
    /// Form v2 without an identity code: the date of birth typed instead.
    born: Option<&'static str>,
    call_time: &'static str,
}

fn person(surname: &str, phone: &str) -> Person {
    Person {
        hetu: intake_devtools::synthetic::hetu(&mut rand::rng()),
        surname: surname.into(),
        first_names: "Matti Juhani".into(),
        phone: phone.into(),
        office: "vaasa",
        language: "fi",
        other_language: None,
        born: None,
        call_time: "any",
    }
}

/// Someone without a Finnish identity code, born on `born` (as typed).
fn person_without_code(surname: &str, phone: &str, born: &'static str) -> Person {
    Person {
        hetu: String::new(),
        born: Some(born),
        ..person(surname, phone)
    }
}

impl Person {
    fn inputs(&self) -> Vec<(&'static str, String)> {
        vec![
            ("office", self.office.into()),
            ("hetu", self.hetu.clone()),
            ("surname", self.surname.clone()),
            ("first_names", self.first_names.clone()),
            ("phone", self.phone.clone()),
            ("service_language", self.language.into()),
            ("situation", "unemployed".into()),
            ("call_time", self.call_time.into()),
            ("contact_consent", "yes".into()),
            ("signed", "yes".into()),
            ("website", String::new()),
            ("other_language", self.other_language.unwrap_or("").into()),
            (
                "no_hetu",
                if self.born.is_some() { "yes" } else { "" }.into(),
            ),
            ("birth_date", self.born.unwrap_or("").into()),
            (
                "citizenship",
                if self.born.is_some() { "UA" } else { "" }.into(),
            ),
        ]
    }
}

/// Registers on the web form; returns the stored registration.
async fn register_web(app: &TestApp, who: &Person) -> Result<Registration, Failed> {
    let token = app.form_token("fi").await;
    let mut fields = who.inputs();
    fields.retain(|(k, _)| *k != "signed");
    fields.push(("form_token", token));
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

/// A paper form as the scanning side stores it, received at a moment.
async fn register_paper(
    app: &TestApp,
    who: &Person,
    received_at: OffsetDateTime,
    hetu_unsure: bool,
) -> Result<Registration, Failed> {
    let form = FormDefinition::load_by_id(
        app.config.forms_dir.as_deref(),
        intake_core::form::WEB_FORM_ID,
    )?;
    let inputs: HashMap<String, String> = who
        .inputs()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let mut fields = normalise_submission(&form, Channel::Paper, &inputs)
        .map_err(|e| format!("paper fields: {e:?}"))?;
    if hetu_unsure {
        let hetu = fields.get_mut("hetu").ok_or("no hetu")?;
        hetu.status = FieldStatus::NeedsReview;
        hetu.reasons = vec![ReviewReason::LowConfidence];
    }
    let new = NewRegistration {
        form: form.id().to_string(),
        form_version: form.version(),
        office: who.office.into(),
        fields,
        provenance: Provenance::Paper {
            original_sha256: "ab".repeat(32),
            pages: vec![1, 2],
            serial: None,
        },
        submission_key: None,
    };
    Ok(app.store.register_at(new, received_at).await?)
}

fn registration_path(registration: &Registration) -> String {
    format!("/staff/registrations/{}", registration.id)
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

// ------------------------------------------------------------------ cases

async fn every_staff_route_refuses_the_wrong_people(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let mut members = Vec::new();
    for (name, role) in [
        ("mari", Role::Mailroom),
        ("kaisa", Role::Caseworker),
        ("aino", Role::Admin),
    ] {
        let member = add_user(&app, name, role).await?;
        members.push((role, Browser::sign_in(&app, name).await?, member));
    }
    let registration = register_web(&app, &person("Virtanen", "040 111 2233")).await?;
    let staff_id = members[0].2.id.to_string();
    let anonymous = client();
    let routes = routes();
    ensure!(
        routes.len() >= 15,
        "the route list is whole: {}",
        routes.len()
    );
    // The paper side is walked too: upload, verification, triage.
    for (method, path, access) in [
        ("POST", "/staff/mailroom", Access::Mailroom),
        ("POST", "/staff/verify/{id}", Access::Mailroom),
        ("GET", "/staff/verify/{id}/crop", Access::Mailroom),
        ("POST", "/staff/triage/{id}/convert", Access::Caseworker),
        ("GET", "/staff/triage/{id}/image", Access::Caseworker),
    ] {
        ensure!(
            routes
                .iter()
                .any(|r| r.method.as_str() == method && r.path == path && r.access == access),
            "{method} {path} is in the table"
        );
    }
    for route in routes.iter().filter(|r| r.access != Access::Public) {
        let path = route
            .path
            .replace(
                "{id}",
                &if route.path.starts_with("/staff/admin/staff/") {
                    staff_id.clone()
                } else {
                    registration.id.to_string()
                },
            )
            .replace("{lang}", "en");
        let label = format!("{} {}", route.method, route.path);
        // No session, and a session that does not exist.
        for cookie in ["", "intake_staff=made-up-secret"] {
            let response = anonymous
                .request(route.method.clone(), format!("{}{path}", app.base))
                .header("cookie", cookie)
                .header("content-type", "application/x-www-form-urlencoded")
                .body("")
                .send()
                .await?;
            let refused = page(response).await;
            ensure!(
                refused.status == StatusCode::SEE_OTHER
                    && refused.location.starts_with("/staff/sign-in"),
                "{label} without a session: {} to {}",
                refused.status,
                refused.location
            );
        }
        for (role, browser, _) in &members {
            let allowed = route.access.allows(Some(*role));
            let answer = if route.method == reqwest::Method::GET {
                browser.get(&path).await
            } else {
                // No CSRF token: only the right role gets as far as its check.
                browser.post_raw(&path, String::new()).await
            };
            if !allowed {
                ensure!(
                    answer.status == StatusCode::FORBIDDEN,
                    "{label} as {role}: {} (should be refused)",
                    answer.status
                );
                continue;
            }
            ensure!(
                answer.status != StatusCode::FORBIDDEN
                    && !answer.location.starts_with("/staff/sign-in"),
                "{label} as {role}: {} to {}",
                answer.status,
                answer.location
            );
            if route.method == reqwest::Method::POST {
                ensure!(
                    answer.status == StatusCode::BAD_REQUEST,
                    "{label} as {role} without a CSRF token: {}",
                    answer.status
                );
                let forged = browser.post_raw(&path, "csrf=forged".to_string()).await;
                ensure!(
                    forged.status == StatusCode::BAD_REQUEST,
                    "{label} as {role} with a forged CSRF token: {}",
                    forged.status
                );
            }
        }
    }
    // Every staff page tells search engines and caches nothing new: spot
    // check that a page with personal data is not cached.
    let response = client()
        .get(format!("{}{}", app.base, registration_path(&registration)))
        .header("cookie", &members[1].1.cookie)
        .send()
        .await?;
    ensure!(
        response
            .headers()
            .get("cache-control")
            .is_some_and(|v| v == "no-store"),
        "staff pages are not cached"
    );
    app.finish().await;
    Ok(())
}

/// A reverse proxy on the same machine, left out of `trusted_proxies`:
/// every request comes from loopback, but the browsers are elsewhere, so
/// the cookie is still `Secure`. A browser on this machine, which sends no
/// forwarding header, gets a plain one for development over HTTP.
async fn a_proxy_on_this_machine_not_named_trusted_gets_secure_cookies(
    backend: Backend,
) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let local = sign_in_attempt(&app, "kaisa", PASSWORD, &[]).await?;
    let cookie = local.set_cookie.first().ok_or("no cookie")?;
    ensure!(
        !cookie.contains("Secure"),
        "a browser on this machine: {cookie}"
    );
    for header in [
        ("x-forwarded-for", "198.51.100.7"),
        ("forwarded", "for=198.51.100.7;proto=https"),
    ] {
        let proxied = sign_in_attempt(&app, "kaisa", PASSWORD, &[header]).await?;
        let cookie = proxied.set_cookie.first().ok_or("no cookie")?;
        ensure!(
            cookie.contains("; Secure"),
            "through a proxy ({}): {cookie}",
            header.0
        );
    }
    Ok(())
}

async fn sign_in_sets_a_safe_cookie_and_sign_out_ends_it(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |c| {
        c.trusted_proxies = vec!["127.0.0.0/8".parse().unwrap()]
    })
    .await;
    add_user(&app, "kaisa", Role::Caseworker).await?;

    let wrong = sign_in_attempt(&app, "kaisa", "not the password", &[]).await?;
    ensure!(
        wrong.status == StatusCode::UNAUTHORIZED,
        "wrong password: {}",
        wrong.status
    );
    ensure!(
        wrong.set_cookie.is_empty(),
        "no cookie for a wrong password"
    );
    ensure!(wrong.body.contains("tai salasana on väärin"), "says so");
    let unknown = sign_in_attempt(&app, "nobody", PASSWORD, &[]).await?;
    ensure!(
        unknown.status == StatusCode::UNAUTHORIZED
            && unknown.body.contains("tai salasana on väärin"),
        "an unknown name gets the same answer: {}",
        unknown.status
    );

    let plain = sign_in_attempt(&app, "KAISA ", PASSWORD, &[]).await?;
    let cookie = plain.set_cookie.first().ok_or("no cookie")?;
    ensure!(
        plain.status == StatusCode::SEE_OTHER,
        "signed in: {}",
        plain.status
    );
    ensure!(
        cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
            && cookie.contains("Path=/staff"),
        "cookie flags: {cookie}"
    );
    ensure!(
        !cookie.contains("Secure"),
        "plain HTTP: no Secure flag: {cookie}"
    );
    // A client elsewhere gets a Secure cookie, TLS said or not.
    let remote = sign_in_attempt(
        &app,
        "kaisa",
        PASSWORD,
        &[("x-forwarded-for", "198.51.100.7")],
    )
    .await?;
    let cookie = remote.set_cookie.first().ok_or("no cookie")?;
    ensure!(
        cookie.contains("; Secure"),
        "a remote client's cookie is Secure: {cookie}"
    );
    let behind_tls =
        sign_in_attempt(&app, "kaisa", PASSWORD, &[("x-forwarded-proto", "https")]).await?;
    let cookie = behind_tls.set_cookie.first().ok_or("no cookie")?;
    ensure!(
        cookie.contains("; Secure"),
        "over TLS the cookie is Secure: {cookie}"
    );

    // A stale sign-in form is refused.
    let stale = client()
        .post(format!("{}/staff/sign-in", app.base))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(format!(
            "name=kaisa&password={}&form_token=1.2.3",
            PASSWORD.replace(' ', "+")
        ))
        .send()
        .await?;
    ensure!(
        stale.status() == StatusCode::BAD_REQUEST,
        "forged sign-in form: {}",
        stale.status()
    );

    let browser = Browser::sign_in(&app, "kaisa").await?;
    ensure!(
        browser.get("/staff/queue").await.status == StatusCode::OK,
        "queue"
    );
    let out = browser.post("/staff/sign-out", &[]).await;
    ensure!(
        out.status == StatusCode::SEE_OTHER && out.location.contains("signed_out"),
        "sign-out: {} {}",
        out.status,
        out.location
    );
    ensure!(
        out.set_cookie.iter().any(|c| c.contains("Max-Age=0")),
        "the cookie is cleared"
    );
    let after = browser.get("/staff/queue").await;
    ensure!(
        after.status == StatusCode::SEE_OTHER && after.location.starts_with("/staff/sign-in"),
        "the old cookie opens nothing: {} {}",
        after.status,
        after.location
    );

    // The language switch remembers a choice and comes back.
    let again = Browser::sign_in(&app, "kaisa").await?;
    let switch = again.get("/staff/language/sv?back=/staff/queue").await;
    ensure!(
        switch.location == "/staff/queue",
        "back to the page: {}",
        switch.location
    );
    let lang_cookie = switch.set_cookie.first().ok_or("no language cookie")?;
    let swedish = client()
        .get(format!("{}/staff/queue", app.base))
        .header(
            "cookie",
            format!(
                "{}; {}",
                again.cookie,
                lang_cookie.split(';').next().unwrap_or("")
            ),
        )
        .send()
        .await?
        .text()
        .await?;
    ensure!(
        swedish.contains("<html lang=\"sv\"") && swedish.contains("Samtalskö"),
        "the queue in Swedish"
    );
    let outside = again
        .get("/staff/language/fi?back=https://example.com/")
        .await;
    ensure!(
        outside.location == "/staff",
        "no leaving the site: {}",
        outside.location
    );
    app.finish().await;
    Ok(())
}

/// The English refusal every failed sign-in gets.
const SIGN_IN_REFUSED: &str =
    "The user name or the password is wrong, or there have been too many tries.";

async fn sign_in_gives_nothing_away(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let kaisa = add_user(&app, "kaisa", Role::Caseworker).await?;
    add_user(&app, "aino", Role::Admin).await?;
    let english = [("accept-language", "en")];
    // An unknown name and a wrong password: the same answer.
    let unknown = sign_in_attempt(&app, "nobody", PASSWORD, &english).await?;
    let wrong = sign_in_attempt(&app, "kaisa", "wrong password!", &english).await?;
    for (what, answer) in [("unknown name", &unknown), ("wrong password", &wrong)] {
        ensure!(
            answer.status == StatusCode::UNAUTHORIZED && answer.body.contains(SIGN_IN_REFUSED),
            "{what}: {} {}",
            answer.status,
            answer.body
        );
    }
    // The rest of the allowance, then the right password: the same answer
    // again, not "locked".
    let max = app.config.staff.max_failed_sign_ins;
    for _ in 1..max {
        sign_in_attempt(&app, "kaisa", "wrong password!", &english).await?;
    }
    let paused = sign_in_attempt(&app, "kaisa", PASSWORD, &english).await?;
    ensure!(
        paused.status == StatusCode::UNAUTHORIZED
            && paused.body.contains(SIGN_IN_REFUSED)
            && !paused.body.to_lowercase().contains("lock"),
        "a paused name gets the same answer: {}",
        paused.status
    );
    let admin = Browser::sign_in(&app, "aino").await?;
    let list = admin.get("/staff/admin/staff").await;
    ensure!(
        list.body
            .contains(&format!("/staff/admin/staff/{}/unlock", kaisa.id)),
        "the admin sees the pause and can lift it"
    );
    let unlocked = admin
        .post(&format!("/staff/admin/staff/{}/unlock", kaisa.id), &[])
        .await;
    ensure!(
        unlocked.status == StatusCode::SEE_OTHER,
        "unlock: {}",
        unlocked.status
    );
    Browser::sign_in(&app, "kaisa").await?;
    let log = app.store.audit_for_staff(kaisa.id).await?;
    let refused = log.iter().filter(|e| e.action == "sign_in_refused").count();
    ensure!(
        refused == max as usize + 1,
        "every refusal of the account is logged: {refused}"
    );

    // Login CSRF: a form token without the pre-session cookie it was
    // issued beside, or with another browser's, is refused.
    let form = page(
        client()
            .get(format!("{}/staff/sign-in", app.base))
            .send()
            .await?,
    )
    .await;
    let token = intake_devtools::synthetic::form_token(&form.body).ok_or("no token")?;
    let body = serde_urlencoded::to_string([
        ("name", "kaisa"),
        ("password", PASSWORD),
        ("form_token", token.as_str()),
    ])?;
    for cookie in ["", "intake_sign_in=someone-elses"] {
        let forged = client()
            .post(format!("{}/staff/sign-in", app.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", cookie)
            .body(body.clone())
            .send()
            .await?;
        ensure!(
            forged.status() == StatusCode::BAD_REQUEST,
            "a sign-in form without its own cookie ({cookie:?}): {}",
            forged.status()
        );
    }
    ensure!(
        form.set_cookie
            .iter()
            .any(|c| c.starts_with("intake_sign_in=") && c.contains("SameSite=Strict")),
        "the pre-session cookie is not sent cross-site: {:?}",
        form.set_cookie
    );
    app.finish().await;
    Ok(())
}

async fn sign_in_throttles_count_apart(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let settings = app.config.staff.clone();
    let now = OffsetDateTime::now_utc();
    let keys = |name: &str, address: &str| SignInKeys {
        name: name.into(),
        address: address.into(),
    };
    for _ in 0..settings.max_failed_sign_ins {
        app.store
            .count_failed_sign_in(&keys("kaisa", "a1"), None, &settings, now)
            .await?;
    }
    ensure!(
        app.store
            .sign_in_paused(&keys("kaisa", "a1"), &settings, now)
            .await?
            .is_some(),
        "kaisa is paused from the guessing address"
    );
    ensure!(
        app.store
            .sign_in_paused(&keys("kaisa", "a2"), &settings, now)
            .await?
            .is_none(),
        "but not from another one: a stranger cannot keep her out"
    );
    // Many names from one address: the address is paused for all of them.
    for n in 0..settings.max_failed_per_address {
        let name = format!("name{}", n % 3);
        app.store
            .count_failed_sign_in(&keys(&name, "a3"), None, &settings, now)
            .await?;
    }
    ensure!(
        app.store
            .sign_in_paused(&keys("fresh", "a3"), &settings, now)
            .await?
            .is_some(),
        "the guessing address is paused for every name"
    );
    // One name from many addresses: the name's own cap.
    for n in 0..settings.max_failed_per_name {
        app.store
            .count_failed_sign_in(&keys("aino", &format!("b{n}")), None, &settings, now)
            .await?;
    }
    ensure!(
        app.store
            .sign_in_paused(&keys("aino", "b-new"), &settings, now)
            .await?
            .is_some(),
        "a name guessed from everywhere is paused"
    );
    let later = now + settings.lockout() + Duration::seconds(1);
    ensure!(
        app.store
            .sign_in_paused(&keys("kaisa", "a1"), &settings, later)
            .await?
            .is_none(),
        "a pause runs out with its window"
    );
    app.finish().await;
    Ok(())
}

async fn accounts_over_their_whole_life(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let kaisa = add_user(&app, "kaisa", Role::Caseworker).await?;
    let aino = add_user(&app, "aino", Role::Admin).await?;
    let admin = Browser::sign_in(&app, "aino").await?;
    let at_work = Browser::sign_in(&app, "kaisa").await?;
    ensure!(
        at_work.get("/staff/queue").await.status == StatusCode::OK,
        "at work"
    );

    // Disabling ends the open session at its next request.
    let member = format!("/staff/admin/staff/{}", kaisa.id);
    let disabled = admin.post(&format!("{member}/disable"), &[]).await;
    ensure!(
        disabled.status == StatusCode::SEE_OTHER,
        "disable: {}",
        disabled.status
    );
    let after = at_work.get("/staff/queue").await;
    ensure!(
        after.status == StatusCode::SEE_OTHER && after.location.starts_with("/staff/sign-in"),
        "a disabled account's open session stops working: {} {}",
        after.status,
        after.location
    );
    let refused = sign_in_attempt(&app, "kaisa", PASSWORD, &[("accept-language", "en")]).await?;
    ensure!(
        refused.status == StatusCode::UNAUTHORIZED && refused.body.contains(SIGN_IN_REFUSED),
        "a disabled account signs nothing in, with the same answer"
    );
    ensure!(
        admin
            .get("/staff/admin/staff")
            .await
            .body
            .contains(&format!("{member}/enable")),
        "the list offers to enable it again"
    );
    admin.post(&format!("{member}/enable"), &[]).await;
    let back = Browser::sign_in(&app, "kaisa").await?;

    // A new password ends the sessions; the old one opens nothing.
    let new_password = "a brand new password 42";
    let short = admin
        .post(&format!("{member}/password"), &[("new_password", "short")])
        .await;
    ensure!(
        short.location.contains("error=password"),
        "a short password is refused: {}",
        short.location
    );
    admin
        .post(
            &format!("{member}/password"),
            &[("new_password", new_password)],
        )
        .await;
    let after = back.get("/staff/queue").await;
    ensure!(
        after.status == StatusCode::SEE_OTHER,
        "a new password ends the open session: {}",
        after.status
    );
    let old = sign_in_attempt(&app, "kaisa", PASSWORD, &[]).await?;
    ensure!(
        old.status == StatusCode::UNAUTHORIZED,
        "the old password: {}",
        old.status
    );
    let kaisa_now = Browser::sign_in_with(&app, "kaisa", new_password, &[]).await?;

    // A new role counts from the next request.
    admin
        .post(&format!("{member}/role"), &[("role", "mailroom")])
        .await;
    let queue = kaisa_now.get("/staff/queue").await;
    ensure!(
        queue.status == StatusCode::FORBIDDEN,
        "the caseworker's queue is closed to a mailroom role at once: {}",
        queue.status
    );
    ensure!(
        kaisa_now.get("/staff/verify").await.status == StatusCode::OK,
        "and the mailroom's pages open"
    );

    // An admin does not shut themselves out from the page.
    let me = format!("/staff/admin/staff/{}", aino.id);
    let own = admin.post(&format!("{me}/disable"), &[]).await;
    ensure!(
        own.status == StatusCode::FORBIDDEN,
        "own account: {}",
        own.status
    );
    ensure!(
        admin.get("/staff/admin/staff").await.status == StatusCode::OK,
        "the admin is still in"
    );
    let log: Vec<String> = app
        .store
        .audit_for_staff(aino.id)
        .await?
        .into_iter()
        .map(|e| e.action)
        .collect();
    for action in [
        "account_disable",
        "account_enable",
        "password_reset",
        "role_change",
    ] {
        ensure!(
            log.iter().any(|a| a == action),
            "{action} is audited: {log:?}"
        );
    }
    app.finish().await;
    Ok(())
}

async fn an_idle_session_ends(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let browser = Browser::sign_in(&app, "kaisa").await?;
    let token = browser
        .cookie
        .trim_start_matches("intake_staff=")
        .to_string();
    let settings = &app.config.staff;
    let now = OffsetDateTime::now_utc();
    ensure!(
        app.store
            .staff_session(&token, settings, now)
            .await?
            .is_some(),
        "a fresh session is alive"
    );
    let later = now + settings.idle_timeout() + Duration::seconds(1);
    ensure!(
        app.store
            .staff_session(&token, settings, later)
            .await?
            .is_none(),
        "idle too long"
    );
    let after = browser.get("/staff").await;
    ensure!(
        after.status == StatusCode::SEE_OTHER && after.location.contains("reason=expired"),
        "the expired session sends to sign-in: {}",
        after.location
    );
    // Absolute lifetime: used all the time, it still ends.
    let browser = Browser::sign_in(&app, "kaisa").await?;
    let token = browser
        .cookie
        .trim_start_matches("intake_staff=")
        .to_string();
    let mut at = OffsetDateTime::now_utc();
    let end = at + settings.session_lifetime();
    while at + Duration::minutes(20) < end {
        at += Duration::minutes(20);
        ensure!(
            app.store
                .staff_session(&token, settings, at)
                .await?
                .is_some(),
            "kept alive by use at {at}"
        );
    }
    ensure!(
        app.store
            .staff_session(&token, settings, end + Duration::minutes(1))
            .await?
            .is_none(),
        "past its lifetime"
    );
    app.finish().await;
    Ok(())
}

async fn two_concurrent_claims_one_wins(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    add_user(&app, "ville", Role::Caseworker).await?;
    let aino = add_user(&app, "aino", Role::Admin).await?;
    let registration = register_web(&app, &person("Laine", "040 222 3344")).await?;
    let (kaisa, ville) = (
        Browser::sign_in(&app, "kaisa").await?,
        Browser::sign_in(&app, "ville").await?,
    );
    let claim = format!("{}/claim", registration_path(&registration));
    let (a, b) = tokio::join!(kaisa.post(&claim, &[]), ville.post(&claim, &[]));
    let won: Vec<bool> = [&a, &b]
        .iter()
        .map(|p| p.location.contains("notice=claimed"))
        .collect();
    ensure!(
        won.iter().filter(|w| **w).count() == 1,
        "exactly one claim wins: {} / {}",
        a.location,
        b.location
    );
    let loser = [&a, &b]
        .iter()
        .find(|p| !p.location.contains("notice=claimed"))
        .ok_or("a loser")?
        .location
        .clone();
    ensure!(loser.contains("notice=held"), "the other is told: {loser}");
    let (winner, other, winner_name) = if won[0] {
        (&kaisa, &ville, "kaisa")
    } else {
        (&ville, &kaisa, "ville")
    };
    let seen = other.get(&registration_path(&registration)).await;
    ensure!(
        seen.body.contains(winner_name),
        "the other sees who holds it"
    );
    ensure!(!seen.body.contains("/attempts\""), "and gets no call form");

    // Many at once, through the store: still exactly one.
    let second = register_web(&app, &person("Mäkinen", "040 333 4455")).await?;
    let now = OffsetDateTime::now_utc();
    let mut tasks = Vec::new();
    for n in 0..8 {
        let member = add_user(&app, &format!("caller{n}"), Role::Caseworker).await?;
        let store = app.store.clone();
        let settings = app.config.staff.clone();
        tasks.push(tokio::spawn(async move {
            store.claim(second.id, member.id, &settings, now).await
        }));
    }
    let mut claimed = 0;
    for task in tasks {
        if let Claim::Claimed { .. } = task.await?? {
            claimed += 1;
        }
    }
    ensure!(claimed == 1, "eight claims at once: {claimed} won");

    // An admin takes the first over; the holder can no longer log a call.
    let admin = Browser::sign_in(&app, "aino").await?;
    let taken = admin
        .post(
            &format!("{}/take-over", registration_path(&registration)),
            &[],
        )
        .await;
    ensure!(
        taken.location.contains("notice=taken"),
        "take-over: {}",
        taken.location
    );
    let late = winner
        .post(
            &format!("{}/attempts", registration_path(&registration)),
            &[("outcome", "no_answer"), ("note", "")],
        )
        .await;
    ensure!(
        late.location.contains("not_holder"),
        "the old holder is told: {}",
        late.location
    );
    let log = app.store.audit_for_registration(registration.id).await?;
    let take_over = log
        .iter()
        .find(|e| e.action == "take_over")
        .ok_or("the take-over is audited")?;
    ensure!(
        take_over.staff_id == Some(aino.id) && take_over.detail.contains(winner_name),
        "by the admin, from the holder: {}",
        take_over.detail
    );
    app.finish().await;
    Ok(())
}

async fn three_unreached_calls_send_a_letter(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let registration = register_web(&app, &person("Nieminen", "040 444 5566")).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let path = registration_path(&registration);
    for (n, outcome) in ["no_answer", "busy", "voicemail"].into_iter().enumerate() {
        let claimed = kaisa.post(&format!("{path}/claim"), &[]).await;
        ensure!(
            claimed.location.contains("notice=claimed"),
            "claim {n}: {}",
            claimed.location
        );
        let logged = kaisa
            .post(
                &format!("{path}/attempts"),
                &[("outcome", outcome), ("note", "tried")],
            )
            .await;
        ensure!(
            logged.location == "/staff/queue?notice=logged",
            "{outcome}: {}",
            logged.location
        );
        let status = status_of(&app, &registration).await?;
        if n < 2 {
            ensure!(
                status == RegistrationStatus::AwaitingCall,
                "still in the queue after {n}"
            );
            let detail = app
                .store
                .callback_detail(registration.id, OffsetDateTime::now_utc())
                .await?
                .ok_or("detail")?;
            ensure!(
                detail
                    .next_call_at
                    .is_some_and(|at| at > OffsetDateTime::now_utc()),
                "comes back later"
            );
            ensure!(detail.holder.is_none(), "and is given back");
            let ready = kaisa.get("/staff/queue").await;
            ensure!(
                !ready.body.contains(registration.reference.as_str()),
                "not among those to call now"
            );
            let all = kaisa.get("/staff/queue?when=all").await;
            ensure!(
                all.body.contains(registration.reference.as_str()),
                "but listed with the later ones"
            );
        } else {
            ensure!(
                status == RegistrationStatus::SendLetter,
                "a letter after three: {status:?}"
            );
        }
    }
    let letters = kaisa.get("/staff/queue?status=send_letter").await;
    ensure!(
        letters.body.contains(registration.reference.as_str()),
        "in the letter list"
    );
    // Closing without a reached call takes only "letter sent".
    kaisa.post(&format!("{path}/claim"), &[]).await;
    let refused = kaisa
        .post(&format!("{path}/close"), &[("result", "not_starting")])
        .await;
    ensure!(
        refused.location.contains("not_allowed"),
        "not without a call: {}",
        refused.location
    );
    let closed = kaisa
        .post(&format!("{path}/close"), &[("result", "letter_sent")])
        .await;
    ensure!(
        closed.location.contains("notice=closed"),
        "letter sent: {}",
        closed.location
    );
    ensure!(
        status_of(&app, &registration).await? == RegistrationStatus::Closed,
        "closed"
    );
    let detail = app
        .store
        .callback_detail(registration.id, OffsetDateTime::now_utc())
        .await?
        .ok_or("detail")?;
    let outcomes: Vec<CallOutcome> = detail.call_attempts.iter().map(|a| a.outcome).collect();
    ensure!(
        outcomes
            == [
                CallOutcome::NoAnswer,
                CallOutcome::Busy,
                CallOutcome::Voicemail
            ],
        "each attempt its own entry: {outcomes:?}"
    );
    ensure!(detail.attempts == 3, "three attempts counted");

    // The maximum is configurable.
    let strict = TestApp::spawn_with(&backend, |c| c.staff.max_call_attempts = 1).await;
    let one = strict_one_attempt(&strict).await?;
    ensure!(
        one == RegistrationStatus::SendLetter,
        "one attempt allowed: {one:?}"
    );
    strict.finish().await;
    app.finish().await;
    Ok(())
}

async fn strict_one_attempt(app: &TestApp) -> Result<RegistrationStatus, Failed> {
    let member = add_user(app, "kaisa", Role::Caseworker).await?;
    let registration = register_web(app, &person("Koskinen", "040 555 6677")).await?;
    let now = OffsetDateTime::now_utc();
    app.store
        .claim(registration.id, member.id, &app.config.staff, now)
        .await?;
    let attempt = NewCallAttempt {
        outcome: CallOutcome::NoAnswer,
        note: String::new(),
        call_back_at: None,
    };
    app.store
        .log_attempt(registration.id, member.id, &attempt, &app.config.staff, now)
        .await?;
    status_of(app, &registration).await
}

async fn a_reached_call_confirms_identity_and_closes(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let registration = register_web(&app, &person("Heikkinen", "040 666 7788")).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let path = registration_path(&registration);
    let before = kaisa.get(&path).await;
    ensure!(
        before.body.contains("href=\"tel:+358406667788\""),
        "the phone is a tel: link"
    );
    kaisa.post(&format!("{path}/claim"), &[]).await;
    let page = kaisa.get(&path).await;
    ensure!(
        page.body.contains("name=\"outcome\""),
        "the holder gets the call form"
    );
    let missing = kaisa
        .post(&format!("{path}/attempts"), &[("note", "x")])
        .await;
    ensure!(
        missing.status == StatusCode::UNPROCESSABLE_ENTITY
            && missing.body.contains("href=\"#outcome-reached\""),
        "an outcome is needed: {}",
        missing.status
    );
    let reached = kaisa
        .post(
            &format!("{path}/attempts"),
            &[("outcome", "reached"), ("note", "talked")],
        )
        .await;
    ensure!(
        reached.location.ends_with("notice=reached#close"),
        "on to closing: {}",
        reached.location
    );
    let page = kaisa.get(&path).await;
    ensure!(
        page.body.contains("id=\"close\""),
        "the close form is offered"
    );
    let unconfirmed = kaisa
        .post(&format!("{path}/close"), &[("result", "registered")])
        .await;
    ensure!(
        unconfirmed.status == StatusCode::UNPROCESSABLE_ENTITY
            && unconfirmed.body.contains("href=\"#identity_confirmed\""),
        "registering needs the identity confirmed: {}",
        unconfirmed.status
    );
    let closed = kaisa
        .post(
            &format!("{path}/close"),
            &[
                ("result", "registered"),
                ("identity_confirmed", "yes"),
                ("close_note", "registered in the national system"),
            ],
        )
        .await;
    ensure!(
        closed.location == "/staff/queue?notice=closed",
        "closed: {}",
        closed.location
    );
    let stored = app
        .store
        .registration(registration.id)
        .await?
        .ok_or("gone")?;
    ensure!(stored.identity_verified, "identity confirmed");
    ensure!(stored.status == RegistrationStatus::Closed, "closed");
    let detail = app
        .store
        .callback_detail(registration.id, OffsetDateTime::now_utc())
        .await?
        .ok_or("detail")?;
    ensure!(detail.first_contact_at.is_some(), "first contact noted");
    ensure!(detail.holder.is_none(), "no one holds a closed one");
    let again = kaisa.post(&format!("{path}/claim"), &[]).await;
    ensure!(
        again.location.contains("not_open"),
        "a closed one cannot be claimed"
    );
    app.finish().await;
    Ok(())
}

async fn other_outcomes_do_what_they_say(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let member = add_user(&app, "kaisa", Role::Caseworker).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;

    // Call back later: at the agreed time, and it is not counted towards a letter.
    let later = register_web(&app, &person("Järvinen", "040 777 8899")).await?;
    let path = registration_path(&later);
    kaisa.post(&format!("{path}/claim"), &[]).await;
    let no_time = kaisa
        .post(
            &format!("{path}/attempts"),
            &[("outcome", "call_back_later")],
        )
        .await;
    ensure!(
        no_time.status == StatusCode::UNPROCESSABLE_ENTITY
            && no_time.body.contains("#call-back-date"),
        "call back later needs a time: {}",
        no_time.status
    );
    let tomorrow =
        intake_core::calendar::finnish_date(OffsetDateTime::now_utc()) + Duration::days(1);
    let agreed = kaisa
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
        agreed.location.contains("notice=logged"),
        "logged: {}",
        agreed.location
    );
    let detail = app
        .store
        .callback_detail(later.id, OffsetDateTime::now_utc())
        .await?
        .ok_or("detail")?;
    ensure!(
        detail.next_call_at == Some(finnish_moment(tomorrow, 13, 15)),
        "comes back at the agreed time: {:?}",
        detail.next_call_at
    );
    ensure!(
        detail.call_attempts[0].call_back_at == Some(finnish_moment(tomorrow, 13, 15)),
        "the attempt keeps the time"
    );

    // A wrong number: a letter at once. Refused: closed.
    for (surname, phone, outcome, status) in [
        (
            "Saarinen",
            "040 888 9900",
            "wrong_number",
            RegistrationStatus::SendLetter,
        ),
        (
            "Lehtonen",
            "040 999 0011",
            "refused",
            RegistrationStatus::Closed,
        ),
    ] {
        let registration = register_web(&app, &person(surname, phone)).await?;
        let path = registration_path(&registration);
        kaisa.post(&format!("{path}/claim"), &[]).await;
        kaisa
            .post(&format!("{path}/attempts"), &[("outcome", outcome)])
            .await;
        let now_status = status_of(&app, &registration).await?;
        ensure!(now_status == status, "{outcome}: {now_status:?}");
    }

    // Logging a call without holding the registration is refused.
    let unclaimed = register_web(&app, &person("Back", "040 123 0000")).await?;
    let refused = app
        .store
        .log_attempt(
            unclaimed.id,
            member.id,
            &NewCallAttempt {
                outcome: CallOutcome::Reached,
                note: String::new(),
                call_back_at: None,
            },
            &app.config.staff,
            OffsetDateTime::now_utc(),
        )
        .await?;
    ensure!(
        refused == AttemptLogged::NotHolder,
        "not without a claim: {refused:?}"
    );
    app.finish().await;
    Ok(())
}

async fn due_dates_skip_a_holiday_weekend(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let member = add_user(&app, "kaisa", Role::Caseworker).await?;
    // Thursday before Easter 2026: Good Friday, the weekend and Easter
    // Monday are not working days.
    let received = finnish_moment(date!(2026 - 04 - 02), 9, 0);
    let registration =
        register_paper(&app, &person("Hämäläinen", "040 246 8100"), received, false).await?;
    let due = app
        .store
        .callback_due(registration.id)
        .await?
        .ok_or("no due date")?;
    ensure!(due == date!(2026 - 04 - 13), "due on Monday 13.4.: {due}");
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let queue = kaisa.get("/staff/queue").await;
    ensure!(
        queue.body.contains("datetime=\"2026-04-13\""),
        "the queue shows the due date"
    );
    ensure!(
        queue.body.contains("class=\"overdue\""),
        "long past: marked overdue"
    );

    // An unanswered call that Thursday afternoon comes back on Tuesday morning.
    let thursday_afternoon = datetime!(2026-04-02 11:00 UTC);
    let settings = &app.config.staff;
    let claim = app
        .store
        .claim(registration.id, member.id, settings, thursday_afternoon)
        .await?;
    ensure!(matches!(claim, Claim::Claimed { .. }), "claimed: {claim:?}");
    let attempt = NewCallAttempt {
        outcome: CallOutcome::NoAnswer,
        note: String::new(),
        call_back_at: None,
    };
    app.store
        .log_attempt(
            registration.id,
            member.id,
            &attempt,
            settings,
            thursday_afternoon,
        )
        .await?;
    let detail = app
        .store
        .callback_detail(registration.id, thursday_afternoon)
        .await?
        .ok_or("detail")?;
    ensure!(
        detail.next_call_at == Some(datetime!(2026-04-07 05:00 UTC)),
        "Tuesday 7.4. at 8:00: {:?}",
        detail.next_call_at
    );
    app.finish().await;
    Ok(())
}

async fn duplicates_across_channels_are_one_registration(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let now = OffsetDateTime::now_utc();

    // Paper first (three days ago), then the web: one registration, the
    // paper's day stands.
    let anna = person("Korhonen", "040 135 7911");
    let paper = register_paper(&app, &anna, now - Duration::days(3), false).await?;
    let web = register_web(&app, &anna).await?;
    let queue = app
        .store
        .queue(&QueueFilter::default(), OffsetDateTime::now_utc())
        .await?;
    ensure!(queue.len() == 1, "one line in the queue: {}", queue.len());
    ensure!(queue[0].id == paper.id, "the first stands");
    ensure!(
        queue[0].channels == [Channel::Paper, Channel::Web],
        "both channels: {:?}",
        queue[0].channels
    );
    let page = kaisa.get(&registration_path(&paper)).await;
    ensure!(
        page.body.contains(web.reference.as_str()) && page.body.contains(paper.reference.as_str()),
        "both sources on its page"
    );
    let folded = kaisa.get(&registration_path(&web)).await;
    ensure!(
        folded.status == StatusCode::SEE_OTHER && folded.location == registration_path(&paper),
        "the folded one leads to the first: {}",
        folded.location
    );
    let by_reference = kaisa
        .post("/staff/queue", &[("q", web.reference.as_str())])
        .await;
    ensure!(
        by_reference.body.contains(paper.reference.as_str()),
        "found by the folded one's reference"
    );

    // Web first, then paper stamped earlier: the earlier day stands.
    let eero = person("Mäkelä", "040 864 2000");
    let web_first = register_web(&app, &eero).await?;
    let stamped = finnish_moment(
        intake_core::calendar::finnish_date(now) - Duration::days(6),
        9,
        0,
    );
    register_paper(&app, &eero, stamped, false).await?;
    let stood = app.store.registration(web_first.id).await?.ok_or("gone")?;
    ensure!(
        stood.received_at == stamped,
        "received_at moved to the paper's: {}",
        stood.received_at
    );
    let due = app.store.callback_due(web_first.id).await?.ok_or("due")?;
    ensure!(
        due == intake_core::calendar::first_contact_due(stamped),
        "and so did the due date: {due}"
    );

    // Paper twice: the second's identity code was unsure, the phone and the
    // name (in capitals) match.
    let liisa = person("Nyström", "+358 40 975 3100");
    let first = register_paper(&app, &liisa, now - Duration::days(2), false).await?;
    let mut capitals = liisa.clone();
    capitals.surname = "NYSTRÖM".into();
    capitals.first_names = "MATTI  JUHANI".into();
    capitals.hetu = intake_devtools::synthetic::hetu(&mut rand::rng());
    let second = register_paper(&app, &capitals, now - Duration::days(1), true).await?;
    ensure!(
        app.store.duplicate_of(second.id).await? == Some(first.id),
        "phone and name fold paper into paper"
    );

    // The same phone with another name is someone else.
    let mut sibling = liisa.clone();
    sibling.first_names = "Aino".into();
    sibling.hetu = intake_devtools::synthetic::hetu(&mut rand::rng());
    let other = register_web(&app, &sibling).await?;
    ensure!(
        app.store.duplicate_of(other.id).await?.is_none(),
        "a different person"
    );

    // A folded web registration's status link shows the one that stands,
    // under the reference its receipt gave.
    let mut twin = eero.clone();
    twin.phone = "040 864 2001".into();
    let token = app.form_token("en").await;
    let mut fields = twin.inputs();
    fields.retain(|(k, _)| *k != "signed");
    fields.push(("form_token", token));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (_, receipt) = app.post("/en", &fields).await;
    let status_path = common::status_path(&receipt).ok_or("no status link")?;
    let own_reference = common::reference(&receipt).ok_or("no reference")?;
    let (_, status_page) = app.get(&status_path).await;
    ensure!(status_page.contains(&own_reference), "its own reference");
    ensure!(
        status_page.contains(&format!(
            "datetime=\"{}\"",
            intake_core::calendar::first_contact_due(stamped)
        )),
        "the earliest received day's due date"
    );
    let total = app
        .store
        .queue(&QueueFilter::default(), OffsetDateTime::now_utc())
        .await?;
    ensure!(
        total.len() == 4,
        "four people in the queue: {}",
        total.len()
    );
    app.finish().await;
    Ok(())
}

async fn queue_filters_and_search(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let mut swede = person("Lindqvist", "050 123 4567");
    swede.office = "pietarsaari";
    swede.language = "sv";
    let swede = register_web(&app, &swede).await?;
    let finn = person("Virtanen", "040 765 4321");
    let finn_record = register_web(&app, &finn).await?;
    let paper = register_paper(
        &app,
        &person("Westerlund", "040 111 0000"),
        OffsetDateTime::now_utc() - Duration::days(1),
        false,
    )
    .await?;
    let shows = |body: &str, who: &Registration| body.contains(who.reference.as_str());
    for (query, expected) in [
        ("office=pietarsaari", vec![&swede]),
        ("language=sv", vec![&swede]),
        ("channel=paper", vec![&paper]),
        ("channel=web", vec![&swede, &finn_record]),
        ("q=lindq", vec![&swede]),
        ("q=050+123+4567", vec![&swede]),
        ("q=0407654321", vec![&finn_record]),
        (
            &format!("q={}", finn.hetu.to_lowercase()),
            vec![&finn_record],
        ),
        (
            &format!("q={}", paper.reference.as_str().to_lowercase()),
            vec![&paper],
        ),
        ("q=nobody", vec![]),
    ] {
        // Searches are posted (no henkilötunnus in a URL); filters work both ways.
        let body = if query.starts_with("q=") {
            let mut body = format!("csrf={}&", kaisa.csrf);
            body.push_str(query);
            kaisa.post_raw("/staff/queue", body).await.body
        } else {
            kaisa.get(&format!("/staff/queue?{query}")).await.body
        };
        for who in [&swede, &finn_record, &paper] {
            let wanted = expected.iter().any(|e| e.id == who.id);
            ensure!(
                shows(&body, who) == wanted,
                "{query}: {} shown {} (wanted {wanted})",
                who.reference,
                shows(&body, who)
            );
        }
    }
    // A search in a link is ignored, so no one learns to put one there.
    let linked = kaisa.get("/staff/queue?q=nobody").await.body;
    ensure!(
        shows(&linked, &swede) && shows(&linked, &finn_record),
        "a search in the URL is not used"
    );
    // Due order: the paper one (received yesterday) is due first.
    let body = kaisa.get("/staff/queue").await.body;
    let position = |who: &Registration| body.find(who.reference.as_str()).unwrap_or(usize::MAX);
    ensure!(position(&paper) < position(&swede), "due order");
    app.finish().await;
    Ok(())
}

async fn the_queue_shows_and_filters_by_the_other_language(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let mut arabic = person("Haddad", "040 300 0001");
    arabic.language = "other";
    arabic.other_language = Some("Arabia");
    let arabic = register_web(&app, &arabic).await?;
    let mut dari = person_without_code("Ahmadi", "040 300 0002", "6.4.1990");
    dari.language = "other";
    dari.other_language = Some("dari");
    let dari = register_paper(&app, &dari, OffsetDateTime::now_utc(), false).await?;
    let finn = register_web(&app, &person("Virtanen", "040 300 0003")).await?;
    ensure!(
        arabic.text("other_language") == Some("Arabia"),
        "the language is stored as written"
    );

    // Shown beside the service language, for the interpreter to book.
    let body = kaisa.get("/staff/queue").await.body;
    ensure!(body.contains("muu: Arabia"), "the queue shows the language");
    ensure!(body.contains("muu: dari"), "and the paper one's");
    let shows = |body: &str, who: &Registration| body.contains(who.reference.as_str());
    for (query, expected) in [
        ("other_language=arab", vec![&arabic]),
        ("other_language=DARI", vec![&dari]),
        ("other_language=urdu", vec![]),
        ("language=other", vec![&arabic, &dari]),
    ] {
        let body = kaisa.get(&format!("/staff/queue?{query}")).await.body;
        for who in [&arabic, &dari, &finn] {
            let wanted = expected.iter().any(|e| e.id == who.id);
            ensure!(
                shows(&body, who) == wanted,
                "{query}: {} shown {} (wanted {wanted})",
                who.reference,
                shows(&body, who)
            );
        }
    }
    let filtered = kaisa.get("/staff/queue?other_language=arab").await.body;
    ensure!(
        filtered
            .contains("id=\"other_language\" name=\"other_language\" type=\"text\" value=\"arab\""),
        "the filter keeps what was typed"
    );
    app.finish().await;
    Ok(())
}

/// The queue narrowed in SQL by language, another language or a name gives
/// exactly the rows, in the same order, of reading every entry of the
/// status and checking each (as the queue did before, issue 14): names and
/// languages with å, ä and ö in either case, over several statuses.
async fn queue_filters_give_the_rows_of_reading_every_entry(
    backend: Backend,
) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let people: [(&str, &str, &'static str, Option<&'static str>); 10] = [
        ("Åström", "Åsa", "sv", None),
        ("Öhman", "Örjan Äke", "sv", None),
        ("Ärlig", "Pekka", "fi", None),
        ("Mäkelä", "Liisa", "fi", None),
        ("Haddad", "Ömer", "other", Some("Arabia")),
        ("KIVELÄ", "Kaarina", "fi", None),
        ("Ahmadi", "Ali", "other", Some("Dari, ÄIDINKIELI")),
        ("Lindqvist", "Björn", "sv", None),
        ("Virtanen", "Matti", "fi", None),
        ("Östman", "Ida", "other", Some("arabia")),
    ];
    let received = OffsetDateTime::now_utc() - Duration::days(3);
    let mut ids = Vec::new();
    for (n, (surname, first_names, language, other)) in people.into_iter().enumerate() {
        let mut who = person(surname, &format!("040 400 {n:04}"));
        who.first_names = first_names.into();
        who.language = language;
        who.other_language = other;
        let at = received + Duration::minutes(i64::try_from(n)?);
        // Every third one waits for its identity code to be checked.
        let registration = register_paper(&app, &who, at, n % 3 == 2).await?;
        ids.push(registration.id);
    }
    ensure!(app.store.withdraw(ids[1]).await?, "withdrawn");
    ensure!(app.store.withdraw(ids[6]).await?, "withdrawn");

    let fold = intake_core::record::validate::fold_for_compare;
    let now = OffsetDateTime::now_utc();
    let searches = [
        "åström",
        "ÅSTRÖM",
        "åsa åström",
        "Åström  Åsa",
        "ö",
        "Ö",
        "äke",
        "kivelä",
        "Kivelä Kaa",
        "mäk",
        "ärl",
        "björn",
        "ida öst",
        "i",
        "k",
        "a",
        "nobody",
        "%",
        "_",
    ];
    let mut compared = 0;
    for status in [
        RegistrationStatus::AwaitingCall,
        RegistrationStatus::AwaitingReview,
        RegistrationStatus::Withdrawn,
    ] {
        let every = QueueFilter {
            status,
            include_later: true,
            ..QueueFilter::default()
        };
        let all = app.store.queue(&every, now).await?;
        ensure!(!all.is_empty(), "{status:?} has entries");
        for language in [None, Some("fi"), Some("sv"), Some("other")] {
            for other in [
                None,
                Some("arab"),
                Some("äidin"),
                Some("ÄIDINKIELI"),
                Some("DARI,"),
            ] {
                for search in std::iter::once(None).chain(searches.map(Some)) {
                    let filter = QueueFilter {
                        language: language.map(str::to_string),
                        other_language: other.map(str::to_string),
                        search: search.map(str::to_string),
                        ..every.clone()
                    };
                    let found: Vec<_> = app
                        .store
                        .queue(&filter, now)
                        .await?
                        .into_iter()
                        .map(|e| e.id)
                        .collect();
                    let wanted: Vec<_> = all
                        .iter()
                        .filter(|e| language.is_none() || e.service_language.as_deref() == language)
                        .filter(|e| {
                            other.is_none_or(|term| {
                                e.other_language
                                    .as_deref()
                                    .is_some_and(|w| fold(w).contains(&fold(term)))
                            })
                        })
                        .filter(|e| {
                            search.is_none_or(|term| {
                                let term = fold(term);
                                fold(&format!("{} {}", e.surname, e.first_names)).contains(&term)
                                    || fold(&format!("{} {}", e.first_names, e.surname))
                                        .contains(&term)
                            })
                        })
                        .map(|e| e.id)
                        .collect();
                    ensure!(
                        found == wanted,
                        "{status:?} language {language:?} other {other:?} search {search:?}: \
                         {} rows, wanted {}",
                        found.len(),
                        wanted.len()
                    );
                    compared += 1;
                }
            }
        }
    }
    ensure!(compared > 0, "compared");
    // The filters do find people, by letters in either case.
    let swedes = QueueFilter {
        language: Some("sv".into()),
        search: Some("ÅSTRÖM".into()),
        ..QueueFilter::default()
    };
    let found = app.store.queue(&swedes, now).await?;
    ensure!(
        found.iter().map(|e| e.id).collect::<Vec<_>>() == vec![ids[0]],
        "Åström found by ÅSTRÖM among the Swedish speakers"
    );
    let arabic = QueueFilter {
        other_language: Some("ARAB".into()),
        status: RegistrationStatus::AwaitingCall,
        ..QueueFilter::default()
    };
    let found = app.store.queue(&arabic, now).await?;
    ensure!(
        found.iter().map(|e| e.id).collect::<Vec<_>>() == vec![ids[4], ids[9]],
        "both who wrote Arabic, in due order"
    );
    app.finish().await;
    Ok(())
}

async fn a_person_without_an_identity_code_is_matched_by_birth_date(
    backend: Backend,
) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let olena = person_without_code("Kovalenko", "040 400 0001", "6.4.1990");
    let web = register_web(&app, &olena).await?;
    ensure!(web.text("hetu").is_none(), "no identity code stored");
    ensure!(web.text("birth_date") == Some("1990-04-06"), "birth date");
    ensure!(web.text("citizenship") == Some("UA"), "citizenship");
    // The caseworker reads the country by its name, in the page's language.
    add_user(&app, "kaisa", Role::Caseworker).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    for (lang, name) in [
        ("fi", "Ukraina (UA)"),
        ("sv", "Ukraina (UA)"),
        ("en", "Ukraine (UA)"),
    ] {
        let page = client()
            .get(format!("{}{}", app.base, registration_path(&web)))
            .header(
                "cookie",
                format!("{}; intake_staff_lang={lang}", kaisa.cookie),
            )
            .send()
            .await?
            .text()
            .await?;
        ensure!(
            page.contains(&format!("<html lang=\"{lang}\"")) && page.contains(name),
            "{lang}: citizenship shown as `{name}`"
        );
    }
    // The same person on paper a day earlier: folded, by date of birth,
    // phone and name, and the earlier day stands.
    let paper = register_paper(
        &app,
        &olena,
        OffsetDateTime::now_utc() - Duration::days(1),
        false,
    )
    .await?;
    ensure!(
        app.store.duplicate_of(paper.id).await? == Some(web.id),
        "the paper form is folded into the web one"
    );
    let sources = app.store.registration_sources(web.id).await?;
    ensure!(
        sources.iter().any(|s| s.id == paper.id
            && s.matched_on
                == Some(intake_service::store::duplicates::DuplicateMatch::BirthDatePhoneAndName)),
        "matched on date of birth, phone and name"
    );
    // Her daughter of the same name on the same phone: another person.
    let daughter = register_web(
        &app,
        &person_without_code("Kovalenko", "040 400 0001", "1.9.2008"),
    )
    .await?;
    ensure!(
        app.store.duplicate_of(daughter.id).await?.is_none(),
        "another date of birth is another person"
    );
    // Someone with an identity code whose date is hers, on her phone and
    // name: the code's date counts as a date of birth.
    let mut coded = person("Kovalenko", "040 400 0001");
    coded.first_names = olena.first_names.clone();
    coded.hetu = "060490-1239".into();
    ensure!(
        intake_core::record::validate::hetu(&coded.hetu).is_ok(),
        "a valid code of 6.4.1990"
    );
    let coded = register_web(&app, &coded).await?;
    ensure!(
        app.store.duplicate_of(coded.id).await? == Some(web.id),
        "the code's date of birth matches hers"
    );
    // Two different identity codes are never folded, whatever else agrees.
    let mut other_code = person("Kovalenko", "040 400 0001");
    other_code.first_names = olena.first_names.clone();
    other_code.hetu = "060490-125B".into();
    let other_code = register_web(&app, &other_code).await?;
    ensure!(
        app.store.duplicate_of(other_code.id).await?.is_none(),
        "a code other than one already folded in is another person"
    );
    app.finish().await;
    Ok(())
}

async fn audit_log_records_views_and_changes(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let kaisa_member = add_user(&app, "kaisa", Role::Caseworker).await?;
    add_user(&app, "aino", Role::Admin).await?;
    let registration = register_web(&app, &person("Ahlskog", "040 222 0000")).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let path = registration_path(&registration);
    kaisa.get(&path).await;
    kaisa.post(&format!("{path}/claim"), &[]).await;
    kaisa
        .post(&format!("{path}/attempts"), &[("outcome", "no_answer")])
        .await;
    let log = app.store.audit_for_registration(registration.id).await?;
    let actions: Vec<&str> = log.iter().rev().map(|e| e.action.as_str()).collect();
    ensure!(
        actions == ["view", "claim", "attempt"],
        "view, claim, attempt in order: {actions:?}"
    );
    ensure!(
        log.iter().all(|e| e.staff_id == Some(kaisa_member.id)),
        "all by kaisa"
    );
    ensure!(
        log[0].detail.starts_with("no_answer"),
        "the outcome is in the entry"
    );

    let admin = Browser::sign_in(&app, "aino").await?;
    let per_registration = admin
        .get(&format!(
            "/staff/admin/registrations/{}/audit",
            registration.id
        ))
        .await;
    ensure!(
        per_registration.status == StatusCode::OK,
        "{}",
        per_registration.status
    );
    ensure!(
        per_registration.body.contains("kaisa") && per_registration.body.contains("kirjasi soiton"),
        "the admin reads it per registration"
    );
    let per_staff = admin
        .get(&format!("/staff/admin/staff/{}/audit", kaisa_member.id))
        .await;
    ensure!(
        per_staff.body.contains(registration.reference.as_str()),
        "and per staff member"
    );
    // The admin's own view of the registration page is audited too.
    admin.get(&path).await;
    let log = app.store.audit_for_registration(registration.id).await?;
    ensure!(
        log.first()
            .is_some_and(|e| e.action == "view" && e.staff_name.as_deref() == Some("aino")),
        "the admin's view is there"
    );
    app.finish().await;
    Ok(())
}

async fn export_and_dashboard(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    add_user(&app, "kaisa", Role::Caseworker).await?;
    add_user(&app, "aino", Role::Admin).await?;
    let registration = register_web(&app, &person("Björklund", "040 313 1313")).await?;
    register_web(&app, &person("Sundqvist", "040 414 1414")).await?;
    let kaisa = Browser::sign_in(&app, "kaisa").await?;
    let path = registration_path(&registration);
    kaisa.post(&format!("{path}/claim"), &[]).await;
    kaisa
        .post(&format!("{path}/attempts"), &[("outcome", "reached")])
        .await;
    kaisa
        .post(
            &format!("{path}/close"),
            &[
                ("result", "registered"),
                ("identity_confirmed", "yes"),
                ("close_note", "ok, \"fine\""),
            ],
        )
        .await;

    let dashboard = kaisa.get("/staff/dashboard").await;
    ensure!(
        dashboard.status == StatusCode::OK,
        "dashboard {}",
        dashboard.status
    );
    ensure!(dashboard.body.contains("<svg"), "an SVG chart");
    ensure!(
        between(&dashboard.body, "id=\"queue-size\">", "<") == Some("1"),
        "one left in the queue"
    );
    ensure!(
        between(&dashboard.body, "id=\"median\">", "<").is_some_and(|m| m != "–"),
        "a median time to first contact"
    );

    let admin = Browser::sign_in(&app, "aino").await?;
    let today = intake_core::calendar::finnish_date(OffsetDateTime::now_utc());
    let range = format!("from={}&to={}", today - Duration::days(1), today);
    let csv = admin
        .get(&format!("/staff/export/closed.csv?{range}"))
        .await;
    ensure!(csv.status == StatusCode::OK, "csv {}", csv.status);
    let lines: Vec<&str> = csv.body.lines().collect();
    ensure!(lines.len() == 2, "a header and one row: {}", lines.len());
    ensure!(
        lines[0].starts_with("\"reference\",\"sources\",\"channels\""),
        "header: {}",
        lines[0]
    );
    ensure!(
        lines[1].starts_with(&format!("\"{}\",", registration.reference.as_str()))
            && lines[1].contains("\"registered\"")
            && lines[1].contains("\"ok, \"\"fine\"\"\""),
        "the row: {}",
        lines[1]
    );
    // For Excel in Finnish and Swedish: a byte order mark and `;`.
    let excel = admin
        .get(&format!("/staff/export/closed.csv?{range}&excel=1"))
        .await;
    ensure!(excel.status == StatusCode::OK, "excel csv {}", excel.status);
    ensure!(
        excel
            .body
            .starts_with("\u{feff}\"reference\";\"sources\";\"channels\""),
        "excel header: {}",
        excel.body.lines().next().unwrap_or_default()
    );
    ensure!(excel.body.lines().count() == 2, "the same one row");
    let json = admin
        .get(&format!("/staff/export/closed.json?{range}"))
        .await;
    let records: serde_json::Value = serde_json::from_str(&json.body)?;
    ensure!(
        records[0]["registration"]["reference"] == registration.reference.as_str()
            && records[0]["result"] == "registered"
            && records[0]["registration"]["identity_verified"] == true,
        "the JSON record: {records}"
    );
    let bad = admin
        .get("/staff/export/closed.csv?from=tomorrow&to=x")
        .await;
    ensure!(
        bad.status == StatusCode::UNPROCESSABLE_ENTITY,
        "bad dates: {}",
        bad.status
    );
    let log = app.store.audit_for_registration(registration.id).await?;
    ensure!(
        log.iter().filter(|e| e.action == "export").count() == 3,
        "every export (CSV, CSV for Excel, JSON) is audited"
    );
    app.finish().await;
    Ok(())
}

async fn user_add_command_makes_an_account(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let run = |name: &str, role: &str, password: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
            .args(["user", "add", name, "--role", role, "--password-stdin"])
            .env("DATABASE_URL", &app.config.database_url)
            .env("INTAKE_DATA_DIR", &app.config.data_dir)
            .env("RUST_LOG", "error")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the intake binary runs");
        use std::io::Write;
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(format!("{password}\n").as_bytes())
            .expect("writes");
        child.wait_with_output().expect("it ends")
    };
    let made = tokio::task::block_in_place(|| run("Eeva", "admin", PASSWORD));
    ensure!(
        made.status.success(),
        "user add: {}",
        String::from_utf8_lossy(&made.stderr)
    );
    let admin = Browser::sign_in(&app, "eeva").await?;
    ensure!(
        admin.get("/staff/admin/staff").await.status == StatusCode::OK,
        "the new admin is an admin"
    );
    let short = tokio::task::block_in_place(|| run("lasse", "caseworker", "short"));
    ensure!(!short.status.success(), "a short password is refused");
    let taken = tokio::task::block_in_place(|| run("eeva", "caseworker", PASSWORD));
    ensure!(
        !taken.status.success() && String::from_utf8_lossy(&taken.stderr).contains("taken"),
        "a taken name is refused"
    );
    let members = app.store.staff_members().await?;
    ensure!(
        members.len() == 1 && members[0].role == Role::Admin,
        "one account: {members:?}"
    );

    // The rest of an account's life from the command line.
    let intake = |args: &[&str], stdin: &str| {
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
            .arg("user")
            .args(args)
            .env("DATABASE_URL", &app.config.database_url)
            .env("INTAKE_DATA_DIR", &app.config.data_dir)
            .env("RUST_LOG", "error")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("the intake binary runs");
        use std::io::Write;
        let mut input = child.stdin.take().expect("stdin");
        input.write_all(stdin.as_bytes()).expect("writes");
        drop(input);
        child.wait_with_output().expect("it ends")
    };
    let said = |output: &std::process::Output| String::from_utf8_lossy(&output.stdout).into_owned();
    let disable = tokio::task::block_in_place(|| intake(&["disable", "eeva"], ""));
    ensure!(
        disable.status.success(),
        "disable: {}",
        String::from_utf8_lossy(&disable.stderr)
    );
    ensure!(
        admin.get("/staff/admin/staff").await.status == StatusCode::SEE_OTHER,
        "disabling from the command line ends the open session"
    );
    let list = tokio::task::block_in_place(|| intake(&["list"], ""));
    ensure!(
        said(&list).contains("eeva\tadmin\tdisabled"),
        "list: {}",
        said(&list)
    );
    tokio::task::block_in_place(|| intake(&["enable", "eeva"], ""));
    let new_password = "another long password";
    let reset = tokio::task::block_in_place(|| {
        intake(
            &["reset-password", "eeva", "--password-stdin"],
            &format!("{new_password}\n"),
        )
    });
    ensure!(
        reset.status.success(),
        "reset: {}",
        String::from_utf8_lossy(&reset.stderr)
    );
    let role =
        tokio::task::block_in_place(|| intake(&["set-role", "eeva", "--role", "caseworker"], ""));
    ensure!(
        role.status.success(),
        "set-role: {}",
        String::from_utf8_lossy(&role.stderr)
    );
    let eeva = Browser::sign_in_with(&app, "eeva", new_password, &[]).await?;
    ensure!(
        eeva.get("/staff/admin/staff").await.status == StatusCode::FORBIDDEN
            && eeva.get("/staff/queue").await.status == StatusCode::OK,
        "enabled, with the new password and the new role"
    );
    let missing = tokio::task::block_in_place(|| intake(&["disable", "nobody"], ""));
    ensure!(
        !missing.status.success()
            && String::from_utf8_lossy(&missing.stderr).contains("no account"),
        "an unknown name is an error"
    );
    app.finish().await;
    Ok(())
}

async fn a_backup_restores_every_registration(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn(&backend).await;
    let mut registered = Vec::new();
    for (surname, phone) in [
        ("Aho", "040 100 0001"),
        ("Berg", "040 100 0002"),
        ("Cajander", "040 100 0003"),
    ] {
        registered.push(register_web(&app, &person(surname, phone)).await?);
    }
    let folder = tempfile::tempdir()?;
    let file = folder.path().join("backup.db");
    // While the server runs: the app above is serving.
    let backup = tokio::task::block_in_place(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
            .arg("backup")
            .arg(&file)
            .env("DATABASE_URL", &app.config.database_url)
            .env("RUST_LOG", "error")
            .output()
    })?;
    let said = String::from_utf8_lossy(&backup.stderr).into_owned();
    if matches!(backend, Backend::Postgres { .. }) {
        ensure!(
            !backup.status.success() && said.contains("pg_dump"),
            "PostgreSQL is sent to pg_dump: {said}"
        );
        app.finish().await;
        return Ok(());
    }
    ensure!(backup.status.success(), "backup: {said}");
    // Restoring is using the copy as the database.
    let restored =
        intake_service::store::Store::connect(&format!("sqlite://{}", file.display())).await?;
    restored.migrate().await?;
    for registration in &registered {
        let found = restored.registration(registration.id).await?;
        ensure!(
            found.is_some_and(|r| r.reference == registration.reference),
            "{} is in the backup",
            registration.reference
        );
    }
    let again = tokio::task::block_in_place(|| {
        std::process::Command::new(env!("CARGO_BIN_EXE_intake"))
            .arg("backup")
            .arg(&file)
            .env("DATABASE_URL", &app.config.database_url)
            .output()
    })?;
    ensure!(
        !again.status.success(),
        "an existing file is not overwritten"
    );
    app.finish().await;
    Ok(())
}
