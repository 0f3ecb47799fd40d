//! Browser tests: a real headless Chromium, driven over WebDriver, fills the
//! public form of an app started in-process on a fresh SQLite database.
//! Without Chromium or chromedriver the trials are ignored, unless
//! `INTAKE_REQUIRE_BROWSER=1` (as in CI) makes that a failure.

mod common;

use std::time::Duration;

use anyhow::Context;
use common::browser::{
    BrowserTools, Chromedriver, REQUIRE_BROWSER, browser_required, by_name, click, missing_tools,
    save_screenshot,
};
use common::{Backend, TestApp};
use fantoccini::{Client, Locator};
use libtest_mimic::{Arguments, Trial};

/// What a reference may be made of: no look-alikes (I, O, Q, Z, 0, 1).
const REFERENCE_ALPHABET: &str = "ABCDEFGHJKLMNPRSTUVWXY23456789";

/// How long a page may take to show what a test waits for.
const PAGE_WAIT: Duration = Duration::from_secs(10);

/// A desktop width (QUIC off); screenshots grow the height to the page.
const WINDOW: &[&str] = &["--disable-quic", "--window-size=1000,2400"];

fn main() {
    let args = Arguments::from_args();
    let tools = BrowserTools::find("browser tests");
    let trials = vec![
        trial(
            "browser::jobseeker_fills_the_form_in_finnish",
            &tools,
            jobseeker_fills_the_form_in_finnish,
        ),
        trial(
            "browser::errors_are_shown_and_answers_kept",
            &tools,
            errors_are_shown_and_answers_kept,
        ),
    ];
    libtest_mimic::run(&args, trials).exit();
}

async fn jobseeker_fills_the_form_in_finnish(
    app: &TestApp,
    browser: &Client,
) -> anyhow::Result<()> {
    browser.goto(&format!("{}/fi", app.base)).await?;
    by_name(browser, "office")
        .await?
        .select_by_value("vaasa")
        .await
        .context("choosing the office `vaasa`")?;
    type_into(browser, "hetu", "131052-308T").await?;
    type_into(browser, "surname", "Virtanen").await?;
    type_into(browser, "first_names", "Aino Helmi").await?;
    type_into(browser, "phone", "040 123 4567").await?;
    type_into(browser, "postal_code", "65100").await?;
    click(browser, "#service_language-fi").await?;
    click(browser, "input[name='situation'][value='unemployed']").await?;
    click(browser, "input[name='contact_consent']").await?;
    save_screenshot(browser, "form-filled-fi.png").await?;

    click(browser, "button[type='submit']").await?;
    let reference = browser
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Id("reference"))
        .await
        .context("the receipt with `#reference` did not appear after sending")?
        .text()
        .await?;
    save_screenshot(browser, "receipt-fi.png").await?;
    anyhow::ensure!(
        reference.len() == 8 && reference.chars().all(|c| REFERENCE_ALPHABET.contains(c)),
        "the reference `{reference}` is not 8 characters of {REFERENCE_ALPHABET}"
    );

    let count = app.store.count_registrations().await?;
    anyhow::ensure!(count == 1, "expected 1 stored registration, found {count}");
    // The store has no lookup by reference; the receipt's private status
    // link leads to the same registration.
    let status_href = browser
        .find(Locator::Id("status-link"))
        .await
        .context("the receipt has no `#status-link`")?
        .attr("href")
        .await?
        .context("the status link has no href")?;
    let token = status_href.rsplit('/').next().unwrap_or_default();
    let stored = app
        .store
        .status_by_token(token)
        .await?
        .with_context(|| format!("the status link {status_href} leads to no registration"))?
        .registration;
    anyhow::ensure!(
        stored.reference.as_str() == reference,
        "the receipt shows {reference} but {} was stored",
        stored.reference
    );
    anyhow::ensure!(stored.office == "vaasa", "stored office: {}", stored.office);
    anyhow::ensure!(
        stored.text("hetu") == Some("131052-308T"),
        "stored hetu: {:?}",
        stored.text("hetu")
    );
    anyhow::ensure!(
        stored.text("phone") == Some("+358401234567"),
        "stored phone: {:?}",
        stored.text("phone")
    );
    Ok(())
}

