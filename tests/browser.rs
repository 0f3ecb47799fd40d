//! Browser tests: a real headless Chromium, driven over WebDriver, fills the
//! public form of an app started in-process on a fresh SQLite database.
//! Without Chromium or chromedriver the trials are ignored, unless
//! `INTAKE_REQUIRE_BROWSER=1` (as in CI) makes that a failure.

use std::net::TcpListener as PortProbe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, anyhow, bail, ensure};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use intake_service::config::Config;
use intake_service::store::Store;
use libtest_mimic::{Arguments, Trial};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

const REQUIRE_BROWSER: &str = "INTAKE_REQUIRE_BROWSER";
const INSTALL_HINT: &str = "apt-get install chromium chromium-driver";

/// What a reference may be made of: no look-alikes (I, O, Q, Z, 0, 1).
const REFERENCE_ALPHABET: &str = "ABCDEFGHJKLMNPRSTUVWXY23456789";

/// How long a page may take to show what a test waits for.
const PAGE_WAIT: Duration = Duration::from_secs(10);

/// chromedriver answers within a second or two; this bounds a broken one.
const DRIVER_STATUS_TRIES: u32 = 100;
const DRIVER_STATUS_EVERY: Duration = Duration::from_millis(100);

/// Headless and quiet (no GPU, sandbox or background traffic); the width
/// is a desktop one, and screenshots grow the height to the whole page.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1000,2400",
];

fn main() {
    // fantoccini and the app's reqwest enable different rustls back ends.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let args = Arguments::from_args();
    let tools = BrowserTools::find();
    if let Err(missing) = &tools
        && !browser_required()
    {
        println!("SKIPPED browser tests: {missing} ({INSTALL_HINT})");
    }
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
    ensure!(
        reference.len() == 8 && reference.chars().all(|c| REFERENCE_ALPHABET.contains(c)),
        "the reference `{reference}` is not 8 characters of {REFERENCE_ALPHABET}"
    );

    let count = app.store.count_registrations().await?;
    ensure!(count == 1, "expected 1 stored registration, found {count}");
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
    ensure!(
        stored.reference.as_str() == reference,
        "the receipt shows {reference} but {} was stored",
        stored.reference
    );
    ensure!(stored.office == "vaasa", "stored office: {}", stored.office);
    ensure!(
        stored.text("hetu") == Some("131052-308T"),
        "stored hetu: {:?}",
        stored.text("hetu")
    );
    ensure!(
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
    ensure!(
        link_text.contains("Personal identity code"),
        "the summary link to #hetu reads `{link_text}`, not the English field label"
    );
    let hetu = value_of(browser, "hetu").await?;
    ensure!(
        hetu == "131052-308A",
        "the hetu input holds `{hetu}` after the error"
    );
    let surname = value_of(browser, "surname").await?;
    ensure!(
        surname == "Nyström",
        "the surname input holds `{surname}` after the error"
    );

    hetu_link.click().await?;
    let focused = browser.active_element().await?.attr("id").await?;
    ensure!(
        focused.as_deref() == Some("hetu"),
        "after following the summary link the focus is on {focused:?}, not the hetu input"
    );

    let count = app.store.count_registrations().await?;
    ensure!(
        count == 0,
        "a form with errors stored {count} registration(s)"
    );
    Ok(())
}

/// Where chromedriver and Chromium are, or what is missing.
#[derive(Clone)]
struct BrowserTools {
    chromedriver: PathBuf,
    chromium: PathBuf,
}

impl BrowserTools {
    fn find() -> Result<BrowserTools, String> {
        let chromedriver = find_program("chromedriver").ok_or("chromedriver not found")?;
        let chromium = find_program("chromium").ok_or("chromium not found")?;
        Ok(BrowserTools {
            chromedriver,
            chromium,
        })
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .chain([Path::new("/usr/bin").join(name)])
        .find(|candidate| candidate.is_file())
}

fn browser_required() -> bool {
    std::env::var(REQUIRE_BROWSER).is_ok_and(|v| v == "1")
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
            let message = format!("{missing} ({INSTALL_HINT})");
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
        let app = TestApp::spawn().await?;
        let driver = Chromedriver::start(&tools.chromedriver).await?;
        let browser = driver.open_session(&tools.chromium).await?;
        let outcome = test(&app, &browser).await;
        if outcome.is_err() {
            // Best effort: the failure itself is what gets reported.
            let _ = save_screenshot(&browser, failure_screenshot).await;
        }
        let closed = browser.close().await;
        app.stop().await;
        outcome?;
        closed.context("closing the Chromium session")
    })
}

/// The app on port 0 with its own database, and a handle on that database.
struct TestApp {
    base: String,
    store: Store,
    server: JoinHandle<anyhow::Result<()>>,
    _dir: TempDir,
}

