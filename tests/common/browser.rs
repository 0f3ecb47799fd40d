//! A real headless Chromium driven over WebDriver: finding chromedriver and
//! Chromium, a chromedriver process with a session on it, whole-page
//! screenshots and the element helpers the browser tests share. Without the
//! tools the trials are ignored, unless `INTAKE_REQUIRE_BROWSER=1` (as in CI)
//! makes that a failure.

use std::net::TcpListener as PortProbe;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use anyhow::{Context, bail};
use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

pub const REQUIRE_BROWSER: &str = "INTAKE_REQUIRE_BROWSER";
pub const INSTALL_HINT: &str = "apt-get install chromium chromium-driver";

/// chromedriver answers within a second or two; this bounds a broken one.
const DRIVER_STATUS_TRIES: u32 = 100;
const DRIVER_STATUS_EVERY: Duration = Duration::from_millis(100);

/// Headless and quiet (no GPU, sandbox or background traffic). Each test
/// adds its window size; screenshots grow the height to the whole page.
const CHROMIUM_ARGS: &[&str] = &[
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
];

/// Whether missing tools fail the trials instead of leaving them ignored.
pub fn browser_required() -> bool {
    std::env::var(REQUIRE_BROWSER).is_ok_and(|v| v == "1")
}

/// What is missing, with how to install it.
pub fn missing_tools(missing: &str) -> String {
    format!("{missing} ({INSTALL_HINT})")
}

/// Where chromedriver and Chromium are, or what is missing.
#[derive(Clone)]
pub struct BrowserTools {
    pub chromedriver: PathBuf,
    pub chromium: PathBuf,
}

impl BrowserTools {
    /// The tools; without them, a line saying that `what` is skipped
    /// (unless they are required).
    pub fn find(what: &str) -> Result<BrowserTools, String> {
        let tools = find_program("chromedriver")
            .ok_or("chromedriver not found")
            .and_then(|chromedriver| {
                let chromium = find_program("chromium").ok_or("chromium not found")?;
                Ok(BrowserTools {
                    chromedriver,
                    chromium,
                })
            })
            .map_err(str::to_string);
        if let Err(missing) = &tools
            && !browser_required()
        {
            println!("SKIPPED {what}: {}", missing_tools(missing));
        }
        tools
    }
}

fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .chain([Path::new("/usr/bin").join(name)])
        .find(|candidate| candidate.is_file())
}

/// A chromedriver process, killed when this is dropped (also on panic).
pub struct Chromedriver {
    process: Child,
    url: String,
}

impl Chromedriver {
    pub async fn start(program: &Path) -> anyhow::Result<Chromedriver> {
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

    /// A Chromium session with the common flags and `more_args` (at least
    /// a `--window-size`).
    pub async fn open_session(
        &self,
        chromium: &Path,
        more_args: &[&str],
    ) -> anyhow::Result<Client> {
        let args: Vec<&str> = CHROMIUM_ARGS.iter().chain(more_args).copied().collect();
        let options = serde_json::json!({
            "binary": chromium,
            "args": args,
        });
        let capabilities = serde_json::Map::from_iter([("goog:chromeOptions".into(), options)]);
        // ChromeDriver listens on loopback: plain HTTP, no TLS to build.
        ClientBuilder::new(HttpConnector::new())
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

pub async fn by_name(browser: &Client, name: &str) -> anyhow::Result<Element> {
    browser
        .find(Locator::Css(&format!("[name='{name}']")))
        .await
        .with_context(|| format!("the page has no field named `{name}`"))
}

pub async fn click(browser: &Client, css: &str) -> anyhow::Result<()> {
    browser
        .find(Locator::Css(css))
        .await
        .with_context(|| format!("the page has no `{css}`"))?
        .click()
        .await
        .with_context(|| format!("clicking `{css}`"))
}

/// Where screenshots go: `target/screenshots`.
pub fn screenshot_folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots")
}

/// The whole page, not only what the window shows, as `file_name` in the
/// screenshot folder: the window grows to the page's height for the
/// picture, then returns to its size.
pub async fn save_screenshot(browser: &Client, file_name: &str) -> anyhow::Result<()> {
    let folder = screenshot_folder();
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
