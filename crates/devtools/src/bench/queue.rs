//! `intake bench queue`: the work queue and the callback queue under
//! concurrent claimers on PostgreSQL, where several workers and web nodes
//! share one database. Jobs per second with 1, 2 and 8 workers claiming
//! (`FOR UPDATE SKIP LOCKED`) and finishing jobs, and how many jobs ran
//! twice, which must be none; then caseworkers all claiming from the top
//! of the callback queue at once.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use time::OffsetDateTime;
use uuid::Uuid;

use super::preload;
use intake_service::accounts::Role;
use intake_service::config::StaffSettings;
use intake_service::store::callbacks::Claim;
use intake_service::store::{Backend, Store};

pub struct QueueBench {
    /// A `postgres://` URL; a fresh schema is made there for each run.
    pub database: String,
    /// Jobs enqueued for each count of workers.
    pub jobs: usize,
    pub workers: Vec<usize>,
    /// Caseworkers claiming callbacks at once.
    pub caseworkers: usize,
}

const LEASE: Duration = Duration::from_secs(300);

pub async fn run(bench: QueueBench) -> anyhow::Result<()> {
    anyhow::ensure!(
        Backend::from_url(&bench.database)? == Backend::Postgres,
        "the queue benchmark is for PostgreSQL (SQLite has one writer: claims are one at a time)"
    );
    println!(
        "work queue: {} jobs claimed and finished by N workers (SKIP LOCKED):",
        bench.jobs
    );
    for &workers in &bench.workers {
        let (url, schema) = fresh_schema(&bench.database).await?;
        let store = Store::connect(&url).await?;
        store.migrate().await?;
        enqueue(&url, bench.jobs).await?;
        let runs: Arc<Mutex<HashMap<Uuid, u32>>> = Arc::default();
        let started = Instant::now();
        let mut tasks = Vec::new();
        for n in 0..workers {
            let (store, runs) = (store.clone(), runs.clone());
            tasks.push(tokio::spawn(async move {
                let worker = format!("bench-worker-{n}");
                while let Some(job) = store.claim_job(&worker, LEASE).await? {
                    *runs
                        .lock()
                        .expect("not poisoned")
                        .entry(job.id)
                        .or_default() += 1;
                    anyhow::ensure!(
                        store.complete_job(job.id, &worker).await?,
                        "a finished job was not this worker's"
                    );
                }
                anyhow::Ok(())
            }));
        }
        for task in tasks {
            task.await??;
        }
        let elapsed = started.elapsed();
        let runs = runs.lock().expect("not poisoned").clone();
        let twice = runs.values().filter(|n| **n > 1).count();
        let counts = store.queue_counts().await?;
        println!(
            "  {workers} worker(s): {:>7.0} jobs/s  ({} jobs run, {} run twice, {} still queued)",
            runs.len() as f64 / elapsed.as_secs_f64(),
            runs.len(),
            twice,
            counts.queued
        );
        store.close().await;
        intake_service::store::drop_schema(&bench.database, &schema).await?;
    }
    staff_claims(&bench).await
}

