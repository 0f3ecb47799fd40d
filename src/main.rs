//! The `intake` command line: a thin layer over the library.

use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::net::TcpListener;

use intake_core::form::FormDefinition;
use intake_paper::printable;
use intake_service::config::Config;
use intake_service::store::Store;

mod blobs;
#[cfg(feature = "devtools")]
mod dev;
mod letters;
mod privacy;

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
        #[cfg(feature = "devtools")]
        #[arg(long, default_value_t = 0)]
        demo: usize,
        /// Serve only: leave reading scans (the worker, the drop folder) to `intake worker`.
        #[arg(long)]
        no_processing: bool,
    },
    /// Read scans only: the job worker and the drop folder, no web pages
    /// (a second machine on PostgreSQL).
    Worker {
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
        /// Files read at once [default: one per core]
        #[arg(long)]
        files_at_once: Option<usize>,
    },
    /// Import scanned files and folders as one batch from one mailbox.
    Import {
        /// Files (PDF, TIFF, PNG, JPEG) and folders, walked recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// The office whose box the paper came from.
        #[arg(long)]
        office: String,
        /// The day the box was emptied, YYYY-MM-DD: the legal received date [default: today]
        #[arg(long)]
        received: Option<String>,
        /// Who scanned the pile [default: $USER]
        #[arg(long)]
        scanned_by: Option<String>,
        /// The summary as one JSON object.
        #[arg(long)]
        json: bool,
        /// Store and queue the files, then return: workers read them.
        #[arg(long)]
        no_wait: bool,
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
    },
    /// Read quarantined files again once the cause is fixed: their jobs go
    /// back to the queue with attempts reset (audited). A worker reads them.
    #[command(group(clap::ArgGroup::new("which").required(true).args(["batch", "file"])))]
    Requeue {
        /// Every quarantined file of this batch.
        #[arg(long)]
        batch: Option<uuid::Uuid>,
        /// This one file.
        #[arg(long)]
        file: Option<uuid::Uuid>,
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
    },
    /// Staff accounts over their whole life.
    User {
        #[arg(long, env = "DATABASE_URL", global = true)]
        database: Option<String>,
        #[command(subcommand)]
        command: UserCommand,
    },
    /// A consistent copy of the SQLite database in a new FILE, while the
    /// service runs (PostgreSQL: use pg_dump, see the README).
    Backup {
        file: PathBuf,
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
    },
    /// Delete what the retention rules say is past its time (audited).
    Purge {
        /// List what would go (counts and references), delete nothing.
        #[arg(long)]
        dry_run: bool,
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
    },
    /// Remove one person everywhere: rows, originals, page images,
    /// drop-folder copies, status links (audited without their data).
    Erase {
        #[command(flatten)]
        person: privacy::Person,
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
    },
    /// Write one person's data as JSON, with their originals and page
    /// images, for an access request.
    SubjectExport {
        #[command(flatten)]
        person: privacy::Person,
        /// A new or empty folder.
        #[arg(short, long)]
        output: PathBuf,
        #[arg(long, env = "DATABASE_URL")]
        database: Option<String>,
    },
    /// The letters sent when the phone fails: print pending ones as a
    /// batch, mark a batch sent.
    Letters {
        #[arg(long, env = "DATABASE_URL", global = true)]
        database: Option<String>,
        #[command(subcommand)]
        command: letters::LettersCommand,
    },
    /// Where originals and page images are kept: move them between the
    /// data folder and the database.
    Blobs {
        #[arg(long, env = "DATABASE_URL", global = true)]
        database: Option<String>,
        #[command(subcommand)]
        command: blobs::BlobsCommand,
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
    #[cfg(feature = "devtools")]
    Samples {
        #[command(subcommand)]
        command: dev::SamplesCommand,
    },
    /// Benchmarks that print numbers.
    #[cfg(feature = "devtools")]
    Bench {
        #[command(subcommand)]
        bench: dev::Bench,
    },
    /// Internal: read one file in a child process of a worker, which sends
    /// the request on standard input and reads the pages on standard output.
    #[command(name = "read-file", hide = true)]
    ReadFile,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account; the password is asked for twice, not shown.
    Add {
        /// The sign-in name (letters, digits, `.`, `_`, `-`).
        name: String,
        #[arg(long, value_parser = ["mailroom", "caseworker", "admin"])]
        role: String,
        /// Read the password from the first line of standard input instead.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the accounts: name, role, state.
    List,
    /// Disable an account: it signs nothing in, and its sessions end now.
    Disable { name: String },
    /// Enable a disabled account again.
    Enable { name: String },
    /// Set a new password (asked for twice); the account's sessions end.
    ResetPassword {
        name: String,
        /// Read the password from the first line of standard input instead.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Give an account another role; it counts from the next request.
    SetRole {
        name: String,
        #[arg(long, value_parser = ["mailroom", "caseworker", "admin"])]
        role: String,
    },
}

#[derive(Subcommand)]
enum FormCommand {
    /// Check a definition and list its fields.
    Check {
        #[arg(default_value = intake_core::form::WEB_FORM_ID)]
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

fn main() -> anyhow::Result<std::process::ExitCode> {
    ensure_single_threaded_tesseract()?;
    let cli = Cli::parse();
    if let Command::ReadFile = cli.command {
        // Before any runtime or thread is started: the child limits its own
        // address space, and answers on standard output, where nothing else
        // may write (its log goes to standard error).
        init_logging(std::io::stderr);
        return Ok(intake_service::pipeline::reading::run_child());
    }
    init_logging(std::io::stdout);
    tokio::runtime::Runtime::new()?.block_on(run(cli))?;
    Ok(std::process::ExitCode::SUCCESS)
}

fn init_logging<W>(writer: fn() -> W)
where
    W: std::io::Write + 'static,
{
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "intake=info,tower_http=warn".into()),
        )
        .with_writer(writer)
        .init();
}

/// Tesseract must not start OpenMP threads of its own: parallelism comes
/// from pages and workers. The variable is read when the library loads, so
/// the process starts itself again with it set (no unsafe `set_var`).
///
/// The same restart sets glibc's allocator to give large blocks (page
/// images, PDF streams) back to the system when they are freed, and to keep
/// few arenas: without it a long batch holds on to memory it no longer uses
/// (measured: 462 MB against 408 MB peak for a 300-page PDF).
fn ensure_single_threaded_tesseract() -> anyhow::Result<()> {
    // Both are looked at: a shell or a parent that sets only the thread
    // limit (as the benchmarks' command lines do) would otherwise leave
    // this process on glibc's defaults.
    if std::env::var("OMP_THREAD_LIMIT").as_deref() == Ok("1")
        && std::env::var_os("GLIBC_TUNABLES").is_some()
    {
        return Ok(());
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        let mut command = std::process::Command::new(std::env::current_exe()?);
        command
            .args(std::env::args_os().skip(1))
            .env("OMP_THREAD_LIMIT", "1");
        if std::env::var_os("GLIBC_TUNABLES").is_none() {
            command.env(
                "GLIBC_TUNABLES",
                intake_service::pipeline::reading::MALLOC_TUNABLES,
            );
        }
        let error = command.exec();
        Err(error).context("restarting with OMP_THREAD_LIMIT=1")
    }
    #[cfg(not(unix))]
    Ok(())
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Serve {
            listen,
            database,
            #[cfg(feature = "devtools")]
            demo,
            no_processing,
        } => {
            let mut config = load_config(cli.config.as_deref(), listen, database)?;
            config.scanning.process = !no_processing;
            let listener = TcpListener::bind(config.listen)
                .await
                .with_context(|| format!("listening on {}", config.listen))?;
            let app = intake_service::Application::build(config)
                .await?
                .read_in_child(reading_program()?);
            #[cfg(feature = "devtools")]
            if demo > 0 {
                let stored = intake_devtools::demo::seed(&app, demo).await?;
                println!("stored {stored} synthetic web registrations for the demo");
            }
            println!(
                "intake: the public form is at http://{}/",
                listener.local_addr()?
            );
            app.serve(listener).await
        }
        Command::Worker {
            database,
            files_at_once,
        } => {
            let mut config = load_config(cli.config.as_deref(), None, database)?;
            if let Some(n) = files_at_once {
                config.scanning.workers = n;
            }
            println!(
                "intake worker: reading scans from {} and the drop folder {}",
                redact_url(&config.database_url),
                config.drop_dir().display()
            );
            intake_service::Application::build(config)
                .await?
                .read_in_child(reading_program()?)
                .work()
                .await
        }
        Command::Import {
            paths,
            office,
            received,
            scanned_by,
            json,
            no_wait,
            database,
        } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            let request = import_request(&config, paths, office, received, scanned_by)?;
            import(config, request, json, no_wait).await
        }
        Command::Requeue {
            batch,
            file,
            database,
        } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            let which = match (batch, file) {
                (Some(batch), _) => intake_service::store::Requeue::Batch(batch),
                (None, Some(file)) => intake_service::store::Requeue::File(file),
                (None, None) => anyhow::bail!("say --batch ID or --file ID"),
            };
            let by = std::env::var("USER").unwrap_or_else(|_| "intake requeue".into());
            let requeued = store.requeue_quarantined(which, &by).await?;
            if requeued.queued.is_empty() && requeued.original_gone.is_empty() {
                println!("no quarantined file there: nothing requeued");
            }
            for (id, name, reason) in &requeued.queued {
                println!("requeued {name} ({id}); it was: {reason}");
            }
            for (id, name, removed_at) in &requeued.original_gone {
                println!(
                    "not requeued: {name} ({id}): its original was deleted at {removed_at} \
                     (an erasure or the retention rules); scan the paper again"
                );
            }
            Ok(())
        }
        Command::User { database, command } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            user_command(&store, command).await
        }
        Command::Backup { file, database } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            anyhow::ensure!(!file.exists(), "{} exists already", file.display());
            let store = Store::connect(&config.database_url).await?;
            match store.backup_sqlite(&file).await {
                Some(done) => done.context("writing the backup")?,
                None => anyhow::bail!(
                    "the database is PostgreSQL: back it up with pg_dump (see the README)"
                ),
            }
            println!(
                "the database at {} is copied to {}; copy the data folder's originals/ and pages/ beside it",
                redact_url(&config.database_url),
                file.display()
            );
            Ok(())
        }
        Command::Purge { dry_run, database } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            privacy::purge(config, dry_run).await
        }
        Command::Erase { person, database } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            privacy::erase(config, person).await
        }
        Command::SubjectExport {
            person,
            output,
            database,
        } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            privacy::subject_export(config, person, output).await
        }
        Command::Letters { database, command } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            let store = Store::connect(&config.database_url).await?;
            store.migrate().await?;
            letters::run(&config, &store, command).await
        }
        Command::Blobs { database, command } => {
            let config = load_config(cli.config.as_deref(), None, database)?;
            blobs::run(&config, command).await
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
        #[cfg(feature = "devtools")]
        Command::Samples { command } => {
            let config = load_config(cli.config.as_deref(), None, None)?;
            dev::samples(&config, command)
        }
        #[cfg(feature = "devtools")]
        Command::Bench { bench } => {
            let config = load_config(cli.config.as_deref(), None, None)?;
            dev::bench(&config, bench).await
        }
        Command::ReadFile => unreachable!("read in main, without a runtime"),
    }
}

