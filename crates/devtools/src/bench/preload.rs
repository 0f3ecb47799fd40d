//! `--preload N`: fills a migrated database with N realistic registrations
//! before a benchmark measures, so that costs are seen at the size of a
//! year's work and not on empty tables. Rows go in by bulk inserts in large
//! transactions; the service's own insert path is what the benchmarks time.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::Rng;
use rand::seq::IndexedRandom;
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyPool, Executor, Transaction};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::synthetic::{self, Jobseeker};
use intake_core::calendar;
use intake_core::form::{Channel, FormDefinition, WEB_FORM_ID};
use intake_core::i18n::Lang;
use intake_core::record::normalise::normalise_submission;
use intake_core::record::{FieldReading, FieldStatus, Provenance, Reference, RegistrationStatus};
use intake_service::config::Config;
use intake_service::store::Backend;

/// Registrations made and inserted per transaction.
const CHUNK: usize = 20_000;
/// Rows per INSERT statement. PostgreSQL gains by fewer round trips (its
/// bound is 65,535 values); SQLite, in process, has no round trips and
/// binds a long statement's values slowly.
fn rows_per_statement(backend: Backend) -> usize {
    match backend {
        Backend::Sqlite => 40,
        Backend::Postgres => 1_000,
    }
}
/// Share of registrations that are a second form of a person already
/// registered (web and paper, or a form sent twice), folded into the first.
const DUPLICATE_SHARE: f64 = 0.05;
/// People a later duplicate is drawn from (bounds the memory of a large preload).
const REMEMBERED: usize = 50_000;
/// Caseworkers who made the calls of the preloaded registrations.
const CASEWORKERS: usize = 20;
/// The offices registrations are made at: those of the default settings,
/// which the benchmarks serve (an office not in the settings would send
/// every letter of its registrations to a caseworker).
static OFFICES: LazyLock<Vec<String>> = LazyLock::new(|| {
    Config::default()
        .offices
        .into_iter()
        .map(|office| office.id)
        .collect()
});

#[derive(Debug)]
pub struct PreloadReport {
    pub registrations: usize,
    pub folded: usize,
    pub elapsed: Duration,
}

impl std::fmt::Display for PreloadReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "preloaded {} registrations ({} folded into an earlier one of the same person) in {:.1} s",
            self.registrations,
            self.folded,
            self.elapsed.as_secs_f64()
        )
    }
}

/// A value of one column of a bulk insert.
enum Cell {
    Text(Option<String>),
    Int(i64),
    Bool(bool),
}

impl From<String> for Cell {
    fn from(text: String) -> Cell {
        Cell::Text(Some(text))
    }
}

impl From<Option<String>> for Cell {
    fn from(text: Option<String>) -> Cell {
        Cell::Text(text)
    }
}

impl From<&str> for Cell {
    fn from(text: &str) -> Cell {
        Cell::Text(Some(text.to_string()))
    }
}

/// Rows of one table, inserted in statements of many rows each.
struct Rows {
    table: &'static str,
    columns: &'static [&'static str],
    rows: Vec<Vec<Cell>>,
}

impl Rows {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Rows {
        Rows {
            table,
            columns,
            rows: Vec::new(),
        }
    }

    fn push(&mut self, row: Vec<Cell>) {
        debug_assert_eq!(row.len(), self.columns.len());
        self.rows.push(row);
    }

    async fn insert(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
    ) -> anyhow::Result<()> {
        let width = self.columns.len();
        let per_statement = rows_per_statement(backend).min(30_000 / width);
        let rows = std::mem::take(&mut self.rows);
        for chunk in rows.chunks(per_statement) {
            let mut sql = format!(
                "INSERT INTO {} ({}) VALUES ",
                self.table,
                self.columns.join(", ")
            );
            for (r, _) in chunk.iter().enumerate() {
                sql.push_str(if r == 0 { "(" } else { ", (" });
                for c in 0..width {
                    if c > 0 {
                        sql.push_str(", ");
                    }
                    sql.push_str(&format!("${}", r * width + c + 1));
                }
                sql.push(')');
            }
            let mut query = sqlx::query(&sql);
            for row in chunk {
                for cell in row {
                    query = match cell {
                        Cell::Text(text) => query.bind(text.clone()),
                        Cell::Int(n) => query.bind(*n),
                        Cell::Bool(b) => query.bind(*b),
                    };
                }
            }
            query
                .execute(&mut **tx)
                .await
                .with_context(|| format!("inserting into {}", self.table))?;
        }
        Ok(())
    }
}

