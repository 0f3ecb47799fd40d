//! Personal data by the law's rules, on SQLite and on PostgreSQL: an
//! erasure leaves no byte of the person in the database files or the data
//! folder (and others' data stays), the retention rules remove exactly
//! what is past its time, and a subject export holds the person's data.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Backend, Case, TestApp, borrowed, files_under, reference, run_cases, status_path};
use intake_core::record::Reference;
use intake_service::pipeline::Pipeline;
use intake_service::pipeline::drop_folder::DropFolder;
use intake_service::pipeline::worker::{self, Until, WorkerOptions};
use intake_service::store::{BatchEntry, FileState, PageRecorded, ScanBatch, Store};
use libtest_mimic::Failed;
use time::macros::date;

const FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/forms");
const INTAKE: &str = env!("CARGO_BIN_EXE_intake");
/// The photocopied sheet of `tests/scanning.rs`, whose three identity codes
/// are known to be read right.
const SERIAL: &str = "PHT2C4PYXK";
const SEED: u64 = 4;

fn main() {
    let cases: &[(&'static str, Case)] = &[
        ("an_erasure_leaves_no_trace", |b| {
            Box::pin(an_erasure_leaves_no_trace(b))
        }),
        ("retention_removes_exactly_what_is_due", |b| {
            Box::pin(retention_removes_exactly_what_is_due(b))
        }),
        ("retention_removes_a_verified_paper_scan_when_due", |b| {
            Box::pin(retention_removes_a_verified_paper_scan_when_due(b))
        }),
        ("a_subject_export_holds_their_data_and_scans", |b| {
            Box::pin(a_subject_export_holds_their_data_and_scans(b))
        }),
        ("retention_sweeps_blobs_no_row_names", |b| {
            Box::pin(retention_sweeps_blobs_no_row_names(b))
        }),
    ];
    // Blobs in the database are for PostgreSQL only.
    let postgres: Vec<(&'static str, Case)> = cases
        .iter()
        .copied()
        .chain([(
            "retention_removes_blobs_from_the_database_store",
            (|b| Box::pin(retention_removes_blobs_from_the_database_store(b))) as Case,
        )])
        .collect();
    run_cases(cases, &postgres)
}

/// The app without a scan worker or hourly retention of its own.
async fn app(backend: &Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| {
        config.scanning.process = false;
        config.scanning.settle_seconds = 0;
    })
    .await
}

fn pipeline(app: &TestApp) -> Result<Pipeline, Failed> {
    Ok(Pipeline::new(app.store.clone(), &app.config)?)
}

/// Reads a batch in this process until none of its files is left.
async fn read_batch(pipeline: &Pipeline, batch: uuid::Uuid) {
    let options = WorkerOptions::new(Duration::from_secs(60), 1);
    worker::run(pipeline.clone(), options, Until::BatchDone(batch)).await;
}

/// `intake` as an operator runs it on the test's database and data folder.
fn intake(app: &TestApp, args: &[&str]) -> Result<String, Failed> {
    let output = Command::new(INTAKE)
        .env_remove("INTAKE_CONFIG")
        .env_remove("INTAKE_DROP_DIR")
        .env("DATABASE_URL", &app.config.database_url)
        .env("INTAKE_DATA_DIR", &app.config.data_dir)
        .env("INTAKE_FORMS_DIR", FORMS)
        .env("RUST_LOG", "intake=debug")
        .args(args)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    ensure!(
        output.status.success(),
        "intake {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(stdout)
}

/// A web registration with these answers; returns its reference and
/// status link.
async fn web_registration(
    app: &TestApp,
    answers: &[(&str, &str)],
) -> Result<(String, String), Failed> {
    let token = app.form_token("fi").await;
    let mut fields = common::valid_fields(&token);
    for (field, value) in answers {
        let slot = fields
            .iter_mut()
            .find(|(k, _)| k == field)
            .ok_or("a field of the form")?;
        slot.1 = value.to_string();
    }
    let (status, page) = app.post("/fi", &borrowed(&fields)).await;
    let summary = page
        .find("error-summary")
        .map_or("", |at| &page[at..(at + 1200).min(page.len())]);
    ensure!(status.is_success(), "stored: {status} {summary}");
    Ok((
        reference(&page).ok_or("a reference")?,
        status_path(&page).ok_or("a status link")?,
    ))
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// Where in the data folder (SQLite: its database file and log too) any of
/// these texts is, as UTF-8 bytes.
fn traces(folder: &Path, texts: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for path in files_under(folder) {
        let bytes = std::fs::read(&path).unwrap_or_default();
        for text in texts {
            if contains(&bytes, text) {
                found.push(format!("{text} in {}", path.display()));
            }
        }
    }
    found
}

/// PostgreSQL: every row of every table of the test's schema, as text.
async fn postgres_traces(store_url: &str, texts: &[String]) -> Result<Vec<String>, Failed> {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(store_url)
        .await?;
    let tables: Vec<(String,)> = sqlx::query_as(
        "SELECT table_name::text FROM information_schema.tables \
         WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
    )
    .fetch_all(&pool)
    .await?;
    let mut found = Vec::new();
    for (table,) in tables {
        let rows: Vec<(String,)> = sqlx::query_as(&format!("SELECT t::text FROM \"{table}\" t"))
            .fetch_all(&pool)
            .await?;
        for (row,) in rows {
            for text in texts {
                if row.contains(text.as_str()) {
                    found.push(format!("{text} in {table}"));
                }
            }
        }
    }
    pool.close().await;
    Ok(found)
}

async fn count(store_url: &str, sql: &str) -> Result<i64, Failed> {
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(store_url)
        .await?;
    let (n,): (i64,) = sqlx::query_as(sql).fetch_one(&pool).await?;
    pool.close().await;
    Ok(n)
}

/// Three people filled in photocopies of one sheet, scanned as one PDF;
/// the first of them also sent the web form, and their sheet was scanned
/// again on its own through the drop folder. Erasing them removes their
/// rows, files and copies, leaves the other two (whose shared original
/// goes, their pages and records staying) and the web registration of
/// someone else.
async fn an_erasure_leaves_no_trace(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let pipeline = pipeline(&app)?;
    let definition =
        intake_core::form::FormDefinition::load(&Path::new(FORMS).join("jobseeker-start-v1.toml"))?;
    let stack = intake_devtools::samples::photocopy_stack(&definition, SERIAL, 3, SEED)?;
    let person = &stack.people[0];
    let text = |field: &str| person[field].as_str().unwrap_or_default().to_string();
    let (hetu, surname, first_names) = (text("hetu"), text("surname"), text("first_names"));
    let (web_reference, _) = web_registration(
        &app,
        &[
            ("hetu", &hetu),
            ("surname", &surname),
            ("first_names", &first_names),
            ("phone", &text("phone")),
        ],
    )
    .await?;
    let (other_reference, _) = web_registration(&app, &[]).await?;

    // The stack, imported as one file.
    let pile = tempfile::tempdir()?;
    std::fs::write(pile.path().join("copies.pdf"), &stack.pdf)?;
    let request = intake_service::pipeline::import::ImportRequest {
        paths: vec![pile.path().to_path_buf()],
        office: "mustasaari".into(),
        received_on: date!(2026 - 04 - 03),
        scanned_by: "test".into(),
    };
    let batch =
        intake_service::pipeline::import::store_batch(&pipeline, &request, BatchEntry::Import)
            .await?;
    read_batch(&pipeline, batch.id).await;
    // Their sheet again, through the drop folder, which keeps a copy.
    let drop = app.config.drop_dir();
    let mut folder = DropFolder::new(&drop, &app.config.offices, Duration::ZERO);
    folder.prepare()?;
    stack.pages[0].save(drop.join("vaasa").join("rescan.png"))?;
    let start = Instant::now();
    folder
        .sweep(&pipeline, start, date!(2026 - 04 - 07))
        .await?;
    let taken = folder
        .sweep(
            &pipeline,
            start + Duration::from_secs(1),
            date!(2026 - 04 - 07),
        )
        .await?;
    ensure!(
        taken.len() == 1,
        "the drop folder took the rescan: {taken:?}"
    );
    read_batch(&pipeline, taken[0].batch_id.ok_or("a batch")?).await;
    let copy = taken[0].moved_to.clone();
    ensure!(copy.exists(), "a copy in done/");

    let store = &app.store;
    let registrations = store.batch_registrations(batch.id).await?;
    ensure!(registrations.len() == 3, "three people on paper");
    let theirs = registrations
        .iter()
        .find(|r| r.text("hetu") == Some(hetu.as_str()))
        .ok_or("their paper registration")?;
    let others: Vec<_> = registrations.iter().filter(|r| r.id != theirs.id).collect();
    // What they wrote, as the records hold it.
    let mut secrets = vec![hetu.clone()];
    for field in ["surname", "phone"] {
        secrets.extend(theirs.text(field).map(str::to_string));
    }
    let web = store
        .registration_by_reference(&Reference::parse(&web_reference).ok_or("a reference")?)
        .await?
        .ok_or("the web registration")?;
    for field in ["surname", "phone"] {
        secrets.extend(web.text(field).map(str::to_string));
    }
    secrets.sort();
    secrets.dedup();
    let pages = store.batch_pages(batch.id).await?;
    let images = |id: uuid::Uuid| -> Vec<PathBuf> {
        pages
            .iter()
            .filter(|p| p.registration_id == Some(id))
            .filter_map(|p| {
                p.image_path
                    .as_deref()
                    .map(|i| pipeline.blobs.folder_path(i))
            })
            .collect()
    };
    let their_images = images(theirs.id);
    let others_images: Vec<PathBuf> = others.iter().flat_map(|r| images(r.id)).collect();
    ensure!(
        !their_images.is_empty() && others_images.len() == 2,
        "page images are kept"
    );
    let shared_original = pipeline
        .blobs
        .folder_path(&store.batch_files(batch.id).await?[0].path);
    ensure!(shared_original.exists(), "the shared original is kept");

    // The search finds them before: on SQLite in the database file or its
    // log, on PostgreSQL in the rows.
    let before = match backend {
        Backend::Postgres { .. } => postgres_traces(&app.config.database_url, &secrets).await?,
        Backend::Sqlite => traces(&app.config.data_dir, &secrets),
    };
    ensure!(
        secrets.len() >= 3 && before.len() >= secrets.len(),
        "each of {secrets:?} is found before: {before:?}"
    );

    let out = intake(
        &app,
        &["erase", "--hetu", &hetu.to_lowercase(), "--by", "dpo-test"],
    )?;
    ensure!(out.contains("erased 2 registrations"), "{out}");
    ensure!(!out.contains(&hetu), "the output names no one: {out}");

    for secret in &secrets {
        ensure!(!out.contains(secret.as_str()), "{secret} printed");
    }
    let found = traces(&app.config.data_dir, &secrets);
    ensure!(found.is_empty(), "left behind: {found:?}");
    if let Backend::Postgres { .. } = backend {
        let found = postgres_traces(&app.config.database_url, &secrets).await?;
        ensure!(found.is_empty(), "left in PostgreSQL: {found:?}");
    } else {
        let db = app.config.data_dir.join("intake.db");
        ensure!(db.exists(), "the database file is searched");
        let wal = app.config.data_dir.join("intake.db-wal");
        ensure!(
            std::fs::metadata(&wal).map_or(0, |m| m.len()) == 0,
            "the log is emptied"
        );
    }
    for image in &their_images {
        ensure!(
            !image.exists(),
            "their page image {} is gone",
            image.display()
        );
    }
    ensure!(!copy.exists(), "the drop folder's copy is gone");
    ensure!(
        !shared_original.exists(),
        "the original holding their page is gone"
    );
    for image in &others_images {
        ensure!(image.exists(), "others' page images stay");
    }
    for other in &others {
        ensure!(
            store.registration(other.id).await?.is_some(),
            "others' registrations stay"
        );
    }
    ensure!(
        store
            .registration_by_reference(&Reference::parse(&other_reference).ok_or("ref")?)
            .await?
            .is_some(),
        "someone else's web registration stays"
    );
    ensure!(
        store.registration(web.id).await?.is_none()
            && store.registration(theirs.id).await?.is_none(),
        "theirs are gone"
    );
    let erasures = store
        .audit_of_action(intake_service::store::audit::AuditAction::Erasure)
        .await?;
    ensure!(
        erasures.len() == 1
            && erasures[0]
                .detail
                .starts_with("by dpo-test: 2 registrations"),
        "the erasure is audited: {:?}",
        erasures.iter().map(|e| &e.detail).collect::<Vec<_>>()
    );
    let again = Command::new(INTAKE)
        .env("DATABASE_URL", &app.config.database_url)
        .env("INTAKE_DATA_DIR", &app.config.data_dir)
        .env("INTAKE_FORMS_DIR", FORMS)
        .args(["erase", "--hetu", &hetu])
        .output()?;
    ensure!(!again.status.success(), "no one is left to erase");
    app.finish().await;
    Ok(())
}

/// A triage item on a file of its own, with a page image; closed when
/// `closing_staff` is given.
async fn triage_item(
    app: &TestApp,
    pipeline: &Pipeline,
    text: &str,
    closing_staff: Option<uuid::Uuid>,
) -> Result<(uuid::Uuid, PathBuf, PathBuf), Failed> {
    let batch: ScanBatch = app
        .store
        .create_batch("vaasa", date!(2026 - 04 - 03), "test", BatchEntry::Import)
        .await?;
    let letter = tempfile::NamedTempFile::new()?;
    std::fs::write(
        letter.path(),
        format!("%PDF-1.4 {text} {}", uuid::Uuid::new_v4()),
    )?;
    let file = pipeline.admit_path(&batch, letter.path()).await?;
    let image = pipeline
        .blobs
        .save_page_image(file.id, 1, image::GrayImage::new(8, 8))
        .await?;
    let recorded = app
        .store
        .record_other_page(&file, &batch, 1, text, Some(&image), common::TEST_READER)
        .await?;
    let PageRecorded::Triage(id) = recorded else {
        return Err(format!("not a triage item: {recorded:?}").into());
    };
    app.store
        .finish_file(file.id, FileState::Done, None)
        .await?;
    if let Some(staff) = closing_staff {
        app.store
            .close_triage(id, staff, "not for us", time::OffsetDateTime::now_utc())
            .await?;
    }
    Ok((
        id,
        pipeline.blobs.folder_path(&file.path),
        pipeline.blobs.folder_path(&image),
    ))
}

/// A paper registration read from a file of its own with its phone number
/// flagged, then checked by `staff` at `checked_at`. Returns the keys of
/// its original and page image.
async fn verified_paper(
    app: &TestApp,
    pipeline: &Pipeline,
    staff: &intake_service::store::staff::StaffMember,
    (hetu, surname, serial): (&str, &str, &str),
    checked_at: time::OffsetDateTime,
) -> Result<(String, String), Failed> {
    use intake_core::form::{Channel, FormDefinition};
    use intake_core::record::{FieldStatus, ReviewReason};
    use intake_service::store::review::{FieldDecision, Review, Reviewed, review_fingerprint};
    use intake_service::store::{FormPage, ReadBy};

    let form = FormDefinition::load_by_id(Some(Path::new(FORMS)), intake_service::WEB_FORM_ID)?;
    let inputs: std::collections::HashMap<String, String> = [
        ("hetu", hetu),
        ("surname", surname),
        ("first_names", "AINO"),
        ("phone", "0401234567"),
        ("service_language", "fi"),
        ("situation", "unemployed"),
        ("contact_consent", "yes"),
        ("signed", "yes"),
    ]
    .iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let mut fields =
        intake_core::record::normalise::normalise_submission(&form, Channel::Paper, &inputs)
            .map_err(|e| format!("paper fields: {e:?}"))?;
    let phone = fields.get_mut("phone").ok_or("a phone field")?;
    phone.status = FieldStatus::NeedsReview;
    phone.reasons = vec![ReviewReason::LowConfidence];
    let read_phone = phone.value.clone();

    let batch: ScanBatch = app
        .store
        .create_batch("vaasa", date!(2026 - 04 - 03), "test", BatchEntry::Import)
        .await?;
    let scan = tempfile::NamedTempFile::new()?;
    std::fs::write(scan.path(), format!("%PDF-1.4 {serial}"))?;
    let file = pipeline.admit_path(&batch, scan.path()).await?;
    let image = pipeline
        .blobs
        .save_page_image(file.id, 1, image::GrayImage::new(8, 8))
        .await?;
    let page = FormPage {
        file: &file,
        batch: &batch,
        page: 1,
        by: ReadBy {
            worker: "test",
            took: None,
        },
        form: form.id(),
        version: form.version(),
        serial,
        form_page: 1,
        image_path: Some(image.clone()),
    };
    let recorded = app.store.record_form_page(page, |_| fields.clone()).await?;
    let PageRecorded::NewRegistration(id) = recorded else {
        return Err(format!("not a new registration: {recorded:?}").into());
    };
    app.store
        .finish_file(file.id, FileState::Done, None)
        .await?;
    let stored = app.store.registration(id).await?.ok_or("stored")?;
    let review = Review {
        registration: id,
        seen: review_fingerprint(&stored.fields),
        staff_id: staff.id,
        staff_name: staff.name.clone(),
        decisions: vec![FieldDecision {
            field: "phone".into(),
            value: read_phone,
        }],
    };
    let reviewed = app.store.apply_review(&review, &form, checked_at).await?;
    ensure!(
        matches!(reviewed, Reviewed::Queued { .. }),
        "verified: {reviewed:?}"
    );
    Ok((file.path, image))
}

/// `verified_paper_days` after its check, a paper registration's original
/// and page images go; one checked more recently keeps them.
async fn retention_removes_a_verified_paper_scan_when_due(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let config = app.config.clone();
    let days = i64::from(config.retention.verified_paper_days);
    let pipeline = pipeline(&app)?;
    let staff = app
        .store
        .add_user(
            "verifier",
            intake_service::accounts::Role::Mailroom,
            "a long enough password".into(),
        )
        .await?;
    let now = time::OffsetDateTime::now_utc();
    let in_folder = |(original, image): (String, String)| {
        (
            pipeline.blobs.folder_path(&original),
            pipeline.blobs.folder_path(&image),
        )
    };
    let (early_original, early_image) = in_folder(
        verified_paper(
            &app,
            &pipeline,
            &staff,
            ("131052-308T", "NIEMINEN", "PHT2C4PYXA"),
            now,
        )
        .await?,
    );
    // Checked a month later (a clock moved on).
    let (late_original, late_image) = in_folder(
        verified_paper(
            &app,
            &pipeline,
            &staff,
            ("020394-456N", "KORHONEN", "PHT2C4PYXB"),
            now + time::Duration::days(30),
        )
        .await?,
    );
    let all = [&early_original, &early_image, &late_original, &late_image];
    ensure!(all.iter().all(|p| p.exists()), "stored: {all:?}");

    // Not yet due for either: both keep their scans.
    let before = now + time::Duration::days(days - 1);
    let removed = intake_service::privacy::purge(&pipeline, &config, before, false, false).await?;
    ensure!(removed.iter().all(|o| o.count == 0), "{removed:?}");
    ensure!(all.iter().all(|p| p.exists()), "nothing due yet");

    // Due for the first only.
    let after = now + time::Duration::days(days + 10);
    let removed = intake_service::privacy::purge(&pipeline, &config, after, false, false).await?;
    let counts: Vec<(&str, usize)> = removed
        .iter()
        .filter(|o| o.count > 0)
        .map(|o| (o.rule.code(), o.count))
        .collect();
    ensure!(counts == [("verified_paper_scans", 1)], "{counts:?}");
    ensure!(
        !early_original.exists() && !early_image.exists(),
        "the scan checked {} days ago is gone",
        days + 10
    );
    ensure!(
        late_original.exists() && late_image.exists(),
        "the scan checked {} days ago stays",
        days - 20
    );
    app.finish().await;
    Ok(())
}

/// With short settings and a clock moved on, a dry run lists what is due
/// and removes nothing; the run removes exactly that, and audits counts.
async fn retention_removes_exactly_what_is_due(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let mut config = app.config.clone();
    config.retention.closed_months = 3;
    let pipeline = pipeline(&app)?;
    let store: &Store = &app.store;
    let staff = store
        .add_user(
            "triager",
            intake_service::accounts::Role::Caseworker,
            "a long enough password".into(),
        )
        .await?;

    let (withdrawn, withdrawn_link) = web_registration(&app, &[]).await?;
    let (open, open_link) = web_registration(
        &app,
        &[
            ("hetu", "010594Y123W"),
            ("phone", "0401112223"),
            ("surname", "Korhonen"),
        ],
    )
    .await?;
    let withdrawn_id = store
        .reference_owner(&Reference::parse(&withdrawn).ok_or("ref")?)
        .await?
        .ok_or("owner")?;
    ensure!(store.withdraw(withdrawn_id).await?, "withdrawn");
    let (closed_item, closed_file, closed_image) =
        triage_item(&app, &pipeline, "Please call me", Some(staff.id)).await?;
    let (open_item, open_file, open_image) =
        triage_item(&app, &pipeline, "A question", None).await?;
    let drop_copy = app.config.drop_dir().join("done/vaasa/scan.pdf");
    std::fs::create_dir_all(drop_copy.parent().ok_or("a folder")?)?;
    std::fs::write(&drop_copy, b"%PDF-1.4 a copy")?;

    let now = time::OffsetDateTime::now_utc();
    let soon = intake_service::privacy::purge(
        &pipeline,
        &config,
        now + time::Duration::days(10),
        true,
        true,
    )
    .await?;
    ensure!(
        soon.iter().all(|o| o.count == 0),
        "nothing is due in ten days: {soon:?}"
    );
    let later = now + time::Duration::days(100);
    let listed = intake_service::privacy::purge(&pipeline, &config, later, true, true).await?;
    let ids = |code: &str| -> Vec<String> {
        listed
            .iter()
            .find(|o| o.rule.code() == code)
            .map(|o| o.ids.clone())
            .unwrap_or_default()
    };
    ensure!(
        ids("closed_registrations") == [withdrawn.clone()],
        "{listed:?}"
    );
    ensure!(ids("status_links") == [open.clone()], "{listed:?}");
    ensure!(
        ids("closed_triage_items") == [format!("triage {closed_item}")],
        "{listed:?}"
    );
    ensure!(ids("verified_paper_scans").len() == 1, "{listed:?}");
    ensure!(
        listed
            .iter()
            .find(|o| o.rule.code() == "drop_folder_copies")
            .map(|o| o.count)
            == Some(1),
        "{listed:?}"
    );
    ensure!(
        store.registration(withdrawn_id).await?.is_some()
            && closed_file.exists()
            && closed_image.exists()
            && drop_copy.exists()
            && store.triage_item(closed_item).await?.is_some(),
        "a dry run removes nothing"
    );
    let (status, _) = app.get(&open_link).await;
    ensure!(status.is_success(), "the link works still");

    let removed = intake_service::privacy::purge(&pipeline, &config, later, false, false).await?;
    let counts: Vec<(&str, usize)> = removed.iter().map(|o| (o.rule.code(), o.count)).collect();
    ensure!(
        counts
            == [
                ("closed_registrations", 1),
                ("verified_paper_scans", 1),
                ("closed_triage_items", 1),
                ("status_links", 1),
                ("drop_folder_copies", 1),
                ("orphan_originals", 0),
                ("orphan_page_images", 0)
            ],
        "{counts:?}"
    );
    ensure!(
        store.registration(withdrawn_id).await?.is_none(),
        "the withdrawn one is gone"
    );
    ensure!(
        store
            .reference_owner(&Reference::parse(&open).ok_or("ref")?)
            .await?
            .is_some(),
        "the open one stays"
    );
    for link in [&open_link, &withdrawn_link] {
        let (status, _) = app.get(link).await;
        ensure!(
            status == reqwest::StatusCode::NOT_FOUND,
            "{link} ends: {status}"
        );
    }
    ensure!(
        !closed_file.exists() && !closed_image.exists() && !drop_copy.exists(),
        "the closed item's scan and the copy are gone"
    );
    ensure!(
        store.triage_item(closed_item).await?.is_none(),
        "the item is gone"
    );
    ensure!(
        open_file.exists() && open_image.exists() && store.triage_item(open_item).await?.is_some(),
        "the open item keeps everything"
    );
    let audited = store
        .audit_of_action(intake_service::store::audit::AuditAction::RetentionPurge)
        .await?;
    ensure!(audited.len() == 3, "two dry runs and the run: {audited:?}");
    ensure!(
        audited[0].detail
            == "removed: closed_registrations=1 verified_paper_scans=1 closed_triage_items=1 \
                status_links=1 drop_folder_copies=1 orphan_originals=0 orphan_page_images=0",
        "{}",
        audited[0].detail
    );
    let again = intake_service::privacy::purge(&pipeline, &config, later, false, false).await?;
    ensure!(
        again.iter().all(|o| o.count == 0),
        "nothing is left: {again:?}"
    );
    ensure!(
        count(
            &app.config.database_url,
            "SELECT COUNT(*) FROM scan_originals WHERE removed_at IS NOT NULL"
        )
        .await?
            == 1,
        "the removed original's row says so"
    );

    // A file whose original went cannot be read again: a requeue leaves
    // it quarantined and says why.
    let released = ids("verified_paper_scans");
    let released = released[0].strip_prefix("file ").ok_or("a file id")?;
    let released = uuid::Uuid::parse_str(released)?;
    store
        .finish_file(
            released,
            FileState::Quarantined,
            Some("as if it had failed"),
        )
        .await?;
    let said = intake(&app, &["requeue", "--file", &released.to_string()])?;
    ensure!(
        said.contains("not requeued") && said.contains("original was deleted"),
        "{said}"
    );
    ensure!(
        store.scan_file(released).await?.ok_or("the file")?.state == FileState::Quarantined,
        "it stays quarantined"
    );

    let out = intake(&app, &["purge", "--dry-run"])?;
    ensure!(out.contains("closed_registrations would remove 0"), "{out}");
    ensure!(out.contains("a dry run: nothing was removed"), "{out}");
    app.finish().await;
    Ok(())
}

/// A person's web registration, a caseworker's call and view, and a letter
/// that names their identity code: the export holds all of it, with the
/// letter's scan and page image, and nothing of another person.
async fn a_subject_export_holds_their_data_and_scans(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let pipeline = pipeline(&app)?;
    let store = &app.store;
    let (theirs, _) = web_registration(&app, &[]).await?;
    let (other, _) = web_registration(
        &app,
        &[
            ("hetu", "010594Y123W"),
            ("phone", "0401112223"),
            ("surname", "Korhonen"),
        ],
    )
    .await?;
    let id = store
        .reference_owner(&Reference::parse(&theirs).ok_or("ref")?)
        .await?
        .ok_or("owner")?;
    let staff = store
        .add_user(
            "caller",
            intake_service::accounts::Role::Caseworker,
            "a long enough password".into(),
        )
        .await?;
    let now = time::OffsetDateTime::now_utc();
    let settings = &app.config.staff;
    store.claim(id, staff.id, settings, now).await?;
    let attempt = intake_service::store::callbacks::NewCallAttempt {
        outcome: intake_service::callbacks::CallOutcome::NoAnswer,
        note: "no answer at noon".into(),
        call_back_at: None,
    };
    store
        .log_attempt(id, staff.id, &attempt, settings, now)
        .await?;
    store
        .audit_event(
            staff.id,
            Some(id),
            intake_service::store::audit::AuditAction::View,
            "",
            now,
        )
        .await?;
    let (letter, letter_file, letter_image) =
        triage_item(&app, &pipeline, "Soittakaa, hetu 131052-308T", None).await?;
    triage_item(&app, &pipeline, "Someone else entirely", None).await?;

    let out = tempfile::tempdir()?;
    let folder = out.path().join("request-1");
    let printed = intake(
        &app,
        &[
            "subject-export",
            &theirs,
            "-o",
            folder.to_str().ok_or("utf-8")?,
            "--by",
            "dpo-test",
        ],
    )?;
    ensure!(printed.contains("1 registrations"), "{printed}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("subject.json"))?)?;
    let registration = &json["registrations"][0];
    ensure!(
        registration["record"]["reference"] == theirs.as_str()
            && registration["record"]["fields"]["hetu"]["value"] == "131052-308T"
            && registration["record"]["fields"]["surname"]["value"] == "Virtanen",
        "the record: {}",
        registration["record"]
    );
    ensure!(
        registration["call_attempts"][0]["note"] == "no answer at noon"
            && registration["call_attempts"][0]["staff"] == "caller",
        "the call: {}",
        registration["call_attempts"]
    );
    ensure!(
        registration["audit"].as_array().is_some_and(|a| a
            .iter()
            .any(|e| e["action"] == "view" && e["staff"] == "caller")),
        "who saw it: {}",
        registration["audit"]
    );
    ensure!(
        registration["callback"]["due_on"].is_string(),
        "its queue entry"
    );
    ensure!(
        registration["status_links"].as_array().map(Vec::len) == Some(1),
        "its link"
    );
    ensure!(
        json["triage_items"].as_array().map(Vec::len) == Some(1)
            && json["triage_items"][0]["id"] == letter.to_string(),
        "the letter naming them: {}",
        json["triage_items"]
    );
    let copied: Vec<String> = json["copied_files"]
        .as_array()
        .ok_or("copied files")?
        .iter()
        .filter_map(|f| f.as_str().map(str::to_string))
        .collect();
    ensure!(
        copied.len() == 2,
        "the letter's original and page image: {copied:?}"
    );
    for (name, source) in copied.iter().zip([&letter_file, &letter_image]) {
        ensure!(
            std::fs::read(folder.join(name))? == std::fs::read(source)?,
            "{name} is a copy"
        );
    }
    let text = std::fs::read_to_string(folder.join("subject.json"))?;
    ensure!(
        !text.contains(&other) && !text.contains("Korhonen") && !text.contains("Someone else"),
        "nothing of others"
    );
    let exports = store
        .audit_for_registration(id)
        .await?
        .into_iter()
        .filter(|e| e.action == "subject_export")
        .count();
    ensure!(exports == 1, "the export is audited");
    app.finish().await;
    Ok(())
}

/// Makes a stored file look `days` old.
fn age(path: &Path, days: u64) -> Result<(), Failed> {
    let file = std::fs::File::options().write(true).open(path)?;
    file.set_modified(std::time::SystemTime::now() - Duration::from_secs(days * 86_400))?;
    Ok(())
}

/// A file handed in whose row was never written (a crash came between).
async fn orphan_original(pipeline: &Pipeline, text: &str) -> Result<String, Failed> {
    let scan = tempfile::NamedTempFile::new()?;
    std::fs::write(scan.path(), format!("%PDF-1.4 {text}"))?;
    Ok(pipeline.blobs.store_file(scan.path()).await?.path)
}

/// A page image whose page's row was never written.
async fn orphan_page_image(pipeline: &Pipeline) -> Result<String, Failed> {
    Ok(pipeline
        .blobs
        .save_page_image(uuid::Uuid::new_v4(), 1, image::GrayImage::new(8, 8))
        .await?)
}

/// An original and a page image that no row names, and an upload's
/// temporary, all two days old, go (listed by a dry run first); a young
/// orphan, and blobs that rows name as old as they are, stay.
async fn retention_sweeps_blobs_no_row_names(backend: Backend) -> Result<(), Failed> {
    let app = app(&backend).await;
    let pipeline = pipeline(&app)?;
    let blobs = &pipeline.blobs;
    let (_, named_original, named_image) = triage_item(&app, &pipeline, "A question", None).await?;
    let orphan = orphan_original(&pipeline, "an orphan").await?;
    let young = orphan_original(&pipeline, "a young orphan").await?;
    let orphan_image = orphan_page_image(&pipeline).await?;
    let young_image = orphan_page_image(&pipeline).await?;
    let part = app
        .config
        .data_dir
        .join("originals/incoming")
        .join(format!("{}.part", uuid::Uuid::new_v4()));
    std::fs::write(&part, b"half an upload")?;
    let old = [
        blobs.folder_path(&orphan),
        blobs.folder_path(&orphan_image),
        part.clone(),
        named_original.clone(),
        named_image.clone(),
    ];
    for path in &old {
        age(path, 2)?;
    }

    let out = intake(&app, &["purge", "--dry-run"])?;
    ensure!(out.contains("orphan_originals would remove 2"), "{out}");
    ensure!(out.contains("orphan_page_images would remove 1"), "{out}");
    ensure!(
        out.contains(&format!("  folder {orphan}\n"))
            && out.contains(&format!("  folder {orphan_image}\n"))
            && out.contains(".part\n"),
        "the dry run lists them: {out}"
    );
    ensure!(
        !out.contains(&young) && !out.contains(&young_image),
        "{out}"
    );
    ensure!(old.iter().all(|p| p.exists()), "a dry run removes nothing");

    let now = time::OffsetDateTime::now_utc();
    let removed = intake_service::privacy::purge(&pipeline, &app.config, now, false, false).await?;
    let counts: Vec<(&str, usize)> = removed
        .iter()
        .filter(|o| o.count > 0)
        .map(|o| (o.rule.code(), o.count))
        .collect();
    ensure!(
        counts == [("orphan_originals", 2), ("orphan_page_images", 1)],
        "{counts:?}"
    );
    for path in &old[..3] {
        ensure!(!path.exists(), "{} is gone", path.display());
    }
    ensure!(
        !blobs
            .folder_path(&orphan_image)
            .parent()
            .ok_or("a folder")?
            .exists(),
        "the orphan image's empty folder went too"
    );
    for key in [&young, &young_image] {
        ensure!(blobs.exists(key).await?, "the young orphan {key} stays");
    }
    ensure!(
        named_original.exists() && named_image.exists(),
        "what a row names stays, however old"
    );
    let audited = app
        .store
        .audit_of_action(intake_service::store::audit::AuditAction::RetentionPurge)
        .await?;
    ensure!(
        audited[0]
            .detail
            .ends_with("orphan_originals=2 orphan_page_images=1"),
        "the run is audited with counts: {}",
        audited[0].detail
    );
    let again = intake_service::privacy::purge(&pipeline, &app.config, now, false, false).await?;
    ensure!(again.iter().all(|o| o.count == 0), "{again:?}");
    app.finish().await;
    Ok(())
}

/// With `blobs = "database"`: a verified paper scan due goes from the
/// database store, original and page image, with an original and a page
/// image no row names that are two days old; the scan not due yet and a
/// young orphan stay, and nothing was ever in the data folder.
async fn retention_removes_blobs_from_the_database_store(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |config| {
        config.scanning.process = false;
        config.scanning.settle_seconds = 0;
        config.blobs = intake_service::config::BlobStore::Database;
    })
    .await;
    let config = app.config.clone();
    let days = i64::from(config.retention.verified_paper_days);
    let pipeline = pipeline(&app)?;
    let blobs = &pipeline.blobs;
    let staff = app
        .store
        .add_user(
            "verifier",
            intake_service::accounts::Role::Mailroom,
            "a long enough password".into(),
        )
        .await?;
    let now = time::OffsetDateTime::now_utc();
    let (due_original, due_image) = verified_paper(
        &app,
        &pipeline,
        &staff,
        ("131052-308T", "NIEMINEN", "PHT2C4PYXA"),
        now,
    )
    .await?;
    let (kept_original, kept_image) = verified_paper(
        &app,
        &pipeline,
        &staff,
        ("020394-456N", "KORHONEN", "PHT2C4PYXB"),
        now + time::Duration::days(30),
    )
    .await?;
    let orphan = orphan_original(&pipeline, "an orphan").await?;
    let orphan_image = orphan_page_image(&pipeline).await?;
    let young_image = orphan_page_image(&pipeline).await?;
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(&config.database_url)
        .await?;
    for key in [&orphan, &orphan_image, &kept_original, &kept_image] {
        sqlx::query("UPDATE blobs SET stored_at = '2000-01-01T00:00:00.000000Z' WHERE key = $1")
            .bind(key)
            .execute(&pool)
            .await?;
    }

    let after = now + time::Duration::days(days + 10);
    let listed = intake_service::privacy::purge(&pipeline, &config, after, true, false).await?;
    let ids = |code: &str| -> Vec<String> {
        listed
            .iter()
            .find(|o| o.rule.code() == code)
            .map(|o| o.ids.clone())
            .unwrap_or_default()
    };
    ensure!(
        ids("orphan_originals") == [format!("database {orphan}")]
            && ids("orphan_page_images") == [format!("database {orphan_image}")]
            && ids("verified_paper_scans").len() == 1,
        "{listed:?}"
    );
    for key in [&due_original, &due_image, &orphan, &orphan_image] {
        ensure!(blobs.exists(key).await?, "a dry run keeps {key}");
    }

    let removed = intake_service::privacy::purge(&pipeline, &config, after, false, false).await?;
    let counts: Vec<(&str, usize)> = removed
        .iter()
        .filter(|o| o.count > 0)
        .map(|o| (o.rule.code(), o.count))
        .collect();
    ensure!(
        counts
            == [
                ("verified_paper_scans", 1),
                ("orphan_originals", 1),
                ("orphan_page_images", 1)
            ],
        "{counts:?}"
    );
    let mut kept = vec![kept_original, kept_image, young_image];
    kept.sort();
    let stored: Vec<(String,)> = sqlx::query_as("SELECT key FROM blobs ORDER BY key")
        .fetch_all(&pool)
        .await?;
    let stored: Vec<String> = stored.into_iter().map(|(k,)| k).collect();
    ensure!(
        stored == kept,
        "the due scan and the old orphans are gone from the database, the rest stay: {stored:?}"
    );
    let (loose,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM blob_chunks c \
         WHERE NOT EXISTS (SELECT 1 FROM blobs b WHERE b.content_id = c.content_id)",
    )
    .fetch_one(&pool)
    .await?;
    ensure!(loose == 0, "{loose} chunks outlived their blobs");
    pool.close().await;
    let in_folder: Vec<PathBuf> = files_under(&config.data_dir)
        .into_iter()
        .filter(|p| {
            p.starts_with(config.data_dir.join("originals"))
                || p.starts_with(config.data_dir.join("pages"))
        })
        .collect();
    ensure!(in_folder.is_empty(), "the data folder holds {in_folder:?}");
    app.finish().await;
    Ok(())
}
