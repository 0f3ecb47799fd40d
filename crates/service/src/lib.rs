//! The `intake` service: the store, the scan pipeline and its job queue, the
//! callback rules, staff accounts and the web pages, put together as one
//! `Application`. `main.rs` is a thin CLI over this library; tests start the
//! app on port 0 through `Application`.

pub mod accounts;
pub mod callbacks;
pub mod config;
pub mod letters;
pub mod metrics;
pub mod pipeline;
pub mod privacy;
pub mod store;
pub mod web;

use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use axum::extract::ConnectInfo;
use rand::RngCore;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::config::{Config, HttpSettings};
use crate::pipeline::drop_folder::DropFolder;
use crate::pipeline::worker::{self, Until, WorkerOptions};
use crate::pipeline::{Pipeline, Reader, ReadingChild};
use crate::store::Store;
use crate::web::AppState;
use intake_core::form::FormDefinition;

pub use intake_core::form::WEB_FORM_ID;

/// A configured, migrated application, ready to serve.
pub struct Application {
    state: AppState,
    /// Routes served besides the application's own (tests).
    extra_routes: axum::Router<AppState>,
}

impl Application {
    /// Loads and checks the form definition, connects and migrates the
    /// database: any problem stops start-up with a message naming it.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let form = FormDefinition::load_by_id(config.forms_dir.as_deref(), WEB_FORM_ID)?;
        let store = Store::connect(&config.database_url)
            .await
            .context("connecting to the database")?;
        store.migrate().await.context("migrating the database")?;
        let secret = load_or_create_secret(&config)?;
        let tokens = web::abuse::FormTokens::new(&secret, config.limits.form_token_ttl());
        let pipeline = Pipeline::new(store.clone(), &config)?;
        let hashing = tokio::sync::Semaphore::new(config.staff.password_checks_at_once as usize);
        Ok(Application {
            state: AppState {
                config: Arc::new(config),
                store,
                form: Arc::new(form),
                tokens,
                secret: Arc::new(secret),
                hashing: Arc::new(hashing),
                metrics: metrics::Metrics::default(),
                pipeline,
            },
            extra_routes: axum::Router::new(),
        })
    }

    /// Serves `routes` too, inside the same layers (a test's handler that
    /// panics, say).
    pub fn with_routes(mut self, routes: axum::Router<AppState>) -> Application {
        self.extra_routes = self.extra_routes.merge(routes);
        self
    }

    pub fn store(&self) -> &Store {
        &self.state.store
    }

    pub fn config(&self) -> &Config {
        &self.state.config
    }

    pub fn router(&self) -> axum::Router {
        web::router(self.state.clone())
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.state.pipeline
    }

    /// Files are read by `program read-file` in a child process with the
    /// configured limits (the `intake` binary itself), not in this one.
    pub fn read_in_child(mut self, program: std::path::PathBuf) -> Application {
        let child = ReadingChild::new(program, &self.state.config);
        self.state.pipeline = self
            .state
            .pipeline
            .with_reader(Reader::Child(Arc::new(child)));
        self
    }

    /// Serves until the process is told to stop; with the scan worker and
    /// the drop folder watcher unless the configuration turns them off (a
    /// web node of a larger installation).
    pub async fn serve(self, listener: TcpListener) -> anyhow::Result<()> {
        self.serve_until(listener, shutdown_signal()).await
    }

    /// Serves until `stop` completes. Then no new connection is taken, the
    /// worker stops reading and hands its jobs back, and requests in
    /// flight get `http.shutdown_seconds` to finish before they are cut.
    pub async fn serve_until(
        self,
        listener: TcpListener,
        stop: impl Future<Output = ()>,
    ) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        let pruning = tokio::spawn(prune_rate_counters(store));
        let (stopping, stopped) = tokio::sync::watch::channel(false);
        let processing = if self.state.config.scanning.process {
            self.start_processing(stopped)
        } else {
            Vec::new()
        };
        let http = self.state.config.http.clone();
        let app = web::router_with(self.state.clone(), self.extra_routes);
        let stop = async move {
            stop.await;
            tracing::info!("stopping");
            let _ = stopping.send(true);
        };
        let drained = serve_http(listener, app, &http, stop).await;
        let deadline = http.shutdown_deadline();
        let finishing = futures_join_all(processing);
        if tokio::time::timeout(deadline, finishing).await.is_err() {
            tracing::warn!("stopping: the scan worker did not stop in time");
        }
        pruning.abort();
        drained
    }

    /// Runs the scan worker, watches the drop folder and runs the retention
    /// rules every hour, until `stop`.
    pub fn start_processing(
        &self,
        stop: tokio::sync::watch::Receiver<bool>,
    ) -> Vec<JoinHandle<()>> {
        let config = &self.state.config;
        let pipeline = self.state.pipeline.clone();
        let mut options = WorkerOptions::new(config.scanning.lease(), config.scanning.workers());
        options.first_retry = config.scanning.first_retry();
        let worker = tokio::spawn(worker::run(
            pipeline.clone(),
            options,
            Until::Stopped(stop.clone()),
        ));
        let folder = DropFolder::new(
            &config.drop_dir(),
            &config.offices,
            Duration::from_secs(config.scanning.settle_seconds),
        );
        let watcher = tokio::spawn(pipeline::drop_folder::watch(
            pipeline.clone(),
            folder,
            stop.clone(),
        ));
        let retention = tokio::spawn(privacy::run_periodically(
            pipeline,
            self.state.config.clone(),
            stop,
        ));
        vec![worker, watcher, retention]
    }

    /// Only the scan worker and the drop folder, no HTTP (`intake worker`).
    pub async fn work(self) -> anyhow::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let processing = self.start_processing(stopped);
        shutdown_signal().await;
        let _ = stop.send(true);
        let deadline = self.state.config.http.shutdown_deadline();
        if tokio::time::timeout(deadline, futures_join_all(processing))
            .await
            .is_err()
        {
            tracing::warn!("stopping: the scan worker did not stop in time");
        }
        Ok(())
    }
}

