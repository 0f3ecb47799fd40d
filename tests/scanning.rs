//! Getting scans in, on SQLite and on PostgreSQL: `intake import` of a
//! mixed pile, a re-scan, the drop folder, a worker killed with SIGKILL in
//! the middle of a file, a reading child that aborts on a file, and two
//! workers sharing one batch.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use common::{
    Backend, Case, TestApp, every_page_once, half_read_file, run_on_both_backends, wait_for,
};
use intake_core::record::{Channel, FieldStatus, RegistrationStatus};
use intake_service::pipeline::drop_folder::DropFolder;
use intake_service::pipeline::import::{ImportRequest, store_batch};
use intake_service::store::{BatchEntry, FileState, Store};
use libtest_mimic::Failed;
use time::macros::date;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
const FORMS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/forms");
const INTAKE: &str = env!("CARGO_BIN_EXE_intake");

fn main() {
    let cases: &[(&'static str, Case)] = &[
        ("a_mixed_pile_is_imported_exactly", |b| {
            Box::pin(a_mixed_pile_is_imported_exactly(b))
        }),
        ("the_drop_folder_takes_a_file_only_when_complete", |b| {
            Box::pin(the_drop_folder_takes_a_file_only_when_complete(b))
        }),
        (
            "a_worker_killed_mid_file_leaves_every_page_done_once",
            |b| Box::pin(a_worker_killed_mid_file_leaves_every_page_done_once(b)),
        ),
        (
            "two_workers_share_a_batch_without_reading_a_page_twice",
            |b| Box::pin(two_workers_share_a_batch_without_reading_a_page_twice(b)),
        ),
        ("a_job_is_leased_retried_and_given_up", |b| {
            Box::pin(a_job_is_leased_retried_and_given_up(b))
        }),
        ("photocopies_of_one_sheet_are_a_registration_each", |b| {
            Box::pin(photocopies_of_one_sheet_are_a_registration_each(b))
        }),
        (
            "photocopies_of_a_two_page_sheet_keep_each_page_2_with_its_person",
            |b| Box::pin(photocopies_of_a_two_page_sheet_keep_each_page_2_with_its_person(b)),
        ),
        ("version_1_and_2_sheets_are_read_in_one_batch", |b| {
            Box::pin(version_1_and_2_sheets_are_read_in_one_batch(b))
        }),
        ("a_file_whose_reading_keeps_dying_is_quarantined", |b| {
            Box::pin(a_file_whose_reading_keeps_dying_is_quarantined(b))
        }),
        ("a_quarantined_file_is_requeued_and_read_again", |b| {
            Box::pin(a_quarantined_file_is_requeued_and_read_again(b))
        }),
        (
            "a_file_that_kills_its_reading_child_costs_that_file_only",
            |b| Box::pin(a_file_that_kills_its_reading_child_costs_that_file_only(b)),
        ),
        ("serve_and_import_write_side_by_side", |b| {
            Box::pin(serve_and_import_write_side_by_side(b))
        }),
    ];
    run_on_both_backends(cases)
}

/// The app's database and data folder, with no worker of its own: the
/// cases choose who reads.
async fn app_without_worker(backend: &Backend) -> TestApp {
    TestApp::spawn_with(backend, |config| config.scanning.process = false).await
}

fn sample(name: &str) -> PathBuf {
    Path::new(SAMPLES).join(name)
}

/// The serials of the forms a sample's truth file lists.
fn truth_serials(name: &str) -> Vec<String> {
    let truth = sample(name).with_extension("truth.json");
    let truth = std::fs::read_to_string(&truth).expect("a truth file");
    let truth: serde_json::Value = serde_json::from_str(&truth).expect("truth is JSON");
    truth["documents"]
        .as_array()
        .expect("documents")
        .iter()
        .filter_map(|d| d["serial"].as_str().map(str::to_string))
        .collect()
}

fn truth_fields(name: &str) -> BTreeMap<String, serde_json::Value> {
    let truth = sample(name).with_extension("truth.json");
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(truth).unwrap()).unwrap();
    let fields = &truth["documents"][0]["fields"];
    fields
        .as_object()
        .expect("fields")
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// `intake` as a user runs it, on the test's database and data folder.
fn intake_command(app: &TestApp) -> Command {
    let mut command = Command::new(INTAKE);
    command
        .env_remove("DATABASE_URL")
        .env_remove("INTAKE_CONFIG")
        .env_remove("INTAKE_DROP_DIR")
        .env("INTAKE_DATA_DIR", &app.config.data_dir)
        .env("INTAKE_FORMS_DIR", FORMS)
        .env("RUST_LOG", "intake=info");
    command
}

async fn a_mixed_pile_is_imported_exactly(backend: Backend) -> Result<(), Failed> {
    let app = app_without_worker(&backend).await;
    let pile = tempfile::tempdir()?;
    // Forms turned 1 and 3 quarter turns and upside down, a digital form, a
    // batch PDF with a letter, two forms and blank backs, a corrupt PDF, an
    // empty file, and the same bytes twice.
    let forms = [
        "001-printed.jpg",
        "005-forms.tif",
        "011-handwriting.png",
        "007-batch.pdf",
        "003-digital.pdf",
    ];
    for name in forms {
        std::fs::copy(sample(name), pile.path().join(name))?;
    }
    std::fs::create_dir(pile.path().join("later"))?;
    std::fs::copy(
        sample("001-printed.jpg"),
        pile.path().join("later/001-again.jpg"),
    )?;
    std::fs::write(
        pile.path().join("broken.pdf"),
        b"%PDF-1.7\n1 0 obj << /Type",
    )?;
    std::fs::write(pile.path().join("empty.png"), b"")?;

    let output = intake_command(&app)
        .args([
            "import",
            "--office",
            "mustasaari",
            "--received",
            "2026-04-03",
        ])
        .args(["--scanned-by", "test", "--json", "--database"])
        .arg(&app.config.database_url)
        .arg(pile.path())
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "import failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let summary: serde_json::Value = serde_json::from_str(stdout.trim())
        .map_err(|e| format!("the summary is one JSON object ({e}): {stdout}"))?;
    ensure!(summary["forms"] == 6, "six forms: {summary}");
    ensure!(summary["other"] == 1, "one letter: {summary}");
    ensure!(summary["blank"] == 3, "three blank backs: {summary}");
    ensure!(summary["duplicates"] == 1, "one duplicate: {summary}");
    let quarantined: BTreeMap<String, String> = summary["quarantined"]
        .as_array()
        .ok_or("quarantined is a list")?
        .iter()
        .map(|q| {
            (
                q["file"].as_str().unwrap_or("").to_string(),
                q["reason"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    ensure!(
        quarantined.keys().cloned().collect::<Vec<_>>() == ["broken.pdf", "empty.png"],
        "the broken and the empty file are quarantined: {quarantined:?}"
    );
    ensure!(
        quarantined["empty.png"].contains("empty"),
        "{quarantined:?}"
    );
    ensure!(quarantined["broken.pdf"].contains("PDF"), "{quarantined:?}");

    let store = &app.store;
    let batch = batch_id(&summary)?;
    let registrations = store.batch_registrations(batch).await?;
    let serials: BTreeSet<String> = registrations
        .iter()
        .filter_map(|r| match &r.provenance {
            intake_core::record::Provenance::Paper { serial, .. } => serial.clone(),
            _ => None,
        })
        .collect();
    let expected: BTreeSet<String> = forms.iter().flat_map(|f| truth_serials(f)).collect();
    ensure!(
        serials == expected,
        "serials {serials:?}, expected {expected:?}"
    );
    let received = intake_core::calendar::start_of_finnish_day(date!(2026 - 04 - 03));
    let mut awaiting_review = 0;
    for registration in &registrations {
        ensure!(registration.channel == Channel::Paper, "paper channel");
        ensure!(registration.office == "mustasaari", "the batch's office");
        ensure!(registration.received_at == received, "the batch's day");
        let flagged = registration
            .fields
            .values()
            .any(|f| f.status == FieldStatus::NeedsReview);
        let expected_status = if flagged {
            awaiting_review += 1;
            RegistrationStatus::AwaitingReview
        } else {
            RegistrationStatus::AwaitingCall
        };
        ensure!(
            registration.status == expected_status,
            "a sheet with flagged fields waits for review, the rest for a call"
        );
        let due = store.callback_due(registration.id).await?;
        ensure!(
            due == Some(intake_core::calendar::first_contact_due(received)),
            "due 5 working days after the batch's day (Easter 2026 counted): {due:?}"
        );
    }
    ensure!(
        summary["needs_review"] == awaiting_review,
        "needs_review counts the sheets waiting for review"
    );

    // The digital form is exact.
    let digital_serial = &truth_serials("003-digital.pdf")[0];
    let digital = registrations
        .iter()
        .find(|r| matches!(&r.provenance, intake_core::record::Provenance::Paper { serial: Some(s), .. } if s == digital_serial))
        .ok_or("the digital form")?;
    for (id, value) in truth_fields("003-digital.pdf") {
        if let Some(text) = value.as_str() {
            ensure!(
                digital.text(&id) == Some(text) || (text.is_empty() && digital.text(&id).is_none()),
                "digital field {id}"
            );
        }
    }

    // Every page of every readable file is recorded once, the letter is a
    // triage item, and form pages keep an image for the verification station.
    let pages = store.batch_pages(batch).await?;
    let per_file: BTreeMap<&str, usize> = pages.iter().fold(BTreeMap::new(), |mut m, p| {
        *m.entry(p.file_name.as_str()).or_default() += 1;
        m
    });
    ensure!(
        per_file.get("007-batch.pdf") == Some(&6),
        "six pages: {per_file:?}"
    );
    ensure!(
        !per_file.contains_key("001-again.jpg"),
        "the duplicate is not read"
    );
    let letter = pages
        .iter()
        .find(|p| p.outcome == "other")
        .ok_or("the letter")?;
    ensure!(letter.triage_id.is_some(), "the letter is a triage item");
    for page in pages
        .iter()
        .filter(|p| p.outcome == "form" && p.file_name != "003-digital.pdf")
    {
        let image = page
            .image_path
            .as_deref()
            .ok_or("a form page has an image")?;
        ensure!(
            app.config.data_dir.join(image).is_file(),
            "the page image is on disk"
        );
    }
    let files = store.batch_files(batch).await?;
    for file in &files {
        let original = std::fs::read(app.config.data_dir.join(&file.path))?;
        ensure!(
            format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&original)) == file.sha256,
            "{}: the original is kept unchanged",
            file.name
        );
    }

    // A re-scan of one sheet (other bytes, same serial) joins its
    // registration; the same digital file again is a duplicate.
    let rescan = tempfile::tempdir()?;
    image::open(sample("001-printed.jpg"))?.save(rescan.path().join("001-rescan.png"))?;
    std::fs::copy(
        sample("003-digital.pdf"),
        rescan.path().join("003-again.pdf"),
    )?;
    let output = intake_command(&app)
        .args([
            "import",
            "--office",
            "vaasa",
            "--received",
            "2026-04-07",
            "--json",
        ])
        .arg("--database")
        .arg(&app.config.database_url)
        .arg(rescan.path())
        .output()?;
    ensure!(output.status.success(), "the second import succeeds");
    let second: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    ensure!(
        second["forms"] == 1 && second["duplicates"] == 1,
        "{second}"
    );
    let rescanned = store.batch_registrations(batch_id(&second)?).await?;
    ensure!(rescanned.len() == 1, "one registration");
    ensure!(
        registrations.iter().any(|r| r.id == rescanned[0].id),
        "the re-scan joined the first registration"
    );
    ensure!(
        rescanned[0].received_at == received,
        "the earliest received date stands"
    );
    ensure!(
        store.count_registrations().await? == 6,
        "no second registration"
    );
    app.finish().await;
    Ok(())
}

/// Runs `intake import --json` of a folder; returns its summary.
fn import_folder(
    app: &TestApp,
    folder: &Path,
    received: &str,
) -> Result<serde_json::Value, Failed> {
    let output = intake_command(app)
        .args(["import", "--office", "mustasaari", "--received", received])
        .args(["--scanned-by", "test", "--json", "--database"])
        .arg(&app.config.database_url)
        .arg(folder)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    ensure!(
        output.status.success(),
        "import failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(serde_json::from_str(stdout.trim())
        .map_err(|e| format!("the summary is one JSON object ({e}): {stdout}"))?)
}

/// Several people filled in photocopies of one printed sheet (one serial):
/// each is a registration of their own, the copies' pages say so, and a
/// re-scan of one of them still joins its registration.
async fn photocopies_of_one_sheet_are_a_registration_each(backend: Backend) -> Result<(), Failed> {
    const SERIAL: &str = "PHT2C4PYXK";
    const PEOPLE: usize = 3;
    let app = app_without_worker(&backend).await;
    // Version 1: one page per person, as the sheets this was written for.
    let definition =
        intake_core::form::FormDefinition::load(&Path::new(FORMS).join("jobseeker-start-v1.toml"))?;
    let stack = intake_devtools::samples::photocopy_stack(&definition, SERIAL, PEOPLE, 4)?;
    let pile = tempfile::tempdir()?;
    std::fs::write(pile.path().join("copies.pdf"), &stack.pdf)?;
    let summary = import_folder(&app, pile.path(), "2026-04-03")?;
    ensure!(summary["forms"] == PEOPLE, "a form per person: {summary}");

    let store = &app.store;
    let batch = batch_id(&summary)?;
    let registrations = store.batch_registrations(batch).await?;
    ensure!(
        registrations.len() == PEOPLE,
        "{} registrations",
        registrations.len()
    );
    let mut written: Vec<&str> = stack
        .people
        .iter()
        .filter_map(|p| p["hetu"].as_str())
        .collect();
    let mut read: Vec<&str> = registrations
        .iter()
        .filter_map(|r| r.text("hetu"))
        .collect();
    written.sort();
    read.sort();
    ensure!(
        read == written,
        "identity codes {read:?}, written {written:?}"
    );
    for registration in &registrations {
        ensure!(
            matches!(&registration.provenance, intake_core::record::Provenance::Paper { serial: Some(s), .. } if s == SERIAL),
            "every registration has the sheet's serial"
        );
    }
    let pages = store.batch_pages(batch).await?;
    let forms: Vec<_> = pages.iter().filter(|p| p.outcome == "form").collect();
    ensure!(forms.len() == PEOPLE, "{} form pages", forms.len());
    let first = forms[0]
        .registration_id
        .ok_or("the first page's registration")?;
    ensure!(forms[0].copy_of.is_none(), "the first is the sheet itself");
    for page in &forms[1..] {
        ensure!(
            page.copy_of == Some(first),
            "page {} notes the copy: {:?}",
            page.page,
            page.copy_of
        );
        ensure!(
            page.registration_id != Some(first),
            "a registration of its own"
        );
    }

    // A re-scan of the second person's sheet (other bytes) joins theirs.
    let second = forms[1]
        .registration_id
        .ok_or("the second page's registration")?;
    let rescan = tempfile::tempdir()?;
    stack.pages[1].save(rescan.path().join("second-again.png"))?;
    let again = import_folder(&app, rescan.path(), "2026-04-07")?;
    ensure!(again["forms"] == 1, "{again}");
    let rescanned = store.batch_registrations(batch_id(&again)?).await?;
    ensure!(
        rescanned.len() == 1 && rescanned[0].id == second,
        "the re-scan joined the second person's registration"
    );
    ensure!(
        store.count_registrations().await? == PEOPLE as i64,
        "no new registration"
    );
    app.finish().await;
    Ok(())
}

/// Form version 2 is two pages, page 2 with nothing on it to tell its
/// writer by (call time, consent, signature). Several people filled in
/// photocopies of one sheet pair and the stack is scanned in order: each
/// is a registration of their own, with their own page 2 in it; a re-scan
/// of one person's first page joins theirs.
async fn photocopies_of_a_two_page_sheet_keep_each_page_2_with_its_person(
    backend: Backend,
) -> Result<(), Failed> {
    const SERIAL: &str = "PHTV2C4PYK";
    const PEOPLE: usize = 3;
    let app = app_without_worker(&backend).await;
    let definition =
        intake_core::form::FormDefinition::load(&Path::new(FORMS).join("jobseeker-start.toml"))?;
    ensure!(
        definition.version() == 2
            && intake_paper::printable::Layout::from_definition(&definition).pages == 2,
        "version 2, two pages"
    );
    let stack = intake_devtools::samples::photocopy_stack(&definition, SERIAL, PEOPLE, 6)?;
    ensure!(stack.pages.len() == 2 * PEOPLE, "two pages a person");
    let pile = tempfile::tempdir()?;
    std::fs::write(pile.path().join("copies.pdf"), &stack.pdf)?;
    let summary = import_folder(&app, pile.path(), "2026-11-23")?;
    ensure!(summary["forms"] == PEOPLE, "a form per person: {summary}");

    let store = &app.store;
    let batch = batch_id(&summary)?;
    let registrations = store.batch_registrations(batch).await?;
    ensure!(
        registrations.len() == PEOPLE,
        "a registration a person: {}",
        registrations.len()
    );
    let pages = store.batch_pages(batch).await?;
    let mut forms: Vec<_> = pages.iter().filter(|p| p.outcome == "form").collect();
    forms.sort_by_key(|p| p.page);
    ensure!(forms.len() == 2 * PEOPLE, "{} form pages", forms.len());
    let mut people = Vec::new();
    for (person, pair) in forms.chunks(2).enumerate() {
        let [first, second] = pair else {
            return Err("pages in pairs".into());
        };
        let id = first.registration_id.ok_or("page 1's registration")?;
        ensure!(
            second.registration_id == Some(id),
            "person {person}: page 2 (file page {}) joins their own page 1 (file page {})",
            second.page,
            first.page
        );
        ensure!(
            !people.contains(&id),
            "person {person}: a registration of their own"
        );
        people.push(id);
        let registration = registrations
            .iter()
            .find(|r| r.id == id)
            .ok_or("in the batch")?;
        let truth = &stack.people[person];
        ensure!(
            registration.text("surname") == truth["surname"].as_str(),
            "person {person}: read {:?}, written {:?}",
            registration.text("surname"),
            truth["surname"]
        );
        // Page 2 is theirs: what they ticked there, and no page missing.
        ensure!(
            registration.text("call_time") == truth["call_time"].as_str(),
            "person {person}: call time read {:?}, ticked {:?}",
            registration.text("call_time"),
            truth["call_time"]
        );
        ensure!(
            registration.fields.values().all(|f| !f
                .reasons
                .contains(&intake_core::record::ReviewReason::MissingPage)),
            "person {person}: both pages arrived"
        );
        ensure!(
            matches!(&registration.provenance, intake_core::record::Provenance::Paper { serial: Some(s), .. } if s == SERIAL),
            "person {person}: the sheet's serial"
        );
    }
    ensure!(forms[0].copy_of.is_none(), "the first is the sheet itself");
    ensure!(
        forms[2..]
            .iter()
            .filter(|p| p.copy_of == Some(people[0]))
            .count()
            >= PEOPLE - 1,
        "the copies' first pages note the copy"
    );

    // The second person's first page scanned again (other bytes): theirs.
    let rescan = tempfile::tempdir()?;
    stack.pages[2].save(rescan.path().join("second-again.png"))?;
    let again = import_folder(&app, rescan.path(), "2026-11-25")?;
    ensure!(again["forms"] == 1, "{again}");
    let rescanned = store.batch_registrations(batch_id(&again)?).await?;
    ensure!(
        rescanned.len() == 1 && rescanned[0].id == people[1],
        "the re-scan joined the second person's registration"
    );
    ensure!(
        store.count_registrations().await? == PEOPLE as i64,
        "no new registration"
    );

    app.finish().await;
    Ok(())
}

/// A version 1 sheet still in circulation and two version 2 sheets, one
/// filled in by someone without a Finnish identity code, in one batch:
/// each is read by its own version's layout and rules.
async fn version_1_and_2_sheets_are_read_in_one_batch(backend: Backend) -> Result<(), Failed> {
    const NO_CODE: &str = "V2NKDTWKHA";
    const WITH_CODE: &str = "V2WTHKDE22";
    let app = app_without_worker(&backend).await;
    let v2 =
        intake_core::form::FormDefinition::load(&Path::new(FORMS).join("jobseeker-start.toml"))?;
    ensure!(v2.version() == 2, "the current form is version 2");
    let sheets = [
        (NO_CODE.to_string(), Some(true)),
        (WITH_CODE.to_string(), Some(false)),
    ];
    let stack = intake_devtools::samples::printed_stack(&v2, &sheets, 15)?;
    let pile = tempfile::tempdir()?;
    std::fs::write(pile.path().join("version-2.pdf"), &stack.pdf)?;
    std::fs::copy(sample("009-printed.png"), pile.path().join("version-1.png"))?;
    let summary = import_folder(&app, pile.path(), "2026-11-23")?;
    ensure!(summary["forms"] == 3, "three forms: {summary}");
    ensure!(
        summary["other"] == 0,
        "none taken for other mail: {summary}"
    );

    let registrations = app.store.batch_registrations(batch_id(&summary)?).await?;
    let by_serial = |serial: &str| {
        registrations.iter().find(|r| {
            matches!(&r.provenance, intake_core::record::Provenance::Paper { serial: Some(s), .. } if s == serial)
        })
    };
    let old_serial = truth_serials("009-printed.png")
        .into_iter()
        .next()
        .ok_or("a serial in the truth file")?;
    let old = by_serial(&old_serial).ok_or("the version 1 sheet's registration")?;
    ensure!(old.form_version == 1, "read as version 1");
    ensure!(
        old.text("hetu") == truth_fields("009-printed.png")["hetu"].as_str(),
        "the version 1 sheet's identity code"
    );
    ensure!(
        !old.fields.contains_key("no_hetu"),
        "no version 2 fields on it"
    );

    let without = by_serial(NO_CODE).ok_or("the sheet without a code")?;
    let truth = &stack.people[0];
    ensure!(without.form_version == 2, "read as version 2");
    ensure!(without.text("hetu").is_none(), "no identity code");
    ensure!(
        without.fields["hetu"].status == FieldStatus::Accepted,
        "an empty code is right when the box is ticked: {:?}",
        without.fields["hetu"]
    );
    ensure!(
        without.fields["no_hetu"].value == Some(intake_core::record::Value::Bool(true)),
        "the box is read ticked"
    );
    for id in ["birth_date", "citizenship", "surname", "phone"] {
        ensure!(truth[id].is_string(), "{id} was written");
        ensure!(
            without.text(id) == truth[id].as_str(),
            "{id}: read {:?}, written {:?}",
            without.text(id),
            truth[id]
        );
    }
    ensure!(
        without.status == RegistrationStatus::AwaitingCall,
        "nothing to review: {:?}",
        without
            .fields
            .iter()
            .filter(|(_, f)| f.status != FieldStatus::Accepted)
            .collect::<Vec<_>>()
    );

    let with = by_serial(WITH_CODE).ok_or("the sheet with a code")?;
    ensure!(with.form_version == 2, "read as version 2");
    ensure!(
        with.text("hetu") == stack.people[1]["hetu"].as_str() && with.text("hetu").is_some(),
        "the code: {:?}",
        with.text("hetu")
    );
    ensure!(with.text("birth_date").is_none(), "no date of birth asked");
    app.finish().await;
    Ok(())
}

fn batch_id(summary: &serde_json::Value) -> Result<uuid::Uuid, Failed> {
    let id = summary["batch"]
        .as_str()
        .ok_or("the summary names its batch")?;
    Ok(uuid::Uuid::parse_str(id)?)
}

async fn the_drop_folder_takes_a_file_only_when_complete(backend: Backend) -> Result<(), Failed> {
    let app = app_without_worker(&backend).await;
    let root = app.config.data_dir.join("drop");
    let mut folder = DropFolder::new(&root, &app.config.offices, Duration::from_secs(5));
    folder.prepare()?;
    let pipeline = intake_service::pipeline::Pipeline::new(app.store.clone(), &app.config)?;
    let today = date!(2026 - 11 - 23);

    let whole = std::fs::read(sample("009-printed.png"))?;
    let arriving = root.join("pietarsaari").join("scan.png");
    let (first, rest) = whole.split_at(whole.len() / 3);
    std::fs::write(&arriving, first)?;
    std::fs::write(
        root.join("pietarsaari").join("junk.pdf"),
        b"not a pdf at all",
    )?;
    // A file that cannot be opened at all (a link to nothing): it goes to
    // failed/ with its reason and the sweep goes on past it.
    std::os::unix::fs::symlink(
        root.join("nowhere.pdf"),
        root.join("pietarsaari").join("gone.pdf"),
    )?;

    let start = Instant::now();
    let taken = folder.sweep(&pipeline, start, today).await?;
    ensure!(taken.is_empty(), "nothing is taken on first sight");
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&arriving)?;
        file.write_all(&rest[..rest.len() / 2])?;
    }
    let taken = folder
        .sweep(&pipeline, start + Duration::from_secs(6), today)
        .await?;
    ensure!(
        taken.iter().all(|t| t.name != "scan.png"),
        "a growing file is not taken"
    );
    ensure!(arriving.exists(), "it stays in the folder");
    {
        use std::io::Write;
        let mut file = std::fs::OpenOptions::new().append(true).open(&arriving)?;
        file.write_all(&rest[rest.len() / 2..])?;
    }
    let mut all = taken;
    all.extend(
        folder
            .sweep(&pipeline, start + Duration::from_secs(12), today)
            .await?,
    );
    ensure!(!all.iter().any(|t| t.name == "scan.png"), "just completed");
    all.extend(
        folder
            .sweep(&pipeline, start + Duration::from_secs(18), today)
            .await?,
    );
    let scan = all
        .iter()
        .find(|t| t.name == "scan.png")
        .ok_or("the completed file is taken once it stops changing")?;
    ensure!(scan.state == FileState::Queued, "it is queued for reading");
    ensure!(
        scan.moved_to == root.join("done/pietarsaari/scan.png"),
        "moved to done/: {:?}",
        scan.moved_to
    );
    ensure!(!arriving.exists(), "no longer in the folder");
    let junk = all
        .iter()
        .find(|t| t.name == "junk.pdf")
        .ok_or("the junk file")?;
    ensure!(junk.state == FileState::Quarantined, "junk is quarantined");
    let reason = std::fs::read_to_string(root.join("failed/pietarsaari/junk.pdf.reason.txt"))?;
    ensure!(!reason.trim().is_empty(), "the reason is beside it");
    ensure!(
        root.join("failed/pietarsaari/junk.pdf").exists(),
        "junk moved to failed/"
    );
    let gone = all
        .iter()
        .find(|t| t.name == "gone.pdf")
        .ok_or("the file that cannot be opened")?;
    ensure!(
        gone.state == FileState::Quarantined && gone.batch_id.is_none(),
        "not stored: {gone:?}"
    );
    let reason = std::fs::read_to_string(root.join("failed/pietarsaari/gone.pdf.reason.txt"))?;
    ensure!(reason.contains("cannot be read"), "its reason: {reason}");
    ensure!(
        std::fs::symlink_metadata(root.join("failed/pietarsaari/gone.pdf")).is_ok()
            && std::fs::symlink_metadata(root.join("pietarsaari/gone.pdf")).is_err(),
        "it moved to failed/"
    );

    // The stored original is the whole file, not the part first seen.
    let files = app
        .store
        .batch_files(scan.batch_id.ok_or("scan.png has a batch")?)
        .await?;
    let stored = files
        .iter()
        .find(|f| f.name == "scan.png")
        .ok_or("scan.png is stored")?;
    ensure!(
        std::fs::read(app.config.data_dir.join(&stored.path))? == whole,
        "the whole file was stored"
    );
    let batch = app.store.batch(stored.batch_id).await?.ok_or("its batch")?;
    ensure!(
        batch.office == "pietarsaari"
            && batch.received_on == today
            && batch.entry == BatchEntry::DropFolder,
        "a drop-folder batch of the folder's office, received today"
    );

    // The same file left in the folder again (its move failed, or the
    // process stopped before it) is found after a restart and only moved.
    std::fs::write(&arriving, &whole)?;
    let mut restarted = DropFolder::new(&root, &app.config.offices, Duration::from_secs(5));
    let later = Instant::now();
    restarted.sweep(&pipeline, later, today).await?;
    let again = restarted
        .sweep(&pipeline, later + Duration::from_secs(6), today)
        .await?;
    ensure!(
        again.len() == 1 && again[0].batch_id == Some(stored.batch_id),
        "taken once, found again: {again:?}"
    );
    ensure!(!arriving.exists(), "moved away again");
    ensure!(
        app.store.batch_files(stored.batch_id).await?.len() == files.len(),
        "not taken in again"
    );
    app.finish().await;
    Ok(())
}

/// A pile for the worker cases: several files, the first a six-page PDF.
async fn queued_pile(app: &TestApp) -> Result<intake_service::store::ScanBatch, Failed> {
    let pile = tempfile::tempdir()?;
    for name in [
        "007-batch.pdf",
        "002-printed.jpg",
        "004-handwriting.jpg",
        "006-handwriting.jpg",
        "009-printed.png",
        "010-handwriting.png",
    ] {
        std::fs::copy(sample(name), pile.path().join(name))?;
    }
    let pipeline = intake_service::pipeline::Pipeline::new(app.store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![pile.path().to_owned()],
        office: "vaasa".into(),
        received_on: date!(2026 - 11 - 20),
        scanned_by: "test".into(),
    };
    Ok(store_batch(&pipeline, &request, BatchEntry::Import).await?)
}

/// `intake worker` in its own process, reading one file at a time with a
/// lease of `lease_seconds`: short where a dead worker's job is to come
/// back soon, long where a lease must not run out on a busy machine.
fn start_worker(app: &TestApp, name: &str, lease_seconds: u32) -> Result<Child, Failed> {
    let config = app.config.data_dir.join(format!("{name}.toml"));
    std::fs::write(
        &config,
        format!("[scanning]\nlease_seconds = {lease_seconds}\nworkers = 1\nsettle_seconds = 1\n"),
    )?;
    let log = std::fs::File::create(worker_log(app, name))?;
    Ok(intake_command(app)
        .arg("--config")
        .arg(&config)
        .args(["worker", "--database"])
        .arg(&app.config.database_url)
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?)
}

fn worker_log(app: &TestApp, name: &str) -> PathBuf {
    app.config.data_dir.join(format!("{name}.log"))
}

/// What the workers said, for a failure message.
fn worker_logs(app: &TestApp, names: &[&str]) -> String {
    names
        .iter()
        .map(|name| {
            let log = std::fs::read_to_string(worker_log(app, name)).unwrap_or_default();
            format!("--- worker {name}:\n{log}")
        })
        .collect()
}

async fn a_worker_killed_mid_file_leaves_every_page_done_once(
    backend: Backend,
) -> Result<(), Failed> {
    let app = app_without_worker(&backend).await;
    let batch = queued_pile(&app).await?;
    let store = app.store.clone();

    let mut first = start_worker(&app, "first", 3)?;
    // Wait until the worker is inside a file: some of its pages recorded,
    // not all.
    let started = Instant::now();
    let victim = loop {
        if let Some(found) = half_read_file(&store).await? {
            break found;
        }
        ensure!(
            started.elapsed() < Duration::from_secs(180),
            "timed out waiting for a file half read"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    first.kill()?; // SIGKILL
    first.wait()?;
    let (file, killed) = victim;
    let done_before = store.recorded_pages(file).await?;

    let mut second = start_worker(&app, "second", 3)?;
    let finished = wait_for(Duration::from_secs(400), "the batch to finish", || {
        let store = store.clone();
        async move { Ok(store.open_jobs_of_batch(batch.id).await? == 0) }
    })
    .await;
    second.kill()?;
    second.wait()?;
    finished?;

    every_page_once(&store, batch.id).await?;
    let pages = store.batch_pages(batch.id).await?;
    for page in pages.iter().filter(|p| p.file_id == file) {
        let by_killed = page.processed_by == killed;
        ensure!(
            by_killed == done_before.contains(&page.page),
            "page {} was recorded by the worker that did it first",
            page.page
        );
    }
    ensure!(store.queue_counts().await?.dead == 0, "no job was given up");
    app.finish().await;
    Ok(())
}

async fn two_workers_share_a_batch_without_reading_a_page_twice(
    backend: Backend,
) -> Result<(), Failed> {
    let app = app_without_worker(&backend).await;
    let store = app.store.clone();
    // Both workers are up and idle before the pile arrives, so both are
    // there to take a share of it.
    let mut workers = vec![
        start_worker(&app, "one", 60)?,
        start_worker(&app, "two", 60)?,
    ];
    // Generous: on a loaded machine (the whole suite at once) a worker
    // process has been seen to take over a minute to start.
    let started = wait_for(Duration::from_secs(240), "both workers to start", || {
        let ready = ["one", "two"].iter().all(|name| {
            std::fs::read_to_string(worker_log(&app, name))
                .is_ok_and(|log| log.contains("watching the drop folder"))
        });
        async move { Ok(ready) }
    })
    .await;
    if let Err(error) = started {
        let why = error.message().unwrap_or("failed");
        return Err(format!("{why}\n{}", worker_logs(&app, &["one", "two"])).into());
    }
    let batch = queued_pile(&app).await?;
    let finished = wait_for(Duration::from_secs(400), "the batch to finish", || {
        let store = store.clone();
        async move { Ok(store.open_jobs_of_batch(batch.id).await? == 0) }
    })
    .await;
    for worker in &mut workers {
        worker.kill()?;
        worker.wait()?;
    }
    finished?;
    every_page_once(&store, batch.id).await?;
    let attempts = store.job_attempts_of_batch(batch.id).await?;
    ensure!(
        attempts.iter().all(|&n| n == 1),
        "every file was claimed once: {attempts:?}"
    );
    let pages = store.batch_pages(batch.id).await?;
    let by: BTreeSet<&str> = pages.iter().map(|p| p.processed_by.as_str()).collect();
    ensure!(
        by.len() == 2,
        "both workers read pages: {by:?}\n{}",
        worker_logs(&app, &["one", "two"])
    );
    app.finish().await;
    Ok(())
}

async fn a_job_is_leased_retried_and_given_up(backend: Backend) -> Result<(), Failed> {
    let app = app_without_worker(&backend).await;
    let store = &app.store;
    let pile = tempfile::tempdir()?;
    std::fs::copy(sample("002-printed.jpg"), pile.path().join("002.jpg"))?;
    std::fs::copy(sample("009-printed.png"), pile.path().join("009.png"))?;
    let pipeline = intake_service::pipeline::Pipeline::new(store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![pile.path().to_owned()],
        office: "vaasa".into(),
        received_on: date!(2026 - 11 - 20),
        scanned_by: "test".into(),
    };
    store_batch(&pipeline, &request, BatchEntry::Import).await?;
    let minute = Duration::from_secs(60);

    // A lease that has run out (its worker died) is taken by the next claim.
    let first = store.claim_job("a", Duration::ZERO).await?.ok_or("a job")?;
    ensure!(first.attempts == 1, "first attempt");
    let second = store.claim_job("b", minute).await?.ok_or("the job again")?;
    ensure!(
        second.id == first.id && second.attempts == 2,
        "claimed again"
    );
    let other = store
        .claim_job("c", minute)
        .await?
        .ok_or("the other file's job")?;
    ensure!(other.id != first.id, "b holds the first");
    ensure!(store.claim_job("x", minute).await?.is_none(), "both leased");
    ensure!(
        !store.renew_lease(first.id, "a", minute).await?,
        "a has lost it"
    );
    ensure!(
        !store.complete_job(first.id, "a").await?,
        "a cannot finish it"
    );
    // A passing failure: queued again after its backoff (none here).
    ensure!(
        store
            .retry_job(first.id, "b", "the database went away", Duration::ZERO)
            .await?,
        "b retries it"
    );
    let third = store.claim_job("f", minute).await?.ok_or("due again")?;
    ensure!(third.id == first.id && third.attempts == 3, "third attempt");
    // The dead letter keeps the reason and is not claimed again.
    ensure!(
        store.bury_job(third.id, "f", "always fails").await?,
        "buried"
    );
    ensure!(store.queue_counts().await?.dead == 1, "one dead job");
    // The other file's job, retried with a backoff, waits it out; the dead
    // one is not claimed again.
    ensure!(
        store.retry_job(other.id, "c", "passing", minute).await?,
        "retried"
    );
    ensure!(
        store.claim_job("e", minute).await?.is_none(),
        "nothing is due before the backoff"
    );
    app.finish().await;
    Ok(())
}

/// A pile of two files stored with the pipeline; no worker reads it.
async fn two_file_pile(
    app: &TestApp,
) -> Result<
    (
        intake_service::pipeline::Pipeline,
        intake_service::store::ScanBatch,
    ),
    Failed,
> {
    let pile = tempfile::tempdir()?;
    std::fs::copy(sample("002-printed.jpg"), pile.path().join("002.jpg"))?;
    std::fs::copy(sample("009-printed.png"), pile.path().join("009.png"))?;
    let pipeline = intake_service::pipeline::Pipeline::new(app.store.clone(), &app.config)?;
    let request = ImportRequest {
        paths: vec![pile.path().to_owned()],
        office: "vaasa".into(),
        received_on: date!(2026 - 11 - 20),
        scanned_by: "test".into(),
    };
    let batch = store_batch(&pipeline, &request, BatchEntry::Import).await?;
    Ok((pipeline, batch))
}

async fn a_file_whose_reading_keeps_dying_is_quarantined(backend: Backend) -> Result<(), Failed> {
    let app = app_without_worker(&backend).await;
    let store = &app.store;
    let (_, batch) = two_file_pile(&app).await?;
    let files = store.batch_files(batch.id).await?;
    let crasher = files.iter().find(|f| f.name == "002.jpg").ok_or("002")?.id;
    let healthy = files.iter().find(|f| f.name == "009.png").ok_or("009")?.id;

    // Every worker that claims the crasher dies with it: its lease (none
    // here) runs out. The healthy file is read and done.
    let mut claims = 0;
    let mut crashes = 0;
    while let Some(job) = store
        .claim_job(&format!("doomed-{claims}"), Duration::ZERO)
        .await?
    {
        claims += 1;
        ensure!(claims <= 20, "the crasher is claimed for ever");
        if job.file_id == crasher {
            crashes += 1;
            ensure!(job.attempts == crashes, "attempt {crashes} is counted");
        } else {
            store
                .finish_file(job.file_id, FileState::Done, None)
                .await?;
            ensure!(
                store
                    .complete_job(job.id, &format!("doomed-{}", claims - 1))
                    .await?,
                "the healthy file is done"
            );
        }
    }
    ensure!(
        crashes == intake_service::store::MAX_ATTEMPTS,
        "claimed {crashes} times"
    );
    let file = store.scan_file(crasher).await?.ok_or("the crasher")?;
    ensure!(
        file.state == FileState::Quarantined
            && file.reason.as_deref() == Some("reading crashed or timed out 5 times"),
        "quarantined with the reason: {file:?}"
    );
    let other = store.scan_file(healthy).await?.ok_or("the healthy file")?;
    ensure!(
        other.state == FileState::Done,
        "the rest of the batch went on"
    );
    let counts = store.queue_counts().await?;
    ensure!(
        counts.dead == 1 && counts.queued == 0 && counts.running == 0,
        "{counts:?}"
    );
    let summary = store.batch_summary(batch.id).await?;
    ensure!(
        summary.quarantined.len() == 1 && summary.quarantined[0].file == "002.jpg",
        "the summary names it"
    );
    app.finish().await;
    Ok(())
}

/// Every claim of the file's job ends with its worker dead, until the file
/// is given up; the other jobs are done at once.
async fn crash_until_quarantined(store: &Store, crasher: uuid::Uuid) -> Result<(), Failed> {
    for n in 0..20 {
        let worker = format!("doomed-{n}");
        let Some(job) = store.claim_job(&worker, Duration::ZERO).await? else {
            return Ok(());
        };
        if job.file_id != crasher {
            store
                .finish_file(job.file_id, FileState::Done, None)
                .await?;
            store.complete_job(job.id, &worker).await?;
        }
    }
    Err("the crasher is claimed for ever".into())
}

fn requeue(app: &TestApp, which: &str, id: uuid::Uuid) -> Result<String, Failed> {
    let output = intake_command(app)
        .args(["requeue", which, &id.to_string(), "--database"])
        .arg(&app.config.database_url)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    ensure!(
        output.status.success(),
        "requeue failed: {stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    Ok(stdout)
}

async fn a_quarantined_file_is_requeued_and_read_again(backend: Backend) -> Result<(), Failed> {
    let app = app_without_worker(&backend).await;
    let store = &app.store;
    let (pipeline, batch) = two_file_pile(&app).await?;
    let files = store.batch_files(batch.id).await?;
    let crasher = files.iter().find(|f| f.name == "002.jpg").ok_or("002")?;
    crash_until_quarantined(store, crasher.id).await?;
    ensure!(
        store.scan_file(crasher.id).await?.ok_or("the file")?.state == FileState::Quarantined,
        "quarantined"
    );

    // The same bytes handed in again are read, not called a duplicate.
    let again = pipeline
        .admit_path(&batch, &sample("002-printed.jpg"))
        .await?;
    ensure!(
        again.state == FileState::Queued && again.duplicate_of.is_none(),
        "read again: {again:?}"
    );
    let job = store
        .claim_job("w", Duration::from_secs(60))
        .await?
        .ok_or("its job")?;
    ensure!(job.file_id == again.id, "the new copy is queued");
    store.finish_file(again.id, FileState::Done, None).await?;
    store.complete_job(job.id, "w").await?;

    // One file: back in the queue with its attempts reset, audited.
    let said = requeue(&app, "--file", crasher.id)?;
    ensure!(
        said.contains("002.jpg") && said.contains("crashed"),
        "{said}"
    );
    let file = store.scan_file(crasher.id).await?.ok_or("the file")?;
    ensure!(
        file.state == FileState::Queued && file.reason.is_none(),
        "{file:?}"
    );
    let counts = store.queue_counts().await?;
    ensure!(counts.queued == 1 && counts.dead == 0, "{counts:?}");
    let job = store
        .claim_job("w", Duration::from_secs(60))
        .await?
        .ok_or("requeued")?;
    ensure!(
        job.file_id == crasher.id && job.attempts == 1,
        "attempts start again: {job:?}"
    );
    let audit = store
        .audit_of_action(intake_service::store::audit::AuditAction::ScanRequeue)
        .await?;
    ensure!(
        audit.len() == 1 && audit[0].detail.contains(&crasher.id.to_string()),
        "audited: {audit:?}"
    );

    // A whole batch: a file quarantined when handed in gets its first job.
    store
        .finish_file(crasher.id, FileState::Quarantined, Some("no Tesseract"))
        .await?;
    store.bury_job(job.id, "w", "no Tesseract").await?;
    let junk = tempfile::NamedTempFile::new()?;
    std::fs::write(junk.path(), b"\x89PNG\r\n\x1a\n")?;
    let short = pipeline.admit_path(&batch, junk.path()).await?;
    ensure!(short.state == FileState::Queued, "a PNG by its first bytes");
    let claimed = store
        .claim_job("w", Duration::from_secs(60))
        .await?
        .ok_or("its job")?;
    store
        .finish_file(short.id, FileState::Quarantined, Some("a truncated PNG"))
        .await?;
    store.bury_job(claimed.id, "w", "a truncated PNG").await?;
    let not_a_scan = tempfile::NamedTempFile::new()?;
    std::fs::write(not_a_scan.path(), b"Dear office, ...")?;
    let letter = pipeline.admit_path(&batch, not_a_scan.path()).await?;
    ensure!(
        letter.state == FileState::Quarantined
            && letter
                .reason
                .as_deref()
                .is_some_and(|r| r.contains("not a scan")),
        "refused by its first bytes: {letter:?}"
    );
    let said = requeue(&app, "--batch", batch.id)?;
    ensure!(said.lines().count() == 3, "three files: {said}");
    let counts = store.queue_counts().await?;
    ensure!(counts.queued == 3 && counts.dead == 0, "{counts:?}");
    let states: Vec<FileState> = store
        .batch_files(batch.id)
        .await?
        .iter()
        .map(|f| f.state)
        .collect();
    ensure!(
        !states.contains(&FileState::Quarantined),
        "none quarantined: {states:?}"
    );
    ensure!(
        store
            .audit_of_action(intake_service::store::audit::AuditAction::ScanRequeue)
            .await?
            .len()
            == 4,
        "each file audited"
    );
    ensure!(
        requeue(&app, "--batch", batch.id)?.contains("nothing requeued"),
        "a second time finds none"
    );
    app.finish().await;
    Ok(())
}

/// `intake import` reads each file in a child process: a file that makes
/// its child abort (the child's test hook, as a decoder or Tesseract bug
/// would) is tried until its attempts are used up, then quarantined, and
/// the other file of the batch is read.
async fn a_file_that_kills_its_reading_child_costs_that_file_only(
    backend: Backend,
) -> Result<(), Failed> {
    let app = app_without_worker(&backend).await;
    let pile = tempfile::tempdir()?;
    std::fs::copy(sample("002-printed.jpg"), pile.path().join("crash-me.jpg"))?;
    std::fs::copy(sample("009-printed.png"), pile.path().join("009.png"))?;
    // Retries at once: the attempts are what is tested, not the waiting.
    let config = app.config.data_dir.join("no-backoff.toml");
    std::fs::write(&config, "[scanning]\nretry_seconds = 0\n")?;
    let output = intake_command(&app)
        .env(intake_service::pipeline::reading::TEST_ABORT_ON, "crash-me")
        .arg("--config")
        .arg(&config)
        .args(["import", "--office", "vaasa", "--json", "--database"])
        .arg(&app.config.database_url)
        .arg(pile.path())
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    ensure!(output.status.success(), "import failed: {stdout}{stderr}");
    // The log (the retries are warnings) shares standard output with the
    // summary, which is the last line.
    let last = stdout.lines().last().unwrap_or_default();
    let summary: serde_json::Value = serde_json::from_str(last)
        .map_err(|e| format!("the summary is one JSON object ({e}): {stdout}"))?;
    ensure!(summary["forms"] == 1, "the other file is read: {summary}");

    let store = &app.store;
    let files = store.batch_files(batch_id(&summary)?).await?;
    let crasher = files
        .iter()
        .find(|f| f.name == "crash-me.jpg")
        .ok_or("crash-me")?;
    ensure!(
        crasher.state == FileState::Quarantined
            && crasher.reason.as_deref() == Some("reading crashed or timed out 5 times"),
        "quarantined with the reason: {crasher:?}"
    );
    let healthy = files.iter().find(|f| f.name == "009.png").ok_or("009")?;
    ensure!(healthy.state == FileState::Done, "{healthy:?}");
    let aborts = stdout.matches("the reading child aborted").count();
    ensure!(
        aborts == intake_service::store::MAX_ATTEMPTS as usize,
        "the child aborted once per attempt, {aborts} times:\n{stdout}{stderr}"
    );
    let counts = store.queue_counts().await?;
    ensure!(
        counts.dead == 1 && counts.queued == 0 && counts.running == 0,
        "{counts:?}"
    );
    app.finish().await;
    Ok(())
}

/// `intake import` in a process of its own writes its batch while the
/// server stores web registrations on the same database (on SQLite, one
/// file written by two processes): neither gets an error, and every row is
/// there.
async fn serve_and_import_write_side_by_side(backend: Backend) -> Result<(), Failed> {
    let app = TestApp::spawn_with(&backend, |c| {
        c.scanning.process = false;
        c.limits.per_ip_hour = 10_000;
        c.limits.per_ip_day = 10_000;
        c.limits.per_network_hour = 10_000;
        c.limits.per_network_day = 10_000;
        c.limits.global_day = 10_000;
    })
    .await;
    let pile = tempfile::tempdir()?;
    for name in ["002-printed.jpg", "009-printed.png"] {
        std::fs::copy(sample(name), pile.path().join(name))?;
    }
    let said = app.config.data_dir.join("import.log");
    let log = std::fs::File::create(&said)?;
    let mut import = intake_command(&app)
        .args([
            "import",
            "--office",
            "mustasaari",
            "--received",
            "2026-04-03",
        ])
        .args(["--scanned-by", "test", "--json", "--database"])
        .arg(&app.config.database_url)
        .arg(pile.path())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()?;

    // Web registrations, one after another, for as long as the import runs.
    let mut references = Vec::new();
    let mut during = 0;
    let status = loop {
        let fields = common::valid_fields(&app.form_token("fi").await);
        let (status, page) = app.post("/fi", &common::borrowed(&fields)).await;
        ensure!(
            status.is_success(),
            "a web registration is stored: {status}"
        );
        references.push(common::reference(&page).ok_or("a reference")?);
        match import.try_wait()? {
            None => during += 1,
            Some(status) => break status,
        }
        ensure!(
            references.len() < 5_000,
            "the import never ended:\n{}",
            std::fs::read_to_string(&said)?
        );
    };
    let output = std::fs::read_to_string(&said)?;
    ensure!(status.success(), "import failed: {output}");
    ensure!(
        during >= 3,
        "web registrations were stored while the import ran: {during}"
    );
    // Tesseract's own complaints at exit are not the import's.
    let logged: String = output
        .lines()
        .filter(|line| !line.starts_with("ObjectCache("))
        .collect::<Vec<_>>()
        .join("\n");
    let lowered = logged.to_lowercase();
    ensure!(
        !logged.contains("WARN")
            && !logged.contains("ERROR")
            && !lowered.contains("locked")
            && !lowered.contains("busy"),
        "the import met no contention: {logged}"
    );

    let summary: serde_json::Value = serde_json::from_str(logged.lines().last().unwrap_or(""))
        .map_err(|e| format!("the summary is the last line ({e}): {logged}"))?;
    ensure!(
        summary["quarantined"].as_array().is_some_and(Vec::is_empty),
        "nothing quarantined: {summary}"
    );
    let store = &app.store;
    let batch = batch_id(&summary)?;
    let files = store.batch_files(batch).await?;
    ensure!(
        files.len() == 2 && files.iter().all(|f| f.state == FileState::Done),
        "every file read: {files:?}"
    );
    let pages: u32 = files.iter().filter_map(|f| f.page_count).sum();
    ensure!(
        store.batch_pages(batch).await?.len() == pages as usize,
        "every page recorded once"
    );
    let counted = ["forms", "other", "blank"]
        .iter()
        .map(|k| summary[k].as_u64().unwrap_or(0))
        .sum::<u64>();
    ensure!(counted == u64::from(pages), "{summary} for {pages} pages");
    ensure!(
        !store.batch_registrations(batch).await?.is_empty(),
        "the forms are registrations"
    );
    for reference in &references {
        let parsed = intake_core::record::Reference::parse(reference).ok_or("a reference")?;
        ensure!(
            store.registration_by_reference(&parsed).await?.is_some(),
            "web registration {reference} is stored"
        );
    }
    app.finish().await;
    Ok(())
}
