//! Several machines that share nothing but PostgreSQL (issue 17): the real
//! `intake` binary as web node A, web node B and a worker, each with its
//! own empty data folder and `blobs = "database"`; a worker killed in the
//! middle of a batch; `intake blobs migrate` into the database and back.
//! On SQLite, blobs in the database are refused at start-up.

mod common;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::page::{Browser, PASSWORD, add_user_to};
use common::{Backend, Case, every_page_once, files_under, half_read_file, run_cases, wait_for};
use intake_core::record::RegistrationStatus;
use intake_service::accounts::Role;
use intake_service::config::{BlobStore, Config};
use intake_service::pipeline::Pipeline;
use intake_service::pipeline::import::{ImportRequest, process_batch, store_batch};
use intake_service::pipeline::worker::WorkerOptions;
use intake_service::store::{BatchEntry, FileState, Store};
use libtest_mimic::Failed;
use reqwest::StatusCode;
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use time::macros::date;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
const FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/forms");
const INTAKE: &str = env!("CARGO_BIN_EXE_intake");
const SECRET: &str = "the secret every node shares";

fn main() {
    let sqlite: &[(&'static str, Case)] = &[("blobs_in_the_database_are_refused_on_sqlite", |b| {
        Box::pin(blobs_in_the_database_are_refused_on_sqlite(b))
    })];
    let postgres: &[(&'static str, Case)] = &[
        ("three_processes_share_nothing_but_the_database", |b| {
            Box::pin(three_processes_share_nothing_but_the_database(b))
        }),
        ("a_worker_killed_mid_batch_loses_and_doubles_nothing", |b| {
            Box::pin(a_worker_killed_mid_batch_loses_and_doubles_nothing(b))
        }),
        ("blobs_migrate_into_the_database_and_back", |b| {
            Box::pin(blobs_migrate_into_the_database_and_back(b))
        }),
    ];
    run_cases(sqlite, postgres)
}

// ------------------------------------------------------------ the site

/// One PostgreSQL schema: the only thing the processes share.
struct Site {
    server_url: String,
    schema: String,
    url: String,
    store: Store,
    /// Where the processes' logs go (not in any data folder).
    logs: TempDir,
}

impl Site {
    async fn new(backend: &Backend) -> Result<Site, Failed> {
        let Backend::Postgres { server_url } = backend else {
            return Err("a PostgreSQL case".into());
        };
        let schema = format!("test_{}", uuid::Uuid::new_v4().simple());
        let url = intake_service::store::create_schema(server_url, &schema).await?;
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        Ok(Site {
            server_url: server_url.clone(),
            schema,
            url,
            store,
            logs: tempfile::tempdir()?,
        })
    }

    async fn finish(self) -> Result<(), Failed> {
        self.store.close().await;
        intake_service::store::drop_schema(&self.server_url, &self.schema).await?;
        Ok(())
    }

    /// `intake` with a data folder of its own and blobs in the database.
    fn intake(&self, data: &Path) -> Command {
        let mut command = Command::new(INTAKE);
        command
            .env_remove("INTAKE_CONFIG")
            .env_remove("INTAKE_DROP_DIR")
            .env("DATABASE_URL", &self.url)
            .env("INTAKE_DATA_DIR", data)
            .env("INTAKE_BLOBS", "database")
            .env("INTAKE_SECRET", SECRET)
            .env("INTAKE_FORMS_DIR", FORMS)
            .env("RUST_LOG", "intake=info");
        command
    }

    fn log(&self, name: &str) -> PathBuf {
        self.logs.path().join(format!("{name}.log"))
    }

    fn logs_of(&self, names: &[&str]) -> String {
        names
            .iter()
            .map(|name| {
                let log = std::fs::read_to_string(self.log(name)).unwrap_or_default();
                format!("--- {name}:\n{log}")
            })
            .collect()
    }

    /// The configuration of a process of this site, for the library.
    fn config(&self, data: &Path, blobs: BlobStore) -> Config {
        Config {
            database_url: self.url.clone(),
            data_dir: data.to_owned(),
            forms_dir: Some(FORMS.into()),
            blobs,
            ..Config::default()
        }
    }
}