async fn futures_join_all(handles: Vec<JoinHandle<()>>) {
    for handle in handles {
        let _ = handle.await;
    }
}

/// The HTTP/1 server loop. Unlike `axum::serve` it bounds how long a
/// client may take to send its headers (a slowloris holds no connection
/// for long), and on `stop` it stops accepting and gives the requests in
/// flight `shutdown_seconds` before cutting them.
async fn serve_http(
    listener: TcpListener,
    app: axum::Router,
    http: &HttpSettings,
    stop: impl Future<Output = ()>,
) -> anyhow::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use tower::Service;

    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(http.header_read_timeout());
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(stop);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, say: wait rather than spin.
                    tracing::warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let app = app.clone();
        let service = hyper::service::service_fn(move |mut request: hyper::Request<_>| {
            request.extensions_mut().insert(ConnectInfo(peer));
            // A Router is always ready.
            app.clone().call(request.map(axum::body::Body::new))
        });
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        while connections.try_join_next().is_some() {}
        connections.spawn(async move {
            if let Err(error) = connection.await {
                tracing::debug!(%error, "a connection ended with an error");
            }
        });
    }
    drop(listener);
    let deadline = http.shutdown_deadline();
    if tokio::time::timeout(deadline, graceful.shutdown())
        .await
        .is_err()
    {
        tracing::warn!(
            seconds = deadline.as_secs(),
            connections = connections.len(),
            "stopping: requests still running at the deadline are cut"
        );
    }
    connections.abort_all();
    Ok(())
}

/// Binds nothing itself: the caller's listener may be on port 0.
pub async fn launch(listener: TcpListener, config: Config) -> anyhow::Result<()> {
    Application::build(config).await?.serve(listener).await
}

async fn prune_rate_counters(store: Store) {
    let mut every = tokio::time::interval(Duration::from_secs(600));
    loop {
        every.tick().await;
        if let Err(error) = store
            .prune_rate_counters(time::OffsetDateTime::now_utc())
            .await
        {
            tracing::warn!(%error, "pruning old rate counters failed");
        }
    }
}

async fn shutdown_signal() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        if let Ok(mut signal) =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            signal.recv().await;
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = interrupt => {},
        _ = terminate => {},
    }
}

/// The configured secret, or one kept in `data_dir/secret.key` (made on
/// first start) so that forms stay valid across restarts.
fn load_or_create_secret(config: &Config) -> anyhow::Result<Vec<u8>> {
    if !config.secret.is_empty() {
        return Ok(config.secret.expose().as_bytes().to_vec());
    }
    let path = config.data_dir.join("secret.key");
    if let Ok(existing) = std::fs::read(&path) {
        anyhow::ensure!(existing.len() >= 32, "{} is too short", path.display());
        return Ok(existing);
    }
    let mut secret = vec![0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    write_private(&path, &secret)
        .with_context(|| format!("creating the secret {}", path.display()))?;
    Ok(secret)
}

fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    std::io::Write::write_all(&mut options.open(path)?, bytes)
}