/// A person already in the database, whom a later form may name again.
#[derive(Clone)]
struct Registered {
    id: String,
    fields: String,
    hetu: Option<String>,
    phone: Option<String>,
}

/// Fills the database at `url` (already migrated) with `count`
/// registrations: both channels, every status, with duplicates among them,
/// arrived over the last year, their callback entries, calls and status links.
pub async fn preload(url: &str, count: usize) -> anyhow::Result<PreloadReport> {
    let started = Instant::now();
    let backend = Backend::from_url(url)?;
    let pool = connect(url).await?;
    let form = FormDefinition::load_by_id(None, WEB_FORM_ID)?;
    let now = OffsetDateTime::now_utc();
    let caseworkers = add_caseworkers(&pool, backend, now).await?;
    let mut references = HashSet::with_capacity(count);
    let mut people: Vec<Registered> = Vec::with_capacity(REMEMBERED.min(count));
    let mut rng = rand::rng();
    let mut folded = 0;
    let mut made = 0;
    while made < count {
        let size = CHUNK.min(count - made);
        let mut batch = Batch::new(&caseworkers, now);
        for _ in 0..size {
            let duplicate = !people.is_empty() && rng.random_bool(DUPLICATE_SHARE);
            let first = duplicate.then(|| people[rng.random_range(0..people.len())].clone());
            let reference = loop {
                let reference = Reference::generate();
                if references.insert(reference.as_str().to_string()) {
                    break reference;
                }
            };
            let made_now = batch.add(&form, &mut rng, reference, first.as_ref())?;
            folded += usize::from(first.is_some());
            // Later forms name a person among the recent ones.
            if first.is_none() {
                if people.len() < REMEMBERED {
                    people.push(made_now);
                } else {
                    let slot = rng.random_range(0..REMEMBERED);
                    people[slot] = made_now;
                }
            }
        }
        let mut tx = pool.begin().await?;
        batch.insert(&mut tx, backend).await?;
        tx.commit().await?;
        made += size;
    }
    // PostgreSQL's autovacuum would have vacuumed and analysed a year's
    // tables (vacuumed pages are what let a plan read an index alone);
    // SQLite gathers no statistics unless told, so its plans are left as
    // the service would find them.
    if backend == Backend::Postgres {
        pool.execute("VACUUM ANALYZE").await?;
    }
    pool.close().await;
    Ok(PreloadReport {
        registrations: count,
        folded,
        elapsed: started.elapsed(),
    })
}

/// One connection to a benchmark's scratch database, set for loading.
pub async fn connect(url: &str) -> anyhow::Result<AnyPool> {
    let backend = Backend::from_url(url)?;
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(1)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                // A benchmark's scratch data: a crash loses nothing of worth.
                let speed = match backend {
                    Backend::Sqlite => {
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; \
                         PRAGMA cache_size = -262144; PRAGMA foreign_keys = ON;"
                    }
                    Backend::Postgres => "SET synchronous_commit = off",
                };
                conn.execute(speed).await?;
                Ok(())
            })
        })
        .connect(url)
        .await
        .context("connecting to the scratch database")
}

async fn add_caseworkers(
    pool: &AnyPool,
    backend: Backend,
    now: OffsetDateTime,
) -> anyhow::Result<Vec<String>> {
    let mut rows = Rows::new(
        "staff",
        &[
            "id",
            "name",
            "role",
            "password_hash",
            "created_at",
            "updated_at",
        ],
    );
    let mut ids = Vec::new();
    for n in 0..CASEWORKERS {
        let id = Uuid::new_v4().to_string();
        let at = intake_service::store::timestamp(now);
        rows.push(vec![
            id.clone().into(),
            format!("preload-caseworker-{n}-{}", &id[..8]).into(),
            "caseworker".into(),
            // Not a password hash: nobody signs in as these.
            "!".into(),
            at.clone().into(),
            at.into(),
        ]);
        ids.push(id);
    }
    let mut tx = pool.begin().await?;
    rows.insert(&mut tx, backend).await?;
    tx.commit().await?;
    Ok(ids)
}

/// One transaction's worth of rows.
struct Batch {
    /// Who made the calls, and the moment the preload stands at.
    caseworkers: Vec<String>,
    now: OffsetDateTime,
    registrations: Rows,
    callbacks: Rows,
    status_links: Rows,
    calls: Rows,
}

