//! `intake samples` and `intake bench`: the development tools' commands,
//! there only with the `devtools` feature (on by default).

use std::path::PathBuf;

use anyhow::Context;
use clap::Subcommand;

use intake_core::form::{FormDefinition, WEB_FORM_ID};
use intake_devtools::{bench, samples};
use intake_service::config::Config;
use intake_service::pipeline::{Reader, ReadingChild};

#[derive(Subcommand)]
pub enum SamplesCommand {
    /// Write N sample sheets (and their truth files) into a folder.
    Generate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 20)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Handwriting fonts to write in: all, tuned (those the reader may
        /// be fitted to) or untuned (kept for measuring only).
        #[arg(long, default_value = "all")]
        hands: samples::HandSet,
        /// The version of the form to fill in (default: the current one);
        /// `samples/` holds version 1 sheets, made with `--form-version 1`.
        #[arg(long)]
        form_version: Option<u32>,
    },
}

#[derive(Subcommand)]
pub enum Bench {
    /// Recognition scored against the truth files of generated samples.
    Accuracy { dir: PathBuf },
    /// Recognition pages per minute, against the tesseract command line.
    Throughput {
        dir: PathBuf,
        /// Read in this process instead of in child processes (as the service does).
        #[arg(long)]
        in_process: bool,
    },
    /// `intake import` of one long PDF made from the samples' pages, against
    /// `intake extract` of it: pages per minute and peak memory of each.
    Import {
        dir: PathBuf,
        #[arg(long, default_value_t = 300)]
        pages: usize,
        /// Keep the assembled PDF at this path.
        #[arg(long)]
        keep: Option<PathBuf>,
        /// Instead: import on this PostgreSQL server with blobs in the data
        /// folder and in the database, in the same run (fresh schemas).
        #[arg(long, value_name = "POSTGRES_URL")]
        compare_blobs: Option<String>,
        /// With --compare-blobs: runs of each, in alternating order.
        #[arg(long, default_value_t = 2)]
        rounds: usize,
    },
    /// Durable web submissions per second and their latency over loopback.
    Submit {
        /// `sqlite` for a temporary file, or postgres://... for a fresh schema there; repeatable.
        #[arg(long = "database", default_values_t = vec!["sqlite".to_string()])]
        databases: Vec<String>,
        #[arg(long, default_value_t = 5000)]
        submissions: usize,
        #[arg(long, default_value_t = 32)]
        concurrency: usize,
        /// First store this many realistic registrations (both channels,
        /// every status, duplicates among them), then measure.
        #[arg(long, default_value_t = 0)]
        preload: usize,
    },
    /// Staff pages (queue, verification list, dashboard, searches, export)
    /// timed over a preloaded database.
    Pages {
        /// `sqlite` for a temporary file, or postgres://... for a fresh schema there; repeatable.
        #[arg(long = "database", default_values_t = vec!["sqlite".to_string()])]
        databases: Vec<String>,
        #[arg(long, default_value_t = 100_000)]
        preload: usize,
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// The query plans of every statement of a web submission, over a
    /// preloaded database.
    Plans {
        /// `sqlite` for a temporary file, or postgres://... for a fresh schema there; repeatable.
        #[arg(long = "database", default_values_t = vec!["sqlite".to_string()])]
        databases: Vec<String>,
        #[arg(long, default_value_t = 100_000)]
        preload: usize,
    },
    /// Work-queue claims with 1, 2 and 8 workers and caseworkers' claims
    /// of callbacks, on PostgreSQL.
    Queue {
        /// A postgres://... URL; a fresh schema is made there.
        #[arg(long)]
        database: String,
        #[arg(long, default_value_t = 20_000)]
        jobs: usize,
        #[arg(long = "workers", value_delimiter = ',', default_values_t = vec![1, 2, 8])]
        workers: Vec<usize>,
        #[arg(long, default_value_t = 8)]
        caseworkers: usize,
    },
}

pub fn samples(config: &Config, command: SamplesCommand) -> anyhow::Result<()> {
    let SamplesCommand::Generate {
        out,
        count,
        seed,
        hands,
        form_version,
    } = command;
    let forms_dir = config.forms_dir.as_deref();
    let form = match form_version {
        None => FormDefinition::load_by_id(forms_dir, WEB_FORM_ID)?,
        Some(version) => FormDefinition::load_version(forms_dir, WEB_FORM_ID, version)?
            .with_context(|| format!("{WEB_FORM_ID} has no version {version}"))?,
    };
    let options = samples::GenerateOptions {
        out,
        count,
        seed,
        hands,
    };
    println!("{}", samples::generate(&form, &options)?);
    Ok(())
}

pub async fn bench(config: &Config, command: Bench) -> anyhow::Result<()> {
    match command {
        Bench::Accuracy { dir } => {
            println!(
                "{}",
                bench::accuracy::run(&dir, config.forms_dir.as_deref())?
            );
        }
        Bench::Throughput { dir, in_process } => {
            let reader = if in_process {
                Reader::InProcess
            } else {
                let program = std::env::current_exe()?;
                Reader::Child(std::sync::Arc::new(ReadingChild::new(program, config)))
            };
            let report = bench::throughput::run(&dir, config.forms_dir.as_deref(), reader).await?;
            println!("{report}");
        }
        Bench::Import {
            dir,
            pages,
            keep,
            compare_blobs,
            rounds,
        } => {
            let forms_dir = config
                .forms_dir
                .as_deref()
                .map(std::fs::canonicalize)
                .transpose()?;
            if let Some(postgres) = compare_blobs {
                let compare = bench::blobs::BlobsBench {
                    dir: &dir,
                    pages,
                    forms_dir: forms_dir.as_deref(),
                    postgres: &postgres,
                    rounds,
                };
                println!("{}", bench::blobs::run(&compare).await?);
                return Ok(());
            }
            let import = bench::import::ImportBench {
                dir,
                pages,
                forms_dir,
                keep,
            };
            println!("{}", bench::import::run(&import)?);
        }
        Bench::Submit {
            databases,
            submissions,
            concurrency,
            preload,
        } => {
            println!(
                "web submissions over loopback, {concurrency} at a time, each stored durably before its receipt:"
            );
            for database in databases {
                let report = bench::submit(bench::SubmitBench {
                    database,
                    submissions,
                    concurrency,
                    preload,
                })
                .await?;
                println!("{report}");
            }
        }
        Bench::Pages {
            databases,
            preload,
            rounds,
        } => {
            for database in databases {
                let timings = bench::pages::run(bench::pages::PagesBench {
                    database: database.clone(),
                    preload,
                    rounds,
                })
                .await?;
                println!(
                    "staff pages on {}, {preload} registrations, {rounds} rounds each:",
                    backend_name(&database)
                );
                for timing in timings {
                    println!("{timing}");
                }
            }
        }
        Bench::Plans { databases, preload } => {
            for database in databases {
                println!("== {}", backend_name(&database));
                println!("{}", bench::plans::run(&database, preload).await?);
            }
        }
        Bench::Queue {
            database,
            jobs,
            workers,
            caseworkers,
        } => {
            bench::queue::run(bench::queue::QueueBench {
                database,
                jobs,
                workers,
                caseworkers,
            })
            .await?;
        }
    }
    Ok(())
}

fn backend_name(database: &str) -> &'static str {
    match intake_service::store::Backend::from_url(database) {
        Ok(intake_service::store::Backend::Postgres) => "postgres",
        _ => "sqlite",
    }
}