impl TestApp {
    async fn spawn() -> anyhow::Result<TestApp> {
        let dir = tempfile::tempdir().context("creating a temporary data folder")?;
        let config = Config {
            database_url: format!("sqlite://{}/intake.db", dir.path().display()),
            data_dir: dir.path().to_path_buf(),
            forms_dir: Path::new(env!("CARGO_MANIFEST_DIR")).join("forms"),
            ..Config::default()
        };
        let app = intake_service::Application::build(config).await?;
        let store = app.store().clone();
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(app.serve(listener));
        Ok(TestApp {
            base,
            store,
            server,
            _dir: dir,
        })
    }

    /// Stops serving and closes the database before its folder is removed.
    async fn stop(self) {
        self.server.abort();
        let _ = self.server.await;
        self.store.close().await;
    }
}

/// A chromedriver process, killed when this is dropped (also on panic).
struct Chromedriver {
    process: Child,
    url: String,
}

impl Chromedriver {
    async fn start(program: &Path) -> anyhow::Result<Chromedriver> {
        let port = PortProbe::bind("127.0.0.1:0")?.local_addr()?.port();
        let process = Command::new(program)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {}", program.display()))?;
        let mut driver = Chromedriver {
            process,
            url: format!("http://127.0.0.1:{port}"),
        };
        driver.wait_until_ready().await?;
        Ok(driver)
    }

    async fn wait_until_ready(&mut self) -> anyhow::Result<()> {
        let status_url = format!("{}/status", self.url);
        let http = reqwest::Client::new();
        for _ in 0..DRIVER_STATUS_TRIES {
            if let Some(exit) = self.process.try_wait()? {
                bail!("chromedriver exited before it was ready: {exit}");
            }
            let answer = http
                .get(&status_url)
                .timeout(Duration::from_secs(1))
                .send()
                .await;
            if answer.is_ok_and(|r| r.status().is_success()) {
                return Ok(());
            }
            tokio::time::sleep(DRIVER_STATUS_EVERY).await;
        }
        bail!("chromedriver did not answer on {status_url}")
    }

    async fn open_session(&self, chromium: &Path) -> anyhow::Result<Client> {
        let options = serde_json::json!({
            "binary": chromium,
            "args": CHROMIUM_ARGS,
        });
        let capabilities = serde_json::Map::from_iter([("goog:chromeOptions".into(), options)]);
        // With both of rustls' crypto providers compiled in (`ring` from
        // reqwest, `aws-lc-rs` from fantoccini) and none installed for the
        // process, `rustls()` panics; say what to do instead.
        let mut builder = std::panic::catch_unwind(ClientBuilder::rustls).map_err(|_| {
            anyhow!(
                "fantoccini's rustls has no crypto provider: install one at the start of main() \
                 (`rustls::crypto::ring::default_provider().install_default()`, with `rustls` \
                 as a dev-dependency)"
            )
        })??;
        builder
            .capabilities(capabilities)
            .connect(&self.url)
            .await
            .with_context(|| format!("opening a session of {}", chromium.display()))
    }
}

impl Drop for Chromedriver {
    fn drop(&mut self) {
        let _ = self.process.kill();
        let _ = self.process.wait();
    }
}

async fn by_name(browser: &Client, name: &str) -> anyhow::Result<Element> {
    browser
        .find(Locator::Css(&format!("[name='{name}']")))
        .await
        .with_context(|| format!("the page has no field named `{name}`"))
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

async fn click(browser: &Client, css: &str) -> anyhow::Result<()> {
    browser
        .find(Locator::Css(css))
        .await
        .with_context(|| format!("the page has no `{css}`"))?
        .click()
        .await
        .with_context(|| format!("clicking `{css}`"))
}

/// The whole page, not only what the window shows: the window grows to the
/// page's height for the picture, then returns to its size.
async fn save_screenshot(browser: &Client, file_name: &str) -> anyhow::Result<()> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let (width, height) = browser.get_window_size().await?;
    let needed = browser
        .execute(
            "return document.documentElement.scrollHeight + window.outerHeight - window.innerHeight;",
            vec![],
        )
        .await?
        .as_u64()
        .unwrap_or(height);
    let grow = needed > height;
    if grow {
        browser
            .set_window_size(u32::try_from(width)?, u32::try_from(needed)?)
            .await?;
    }
    let png = browser.screenshot().await.context("taking a screenshot");
    if grow {
        browser
            .set_window_size(u32::try_from(width)?, u32::try_from(height)?)
            .await?;
    }
    let path = folder.join(file_name);
    std::fs::write(&path, png?).with_context(|| format!("writing {}", path.display()))
}