impl Batch {
    fn new(caseworkers: &[String], now: OffsetDateTime) -> Batch {
        Batch {
            caseworkers: caseworkers.to_vec(),
            now,
            registrations: Rows::new(
                "registrations",
                &[
                    "id",
                    "reference",
                    "form_id",
                    "form_version",
                    "channel",
                    "office",
                    "received_at",
                    "status",
                    "identity_verified",
                    "hetu",
                    "phone",
                    "fields",
                    "provenance",
                    "submission_key",
                    "created_at",
                    "updated_at",
                    "duplicate_of",
                    "duplicate_match",
                ],
            ),
            callbacks: Rows::new(
                "callbacks",
                &[
                    "registration_id",
                    "due_on",
                    "attempts",
                    "created_at",
                    "next_call_at",
                    "first_contact_at",
                    "result",
                    "closed_at",
                    "closed_by",
                    "letter_check",
                ],
            ),
            status_links: Rows::new(
                "status_links",
                &["token_sha256", "registration_id", "created_at"],
            ),
            calls: Rows::new(
                "call_attempts",
                &[
                    "id",
                    "registration_id",
                    "staff_id",
                    "attempted_at",
                    "outcome",
                ],
            ),
        }
    }

    async fn insert(
        &mut self,
        tx: &mut Transaction<'_, Any>,
        backend: Backend,
    ) -> anyhow::Result<()> {
        self.registrations.insert(tx, backend).await?;
        self.callbacks.insert(tx, backend).await?;
        self.status_links.insert(tx, backend).await?;
        self.calls.insert(tx, backend).await
    }

    /// One registration (a duplicate of `first` when given) with what the
    /// service would have stored beside it by now.
    fn add(
        &mut self,
        form: &FormDefinition,
        rng: &mut impl Rng,
        reference: Reference,
        first: Option<&Registered>,
    ) -> anyhow::Result<Registered> {
        let now = self.now;
        let ts = intake_service::store::timestamp;
        let channel = if rng.random_bool(0.7) {
            Channel::Web
        } else {
            Channel::Paper
        };
        // Arrivals over the last year; most of those older than a few
        // weeks are long closed.
        let age = Duration::from_secs(rng.random_range(0..365 * 86_400));
        let received_at = now - age;
        let recent = age < Duration::from_secs(21 * 86_400);
        let status = status_for(rng, channel, recent);
        let id = Uuid::new_v4().to_string();
        let PersonFields {
            fields,
            hetu,
            phone,
            letter_check,
        } = match first {
            // The same person's form again: the same fields (folded into
            // the first, it waits for no letter of its own).
            Some(first) => PersonFields {
                fields: first.fields.clone(),
                hetu: first.hetu.clone(),
                phone: first.phone.clone(),
                letter_check: None,
            },
            None => person_fields(form, rng, channel, status)?,
        };
        let provenance = match channel {
            Channel::Web => Provenance::Web {
                language: *[Lang::Fi, Lang::Sv, Lang::En]
                    .choose(rng)
                    .expect("languages"),
            },
            Channel::Paper => Provenance::Paper {
                original_sha256: format!("{:064x}", rng.random::<u128>()),
                pages: vec![1, 2],
                serial: None,
            },
        };
        let web = channel == Channel::Web;
        self.registrations.push(vec![
            id.clone().into(),
            reference.as_str().into(),
            form.id().into(),
            Cell::Int(i64::from(form.version())),
            channel_code(channel).into(),
            OFFICES.choose(rng).expect("offices").clone().into(),
            ts(received_at).into(),
            status.as_str().into(),
            Cell::Bool(false),
            hetu.clone().into(),
            phone.clone().into(),
            fields.clone().into(),
            serde_json::to_string(&provenance)?.into(),
            web.then(|| Uuid::new_v4().simple().to_string()).into(),
            ts(received_at).into(),
            ts(received_at).into(),
            first.map(|f| f.id.clone()).into(),
            first.map(|_| "hetu".to_string()).into(),
        ]);
        if web {
            self.status_links.push(vec![
                format!("{:064x}", rng.random::<u128>()).into(),
                id.clone().into(),
                ts(received_at).into(),
            ]);
        }
        // A folded registration has no queue entry of its own.
        if first.is_none() {
            self.add_callback(rng, &id, status, received_at, letter_check);
        }
        Ok(Registered {
            id,
            fields,
            hetu,
            phone,
        })
    }