/// A process of the site, killed when dropped.
struct Node {
    child: Child,
    /// Where a web node serves.
    base: String,
}

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `intake serve --no-processing` on a free port: waits for the line that
/// names its address (the log goes on to the node's log file).
fn start_web_node(site: &Site, name: &str, data: &Path) -> Result<Node, Failed> {
    let mut child = site
        .intake(data)
        .args(["serve", "--no-processing", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(std::fs::File::create(site.log(&format!("{name}-err")))?)
        .spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let mut log = std::fs::File::create(site.log(name))?;
    let (address, found) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if let Some(at) = line.split("the public form is at ").nth(1) {
                let _ = address.send(at.trim_end_matches('/').to_string());
            }
            let _ = std::io::Write::write_all(&mut log, format!("{line}\n").as_bytes());
        }
    });
    let mut node = Node {
        child,
        base: String::new(),
    };
    match found.recv_timeout(Duration::from_secs(60)) {
        Ok(base) => {
            node.base = base;
            Ok(node)
        }
        Err(_) => Err(format!(
            "{name} did not start: {}",
            site.logs_of(&[name, &format!("{name}-err")])
        )
        .into()),
    }
}

/// `intake worker` reading one file at a time, with a lease of
/// `lease_seconds` (short where a killed worker's job must come back soon).
fn start_worker(site: &Site, name: &str, data: &Path, lease_seconds: u32) -> Result<Node, Failed> {
    let config = site.logs.path().join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!("[scanning]\nlease_seconds = {lease_seconds}\nworkers = 1\n"),
    )?;
    let log = std::fs::File::create(site.log(name))?;
    let child = site
        .intake(data)
        .arg("--config")
        .arg(&config)
        .arg("worker")
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;
    Ok(Node {
        child,
        base: String::new(),
    })
}

async fn count(store_url: &str, sql: &str) -> Result<i64, Failed> {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(store_url)
        .await?;
    let n: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
    pool.close().await;
    Ok(n)
}

/// The true values of a sample's first form.
fn truth(sample: &str) -> Result<BTreeMap<String, serde_json::Value>, Failed> {
    let name = sample.rsplit_once('.').ok_or("a file name")?.0;
    let text = std::fs::read_to_string(format!("{SAMPLES}/{name}.truth.json"))?;
    let truth: serde_json::Value = serde_json::from_str(&text)?;
    let fields = truth["documents"][0]["fields"]
        .as_object()
        .ok_or("no fields in the truth file")?;
    Ok(fields.clone().into_iter().collect())
}

// ------------------------------------------------------------ cases