/// This binary, which reads files as `intake read-file` in child processes.
fn reading_program() -> anyhow::Result<PathBuf> {
    std::env::current_exe().context("finding the intake binary to read files with")
}

fn import_request(
    config: &Config,
    paths: Vec<PathBuf>,
    office: String,
    received: Option<String>,
    scanned_by: Option<String>,
) -> anyhow::Result<intake_service::pipeline::import::ImportRequest> {
    if config.office(&office).is_none() {
        let known: Vec<&str> = config.offices.iter().map(|o| o.id.as_str()).collect();
        anyhow::bail!(
            "--office `{office}` is not configured; the offices are: {}",
            known.join(", ")
        );
    }
    let received_on = match received {
        Some(text) => time::Date::parse(
            &text,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .with_context(|| format!("--received `{text}` is not a date YYYY-MM-DD"))?,
        None => intake_core::calendar::finnish_date(time::OffsetDateTime::now_utc()),
    };
    let scanned_by = scanned_by
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "mailroom".into());
    Ok(intake_service::pipeline::import::ImportRequest {
        paths,
        office,
        received_on,
        scanned_by,
    })
}

/// Stores the batch, reads it (unless `no_wait`) with progress on standard
/// error, and prints the summary.
async fn import(
    config: Config,
    request: intake_service::pipeline::import::ImportRequest,
    json: bool,
    no_wait: bool,
) -> anyhow::Result<()> {
    use intake_service::pipeline::import::{ProgressReport, describe, process_batch, store_batch};
    use intake_service::pipeline::worker::WorkerOptions;
    use intake_service::store::BatchEntry;
    let app = intake_service::Application::build(config)
        .await?
        .read_in_child(reading_program()?);
    let pipeline = app.pipeline();
    let batch = store_batch(pipeline, &request, BatchEntry::Import).await?;
    if no_wait {
        let progress = pipeline.store.batch_progress(batch.id).await?;
        println!(
            "batch {}: {} files stored and queued ({} pages); workers read them",
            batch.id, progress.files, progress.pages_known
        );
        return Ok(());
    }
    let scanning = &app.config().scanning;
    // Fewer files than workers: each reading child gets a larger share of
    // the cores (a single long PDF is read on all of them).
    let files = pipeline.store.batch_progress(batch.id).await?.files_open as usize;
    let mut options = WorkerOptions::new(scanning.lease(), scanning.workers().min(files.max(1)));
    options.first_retry = scanning.first_retry();
    let mut report = ProgressReport::new(json);
    let summary = process_batch(pipeline, &batch, options, |p| report.update(p)).await?;
    pipeline.reader.close().await;
    report.finish();
    let pages = pipeline.store.batch_progress(batch.id).await?.pages_done;
    let seconds = report.elapsed().as_secs_f64();
    if json {
        println!("{}", serde_json::to_string(&summary)?);
    } else {
        print!("{}", describe(&summary));
        println!(
            "  {pages} pages in {seconds:.1} s ({:.0} pages/min)",
            pages as f64 * 60.0 / seconds.max(0.001)
        );
    }
    Ok(())
}