    fn add_callback(
        &mut self,
        rng: &mut impl Rng,
        id: &str,
        status: RegistrationStatus,
        received_at: OffsetDateTime,
        letter_check: Option<&'static str>,
    ) {
        let now = self.now;
        let ts = intake_service::store::timestamp;
        let attempts: i64 = match status {
            RegistrationStatus::AwaitingReview => 0,
            RegistrationStatus::AwaitingCall => rng.random_range(0..3),
            RegistrationStatus::SendLetter => 5,
            RegistrationStatus::Closed | RegistrationStatus::Withdrawn => rng.random_range(1..4),
        };
        let called_at = |n: i64| received_at + Duration::from_secs(86_400 * (n as u64 + 1));
        let closed = matches!(status, RegistrationStatus::Closed);
        let worker = || {
            self.caseworkers
                .choose(&mut rand::rng())
                .expect("caseworkers")
                .clone()
        };
        let last_call = (attempts > 0)
            .then(|| called_at(attempts - 1))
            .filter(|t| *t < now);
        let next_call = (status == RegistrationStatus::AwaitingCall && attempts > 0)
            .then(|| ts(now + Duration::from_secs(rng.random_range(0..3 * 86_400))));
        self.callbacks.push(vec![
            id.into(),
            calendar::first_contact_due(received_at).to_string().into(),
            Cell::Int(attempts),
            ts(received_at).into(),
            next_call.into(),
            last_call.filter(|_| closed).map(ts).into(),
            closed.then(|| "registered".to_string()).into(),
            last_call.filter(|_| closed).map(ts).into(),
            closed.then(worker).into(),
            letter_check.map(str::to_string).into(),
        ]);
        for n in 0..attempts {
            let at = called_at(n);
            if at >= now {
                break;
            }
            let reached = closed && n == attempts - 1;
            self.calls.push(vec![
                Uuid::new_v4().to_string().into(),
                id.into(),
                worker().into(),
                ts(at).into(),
                (if reached { "reached" } else { "no_answer" }).into(),
            ]);
        }
    }
}

/// Most of a year's registrations are done with; the open ones are recent.
fn status_for(rng: &mut impl Rng, channel: Channel, recent: bool) -> RegistrationStatus {
    if !recent {
        return if rng.random_bool(0.03) {
            RegistrationStatus::Withdrawn
        } else if rng.random_bool(0.02) {
            RegistrationStatus::SendLetter
        } else {
            RegistrationStatus::Closed
        };
    }
    match rng.random_range(0..10) {
        0..=1 if channel == Channel::Paper => RegistrationStatus::AwaitingReview,
        0..=5 => RegistrationStatus::AwaitingCall,
        6 => RegistrationStatus::SendLetter,
        _ => RegistrationStatus::Closed,
    }
}

fn channel_code(channel: Channel) -> &'static str {
    match channel {
        Channel::Web => "web",
        Channel::Paper => "paper",
    }
}

/// A person's fields as stored, with what is looked up by.
struct PersonFields {
    /// As the service stores them (JSON).
    fields: String,
    hetu: Option<String>,
    phone: Option<String>,
    /// For one waiting for a letter: what the dashboard found of its
    /// address when it looked (as a year's dashboard views would have).
    letter_check: Option<&'static str>,
}

/// A new person's fields, normalised by the same code as a real
/// submission.
fn person_fields(
    form: &FormDefinition,
    rng: &mut impl Rng,
    channel: Channel,
    status: RegistrationStatus,
) -> anyhow::Result<PersonFields> {
    let person: Jobseeker = synthetic::jobseeker(rng);
    let values: HashMap<String, String> = person
        .web_fields()
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
    let mut fields: BTreeMap<String, FieldReading> = normalise_submission(form, channel, &values)
        .map_err(|errors| {
        anyhow::anyhow!(
            "a synthetic person did not normalise: {} errors",
            errors.len()
        )
    })?;
    if status == RegistrationStatus::AwaitingReview
        && let Some(phone) = fields.get_mut("phone")
    {
        // A paper field the recogniser was unsure of.
        phone.status = FieldStatus::NeedsReview;
        phone.confidence = Some(0.4);
    }
    let text = |id: &str| {
        fields
            .get(id)
            .and_then(|f| f.value.as_ref())
            .and_then(|v| v.as_text())
            .map(str::to_string)
    };
    let (hetu, phone) = (text("hetu"), text("phone"));
    let letter_check = (status == RegistrationStatus::SendLetter)
        .then(|| intake_service::letters::letter_check(&fields));
    Ok(PersonFields {
        fields: serde_json::to_string(&fields)?,
        hetu,
        phone,
        letter_check,
    })
}
