//! `intake bench pages`: how long the staff pages take over a preloaded
//! database, each fetched over loopback by a signed-in admin as a browser
//! would: the callback queue, the verification list, the dashboard, the
//! queue searched by identity code and by phone, and a day's export.

use std::time::{Duration, Instant};

use anyhow::Context;
use tokio::net::TcpListener;

use super::preload;
use intake_service::Application;
use intake_service::accounts::Role;
use intake_service::config::Config;

pub struct PagesBench {
    /// `sqlite` (a temporary file) or a `postgres://` URL (a fresh schema).
    pub database: String,
    pub preload: usize,
    /// Times each page is fetched; the report gives the median and the slowest.
    pub rounds: usize,
}

pub struct PageTiming {
    pub page: &'static str,
    pub median: Duration,
    pub max: Duration,
    pub bytes: usize,
}

impl std::fmt::Display for PageTiming {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "  {:<24} median {:>8.1} ms  max {:>8.1} ms  ({} bytes)",
            self.page,
            self.median.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3,
            self.bytes
        )
    }
}

const PASSWORD: &str = "bench pages password 1";

pub async fn run(bench: PagesBench) -> anyhow::Result<Vec<PageTiming>> {
    let scratch = tempfile::tempdir().context("making a scratch folder")?;
    let (database_url, schema) =
        super::submit::scratch_database(&bench.database, scratch.path()).await?;
    let config = Config {
        database_url: database_url.clone(),
        data_dir: scratch.path().to_owned(),
        ..Config::default()
    };
    let app = Application::build(config).await?;
    let store = app.store().clone();
    println!("{}", preload::preload(&database_url, bench.preload).await?);
    // Someone to search for: a person in the queue, found by code and phone.
    let person: Option<(String, String)> = sqlx::query_as(
        "SELECT r.hetu, r.phone FROM registrations r JOIN callbacks c ON c.registration_id = r.id \
         WHERE r.status = 'awaiting_call' AND r.hetu IS NOT NULL AND r.phone IS NOT NULL LIMIT 1",
    )
    .fetch_optional(&preload::connect(&database_url).await?)
    .await?;
    let (hetu, phone) = person.unwrap_or_default();
    store
        .add_user("bench-admin", Role::Admin, PASSWORD.into())
        .await?;
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(app.serve(listener));
    let browser = Browser::sign_in(&base, "bench-admin").await?;

    let today = time::OffsetDateTime::now_utc().date();
    let day = today - time::Duration::days(30);
    let export = format!("/staff/export/closed.csv?from={day}&to={day}");
    let mut timings = Vec::new();
    let pages: [(&'static str, Request); 6] = [
        ("callback queue", Request::Get("/staff/queue".into())),
        ("verification list", Request::Get("/staff/verify".into())),
        ("dashboard", Request::Get("/staff/dashboard".into())),
        ("search by hetu", Request::Search(hetu)),
        ("search by phone", Request::Search(phone)),
        ("export of one day", Request::Get(export)),
    ];
    for (page, request) in pages {
        let mut times = Vec::with_capacity(bench.rounds);
        let mut bytes = 0;
        for _ in 0..bench.rounds.max(1) {
            let started = Instant::now();
            bytes = browser.fetch(&request).await.with_context(|| page)?;
            times.push(started.elapsed());
        }
        times.sort();
        timings.push(PageTiming {
            page,
            median: times[times.len() / 2],
            max: *times.last().expect("at least one round"),
            bytes,
        });
    }
    server.abort();
    store.close().await;
    if let Some(schema) = schema {
        intake_service::store::drop_schema(&bench.database, &schema).await?;
    }
    Ok(timings)
}

enum Request {
    Get(String),
    /// The queue's search box (posted, so that no one's data is in a URL).
    Search(String),
}

/// A signed-in staff member's cookie and CSRF token.
struct Browser {
    base: String,
    client: reqwest::Client,
    cookie: String,
    csrf: String,
}

impl Browser {
    async fn sign_in(base: &str, name: &str) -> anyhow::Result<Browser> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let form = client.get(format!("{base}/staff/sign-in")).send().await?;
        let pre_session = cookie(&form, "intake_sign_in=").context("no pre-session cookie")?;
        let page = form.text().await?;
        let token = crate::synthetic::form_token(&page).context("no sign-in token")?;
        let body = serde_urlencoded::to_string([
            ("name", name),
            ("password", PASSWORD),
            ("form_token", &token),
            ("next", "/staff"),
        ])?;
        let signed = client
            .post(format!("{base}/staff/sign-in"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("cookie", pre_session)
            .body(body)
            .send()
            .await?;
        let cookie = cookie(&signed, "intake_staff=").context("signing in failed")?;
        let home = client
            .get(format!("{base}/staff"))
            .header("cookie", &cookie)
            .send()
            .await?
            .text()
            .await?;
        let marker = "name=\"csrf\" value=\"";
        let start = home.find(marker).context("no CSRF token")? + marker.len();
        let end = start + home[start..].find('"').context("no CSRF token")?;
        Ok(Browser {
            base: base.to_string(),
            csrf: home[start..end].to_string(),
            client,
            cookie,
        })
    }

    /// Fetches a page whole; its size in bytes.
    async fn fetch(&self, request: &Request) -> anyhow::Result<usize> {
        let response = match request {
            Request::Get(path) => {
                self.client
                    .get(format!("{}{path}", self.base))
                    .header("cookie", &self.cookie)
                    .send()
                    .await?
            }
            Request::Search(term) => {
                let body = serde_urlencoded::to_string([
                    ("csrf", self.csrf.as_str()),
                    ("q", term.as_str()),
                ])?;
                self.client
                    .post(format!("{}/staff/queue", self.base))
                    .header("cookie", &self.cookie)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .body(body)
                    .send()
                    .await?
            }
        };
        let status = response.status();
        let body = response.bytes().await?;
        anyhow::ensure!(status.is_success(), "answered {status}");
        Ok(body.len())
    }
}

fn cookie(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|c| c.starts_with(name))
        .and_then(|c| c.split(';').next())
        .map(str::to_string)
}
