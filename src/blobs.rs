//! `intake blobs migrate`: the command line over
//! `intake_service::pipeline::blobs::migrate`.

use anyhow::Context;
use clap::Subcommand;

use intake_service::config::{BlobStore, Config};
use intake_service::pipeline::Blobs;
use intake_service::pipeline::blobs::migrate::migrate;
use intake_service::store::Store;

#[derive(Subcommand)]
pub enum BlobsCommand {
    /// Move every original and page image into the database or back into
    /// the data folder, while the service runs. Set `blobs` to the target
    /// on every node first (readers find a blob in either store meanwhile).
    /// Resumable; each blob is checked by its SHA-256 before its source is
    /// deleted.
    Migrate {
        #[arg(long, value_parser = ["database", "folder"])]
        to: String,
    },
}

pub async fn run(config: &Config, command: BlobsCommand) -> anyhow::Result<()> {
    match command {
        BlobsCommand::Migrate { to } => {
            let to: BlobStore = to.parse().map_err(anyhow::Error::msg)?;
            let store = Store::connect(&config.database_url)
                .await
                .context("connecting to the database")?;
            store.migrate().await.context("migrating the database")?;
            // Written to `to` whatever the configuration says.
            let blobs = Blobs::with_store(to, &config.data_dir, &store)?;
            let mut shown = 0;
            let report = migrate(&blobs, &store, to, |so_far| {
                if so_far.referenced >= shown + 1000 {
                    shown = so_far.referenced;
                    eprintln!("{} blobs looked at", so_far.referenced);
                }
            })
            .await?;
            println!(
                "{} blobs named by the database: {} moved to the {} ({:.1} MB), {} there already, {} in neither store",
                report.referenced,
                report.moved,
                to.name(),
                report.bytes_moved as f64 / 1e6,
                report.already_there,
                report.missing.len(),
            );
            for key in &report.missing {
                println!("  not stored: {key}");
            }
            if config.blobs != to {
                println!(
                    "the configuration still says blobs = \"{}\": set it to \"{}\" (or INTAKE_BLOBS) on every node",
                    config.blobs.name(),
                    to.name()
                );
            }
            Ok(())
        }
    }
}
