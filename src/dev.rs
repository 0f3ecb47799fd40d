//! `intake samples` and `intake bench`: the development tools' commands,
//! there only with the `devtools` feature (on by default).

use std::path::PathBuf;

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
    },
}

pub fn samples(config: &Config, command: SamplesCommand) -> anyhow::Result<()> {
    let SamplesCommand::Generate {
        out,
        count,
        seed,
        hands,
    } = command;
    let form = FormDefinition::load_by_id(config.forms_dir.as_deref(), WEB_FORM_ID)?;
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
        Bench::Import { dir, pages, keep } => {
            let import = bench::import::ImportBench {
                dir,
                pages,
                forms_dir: config
                    .forms_dir
                    .as_deref()
                    .map(std::fs::canonicalize)
                    .transpose()?,
                keep,
            };
            println!("{}", bench::import::run(&import)?);
        }
        Bench::Submit {
            databases,
            submissions,
            concurrency,
        } => {
            println!(
                "web submissions over loopback, {concurrency} at a time, each stored durably before its receipt:"
            );
            for database in databases {
                let report = bench::submit(bench::SubmitBench {
                    database,
                    submissions,
                    concurrency,
                })
                .await?;
                println!("{report}");
            }
        }
    }
    Ok(())
}