/// Prints one JSON line per document, or `{"source","error"}` for what
/// could not be read; fails when anything could not be read.
fn extract(config: &Config, files: &[PathBuf]) -> anyhow::Result<()> {
    use intake_paper::capture::decode::DecodeLimits;
    use intake_paper::capture::extract::{FormCatalogue, extract_file};
    let catalogue = FormCatalogue::load(config.forms_dir.as_deref())?;
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
    intake_paper::capture::extract::release_engines();
    anyhow::ensure!(
        unreadable == 0,
        "{unreadable} file(s) or page(s) could not be read"
    );
    Ok(())
}

fn form_command(config: &Config, command: FormCommand) -> anyhow::Result<()> {
    let load = |id: &str| FormDefinition::load_by_id(config.forms_dir.as_deref(), id);
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
                let required = match (field.always_required(), field.required) {
                    (true, _) => "required",
                    (false, true) => "required (conditional)",
                    (false, false) => "optional",
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
            let layout = printable::Layout::from_definition(&form);
            let serials: Vec<String> = (0..copies).map(|_| printable::new_serial()).collect();
            let pdf = printable::render(&form, &layout, &serials)?;
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
                printable::Layout::from_definition(&load(&form)?).to_json()
            );
        }
    }
    Ok(())
}

/// A new password from standard input, or typed twice at the terminal.
async fn user_command(store: &Store, command: UserCommand) -> anyhow::Result<()> {
    use intake_service::accounts::{Role, password};
    let now = time::OffsetDateTime::now_utc();
    let account = |name: String| async move {
        let name = intake_service::accounts::normalise_name(&name)?;
        store
            .staff_by_name(&name)
            .await?
            .with_context(|| format!("there is no account `{name}`"))
    };
    match command {
        UserCommand::Add {
            name,
            role,
            password_stdin,
        } => {
            let role = Role::parse(&role).context("--role")?;
            let password = read_new_password(password_stdin)?;
            let member = store.add_user(&name, role, password).await?;
            println!("added {} as {}", member.name, member.role);
        }
        UserCommand::List => {
            for member in store.staff_members().await? {
                let state = if member.disabled_at.is_some() {
                    "disabled"
                } else {
                    "active"
                };
                println!("{}\t{}\t{state}", member.name, member.role);
            }
        }
        UserCommand::Disable { name } => {
            let member = account(name).await?;
            store.set_staff_disabled(member.id, true, None, now).await?;
            println!("disabled {}; its sessions have ended", member.name);
        }
        UserCommand::Enable { name } => {
            let member = account(name).await?;
            store
                .set_staff_disabled(member.id, false, None, now)
                .await?;
            println!("enabled {}", member.name);
        }
        UserCommand::ResetPassword {
            name,
            password_stdin,
        } => {
            let member = account(name).await?;
            let new_password = read_new_password(password_stdin)?;
            password::check_new(&new_password).map_err(anyhow::Error::msg)?;
            let hash = tokio::task::spawn_blocking(move || password::hash(&new_password)).await?;
            store
                .set_staff_password(member.id, &hash, None, now)
                .await?;
            println!(
                "set a new password for {}; its sessions have ended",
                member.name
            );
        }
        UserCommand::SetRole { name, role } => {
            let member = account(name).await?;
            let role = Role::parse(&role).context("--role")?;
            store.set_staff_role(member.id, role, None, now).await?;
            println!("{} is now {role}", member.name);
        }
    }
    Ok(())
}

fn read_new_password(from_stdin: bool) -> anyhow::Result<String> {
    if from_stdin {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .context("reading the password from standard input")?;
        return Ok(line.trim_end_matches(['\r', '\n']).to_string());
    }
    let first = rpassword::prompt_password("Password: ").context("reading the password")?;
    let again = rpassword::prompt_password("The same again: ").context("reading the password")?;
    anyhow::ensure!(first == again, "the two passwords differ");
    Ok(first)
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
