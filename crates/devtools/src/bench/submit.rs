//! `intake bench submit`: durable web submissions per second and their
//! latency, over loopback against the real router and a fresh database.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use tokio::net::TcpListener;
use tokio::sync::Mutex;

use crate::synthetic;
use intake_service::Application;
use intake_service::config::{Config, Limits};
use intake_service::store::Backend;

pub struct SubmitBench {
    /// `sqlite` (a temporary file) or a `postgres://` URL (a fresh schema).
    pub database: String,
    pub submissions: usize,
    pub concurrency: usize,
    /// Registrations already stored before the measured ones.
    pub preload: usize,
}

pub struct SubmitReport {
    pub backend: &'static str,
    pub preloaded: usize,
    pub submissions: usize,
    pub stored: i64,
    pub elapsed: Duration,
    pub p50: Duration,
    pub p99: Duration,
    pub max: Duration,
}

impl SubmitReport {
    pub fn per_second(&self) -> f64 {
        self.submissions as f64 / self.elapsed.as_secs_f64()
    }
}

impl std::fmt::Display for SubmitReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{:<8} {:>8} preloaded, {:>6} submissions in {:>6.2} s: {:>7.0}/s  p50 {:>6.2} ms  p99 {:>6.2} ms  max {:>7.2} ms  (stored: {})",
            self.backend,
            self.preloaded,
            self.submissions,
            self.elapsed.as_secs_f64(),
            self.per_second(),
            self.p50.as_secs_f64() * 1e3,
            self.p99.as_secs_f64() * 1e3,
            self.max.as_secs_f64() * 1e3,
            self.stored
        )
    }
}

/// A fresh database for one benchmark: a file in `scratch` for `sqlite`, or
/// a new schema on the PostgreSQL server at the URL (returned to be dropped).
pub(super) async fn scratch_database(
    database: &str,
    scratch: &std::path::Path,
) -> anyhow::Result<(String, Option<String>)> {
    if database == "sqlite" {
        let path = scratch.join("bench.db");
        return Ok((format!("sqlite://{}", path.display()), None));
    }
    let schema = format!("bench_{}", uuid::Uuid::new_v4().simple());
    let url = intake_service::store::create_schema(database, &schema).await?;
    Ok((url, Some(schema)))
}

pub async fn submit(bench: SubmitBench) -> anyhow::Result<SubmitReport> {
    let scratch = tempfile::tempdir().context("making a scratch folder")?;
    let (database_url, schema) = scratch_database(&bench.database, scratch.path()).await?;
    let config = Config {
        database_url: database_url.clone(),
        data_dir: scratch.path().to_owned(),
        trusted_proxies: vec!["127.0.0.0/8".parse().expect("a network")],
        limits: Limits {
            global_day: u32::MAX,
            ..Limits::default()
        },
        ..Config::default()
    };
    let app = Application::build(config).await?;
    if bench.preload > 0 {
        println!(
            "{}",
            super::preload::preload(&database_url, bench.preload).await?
        );
    }
    let store = app.store().clone();
    let backend = match store.backend() {
        Backend::Sqlite => "sqlite",
        Backend::Postgres => "postgres",
    };
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    let server = tokio::spawn(app.serve(listener));

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(bench.concurrency)
        .build()?;
    // Every submission needs its own form token: fetch them first, so the
    // timed phase is submissions alone.
    let mut bodies = Vec::with_capacity(bench.submissions);
    for i in 0..bench.submissions {
        let page = client
            .get(format!("{base}/fi"))
            .send()
            .await?
            .text()
            .await?;
        let token = synthetic::form_token(&page).context("the form has no token")?;
        bodies.push((i, synthetic::web_submission(&token, &mut rand::rng())));
    }
    let queue = Arc::new(Mutex::new(bodies));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..bench.concurrency {
        let (client, queue, url) = (client.clone(), queue.clone(), format!("{base}/fi"));
        workers.push(tokio::spawn(async move {
            let mut latencies = Histogram::<u64>::new(3).expect("valid histogram");
            loop {
                let Some((i, body)) = queue.lock().await.pop() else {
                    break;
                };
                // A different client address for every submission, as from
                // many people behind the reverse proxy.
                let address = format!("10.{}.{}.{}", (i >> 16) & 255, (i >> 8) & 255, i & 255);
                let sent = Instant::now();
                let response = client
                    .post(&url)
                    .header("content-type", "application/x-www-form-urlencoded")
                    .header("x-forwarded-for", address)
                    .body(body)
                    .send()
                    .await?;
                let status = response.status();
                let page = response.text().await?;
                anyhow::ensure!(
                    status.is_success() && page.contains("id=\"reference\""),
                    "a submission was refused: {status}"
                );
                latencies.record(sent.elapsed().as_micros() as u64)?;
            }
            anyhow::Ok(latencies)
        }));
    }
    let mut latencies = Histogram::<u64>::new(3)?;
    for worker in workers {
        latencies.add(worker.await??)?;
    }
    let elapsed = started.elapsed();
    let stored = store.count_registrations().await?;
    server.abort();
    store.close().await;
    if let Some(schema) = schema {
        intake_service::store::drop_schema(&bench.database, &schema).await?;
    }
    let micros = |q: f64| Duration::from_micros(latencies.value_at_quantile(q));
    Ok(SubmitReport {
        backend,
        preloaded: bench.preload,
        submissions: bench.submissions,
        stored,
        elapsed,
        p50: micros(0.5),
        p99: micros(0.99),
        max: Duration::from_micros(latencies.max()),
    })
}