async fn errors_are_shown_and_answers_kept(app: &TestApp, browser: &Client) -> anyhow::Result<()> {
    browser.goto(&format!("{}/en", app.base)).await?;
    type_into(browser, "surname", "Nyström").await?;
    type_into(browser, "hetu", "131052-308A").await?;
    click(browser, "button[type='submit']").await?;

    let summary = browser
        .wait()
        .at_most(PAGE_WAIT)
        .for_element(Locator::Css(".error-summary"))
        .await
        .context("no `.error-summary` after sending a form with errors")?;
    save_screenshot(browser, "errors-en.png").await?;
    let hetu_link = summary
        .find(Locator::Css("a[href='#hetu']"))
        .await
        .context("the error summary has no link to `#hetu`")?;
    let link_text = hetu_link.text().await?;
    anyhow::ensure!(
        link_text.contains("Personal identity code"),
        "the summary link to #hetu reads `{link_text}`, not the English field label"
    );
    let hetu = value_of(browser, "hetu").await?;
    anyhow::ensure!(
        hetu == "131052-308A",
        "the hetu input holds `{hetu}` after the error"
    );
    let surname = value_of(browser, "surname").await?;
    anyhow::ensure!(
        surname == "Nyström",
        "the surname input holds `{surname}` after the error"
    );

    hetu_link.click().await?;
    let focused = browser.active_element().await?.attr("id").await?;
    anyhow::ensure!(
        focused.as_deref() == Some("hetu"),
        "after following the summary link the focus is on {focused:?}, not the hetu input"
    );

    let count = app.store.count_registrations().await?;
    anyhow::ensure!(
        count == 0,
        "a form with errors stored {count} registration(s)"
    );
    Ok(())
}

/// A trial that runs `test` with its own runtime, app and browser, or that
/// is ignored (or fails, when required) if the browser tools are missing.
fn trial<T>(name: &str, tools: &Result<BrowserTools, String>, test: T) -> Trial
where
    T: AsyncFnOnce(&TestApp, &Client) -> anyhow::Result<()> + Send + 'static,
{
    match tools {
        Ok(tools) => {
            let tools = tools.clone();
            let screenshot = format!("failed-{}.png", name.trim_start_matches("browser::"));
            Trial::test(name, move || {
                in_browser(&tools, &screenshot, test).map_err(|e| format!("{e:#}").into())
            })
        }
        Err(missing) => {
            let message = missing_tools(missing);
            let required = browser_required();
            let message = if required {
                format!("{REQUIRE_BROWSER}=1 but {message}")
            } else {
                message
            };
            Trial::test(name, move || Err(message.into())).with_ignored_flag(!required)
        }
    }
}

fn in_browser<T>(tools: &BrowserTools, failure_screenshot: &str, test: T) -> anyhow::Result<()>
where
    T: AsyncFnOnce(&TestApp, &Client) -> anyhow::Result<()>,
{
    let runtime = tokio::runtime::Runtime::new().context("starting a tokio runtime")?;
    runtime.block_on(async {
        let app = TestApp::spawn(&Backend::Sqlite).await;
        let driver = Chromedriver::start(&tools.chromedriver).await?;
        let browser = driver.open_session(&tools.chromium, WINDOW).await?;
        let outcome = test(&app, &browser).await;
        if outcome.is_err() {
            // Best effort: the failure itself is what gets reported.
            let _ = save_screenshot(&browser, failure_screenshot).await;
        }
        let closed = browser.close().await;
        app.finish().await;
        outcome?;
        closed.context("closing the Chromium session")
    })
}

async fn type_into(browser: &Client, name: &str, text: &str) -> anyhow::Result<()> {
    by_name(browser, name)
        .await?
        .send_keys(text)
        .await
        .with_context(|| format!("typing into `{name}`"))
}

async fn value_of(browser: &Client, name: &str) -> anyhow::Result<String> {
    Ok(by_name(browser, name)
        .await?
        .prop("value")
        .await?
        .unwrap_or_default())
}
