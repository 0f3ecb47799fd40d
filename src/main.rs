//! The `intake` command line: a thin layer over the library.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use intake::config::Config;
use intake::form::FormDefinition;
use intake::paper;
use intake::store::Store;

#[derive(Parser)]
#[command(
    name = "intake",
    version,
    about = "Job-search start forms, from web and paper, into one callback queue"
)]
struct Cli {
    /// A TOML configuration file; the environment overrides it.
    #[arg(long, global = true, env = "INTAKE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the public web form (and, later, the staff pages).
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080]
        #[arg(long, env = "INTAKE_LISTEN")]
        listen: Option<String>,
        /// Database URL: sqlite://FILE or postgres://... [default: sqlite://data/intake.db]
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
        /// Store this many synthetic web registrations first, so the queue has something in it.
        #[arg(long, default_value_t = 0)]
        demo: usize,
    },
    /// Create or update the database schema.
    Migrate {
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
    },
    /// The form definitions and what is derived from them.
    Form {
        #[command(subcommand)]
        command: FormCommand,
    },
    /// Read scanned or digital forms without a database: one JSON object
    /// per document found.
    Extract {
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per line (the only output so far; accepted for clarity).
        #[arg(long)]
        json: bool,
    },
    /// Synthetic filled-in, scanned forms with truth files.
    Samples {
        #[command(subcommand)]
        command: SamplesCommand,
    },
    /// Benchmarks that print numbers.
    Bench {
        #[command(subcommand)]
        bench: Bench,
    },
}

#[derive(Subcommand)]
enum FormCommand {
    /// Check a definition and list its fields.
    Check {
        #[arg(default_value = intake::WEB_FORM_ID)]
        form: String,
    },
    /// Write the printable A4 paper form, each copy with its own sheet serial.
    Pdf {
        form: String,
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, default_value_t = 1)]
        copies: usize,
    },
    /// Print where every field sits on the paper form, in millimetres.
    Layout {
        form: String,
        /// JSON (the only format so far; accepted for clarity in scripts).
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SamplesCommand {
    /// Write N sample sheets (and their truth files) into a folder.
    Generate {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 20)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Subcommand)]
enum Bench {
    /// Durable web submissions per second and their latency over loopback.
    /// Recognition scored against the truth files of generated samples.
    Accuracy { dir: PathBuf },
    /// Recognition pages per minute, against the tesseract command line.
    Throughput { dir: PathBuf },
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

fn load_config(
    file: Option<&std::path::Path>,
    listen: Option<String>,
    database: Option<String>,
) -> anyhow::Result<Config> {
    let mut config = Config::load(file)?;
    if let Some(listen) = listen {
        config.listen = listen
            .parse()
            .with_context(|| format!("--listen `{listen}` is not an address:port"))?;
    }
    if let Some(database) = database {
        config.database_url = database;
    }
    Ok(config)
}

fn main() -> anyhow::Result<()> {
    ensure_single_threaded_tesseract()?;
    tokio::runtime::Runtime::new()?.block_on(run())
}

/// Tesseract must not start OpenMP threads of its own: parallelism comes
/// from pages and workers. The variable is read when the library loads, so
/// the process starts itself again with it set (no unsafe `set_var`).
fn ensure_single_threaded_tesseract() -> anyhow::Result<()> {
    if std::env::var("OMP_THREAD_LIMIT").as_deref() == Ok("1") {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let error = std::process::Command::new(std::env::current_exe()?)
            .args(std::env::args_os().skip(1))
            .env("OMP_THREAD_LIMIT", "1")
            .exec();
        Err(error).context("restarting with OMP_THREAD_LIMIT=1")
    }
    #[cfg(not(unix))]
    Ok(())
}

async fn run() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "intake=info,tower_http=warn".into()),
        )
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve {
            listen,
            database,
            demo,
        } => {
            let config = load_config(cli.config.as_deref(), listen, database)?;
            let listener = TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("listening on {}", config.listen))?;
            let app = intake::Application::build(config).await?;
            if demo > 0 {
                let stored = intake::demo::seed(&app, demo).await?;
                println!("stored {stored} synthetic web registrations for the demo");
            }
            println!(
                "intake: the public form is at http://{}/",
                listener.local_addr()?
            );
            app.serve(listener).await
        }
        Command::Migrate { database } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            println!(
                "the database at {} is up to date",
                redact_url(&config.database_url)
            );
            Ok(())
        }
        Command::Form { command } => {
            let config = load_config(cli.config.as_deref(), None, None)?;
            form_command(&config, command)
        }
        Command::Extract { files, json: _ } => {
            let config = load_config(cli.config.as_deref(), None, None)?;
            extract(&config, &files)
        }
        Command::Samples {
            command: SamplesCommand::Generate { out, count, seed },
        } => {
            let config = load_config(cli.config.as_deref(), None, None)?;
            let form = FormDefinition::load_by_id(&config.forms_dir, intake::WEB_FORM_ID)?;
            let options = intake::samples::GenerateOptions { out, count, seed };
            let report = intake::samples::generate(&form, &options)?;
            println!("{report}");
            Ok(())
        }
        Command::Bench {
            bench: Bench::Accuracy { dir },
        } => {
            let config = load_config(cli.config.as_deref(), None, None)?;
            println!("{}", intake::bench::accuracy::run(&dir, &config.forms_dir)?);
            Ok(())
        }
        Command::Bench {
            bench: Bench::Throughput { dir },
        } => {
            let config = load_config(cli.config.as_deref(), None, None)?;
            println!(
                "{}",
                intake::bench::throughput::run(&dir, &config.forms_dir)?
            );
            Ok(())
        }
        Command::Bench {
            bench:
                Bench::Submit {
                    databases,
                    submissions,
                    concurrency,
                },
        } => {
            println!(
                "web submissions over loopback, {concurrency} at a time, each stored durably before its receipt:"
            );
            for database in databases {
                let report = intake::bench::submit(intake::bench::SubmitBench {
                    database,
                    submissions,
                    concurrency,
                })
                .await?;
                println!("{report}");
            }
            Ok(())
        }
    }
}

