//! The `intake` service: the store, the scan pipeline and its job queue, the
//! callback rules, staff accounts and the web pages, put together as one
//! `Application`. `main.rs` is a thin CLI over this library; tests start the
//! app on port 0 through `Application`.

pub mod accounts;
pub mod callbacks;
pub mod config;
pub mod pipeline;
pub mod store;
pub mod web;

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use rand::RngCore;
use tokio::net::TcpListener;

use crate::config::Config;
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
}

impl Application {
    /// Loads and checks the form definition, connects and migrates the
    /// database: any problem stops start-up with a message naming it.
    pub async fn build(config: Config) -> anyhow::Result<Application> {
        let form = FormDefinition::load_by_id(&config.forms_dir, WEB_FORM_ID)?;
        let store = Store::connect(&config.database_url)
            .await
            .context("connecting to the database")?;
        store.migrate().await.context("migrating the database")?;
        let secret = load_or_create_secret(&config)?;
        let tokens = web::abuse::FormTokens::new(&secret, config.limits.form_token_ttl());
        let pipeline = Pipeline::new(store.clone(), &config)?;
        Ok(Application {
            state: AppState {
                config: Arc::new(config),
                pipeline,
                store,
                form: Arc::new(form),
                tokens,
                secret: Arc::new(secret),
            },
        })
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

    /// Serves until the listener fails or the process is told to stop; with
    /// the scan worker and the drop folder watcher unless the configuration
    /// turns them off (a web node of a larger installation).
    pub async fn serve(self, listener: TcpListener) -> anyhow::Result<()> {
        let store = self.state.store.clone();
        tokio::spawn(prune_rate_counters(store));
        let (stop, stopped) = tokio::sync::watch::channel(false);
        if self.state.config.scanning.process {
            self.start_processing(stopped);
        }
        let app = self
            .router()
            .into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .context("serving HTTP");
        let _ = stop.send(true);
        served
    }

    /// Runs the scan worker and watches the drop folder, until `stop`.
    pub fn start_processing(&self, stop: tokio::sync::watch::Receiver<bool>) {
        let config = &self.state.config;
        let pipeline = self.state.pipeline.clone();
        let mut options = WorkerOptions::new(config.scanning.lease(), config.scanning.workers());
        options.first_retry = config.scanning.first_retry();
        tokio::spawn(worker::run(
            pipeline.clone(),
            options,
            Until::Stopped(stop.clone()),
        ));
        let folder = DropFolder::new(
            &config.drop_dir(),
            &config.offices,
            Duration::from_secs(config.scanning.settle_seconds),
        );
        tokio::spawn(pipeline::drop_folder::watch(pipeline, folder, stop));
    }

    /// Only the scan worker and the drop folder, no HTTP (`intake worker`).
    pub async fn work(self) -> anyhow::Result<()> {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        self.start_processing(stopped);
        shutdown_signal().await;
        let _ = stop.send(true);
        Ok(())
    }
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