async fn three_processes_share_nothing_but_the_database(backend: Backend) -> Result<(), Failed> {
    let site = Site::new(&backend).await?;
    let (data_a, data_b, data_w) = (
        tempfile::tempdir()?,
        tempfile::tempdir()?,
        tempfile::tempdir()?,
    );
    add_user_to(&site.store, "mari", Role::Mailroom).await?;
    let node_a = start_web_node(&site, "a", data_a.path())?;
    let node_b = start_web_node(&site, "b", data_b.path())?;
    let worker = start_worker(&site, "worker", data_w.path(), 60)?;

    // A batch handed in on A.
    let sample = "011-handwriting.png";
    let on_a = Browser::sign_in_at(&node_a.base, "mari", PASSWORD, &[]).await?;
    let sent = on_a
        .post_multipart(
            "/staff/mailroom",
            &[
                ("csrf", None, on_a.csrf.as_bytes().to_vec()),
                ("office", None, b"vaasa".to_vec()),
                ("received", None, b"2026-04-03".to_vec()),
                ("scanned_by", None, b"Mari".to_vec()),
                (
                    "files",
                    Some(sample),
                    std::fs::read(format!("{SAMPLES}/{sample}"))?,
                ),
                (
                    "files",
                    Some("009-printed.png"),
                    std::fs::read(format!("{SAMPLES}/009-printed.png"))?,
                ),
            ],
        )
        .await;
    ensure!(
        sent.status == StatusCode::SEE_OTHER
            && sent.location.starts_with("/staff/mailroom/batches/"),
        "the upload is stored: {} {}",
        sent.status,
        sent.body
    );
    let batch = uuid::Uuid::parse_str(sent.location.rsplit('/').next().unwrap_or_default())?;

    // Read by the worker, from the database.
    let store = site.store.clone();
    let read = wait_for(
        Duration::from_secs(300),
        "the worker to read the batch",
        || {
            let store = store.clone();
            async move { Ok(store.open_jobs_of_batch(batch).await? == 0) }
        },
    )
    .await;
    if let Err(e) = read {
        return Err(format!("{e:?}\n{}", site.logs_of(&["worker"])).into());
    }
    let files = store.batch_files(batch).await?;
    ensure!(
        files.len() == 2 && files.iter().all(|f| f.state == FileState::Done),
        "both files read: {:?}\n{}",
        files
            .iter()
            .map(|f| (&f.name, f.state, &f.reason))
            .collect::<Vec<_>>(),
        site.logs_of(&["worker"])
    );
    let registrations = store.batch_registrations(batch).await?;
    ensure!(
        registrations.len() == 2,
        "two forms: {}",
        registrations.len()
    );
    let held = registrations
        .iter()
        .find(|r| r.status == RegistrationStatus::AwaitingReview)
        .ok_or("the handwritten form waits for a person (its email is read with doubt)")?;

    // Seen and verified on B.
    let on_b = Browser::sign_in_at(&node_b.base, "mari", PASSWORD, &[]).await?;
    let path = format!("/staff/verify/{}", held.id);
    let form = on_b.get(&path).await;
    ensure!(
        form.status == StatusCode::OK,
        "the form on B: {}",
        form.status
    );
    let flagged: Vec<&String> = held
        .fields
        .iter()
        .filter(|(_, f)| f.status == intake_core::record::FieldStatus::NeedsReview)
        .map(|(id, _)| id)
        .collect();
    for field in &flagged {
        let crop = on_b.get(&format!("{path}/crop?field={field}")).await;
        ensure!(
            crop.status == StatusCode::OK && crop.bytes.starts_with(b"\x89PNG"),
            "the crop of {field} on B: {} {}",
            crop.status,
            crop.content_type
        );
    }
    let whole = on_b.get(&format!("{path}/image?form_page=1")).await;
    ensure!(
        whole.status == StatusCode::OK
            && whole.content_type == "image/jpeg"
            && image::load_from_memory(&whole.bytes).is_ok_and(|i| i.width() > 1000),
        "the page image on B is the JPEG page: {} {}",
        whole.status,
        whole.content_type
    );
    let seen = common::page::between(&form.body, "name=\"seen\" value=\"", "\"")
        .ok_or("no fingerprint")?
        .to_string();
    let truth = truth(sample)?;
    let mut answers = vec![("seen".to_string(), seen)];
    for field in &flagged {
        let value = truth
            .get(*field)
            .and_then(|v| v.as_str())
            .ok_or_else(|| format!("no text truth for the flagged {field}"))?;
        answers.push((field.to_string(), value.to_string()));
    }
    let answers: Vec<(&str, &str)> = answers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let saved = on_b.post(&path, &answers).await;
    ensure!(
        saved.status == StatusCode::SEE_OTHER && saved.location.contains("notice=queued"),
        "verified on B: {} {}",
        saved.status,
        saved.location
    );
    let after = store.registration(held.id).await?.ok_or("gone")?;
    ensure!(
        after.status == RegistrationStatus::AwaitingCall,
        "in the callback queue: {:?}",
        after.status
    );

    // Every blob is in the database; no data folder holds one, and the
    // worker's temporary copies are gone.
    let originals = count(
        &site.url,
        "SELECT COUNT(*) FROM blobs WHERE key LIKE 'originals/%'",
    )
    .await?;
    let pages = count(
        &site.url,
        "SELECT COUNT(*) FROM blobs WHERE key LIKE 'pages/%'",
    )
    .await?;
    ensure!(
        originals == 2 && pages == 2,
        "in the database: {originals} originals, {pages} page images"
    );

    // A subject access export and an erasure reach the blobs in the
    // database (run on a fourth data folder: nothing is there).
    let data_admin = tempfile::tempdir()?;
    let export = data_admin.path().join("export");
    let reference = after.reference.to_string();
    let output = site
        .intake(data_admin.path())
        .args(["subject-export", &reference, "--by", "test", "-o"])
        .arg(&export)
        .output()?;
    ensure!(
        output.status.success(),
        "subject-export: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let original = format!("{SAMPLES}/{sample}");
    let sha256 = format!("{:x}", Sha256::digest(std::fs::read(&original)?));
    ensure!(
        std::fs::read(export.join("originals").join(&sha256))? == std::fs::read(&original)?,
        "the export holds the original from the database"
    );
    ensure!(
        files_under(&export.join("pages")).len() == 1,
        "and its page image: {:?}",
        files_under(&export)
    );
    let output = site
        .intake(data_admin.path())
        .args(["erase", &reference, "--by", "test"])
        .output()?;
    ensure!(
        output.status.success(),
        "erase: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let key = format!("originals/{}/{sha256}", &sha256[..2]);
    let left = count(
        &site.url,
        &format!("SELECT COUNT(*) FROM blobs WHERE key = '{key}'"),
    )
    .await?;
    let pages_left = count(
        &site.url,
        "SELECT COUNT(*) FROM blobs WHERE key LIKE 'pages/%'",
    )
    .await?;
    ensure!(
        left == 0 && pages_left == 1,
        "the erased person's original and page image are gone from the database, the other's stay: {left}, {pages_left}"
    );
    std::fs::remove_dir_all(&export)?;
    let files = files_under(data_admin.path());
    ensure!(files.is_empty(), "the admin's data folder holds {files:?}");

    drop(worker);
    drop((node_a, node_b));
    for (name, data) in [("A", &data_a), ("B", &data_b), ("the worker", &data_w)] {
        let files = files_under(data.path());
        ensure!(files.is_empty(), "{name}'s data folder holds {files:?}");
    }
    site.finish().await
}

/// A pile of multi-page files stored through the library with blobs in the
/// database (as a web node stores an upload).
async fn queued_pile(site: &Site, data: &Path) -> Result<intake_service::store::ScanBatch, Failed> {
    let pile = tempfile::tempdir()?;
    for name in [
        "007-batch.pdf",
        "002-printed.jpg",
        "004-handwriting.jpg",
        "006-handwriting.jpg",
        "009-printed.png",
        "010-handwriting.png",
    ] {
        std::fs::copy(format!("{SAMPLES}/{name}"), pile.path().join(name))?;
    }
    let pipeline = Pipeline::new(site.store.clone(), &site.config(data, BlobStore::Database))?;
    let request = ImportRequest {
        paths: vec![pile.path().to_owned()],
        office: "vaasa".into(),
        received_on: date!(2026 - 11 - 20),
        scanned_by: "test".into(),
    };
    Ok(store_batch(&pipeline, &request, BatchEntry::Import).await?)
}

async fn a_worker_killed_mid_batch_loses_and_doubles_nothing(
    backend: Backend,
) -> Result<(), Failed> {
    let site = Site::new(&backend).await?;
    let (web, machine) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let batch = queued_pile(&site, web.path()).await?;
    ensure!(
        files_under(web.path()).is_empty(),
        "stored in the database only"
    );
    let store = site.store.clone();

    let mut first = start_worker(&site, "first", machine.path(), 3)?;
    let started = Instant::now();
    let victim = loop {
        if let Some((file, _)) = half_read_file(&store).await? {
            break file;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(180),
            "timed out waiting for a file half read: {}",
            site.logs_of(&["first"])
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    first.child.kill()?; // SIGKILL
    first.child.wait()?;
    let copies = files_under(&machine.path().join("tmp"));
    ensure!(
        copies.len() == 1,
        "the killed worker leaves its copy: {copies:?}"
    );
    let done_before = store.recorded_pages(victim).await?;

    let second = start_worker(&site, "second", machine.path(), 3)?;
    let finished = wait_for(Duration::from_secs(400), "the batch to finish", || {
        let store = store.clone();
        async move { Ok(store.open_jobs_of_batch(batch.id).await? == 0) }
    })
    .await;
    drop(second);
    if let Err(e) = finished {
        return Err(format!("{e:?}\n{}", site.logs_of(&["first", "second"])).into());
    }

    // Every page of every file once; one registration per sheet.
    every_page_once(&store, batch.id).await?;
    let pages = store.batch_pages(batch.id).await?;
    ensure!(
        store.recorded_pages(victim).await?.len() > done_before.len(),
        "the second worker went on with the file the first left"
    );
    // Every page image named is in the database, once.
    let images = pages.iter().filter(|p| p.image_path.is_some()).count() as i64;
    let stored = count(
        &site.url,
        "SELECT COUNT(*) FROM blobs WHERE key LIKE 'pages/%'",
    )
    .await?;
    ensure!(
        images > 0 && stored == images,
        "{images} page images named, {stored} stored"
    );
    ensure!(store.queue_counts().await?.dead == 0, "no job was given up");
    // The killed worker's temporary copy went when the next one started on
    // the same machine; the next one's went with its readings.
    let left = files_under(machine.path());
    ensure!(left.is_empty(), "the workers left {left:?}");
    site.finish().await
}

/// The SHA-256 of every file under a folder, by its path in the folder.
fn hashes_under(folder: &Path) -> Result<BTreeMap<String, String>, Failed> {
    let mut hashes = BTreeMap::new();
    for file in files_under(folder) {
        let key = file.strip_prefix(folder)?.to_string_lossy().into_owned();
        hashes.insert(key, format!("{:x}", Sha256::digest(std::fs::read(&file)?)));
    }
    Ok(hashes)
}

async fn blobs_migrate_into_the_database_and_back(backend: Backend) -> Result<(), Failed> {
    let site = Site::new(&backend).await?;
    let data = tempfile::tempdir()?;
    // A site that kept its files in the data folder: two scans read.
    let config = site.config(data.path(), BlobStore::Folder);
    let pipeline = Pipeline::new(site.store.clone(), &config)?;
    let request = ImportRequest {
        paths: vec![
            format!("{SAMPLES}/011-handwriting.png").into(),
            format!("{SAMPLES}/003-digital.pdf").into(),
        ],
        office: "vaasa".into(),
        received_on: date!(2026 - 04 - 03),
        scanned_by: "test".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    process_batch(
        &pipeline,
        &batch,
        WorkerOptions::new(Duration::from_secs(60), 1),
        |_| {},
    )
    .await?;
    let before = hashes_under(data.path())?;
    let blobs = before.len();
    ensure!(
        before
            .keys()
            .filter(|k| k.starts_with("originals/"))
            .count()
            == 2
            && before.keys().any(|k| k.starts_with("pages/")),
        "originals and page images in the folder: {before:?}"
    );
    let migrate = |to: &str| -> Result<String, Failed> {
        let output = site
            .intake(data.path())
            .args(["blobs", "migrate", "--to", to])
            .output()?;
        let said = String::from_utf8_lossy(&output.stdout).into_owned();
        ensure!(
            output.status.success(),
            "blobs migrate --to {to}: {said}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        Ok(said)
    };

    let said = migrate("database")?;
    ensure!(
        said.contains(&format!("{blobs} moved to the database")) && said.contains("0 in neither"),
        "every blob moved: {said}"
    );
    ensure!(
        files_under(data.path()).is_empty(),
        "the folder is empty: {:?}",
        files_under(data.path())
    );
    let in_database = Store::connect(&site.url)
        .await?
        .database_blobs()
        .ok_or("PostgreSQL")?;
    for (key, sha256) in &before {
        let info = in_database
            .info(key)
            .await?
            .ok_or_else(|| format!("{key} is not in the database"))?;
        ensure!(info.sha256 == *sha256, "{key} keeps its hash");
    }
    // The service (still set to the folder) reads them from the database.
    let original = &pipeline.store.batch_files(batch.id).await?[0].path;
    ensure!(
        pipeline.blobs.exists(original).await?,
        "found where it went"
    );

    // Run again, and after a stop between copying and deleting a source:
    // nothing is copied twice, the source left is deleted.
    let (stray, _) = before.iter().next().ok_or("a blob")?;
    std::fs::create_dir_all(data.path().join(stray).parent().ok_or("a folder")?)?;
    std::fs::write(
        data.path().join(stray),
        pipeline.blobs.read(stray).await?.ok_or("stored")?,
    )?;
    let said = migrate("database")?;
    ensure!(
        said.contains(&format!(
            "0 moved to the database (0.0 MB), {blobs} there already"
        )),
        "a second run moves nothing: {said}"
    );
    ensure!(
        !data.path().join(stray).exists(),
        "the source left by a stopped run is deleted"
    );

    let said = migrate("folder")?;
    ensure!(
        said.contains(&format!("{blobs} moved to the folder")),
        "back: {said}"
    );
    ensure!(
        hashes_under(data.path())? == before,
        "every file back, byte for byte"
    );
    ensure!(
        count(&site.url, "SELECT COUNT(*) FROM blobs").await? == 0
            && count(&site.url, "SELECT COUNT(*) FROM blob_chunks").await? == 0,
        "nothing left in the database"
    );
    site.finish().await
}

async fn blobs_in_the_database_are_refused_on_sqlite(_backend: Backend) -> Result<(), Failed> {
    let data = tempfile::tempdir()?;
    let database = format!("sqlite://{}/intake.db", data.path().display());
    for args in [
        &["serve", "--no-processing", "--listen", "127.0.0.1:0"][..],
        &["worker"],
    ] {
        let output = Command::new(INTAKE)
            .args(args)
            .env("DATABASE_URL", &database)
            .env("INTAKE_DATA_DIR", data.path())
            .env("INTAKE_BLOBS", "database")
            .env("INTAKE_SECRET", SECRET)
            .output()?;
        let said = String::from_utf8_lossy(&output.stderr);
        ensure!(
            !output.status.success() && said.contains("needs PostgreSQL"),
            "{args:?} refuses to start: {said}"
        );
    }
    let output = Command::new(INTAKE)
        .args(["blobs", "migrate", "--to", "database"])
        .env("DATABASE_URL", &database)
        .env("INTAKE_DATA_DIR", data.path())
        .output()?;
    let said = String::from_utf8_lossy(&output.stderr);
    ensure!(
        !output.status.success() && said.contains("needs PostgreSQL"),
        "no migration into an SQLite database: {said}"
    );
    Ok(())
}
