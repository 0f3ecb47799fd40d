//! The whole story in a real headless Chromium, from nothing: a jobseeker
//! sends the web form; a scanned paper form is read with a field flagged; a
//! mailroom person signs in and checks it with the keyboard only; a
//! caseworker signs in, finds both in the queue in due order, claims the
//! first, logs a call that was not answered, then one that was, and closes
//! it; someone the phone never reaches gets a letter, which the mailroom
//! prints and marks sent. Every staff page is kept as
//! `target/screenshots/story-*.png`.
//! Everything the service logs meanwhile, at debug level, is kept and
//! searched: none of the story's identity codes, names, phone numbers or
//! e-mail addresses may be in it.
//! SQLite always, PostgreSQL when reachable (see `tests/common`). Without
//! Chromium or chromedriver the trials are ignored, unless
//! `INTAKE_REQUIRE_BROWSER=1` makes that a failure.

mod common;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use anyhow::Context;
use common::browser::{
    BrowserTools, Chromedriver, browser_required, by_name, click, missing_tools, save_screenshot,
    screenshot_folder,
};
use common::page::PASSWORD;
use common::{Backend, TestApp};
use fantoccini::elements::Element;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use intake_core::record::{FieldStatus, Reference, RegistrationStatus};
use intake_service::accounts::Role;
use intake_service::callbacks::CallOutcome;
use intake_service::pipeline::Pipeline;
use intake_service::pipeline::import::{ImportRequest, process_batch, store_batch};
use intake_service::pipeline::worker::WorkerOptions;
use intake_service::store::BatchEntry;
use intake_service::store::callbacks::NewCallAttempt;
use libtest_mimic::{Arguments, Trial};

const PAGE_WAIT: Duration = Duration::from_secs(15);
/// A hand-printed sample that reads with a doubtful field (its email
/// address, which does not read as one).
const SAMPLE: &str = "011-handwriting";
const SAMPLE_FILE: &str = "011-handwriting.png";
const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
const WINDOW: &[&str] = &["--window-size=1200,1400"];

/// What the service logged during the stories.
static LOG: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct LogBuffer;

impl std::io::Write for LogBuffer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOG.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Logs at debug level into [`LOG`]; the test's own WebDriver client is
/// left out (it sends the keys the person types).
fn keep_debug_log() {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new(
            "debug,fantoccini=off,webdriver=off",
        ))
        .with_ansi(false)
        .with_writer(|| LogBuffer)
        .init();
}

/// The personal data of the story: the web form's and the paper sample's.
fn personal_data() -> anyhow::Result<Vec<String>> {
    let mut values: Vec<String> = WEB_PERSON.iter().map(|(_, v)| v.to_string()).collect();
    values.extend(WEB_PERSON_PHONE_DIGITS.map(String::from));
    values.extend(NO_CODE_PERSON.iter().map(|(_, v)| v.to_string()));
    values.extend(["1990-04-06", "0407654321", "+358407654321"].map(String::from));
    let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(format!(
        "{SAMPLES}/{SAMPLE}.truth.json"
    ))?)?;
    let fields = &truth["documents"][0]["fields"];
    for field in [
        "hetu",
        "surname",
        "first_names",
        "phone",
        "email",
        "street_address",
    ] {
        if let Some(value) = fields[field].as_str().filter(|v| v.len() >= 4) {
            values.push(value.to_string());
        }
    }
    Ok(values)
}

