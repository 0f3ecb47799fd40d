//! Test support: the app on port 0 with a fresh database on each backend,
//! and a runner that reports plainly when PostgreSQL is not there. The staff
//! side over HTTP is in [`page`], a real Chromium in [`browser`].
//!
//! Every test binary has its own copy of this module and uses only a part
//! of it; hence `dead_code` is allowed here and in the modules below.
#![allow(dead_code)]

pub mod browser;
pub mod page;

use std::collections::BTreeSet;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::time::{Duration, Instant};

use intake_service::config::{Config, Secret};
use intake_service::store::{FileState, Store};
use libtest_mimic::{Failed, Trial};
use reqwest::StatusCode;
use tempfile::TempDir;

pub const SECRET: &str = "test secret, not for production";
pub const API_TOKEN: &str = "test-api-token";

/// A page a test records itself: by "test", and not read.
pub const TEST_READER: intake_service::store::ReadBy<'static> = intake_service::store::ReadBy {
    worker: "test",
    took: None,
};

#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    Postgres { server_url: String },
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres { .. } => "postgres",
        }
    }
}

/// Where the PostgreSQL cases run: `INTAKE_TEST_POSTGRES_URL`, by default
/// the local server. `Err` says why they cannot run here.
pub fn postgres_backend() -> Result<Backend, String> {
    let url = std::env::var("INTAKE_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let reachable = runtime.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(std::time::Duration::from_secs(3))
            .connect(&url)
            .await;
        match pool {
            Ok(pool) => {
                pool.close().await;
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    });
    reachable
        .map(|()| Backend::Postgres {
            server_url: url.clone(),
        })
        .map_err(|e| format!("PostgreSQL at {url} is not reachable ({e})"))
}

pub type Case = fn(Backend) -> Pin<Box<dyn Future<Output = Result<(), Failed>>>>;

/// Runs every case on SQLite and on PostgreSQL. Without PostgreSQL its cases
/// are listed as ignored with a line saying why, unless
/// `INTAKE_REQUIRE_POSTGRES=1`, when they fail.
pub fn run_on_both_backends(cases: &[(&'static str, Case)]) -> ! {
    run_cases(cases, cases)
}

/// Runs `sqlite` cases on SQLite and `postgres` cases on PostgreSQL (what
/// is only for several machines on one PostgreSQL, and what SQLite must
/// refuse), PostgreSQL as in [`run_on_both_backends`].
pub fn run_cases(sqlite: &[(&'static str, Case)], postgres: &[(&'static str, Case)]) -> ! {
    let args = libtest_mimic::Arguments::from_args();
    let required = std::env::var("INTAKE_REQUIRE_POSTGRES").is_ok_and(|v| v == "1");
    let server = postgres_backend();
    if let Err(why) = &server {
        if required {
            println!("FAILING the PostgreSQL cases: {why}, and INTAKE_REQUIRE_POSTGRES=1");
        } else {
            println!(
                "SKIPPING the PostgreSQL cases: {why}. Set INTAKE_TEST_POSTGRES_URL to run them."
            );
        }
    }
    let mut trials = Vec::new();
    for (name, case) in sqlite {
        let case = *case;
        trials.push(Trial::test(format!("sqlite::{name}"), move || {
            block_on(case(Backend::Sqlite))
        }));
    }
    for (name, case) in postgres {
        let case = *case;
        let server = server.clone();
        let ignored = server.is_err() && !required;
        let trial = Trial::test(format!("postgres::{name}"), move || match server {
            Ok(backend) => block_on(case(backend)),
            Err(why) => Err(why.into()),
        });
        trials.push(trial.with_ignored_flag(ignored));
    }
    libtest_mimic::run(&args, trials).exit()
}

fn block_on(test: Pin<Box<dyn Future<Output = Result<(), Failed>>>>) -> Result<(), Failed> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a runtime")
        .block_on(test)
}

/// Fails a test case with a message, like `assert!` but as a `Result`.
#[macro_export]
macro_rules! ensure {
    ($condition:expr, $($message:tt)+) => {
        if !$condition {
            return Err(format!($($message)+).into());
        }
    };
}

/// The application on a free port with a database of its own.
pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub config: Config,
    server: tokio::task::JoinHandle<anyhow::Result<()>>,
    /// The PostgreSQL schema while it stands: `finish` drops it, and so
    /// does `Drop` when a case fails or panics before `finish`.
    schema: Option<Schema>,
    _dir: TempDir,
}

/// A test's own PostgreSQL schema on a server.
struct Schema {
    server_url: String,
    name: String,
}

/// How long each step of cleaning up after a failed case may take: closing
/// the app's connections, then dropping its schema.
const CLEAN_UP_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

impl TestApp {
    pub async fn spawn(backend: &Backend) -> TestApp {
        TestApp::spawn_with(backend, |_| {}).await
    }

    pub async fn spawn_with(backend: &Backend, adjust: impl FnOnce(&mut Config)) -> TestApp {
        TestApp::spawn_custom(backend, "127.0.0.1:0", adjust, axum::Router::new()).await
    }

    /// On `bind` (`[::]:0` to take IPv4 clients as mapped addresses), with
    /// `routes` served inside the app's layers. `base` is on IPv4 loopback.
    pub async fn spawn_custom(
        backend: &Backend,
        bind: &str,
        adjust: impl FnOnce(&mut Config),
        routes: axum::Router<intake_service::web::AppState>,
    ) -> TestApp {
        let dir = tempfile::tempdir().expect("a scratch folder");
        let (database_url, schema) = match backend {
            Backend::Sqlite => (format!("sqlite://{}/intake.db", dir.path().display()), None),
            Backend::Postgres { server_url } => {
                let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
                let url = intake_service::store::create_schema(server_url, &schema)
                    .await
                    .expect("a fresh schema");
                let schema = Schema {
                    server_url: server_url.clone(),
                    name: schema,
                };
                (url, Some(schema))
            }
        };
        let mut config = Config {
            database_url,
            data_dir: dir.path().to_owned(),
            forms_dir: Some(concat!(env!("CARGO_MANIFEST_DIR"), "/forms").into()),
            secret: Secret::new(SECRET),
            api_token: Secret::new(API_TOKEN),
            ..Config::default()
        };
        adjust(&mut config);
        let app = intake_service::Application::build(config.clone())
            .await
            .expect("the app builds")
            .with_routes(routes);
        let store = app.store().clone();
        let listener = tokio::net::TcpListener::bind(bind)
            .await
            .expect("a free port");
        let port = listener.local_addr().unwrap().port();
        let base = format!("http://127.0.0.1:{port}");
        let server = tokio::spawn(app.serve(listener));
        TestApp {
            base,
            client: reqwest::Client::new(),
            store,
            config,
            server,
            schema,
            _dir: dir,
        }
    }

    /// Stops the server, closes the database and drops the PostgreSQL
    /// schema. A case that does not get here is cleaned up by `Drop`.
    pub async fn finish(mut self) {
        self.server.abort();
        let _ = (&mut self.server).await;
        self.store.close().await;
        if let Some(schema) = self.schema.take() {
            intake_service::store::drop_schema(&schema.server_url, &schema.name)
                .await
                .expect("dropping the test schema");
        }
    }

    pub async fn get(&self, path: &str) -> (StatusCode, String) {
        let response = self
            .client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("the server answers");
        (response.status(), response.text().await.unwrap())
    }

    /// A fresh form token, as a browser gets it by opening the form.
    pub async fn form_token(&self, lang: &str) -> String {
        let (_, page) = self.get(&format!("/{lang}")).await;
        intake_devtools::synthetic::form_token(&page).expect("the form carries a token")
    }

    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (StatusCode, String) {
        self.post_from(path, fields, None).await
    }

    pub async fn post_from(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        forwarded_for: Option<&str>,
    ) -> (StatusCode, String) {
        let body = serde_urlencoded::to_string(fields).unwrap();
        self.post_body(path, body, forwarded_for).await
    }

    pub async fn post_body(
        &self,
        path: &str,
        body: String,
        forwarded_for: Option<&str>,
    ) -> (StatusCode, String) {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(address) = forwarded_for {
            request = request.header("x-forwarded-for", address);
        }
        let response = request.send().await.expect("the server answers");
        (response.status(), response.text().await.unwrap())
    }
}

impl Drop for TestApp {
    /// A case that failed or panicked: the server stops and, on PostgreSQL,
    /// the schema goes too. This runs inside the case's runtime, which cannot
    /// be waited on here, so the app's connections are closed by a task on
    /// it and the schema is dropped from a thread with a runtime of its own.
    /// Nothing here may panic (a panic while unwinding aborts the tests).
    fn drop(&mut self) {
        self.server.abort();
        let Some(schema) = self.schema.take() else {
            return;
        };
        let closing = tokio::runtime::Handle::try_current().ok().map(|runtime| {
            let store = self.store.clone();
            runtime.spawn(async move { store.close().await })
        });
        let cleaner = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async move {
                if let Some(closing) = closing {
                    // Closed or not, the schema is dropped: an open connection
                    // only holds that up while it is in a transaction.
                    let _ = tokio::time::timeout(CLEAN_UP_WAIT, closing).await;
                }
                let dropping = intake_service::store::drop_schema(&schema.server_url, &schema.name);
                match tokio::time::timeout(CLEAN_UP_WAIT, dropping).await {
                    Ok(Ok(())) => Ok(()),
                    Ok(Err(e)) => Err(format!("{}: {e}", schema.name)),
                    Err(_) => Err(format!("{}: no answer in {CLEAN_UP_WAIT:?}", schema.name)),
                }
            })
        });
        match cleaner.join() {
            Ok(Ok(())) => {}
            Ok(Err(why)) => eprintln!("the test schema was left behind: {why}"),
            Err(_) => eprintln!("the test schema was left behind: its clean-up panicked"),
        }
    }
}