/// Every caseworker takes the first entry of the queue nobody holds, as
/// each would from the top of the page at nine in the morning.
async fn staff_claims(bench: &QueueBench) -> anyhow::Result<()> {
    let (url, schema) = fresh_schema(&bench.database).await?;
    let store = Store::connect(&url).await?;
    store.migrate().await?;
    preload::preload(&url, 20_000).await?;
    let open: Vec<(String,)> = sqlx::query_as(
        "SELECT c.registration_id FROM callbacks c JOIN registrations r ON r.id = c.registration_id \
         WHERE r.status = 'awaiting_call' AND r.duplicate_of IS NULL ORDER BY c.due_on, r.id",
    )
    .fetch_all(&preload::connect(&url).await?)
    .await?;
    let open: Arc<Vec<Uuid>> = Arc::new(
        open.iter()
            .map(|(id,)| Uuid::parse_str(id))
            .collect::<Result<_, _>>()?,
    );
    let mut staff = Vec::new();
    for n in 0..bench.caseworkers {
        let member = store
            .add_user(
                &format!("bench-caller-{n}"),
                Role::Caseworker,
                "bench password 1".into(),
            )
            .await?;
        staff.push(member.id);
    }
    let settings = StaffSettings::default();
    let claimed: Arc<Mutex<HashMap<Uuid, Vec<Uuid>>>> = Arc::default();
    let refused = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for member in staff {
        let (store, open, claimed, refused, settings) = (
            store.clone(),
            open.clone(),
            claimed.clone(),
            refused.clone(),
            settings.clone(),
        );
        tasks.push(tokio::spawn(async move {
            // Each goes down the queue from the top, claiming what it can,
            // until it has its share.
            let mut mine = 0;
            for id in open.iter() {
                if mine == 200 {
                    break;
                }
                match store
                    .claim(*id, member, &settings, OffsetDateTime::now_utc())
                    .await?
                {
                    Claim::Claimed { .. } => {
                        claimed
                            .lock()
                            .expect("not poisoned")
                            .entry(*id)
                            .or_default()
                            .push(member);
                        mine += 1;
                    }
                    Claim::HeldBy(_) | Claim::NotOpen => {
                        refused.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
            anyhow::Ok(())
        }));
    }
    for task in tasks {
        task.await??;
    }
    let elapsed = started.elapsed();
    let claimed = claimed.lock().expect("not poisoned").clone();
    let doubly = claimed.values().filter(|holders| holders.len() > 1).count();
    let attempts = claimed.values().map(Vec::len).sum::<usize>()
        + refused.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "callback queue: {} caseworkers claiming from the top at once: {:.0} claims/s \
         ({} claimed, {} refused as already held, {} claimed by two)",
        bench.caseworkers,
        attempts as f64 / elapsed.as_secs_f64(),
        claimed.len(),
        refused.load(std::sync::atomic::Ordering::Relaxed),
        doubly
    );
    store.close().await;
    intake_service::store::drop_schema(&bench.database, &schema).await?;
    Ok(())
}

async fn fresh_schema(server: &str) -> anyhow::Result<(String, String)> {
    let schema = format!("bench_{}", Uuid::new_v4().simple());
    let url = intake_service::store::create_schema(server, &schema).await?;
    Ok((url, schema))
}

/// Jobs as the import enqueues them, all due now: one per file of a batch.
async fn enqueue(url: &str, jobs: usize) -> anyhow::Result<()> {
    let pool = preload::connect(url).await?;
    let now = intake_service::store::timestamp(OffsetDateTime::now_utc());
    let batch = Uuid::new_v4().to_string();
    let sha = format!("{:064x}", 0);
    let mut tx = pool.begin().await?;
    sqlx::query(
        "INSERT INTO scan_batches (id, office, received_on, scanned_by, entry, created_at) \
         VALUES ($1, 'vaasa', '2026-12-07', 'bench', 'import', $2)",
    )
    .bind(&batch)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO scan_originals (sha256, size, path, created_at) VALUES ($1, 1, 'bench', $2)",
    )
    .bind(&sha)
    .bind(&now)
    .execute(&mut *tx)
    .await?;
    let files: Vec<String> = (0..jobs).map(|_| Uuid::new_v4().to_string()).collect();
    for chunk in files.chunks(5_000) {
        let list = |row: &dyn Fn(usize) -> String| {
            (1..=chunk.len()).map(row).collect::<Vec<_>>().join(", ")
        };
        // The shared values go last: batch, original, time.
        let (b, o, t) = (chunk.len() + 1, chunk.len() + 2, chunk.len() + 3);
        let files_sql = format!(
            "INSERT INTO scan_files (id, batch_id, name, sha256, state, created_at, updated_at) VALUES {}",
            list(&|n| format!("(${n}, ${b}, 'bench.pdf', ${o}, 'queued', ${t}, ${t})"))
        );
        let jobs_sql = format!(
            "INSERT INTO jobs (id, kind, file_id, state, attempts, run_after, created_at, updated_at) \
             VALUES {}",
            // Job ids, then the time, then the files.
            list(&|n| format!(
                "(${n}, 'read_file', ${}, 'queued', 0, ${b}, ${b}, ${b})",
                n + b
            ))
        );
        let mut query = sqlx::query(&files_sql);
        for file in chunk {
            query = query.bind(file);
        }
        query
            .bind(&batch)
            .bind(&sha)
            .bind(&now)
            .execute(&mut *tx)
            .await
            .context("adding files")?;
        let mut query = sqlx::query(&jobs_sql);
        for _ in chunk {
            query = query.bind(Uuid::new_v4().to_string());
        }
        query = query.bind(&now);
        for file in chunk {
            query = query.bind(file);
        }
        query.execute(&mut *tx).await.context("enqueueing")?;
    }
    tx.commit().await?;
    pool.close().await;
    Ok(())
}