fn logs_hold_no_personal_data() -> anyhow::Result<()> {
    let log =
        String::from_utf8_lossy(&LOG.lock().unwrap_or_else(PoisonError::into_inner)).into_owned();
    anyhow::ensure!(log.contains("DEBUG"), "the debug log was kept");
    for value in personal_data()? {
        anyhow::ensure!(
            !log.to_lowercase().contains(&value.to_lowercase()),
            "the log holds personal data: {value:?} in\n{}",
            log.lines()
                .filter(|l| l.to_lowercase().contains(&value.to_lowercase()))
                .take(3)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    Ok(())
}

fn main() {
    keep_debug_log();
    let args = Arguments::from_args();
    let tools = BrowserTools::find("the story");
    let required = browser_required();
    let postgres = common::postgres_backend();
    let postgres_required = std::env::var("INTAKE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    if let Err(why) = &postgres
        && !postgres_required
    {
        println!("SKIPPING the PostgreSQL story: {why}.");
    }
    let mut trials = Vec::new();
    for (name, backend) in [
        ("story::sqlite", Ok(Backend::Sqlite)),
        ("story::postgres", postgres),
    ] {
        let tools = tools.clone();
        let ignored = match (&tools, &backend) {
            (Err(_), _) => !required,
            (_, Err(_)) => !postgres_required,
            _ => false,
        };
        let trial = Trial::test(name, move || {
            let tools = tools.map_err(|missing| missing_tools(&missing))?;
            let backend = backend?;
            run(&tools, backend)
                .and_then(|()| logs_hold_no_personal_data())
                .map_err(|e| format!("{e:#}").into())
        });
        trials.push(trial.with_ignored_flag(ignored));
    }
    libtest_mimic::run(&args, trials).exit();
}

fn run(tools: &BrowserTools, backend: Backend) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Runtime::new()?;
    runtime.block_on(async {
        let app = TestApp::spawn_with(&backend, |c| c.scanning.process = false).await;
        let driver = Chromedriver::start(&tools.chromedriver).await?;
        let browser = driver.open_session(&tools.chromium, WINDOW).await?;
        let shots = Shots::new(&backend);
        let outcome = story(&app, &browser, &shots).await;
        if outcome.is_err() {
            let _ = shots.take(&browser, "failed").await;
        }
        let _ = browser.close().await;
        app.finish().await;
        outcome
    })
}

async fn story(app: &TestApp, browser: &Client, shots: &Shots) -> anyhow::Result<()> {
    for (name, role) in [("mari", Role::Mailroom), ("kaisa", Role::Caseworker)] {
        app.store.add_user(name, role, PASSWORD.into()).await?;
    }
    let web_reference = jobseeker_sends_the_web_form(app, browser).await?;
    let (paper, paper_batch) = import_the_paper_sample(app).await?;

    // The mailroom checks the paper form, by keyboard only.
    sign_in(app, browser, "mari").await?;
    shots.take(browser, "mailroom-home").await?;
    browser
        .goto(&format!("{}/staff/mailroom", app.base))
        .await?;
    wait_for(browser, "#files").await?;
    shots.take(browser, "mailroom-upload").await?;
    browser
        .goto(&format!(
            "{}/staff/mailroom/batches/{}",
            app.base, paper_batch
        ))
        .await?;
    wait_for(browser, "table").await?;
    shots.take(browser, "mailroom-batch").await?;
    browser.goto(&format!("{}/staff/verify", app.base)).await?;
    wait_for(browser, "#start").await?;
    shots.take(browser, "verify-list").await?;
    let list = browser.source().await?;
    anyhow::ensure!(
        list.contains(paper.reference.as_str()),
        "the verification list shows {}",
        paper.reference
    );
    anyhow::ensure!(
        focused_id(browser).await? == "start",
        "the list starts on its first form"
    );
    press(browser, &Key::Enter.to_string()).await?;
    wait_for(browser, ".verify-form").await?;
    shots.take(browser, "verify-form").await?;
    // The whole page is a link away; then back to the form, whose first
    // field has the focus again.
    let form_url = browser.current_url().await?;
    let pages = wait_for(browser, "#whole-page").await?.attr("href").await?;
    browser
        .goto(&format!("{}{}", app.base, pages.unwrap_or_default()))
        .await?;
    wait_for(browser, ".page-image svg").await?;
    shots.take(browser, "verify-whole-page").await?;
    browser.goto(form_url.as_str()).await?;
    wait_for(browser, ".verify-form").await?;
    correct_by_keyboard(browser, &truth(SAMPLE)?).await?;
    wait_for(browser, ".notice").await?;
    shots.take(browser, "verify-done").await?;
    let notice = browser.find(Locator::Css(".notice")).await?.text().await?;
    anyhow::ensure!(
        notice.contains(paper.reference.as_str()),
        "the list says {} is done: {notice}",
        paper.reference
    );
    let checked = app
        .store
        .registration(paper.id)
        .await?
        .context("the paper registration")?;
    anyhow::ensure!(
        checked.status == RegistrationStatus::AwaitingCall,
        "the checked form is in the queue: {:?}",
        checked.status
    );
    anyhow::ensure!(
        checked
            .fields
            .values()
            .all(|f| f.status != FieldStatus::NeedsReview),
        "nothing left to check"
    );
    browser.delete_all_cookies().await?;

    // The caseworker: both in due order; the paper one, received earlier, first.
    sign_in(app, browser, "kaisa").await?;
    shots.take(browser, "caseworker-home").await?;
    browser.goto(&format!("{}/staff/queue", app.base)).await?;
    wait_for(browser, "table.queue").await?;
    shots.take(browser, "queue").await?;
    let rows = references_in_queue(browser).await?;
    anyhow::ensure!(
        rows == [paper.reference.to_string(), web_reference.clone()],
        "the queue in due order: {rows:?}"
    );
    click(
        browser,
        "table.queue tbody tr:first-child button[type='submit']",
    )
    .await?;
    wait_for(browser, "#phone").await?;
    shots.take(browser, "claimed").await?;
    click(browser, "#outcome-no_answer").await?;
    click(browser, ".attempt-form button[type='submit']").await?;
    wait_for(browser, ".notice").await?;
    shots.take(browser, "queue-after-no-answer").await?;
    let rows = references_in_queue(browser).await?;
    anyhow::ensure!(
        rows == [web_reference.clone()],
        "the unanswered one waits for a later call: {rows:?}"
    );

    // Later: the caseworker finds it among those waiting, and calls again.
    by_name(browser, "when")
        .await?
        .select_by_value("all")
        .await?;
    click(browser, ".filters button[type='submit']").await?;
    wait_for(browser, "table.queue").await?;
    click(
        browser,
        &format!("a.reference-link[href='/staff/registrations/{}']", paper.id),
    )
    .await?;
    wait_for(browser, "#call-title").await?;
    click(browser, "form[action$='/claim'] button").await?;
    wait_for(browser, "#outcome-reached").await?;
    click(browser, "#outcome-reached").await?;
    click(browser, ".attempt-form button[type='submit']").await?;
    wait_for(browser, "#close").await?;
    shots.take(browser, "reached").await?;
    click(browser, "#identity_confirmed").await?;
    click(browser, "#result-registered").await?;
    by_name(browser, "close_note")
        .await?
        .send_keys("Registered in the national system.")
        .await?;
    click(browser, "#close button[type='submit']").await?;
    wait_for(browser, ".notice").await?;
    shots.take(browser, "queue-after-close").await?;

    let closed = app
        .store
        .callback_detail(paper.id, time::OffsetDateTime::now_utc())
        .await?
        .context("the closed registration")?;
    anyhow::ensure!(
        closed.registration.status == RegistrationStatus::Closed
            && closed.registration.identity_verified,
        "closed with identity confirmed: {:?}",
        closed.registration.status
    );
    let outcomes: Vec<&str> = closed
        .call_attempts
        .iter()
        .map(|a| a.outcome.as_str())
        .collect();
    anyhow::ensure!(
        outcomes == ["no_answer", "reached"],
        "two calls logged: {outcomes:?}"
    );
    browser
        .goto(&format!("{}/staff/registrations/{}", app.base, paper.id))
        .await?;
    wait_for(browser, "#result").await?;
    shots.take(browser, "closed-registration").await?;

    // Other mail: a pile with a letter in it, as triage shows it.
    let pipeline = Pipeline::new(app.store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![PathBuf::from(format!("{SAMPLES}/007-batch.pdf"))],
        office: "vaasa".into(),
        received_on: intake_core::calendar::finnish_date(time::OffsetDateTime::now_utc()),
        scanned_by: "story".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let options = WorkerOptions::new(Duration::from_secs(60), 1);
    process_batch(&pipeline, &batch, options, |_| {}).await?;
    browser.goto(&format!("{}/staff/triage", app.base)).await?;
    wait_for(browser, "table.triage-list").await?;
    shots.take(browser, "triage-list").await?;
    click(browser, "table.triage-list tbody a").await?;
    wait_for(browser, "#convert-title").await?;
    shots.take(browser, "triage-item").await?;
    browser.delete_all_cookies().await?;
    letters_to_print(app, browser, shots).await?;
    browser.delete_all_cookies().await?;
    someone_without_an_identity_code(app, browser, shots).await?;
    Ok(())
}

const NO_CODE_PERSON: [(&str, &str); 3] = [
    ("surname", "Kovalenko"),
    ("first_names", "Olena"),
    ("phone", "040 765 4321"),
];

/// Form version 2 in the browser: the box reveals the date of birth and
/// citizenship, "other" reveals the language field, with the style sheet
/// alone; the caseworker then finds the person by the language they need.
async fn someone_without_an_identity_code(
    app: &TestApp,
    browser: &Client,
    shots: &Shots,
) -> anyhow::Result<()> {
    browser.goto(&format!("{}/en", app.base)).await?;
    let birth_date = wait_for(browser, "#birth_date").await?;
    anyhow::ensure!(
        !birth_date.is_displayed().await?,
        "the date of birth is hidden until the box is ticked"
    );
    anyhow::ensure!(
        !by_name(browser, "other_language")
            .await?
            .is_displayed()
            .await?,
        "the language field is hidden until \"other\" is chosen"
    );
    by_name(browser, "office")
        .await?
        .select_by_value("vaasa")
        .await?;
    for (name, text) in NO_CODE_PERSON {
        by_name(browser, name).await?.send_keys(text).await?;
    }
    click(browser, "#no_hetu").await?;
    anyhow::ensure!(
        birth_date.is_displayed().await?,
        "ticking the box shows the date of birth"
    );
    birth_date.send_keys("6.4.1990").await?;
    by_name(browser, "citizenship")
        .await?
        .select_by_value("UA")
        .await?;
    click(browser, "#service_language-other").await?;
    let language = by_name(browser, "other_language").await?;
    anyhow::ensure!(
        language.is_displayed().await?,
        "choosing \"other\" shows the language field"
    );
    language.send_keys("Ukrainian").await?;
    click(browser, "input[name='situation'][value='unemployed']").await?;
    click(browser, "input[name='contact_consent']").await?;
    shots.take(browser, "form-without-identity-code").await?;
    click(browser, "button[type='submit']").await?;
    let reference = browser
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Id("reference"))
        .await
        .context("the receipt")?
        .text()
        .await?;
    let reference = Reference::parse(reference.trim()).context("a reference")?;
    let stored = app
        .store
        .registration_by_reference(&reference)
        .await?
        .context("stored")?;
    anyhow::ensure!(
        stored.text("hetu").is_none()
            && stored.text("birth_date") == Some("1990-04-06")
            && stored.text("citizenship") == Some("UA")
            && stored.text("other_language") == Some("Ukrainian"),
        "stored without a code: {:?}",
        stored.fields
    );

    sign_in(app, browser, "kaisa").await?;
    browser
        .goto(&format!("{}/staff/queue?other_language=ukrain", app.base))
        .await?;
    wait_for(browser, "table.queue").await?;
    shots.take(browser, "queue-by-other-language").await?;
    let rows = references_in_queue(browser).await?;
    anyhow::ensure!(
        rows == [reference.to_string()],
        "the queue by the language needed: {rows:?}"
    );
    anyhow::ensure!(
        browser.source().await?.contains(": Ukrainian</td>"),
        "the queue says which language"
    );
    Ok(())
}

/// Someone the phone does not reach: after three calls the mailroom prints
/// their letter and marks the batch sent, which closes the registration.
async fn letters_to_print(app: &TestApp, browser: &Client, shots: &Shots) -> anyhow::Result<()> {
    let token = app.form_token("sv").await;
    let hetu = intake_devtools::synthetic::hetu(&mut rand::rng());
    let fields = [
        ("office", "vaasa"),
        ("hetu", hetu.as_str()),
        ("surname", "Holm"),
        ("first_names", "Sara"),
        ("street_address", "Kauppakatu 12 B 4"),
        ("postal_code", "65100"),
        ("post_office", "Vaasa"),
        ("phone", "040 111 2233"),
        ("service_language", "sv"),
        ("situation", "unemployed"),
        ("call_time", "any"),
        ("contact_consent", "yes"),
        ("website", ""),
        ("form_token", token.as_str()),
    ];
    let (status, receipt) = app.post("/sv", &fields).await;
    anyhow::ensure!(status.is_success(), "the web form: {status}");
    let reference = common::reference(&receipt).context("a reference")?;
    let registration = app
        .store
        .registration_by_reference(&Reference::parse(&reference).context("a reference")?)
        .await?
        .context("stored")?;
    let caller = app
        .store
        .add_user("pekka", Role::Caseworker, PASSWORD.into())
        .await?;
    for _ in 0..3 {
        let now = time::OffsetDateTime::now_utc();
        let settings = &app.config.staff;
        app.store
            .claim(registration.id, caller.id, settings, now)
            .await?;
        let attempt = NewCallAttempt {
            outcome: CallOutcome::NoAnswer,
            note: String::new(),
            call_back_at: None,
        };
        app.store
            .log_attempt(registration.id, caller.id, &attempt, settings, now)
            .await?;
    }
    sign_in(app, browser, "mari").await?;
    browser.goto(&format!("{}/staff/letters", app.base)).await?;
    wait_for(browser, "#pending-letters").await?;
    shots.take(browser, "letters").await?;
    let pending = browser
        .find(Locator::Css("#pending-letters"))
        .await?
        .text()
        .await?;
    anyhow::ensure!(pending.contains(&reference), "pending: {pending}");
    click(
        browser,
        "form[method='post'][action='/staff/letters'] button",
    )
    .await?;
    let download = wait_for(browser, "#download").await?;
    shots.take(browser, "letter-batch").await?;
    let href = download.attr("href").await?.unwrap_or_default();
    anyhow::ensure!(href.ends_with("/pdf"), "the download: {href}");
    click(browser, "form[action$='/sent'] button").await?;
    wait_for(browser, ".notice").await?;
    shots.take(browser, "letters-sent").await?;
    let closed = app
        .store
        .registration(registration.id)
        .await?
        .context("the registration")?;
    anyhow::ensure!(
        closed.status == RegistrationStatus::Closed,
        "closed as letter sent: {:?}",
        closed.status
    );
    Ok(())
}

/// What the jobseeker types into the web form.
const WEB_PERSON: [(&str, &str); 4] = [
    ("hetu", "131052-308T"),
    ("surname", "Virtanen"),
    ("first_names", "Aino Helmi"),
    ("phone", "040 123 4567"),
];
const WEB_PERSON_PHONE_DIGITS: [&str; 2] = ["0401234567", "+358401234567"];

async fn jobseeker_sends_the_web_form(app: &TestApp, browser: &Client) -> anyhow::Result<String> {
    browser.goto(&format!("{}/fi", app.base)).await?;
    by_name(browser, "office")
        .await?
        .select_by_value("vaasa")
        .await?;
    for (name, text) in WEB_PERSON {
        by_name(browser, name).await?.send_keys(text).await?;
    }
    click(browser, "#service_language-fi").await?;
    click(browser, "input[name='situation'][value='unemployed']").await?;
    click(browser, "input[name='contact_consent']").await?;
    click(browser, "button[type='submit']").await?;
    let reference = browser
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Id("reference"))
        .await
        .context("the receipt")?
        .text()
        .await?;
    Ok(reference.trim().to_string())
}

/// The sample read as the mailroom's import reads it, received three days
/// ago; it must come out with at least one field to check.
async fn import_the_paper_sample(
    app: &TestApp,
) -> anyhow::Result<(intake_core::record::Registration, uuid::Uuid)> {
    let pipeline = Pipeline::new(app.store.clone(), &app.config)?;
    let today = intake_core::calendar::finnish_date(time::OffsetDateTime::now_utc());
    let request = ImportRequest {
        paths: vec![PathBuf::from(format!("{SAMPLES}/{SAMPLE_FILE}"))],
        office: "vaasa".into(),
        received_on: today - time::Duration::days(3),
        scanned_by: "story".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let options = WorkerOptions::new(Duration::from_secs(60), 1);
    process_batch(&pipeline, &batch, options, |_| {}).await?;
    let registration = app
        .store
        .batch_registrations(batch.id)
        .await?
        .pop()
        .context("the sample made no registration")?;
    anyhow::ensure!(
        registration.status == RegistrationStatus::AwaitingReview,
        "{SAMPLE} should read with a field to check, but it is {:?}",
        registration.status
    );
    Ok((registration, batch.id))
}

/// The values really on the sample, from its truth file.
fn truth(sample: &str) -> anyhow::Result<BTreeMap<String, serde_json::Value>> {
    let path = format!("{SAMPLES}/{sample}.truth.json");
    let truth: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path)?)?;
    let fields = truth["documents"][0]["fields"]
        .as_object()
        .context("truth fields")?;
    Ok(fields.clone().into_iter().collect())
}