/// A complete, valid web submission (with messy but acceptable spellings).
pub fn valid_fields(token: &str) -> Vec<(&'static str, String)> {
    [
        ("office", "vaasa"),
        ("hetu", "131052-308t"),
        ("surname", "  Virtanen"),
        ("first_names", "Matti  Juhani"),
        ("street_address", "Kauppakatu 12 B 4"),
        ("postal_code", "65100"),
        ("post_office", "Vaasa"),
        ("phone", "040-1234567"),
        ("email", "Matti.Virtanen@Example.FI"),
        ("service_language", "fi"),
        ("situation", "laid_off"),
        ("situation_since", "6/4 2026"),
        ("desired_occupation", "sähköasentaja"),
        ("call_time", "morning"),
        ("contact_consent", "yes"),
        ("website", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .chain([("form_token", token.to_string())])
    .collect()
}

pub fn borrowed<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The reference off a receipt page.
pub fn reference(page: &str) -> Option<String> {
    let marker = "id=\"reference\">";
    let start = page.find(marker)? + marker.len();
    let end = start + page[start..].find('<')?;
    Some(page[start..end].trim().to_string())
}

/// The status link path off a receipt page.
pub fn status_path(page: &str) -> Option<String> {
    let marker = "id=\"status-link\" href=\"";
    let start = page.find(marker)? + marker.len();
    let end = start + page[start..].find('"')?;
    Some(page[start..end].to_string())
}

/// Text as askama escapes it into HTML.
pub fn html_escaped(text: &str) -> String {
    text.replace('&', "&#38;")
        .replace('<', "&#60;")
        .replace('>', "&#62;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

/// Every file under `folder`, however deep, in name order.
pub fn files_under(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                found.push(path);
            }
        }
    }
    found.sort();
    found
}

/// Polls until `done` says yes; fails after `limit`.
pub async fn wait_for<F, Fut>(limit: Duration, what: &str, mut done: F) -> Result<(), Failed>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<bool, Failed>>,
{
    let start = Instant::now();
    loop {
        if done().await? {
            return Ok(());
        }
        ensure!(start.elapsed() < limit, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// A file a worker is inside: some of its pages recorded, not all.
pub async fn half_read_file(store: &Store) -> Result<Option<(uuid::Uuid, String)>, Failed> {
    for (_, file, worker) in store.running_jobs().await? {
        let recorded = store.recorded_pages(file).await?.len() as u32;
        let total = store
            .scan_file(file)
            .await?
            .and_then(|f| f.page_count)
            .unwrap_or(0);
        if recorded > 0 && recorded < total {
            return Ok(Some((file, worker)));
        }
    }
    Ok(None)
}

/// Every page of every file recorded exactly once, and one registration per
/// sheet serial.
pub async fn every_page_once(store: &Store, batch: uuid::Uuid) -> Result<(), Failed> {
    let files = store.batch_files(batch).await?;
    let pages = store.batch_pages(batch).await?;
    for file in &files {
        let mut numbers: Vec<u32> = pages
            .iter()
            .filter(|p| p.file_id == file.id)
            .map(|p| p.page)
            .collect();
        numbers.sort();
        let expected: Vec<u32> = (1..=file.page_count.unwrap_or(0)).collect();
        ensure!(
            numbers == expected,
            "{}: pages {numbers:?}, expected {expected:?}",
            file.name
        );
        ensure!(file.state == FileState::Done, "{} is done", file.name);
    }
    let serials: BTreeSet<&str> = pages.iter().filter_map(|p| p.serial.as_deref()).collect();
    let registrations = store.batch_registrations(batch).await?;
    ensure!(
        registrations.len() == serials.len(),
        "{} registrations for {} sheets",
        registrations.len(),
        serials.len()
    );
    Ok(())
}