/// Prints one JSON line per document, or `{"source","error"}` for what
/// could not be read; fails when anything could not be read.
fn extract(config: &Config, files: &[PathBuf]) -> anyhow::Result<()> {
    use intake::capture::decode::DecodeLimits;
    use intake::capture::extract::{FormCatalogue, extract_file};
    let catalogue = FormCatalogue::load(&config.forms_dir)?;
    let limits = DecodeLimits::default();
    let mut unreadable = 0;
    for file in files {
        let result = extract_file(file, &catalogue, &limits);
        for document in &result.documents {
            println!("{}", serde_json::to_string(document)?);
        }
        for error in &result.errors {
            unreadable += 1;
            let mut line =
                serde_json::json!({ "source": file.display().to_string(), "error": error.error });
            if let Some(page) = error.page {
                line["pages"] = serde_json::json!([page]);
            }
            println!("{line}");
        }
    }
    anyhow::ensure!(
        unreadable == 0,
        "{unreadable} file(s) or page(s) could not be read"
    );
    Ok(())
}

fn form_command(config: &Config, command: FormCommand) -> anyhow::Result<()> {
    let load = |id: &str| FormDefinition::load_by_id(&config.forms_dir, id);
    match command {
        FormCommand::Check { form } => {
            let form = load(&form)?;
            println!(
                "{} version {}: {} fields",
                form.id(),
                form.version(),
                form.fields.len()
            );
            for field in &form.fields {
                let kind = format!("{:?}", field.field_type).to_lowercase();
                let required = if field.required {
                    "required"
                } else {
                    "optional"
                };
                println!("  {:<20} {kind:<12} {required}", field.id);
            }
        }
        FormCommand::Pdf {
            form,
            output,
            copies,
        } => {
            anyhow::ensure!(copies >= 1, "--copies must be 1 or more");
            let form = load(&form)?;
            let layout = paper::Layout::from_definition(&form);
            let serials: Vec<String> = (0..copies).map(|_| paper::new_serial()).collect();
            let pdf = paper::render(&form, &layout, &serials)?;
            std::fs::write(&output, pdf)
                .with_context(|| format!("writing {}", output.display()))?;
            println!(
                "wrote {} ({copies} copies, serials {})",
                output.display(),
                serials.join(" ")
            );
        }
        FormCommand::Layout { form, json: _ } => {
            println!(
                "{}",
                paper::Layout::from_definition(&load(&form)?).to_json()
            );
        }
    }
    Ok(())
}

/// A database URL without its password, for printing.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}