/// Types the true value into every flagged field: the first has the focus,
/// Tab moves on, Enter saves. No clicks.
async fn correct_by_keyboard(
    browser: &Client,
    truth: &BTreeMap<String, serde_json::Value>,
) -> anyhow::Result<()> {
    let inputs = browser
        .find_all(Locator::Css(
            ".verify-form input[id^='f-'], .verify-form select",
        ))
        .await?;
    anyhow::ensure!(!inputs.is_empty(), "the form has no field to check");
    let mut ids = Vec::new();
    for input in &inputs {
        ids.push(input.attr("id").await?.unwrap_or_default());
    }
    for (i, id) in ids.iter().enumerate() {
        anyhow::ensure!(
            focused_id(browser).await? == *id,
            "the focus should be on {id}, not {:?}",
            focused_id(browser).await?
        );
        let field = id.trim_start_matches("f-");
        let element = browser.active_element().await?;
        let value = truth.get(field).cloned().unwrap_or(serde_json::Value::Null);
        let kind = (
            element.tag_name().await?,
            element.attr("type").await?.unwrap_or_default(),
        );
        match (kind.0.as_str(), kind.1.as_str()) {
            ("select", _) => {
                let wanted = value.as_str().unwrap_or("");
                let label = element
                    .find(Locator::Css(&format!("option[value='{wanted}']")))
                    .await?
                    .text()
                    .await?;
                press(browser, &label).await?;
            }
            (_, "checkbox") => {
                let ticked = element.is_selected().await?;
                if ticked != (value == serde_json::Value::Bool(true)) {
                    press(browser, " ").await?;
                }
            }
            _ => {
                let text = value.as_str().unwrap_or("");
                let select_all = format!("{}a{}", Key::Control, Key::Null);
                press(browser, &format!("{select_all}{}{text}", Key::Backspace)).await?;
            }
        }
        let last = i + 1 == ids.len();
        if last && kind.0 == "input" && kind.1 == "text" {
            press(browser, &Key::Enter.to_string()).await?;
        } else {
            press(browser, &Key::Tab.to_string()).await?;
            if last {
                anyhow::ensure!(
                    focused_id(browser).await? == "save",
                    "after the last field comes the save button"
                );
                press(browser, &Key::Enter.to_string()).await?;
            }
        }
    }
    Ok(())
}

