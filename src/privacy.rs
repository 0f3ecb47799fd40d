//! `intake purge`, `intake erase` and `intake subject-export`: the command
//! line over `intake_service::privacy`. Nothing printed here names a
//! person: references, ids and counts only.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use intake_service::config::Config;
use intake_service::pipeline::Pipeline;
use intake_service::store::Store;
use intake_service::store::privacy::PersonKey;

/// Whom an erasure or an export is about.
#[derive(Args)]
#[command(group(clap::ArgGroup::new("person").required(true).args(["reference", "hetu"])))]
pub struct Person {
    /// A registration's reference; the person is everyone registered with
    /// its identity code, and what was folded together with it.
    reference: Option<String>,
    /// The person's henkilötunnus instead.
    #[arg(long)]
    hetu: Option<String>,
    /// Who asked for it, for the audit log [default: $USER]
    #[arg(long)]
    by: Option<String>,
}

impl Person {
    fn key(&self) -> anyhow::Result<PersonKey> {
        match (&self.reference, &self.hetu) {
            (Some(reference), _) => Ok(PersonKey::Reference(reference.trim().to_uppercase())),
            (None, Some(hetu)) => Ok(PersonKey::Hetu(hetu.trim().to_uppercase())),
            (None, None) => anyhow::bail!("give a REFERENCE or --hetu HETU"),
        }
    }

    fn by(&self) -> String {
        self.by
            .clone()
            .or_else(|| std::env::var("USER").ok())
            .unwrap_or_else(|| "unknown".into())
    }
}

async fn pipeline(config: &Config) -> anyhow::Result<Pipeline> {
    let store = Store::connect(&config.database_url)
        .await
        .context("connecting to the database")?;
    store.migrate().await.context("migrating the database")?;
    Pipeline::new(store, config)
}

pub async fn purge(config: Config, dry_run: bool) -> anyhow::Result<()> {
    let pipeline = pipeline(&config).await?;
    let now = time::OffsetDateTime::now_utc();
    let outcomes = intake_service::privacy::purge(&pipeline, &config, now, dry_run, true).await?;
    println!("rules: {}", config.retention.describe());
    let verb = if dry_run { "would remove" } else { "removed" };
    for outcome in outcomes {
        println!("{} {verb} {}", outcome.rule.code(), outcome.count);
        for id in outcome.ids {
            println!("  {id}");
        }
    }
    if dry_run {
        println!("a dry run: nothing was removed");
    }
    pipeline.store.close().await;
    Ok(())
}

pub async fn erase(config: Config, person: Person) -> anyhow::Result<()> {
    let pipeline = pipeline(&config).await?;
    let key = person.key()?;
    let erased =
        intake_service::privacy::erase(&pipeline, &config.drop_dir(), &key, &person.by()).await?;
    pipeline.store.close().await;
    let Some(erased) = erased else {
        anyhow::bail!("no registration or triage item found for that person: nothing erased");
    };
    let r = &erased.removed;
    println!(
        "erased {} registrations, {} triage items, {} pages, {} scan files, {} originals, \
         {} page images and {} drop-folder copies",
        r.registrations,
        r.triage_items,
        r.pages,
        r.files,
        r.originals,
        erased.page_images,
        erased.drop_copies
    );
    if erased.shared_files > 0 {
        println!(
            "{} scanned files also held other people's pages: those pages and their records stay, \
             the files' originals are deleted",
            erased.shared_files
        );
    }
    Ok(())
}

pub async fn subject_export(config: Config, person: Person, out: PathBuf) -> anyhow::Result<()> {
    let pipeline = pipeline(&config).await?;
    let key = person.key()?;
    let report =
        intake_service::privacy::subject_export(&pipeline, &key, &person.by(), &out).await?;
    pipeline.store.close().await;
    let Some(report) = report else {
        anyhow::bail!("no registration or triage item found for that person: nothing written");
    };
    println!(
        "wrote {} ({} registrations) with {} originals and {} page images",
        report.json.display(),
        report.registrations,
        report.originals,
        report.page_images
    );
    Ok(())
}