async fn sign_in(app: &TestApp, browser: &Client, name: &str) -> anyhow::Result<()> {
    browser.goto(&format!("{}/staff/sign-in", app.base)).await?;
    wait_for(browser, "#name").await?;
    anyhow::ensure!(
        focused_id(browser).await? == "name",
        "the name has the focus"
    );
    press(
        browser,
        &format!("{name}{}{PASSWORD}{}", Key::Tab, Key::Enter),
    )
    .await?;
    wait_for(browser, ".home-links").await?;
    Ok(())
}

async fn references_in_queue(browser: &Client) -> anyhow::Result<Vec<String>> {
    let mut references = Vec::new();
    for link in browser
        .find_all(Locator::Css("table.queue tbody .reference-link"))
        .await?
    {
        references.push(link.text().await?.trim().to_string());
    }
    Ok(references)
}

/// Keys to whatever has the focus, as a person typing.
async fn press(browser: &Client, keys: &str) -> anyhow::Result<()> {
    browser
        .active_element()
        .await?
        .send_keys(keys)
        .await
        .context("typing")
}

async fn focused_id(browser: &Client) -> anyhow::Result<String> {
    Ok(browser
        .active_element()
        .await?
        .attr("id")
        .await?
        .unwrap_or_default())
}

async fn wait_for(browser: &Client, css: &str) -> anyhow::Result<Element> {
    browser
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Css(css))
        .await
        .with_context(|| format!("`{css}` did not appear"))
}

/// Numbered screenshots of whole pages, under `target/screenshots`.
struct Shots {
    prefix: String,
    count: std::sync::atomic::AtomicUsize,
}

impl Shots {
    fn new(backend: &Backend) -> Shots {
        let prefix = format!("story-{}", backend.name());
        // Pictures of an earlier run would mix with this one's.
        for entry in std::fs::read_dir(screenshot_folder())
            .into_iter()
            .flatten()
            .flatten()
        {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with(&format!("{prefix}-")) && name.ends_with(".png") {
                let _ = std::fs::remove_file(entry.path());
            }
        }
        Shots {
            prefix,
            count: Default::default(),
        }
    }

    async fn take(&self, browser: &Client, what: &str) -> anyhow::Result<()> {
        let n = self
            .count
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        save_screenshot(browser, &format!("{}-{n:02}-{what}.png", self.prefix)).await
    }
}
