//! The worker: claims file jobs from the database queue and reads them page
//! by page, recording each page as it is done. Several files are read at
//! once, each by the pipeline's reader (in the service, a child process
//! with limits); together they use one thread per core, so Tesseract is
//! never oversubscribed. A worker or reading child that dies costs an
//! attempt; the pages recorded are not read again.

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use uuid::Uuid;

use super::Pipeline;
use super::reading::{FileToRead, ReadEnd, ReadEvent};
use super::sheet::merge_page;
use crate::store::{
    ClaimedJob, FileState, FormPage, MAX_ATTEMPTS, ReadBy, ScanBatch, ScanFile, StoreError,
    crashed_reason,
};
use intake_paper::capture::extract::{PageOutcome, PageRead};

#[derive(Debug, Clone)]
pub struct WorkerOptions {
    /// Names this worker in leases and page records.
    pub id: String,
    pub lease: Duration,
    /// Files read at once.
    pub files_at_once: usize,
    /// How often an idle worker looks for work.
    pub poll: Duration,
    /// The first retry of a failed reading waits this long, each next one
    /// four times longer (at most ten minutes).
    pub first_retry: Duration,
}

impl WorkerOptions {
    pub fn new(lease: Duration, files_at_once: usize) -> WorkerOptions {
        let host = std::fs::read_to_string("/etc/hostname")
            .map(|h| h.trim().to_string())
            .unwrap_or_else(|_| "host".into());
        WorkerOptions {
            id: format!(
                "{host}:{}:{}",
                std::process::id(),
                &Uuid::new_v4().to_string()[..8]
            ),
            lease,
            files_at_once: files_at_once.max(1),
            poll: Duration::from_millis(500),
            first_retry: Duration::from_secs(5),
        }
    }

    /// Pages a reading child reads at once: its share of the cores.
    pub fn threads_per_file(&self) -> usize {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (cores / self.files_at_once).max(1)
    }
}

/// When a worker stops.
pub enum Until {
    /// When told to (serve, worker): a running file is left to its lease.
    Stopped(watch::Receiver<bool>),
    /// When no job of this batch is queued or running any more (import).
    BatchDone(Uuid),
}

/// Why reading a file stopped short.
#[derive(Debug)]
enum JobError {
    /// Another worker holds the job now: leave it alone.
    LeaseLost,
    /// A failure that may pass (the database went away): try again later.
    Passing(String),
    /// The reading died or ran out of time: tried again until the attempts
    /// are used up, then the file is quarantined.
    Crashed(String),
}

impl From<StoreError> for JobError {
    fn from(error: StoreError) -> JobError {
        JobError::Passing(error.to_string())
    }
}

pub async fn run(pipeline: Pipeline, options: WorkerOptions, until: Until) {
    let heartbeat = tokio::spawn(beat(pipeline.clone(), options.clone()));
    let mut running: JoinSet<()> = JoinSet::new();
    let mut stop = match &until {
        Until::Stopped(stop) => Some(stop.clone()),
        Until::BatchDone(_) => None,
    };
    while !stop.as_ref().is_some_and(|s| *s.borrow()) {
        while running.len() < options.files_at_once {
            match pipeline.store.claim_job(&options.id, options.lease).await {
                Ok(Some(job)) => {
                    running.spawn(process(pipeline.clone(), options.clone(), job));
                }
                Ok(None) => break,
                Err(error) => {
                    tracing::warn!(%error, "claiming a job failed");
                    break;
                }
            }
        }
        pipeline.reader.close_long_idle().await;
        if let Until::BatchDone(batch) = &until
            && running.is_empty()
        {
            match pipeline.store.open_jobs_of_batch(*batch).await {
                Ok(0) => break,
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "counting the batch's jobs failed"),
            }
        }
        // `true` when told to stop, or when whoever could tell has gone.
        let stopped = async {
            match &mut stop {
                Some(stop) => stop.changed().await.is_err() || *stop.borrow(),
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            Some(_) = running.join_next(), if !running.is_empty() => {}
            () = tokio::time::sleep(options.poll) => {}
            true = stopped => break,
        }
    }
    // Told to stop: what is running is dropped (its page reader stops after
    // the page in hand) and its job handed back at once, to be claimed
    // again skipping the pages already recorded. Should handing back fail,
    // the lease runs out instead.
    running.abort_all();
    while running.join_next().await.is_some() {}
    heartbeat.abort();
    match pipeline.store.release_leases(&options.id).await {
        Ok(0) => {}
        Ok(released) => tracing::info!(released, "stopping: running jobs handed back"),
        Err(error) => tracing::warn!(%error, "stopping: handing back jobs failed"),
    }
    if let Err(error) = pipeline.store.worker_stopped(&options.id).await {
        tracing::warn!(%error, "stopping: removing the heartbeat failed");
    }
}

/// How often a worker says it is alive, for `/readyz`.
pub const HEARTBEAT_EVERY: Duration = Duration::from_secs(15);

async fn beat(pipeline: Pipeline, options: WorkerOptions) {
    let mut every = tokio::time::interval(HEARTBEAT_EVERY);
    loop {
        every.tick().await;
        if let Err(error) = pipeline.store.worker_heartbeat(&options.id).await {
            tracing::warn!(%error, "writing the worker heartbeat failed");
        }
    }
}

/// Sets its flag when dropped: a reading whose task is aborted stops its
/// page reader too.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

async fn process(pipeline: Pipeline, options: WorkerOptions, job: ClaimedJob) {
    let store = pipeline.store.clone();
    let outcome = read_file(&pipeline, &options, &job).await;
    let last = job.attempts >= MAX_ATTEMPTS;
    let ended = match outcome {
        Ok(()) => store.complete_job(job.id, &options.id).await,
        Err(JobError::LeaseLost) => Ok(false),
        Err(JobError::Passing(error) | JobError::Crashed(error)) if !last => {
            tracing::warn!(job = %job.id, attempt = job.attempts, %error, "reading a file failed; it will be tried again");
            let after = backoff(options.first_retry, job.attempts);
            store.retry_job(job.id, &options.id, &error, after).await
        }
        Err(failure) => {
            let (error, reason) = match failure {
                JobError::Crashed(error) => (error, crashed_reason(job.attempts)),
                JobError::Passing(error) => {
                    let reason =
                        format!("reading stopped after {} attempts: {error}", job.attempts);
                    (error, reason)
                }
                JobError::LeaseLost => unreachable!("handled above"),
            };
            tracing::error!(job = %job.id, %error, "reading a file failed for the last time");
            match store
                .finish_file(job.file_id, FileState::Quarantined, Some(&reason))
                .await
            {
                Ok(()) => store.bury_job(job.id, &options.id, &error).await,
                Err(e) => Err(e),
            }
        }
    };
    if let Err(error) = ended {
        // The lease runs out and the job is claimed again.
        tracing::warn!(job = %job.id, %error, "ending a job failed");
    }
}

/// `first`, then four times longer each time, up to 10 minutes.
fn backoff(first: Duration, attempts: u32) -> Duration {
    let factor = 4u32.saturating_pow(attempts.saturating_sub(1));
    first.saturating_mul(factor).min(Duration::from_secs(600))
}

async fn read_file(
    pipeline: &Pipeline,
    options: &WorkerOptions,
    job: &ClaimedJob,
) -> Result<(), JobError> {
    let store = &pipeline.store;
    let file = store
        .scan_file(job.file_id)
        .await?
        .ok_or_else(|| JobError::Passing(format!("file {} is not in the database", job.file_id)))?;
    let batch = store.batch(file.batch_id).await?.ok_or_else(|| {
        JobError::Passing(format!("batch {} is not in the database", file.batch_id))
    })?;
    let recorded: HashSet<u32> = store.recorded_pages(file.id).await?.into_iter().collect();
    // Stops the reader (it skips the rest) when the lease is lost or
    // recording fails.
    let give_up = Arc::new(AtomicBool::new(false));
    let _stop_reader = StopOnDrop(give_up.clone());
    let mut heartbeat = tokio::spawn(renew_lease(
        pipeline.clone(),
        options.clone(),
        job.id,
        give_up.clone(),
    ));
    // In the database store, a temporary copy for the reading child (made
    // while the lease is renewed); it goes when this returns.
    let original = match pipeline.blobs.local_copy(&file.path).await {
        Ok(copy) => copy,
        Err(error) => {
            heartbeat.abort();
            if error.kind() != std::io::ErrorKind::NotFound {
                return Err(JobError::Passing(format!(
                    "reading the original failed: {error}"
                )));
            }
            store
                .finish_file(file.id, FileState::Quarantined, Some(&error.to_string()))
                .await?;
            return Ok(());
        }
    };

    let (events, mut read) = mpsc::channel::<ReadEvent>(8);
    let to_read = FileToRead {
        path: original.path().to_path_buf(),
        name: file.name.clone(),
        skip: recorded,
    };
    // Only here, in the worker, is a file parsed: what cannot be opened is
    // quarantined below with the reason.
    let mut reading = {
        let pipeline = pipeline.clone();
        let stop = give_up.clone();
        let threads = options.threads_per_file();
        AbortOnDrop(tokio::spawn(async move {
            let Pipeline {
                reader,
                catalogue,
                options,
                ..
            } = &pipeline;
            reader
                .read(to_read, catalogue, options, threads, events, stop)
                .await
        }))
    };

    let mut failure = None;
    let mut lost = false;
    loop {
        let event = tokio::select! {
            event = read.recv() => event,
            // Returns only when the lease is lost.
            _ = &mut heartbeat => {
                lost = true;
                None
            }
        };
        let Some(event) = event else { break };
        let recorded = match event {
            ReadEvent::Opened(pages) => store.set_page_count(file.id, pages).await,
            ReadEvent::Page(page) => record_page(pipeline, options, &file, &batch, page).await,
        };
        if let Err(error) = recorded {
            failure = Some(error);
            break;
        }
    }
    drop(read);
    if lost || failure.is_some() {
        // A reading child still at it is killed (dropped with its task); a
        // reading in this process skips what is left.
        give_up.store(true, Ordering::Relaxed);
        reading.0.abort();
    }
    let ended = (&mut reading.0).await;
    let lost = lost || heartbeat.is_finished();
    heartbeat.abort();
    if lost {
        return Err(JobError::LeaseLost);
    }
    if let Some(error) = failure {
        return Err(error.into());
    }
    match ended.unwrap_or_else(|e| ReadEnd::Failed(format!("the reading stopped: {e}"))) {
        ReadEnd::Read => store.finish_file(file.id, FileState::Done, None).await?,
        // Only its first bytes were checked when it was handed in.
        ReadEnd::Unreadable(reason) => {
            store
                .finish_file(file.id, FileState::Quarantined, Some(&reason))
                .await?
        }
        ReadEnd::Crashed(what) => return Err(JobError::Crashed(what)),
        ReadEnd::Failed(what) => return Err(JobError::Passing(what)),
    }
    Ok(())
}

/// The reading of a file stops with the job that waits for it (a worker
/// told to stop drops its jobs): its child, if any, is killed.
struct AbortOnDrop<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Renews the lease every third of it. Returns (and sets `lost`) only when
/// the lease is no longer this worker's.
async fn renew_lease(pipeline: Pipeline, options: WorkerOptions, job: Uuid, lost: Arc<AtomicBool>) {
    let mut every = tokio::time::interval(options.lease / 3);
    every.tick().await;
    loop {
        every.tick().await;
        match pipeline
            .store
            .renew_lease(job, &options.id, options.lease)
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                tracing::warn!(%job, "the lease was lost; another worker has the job");
                lost.store(true, Ordering::Relaxed);
                return;
            }
            // Perhaps passing: keep trying while the lease lasts.
            Err(error) => tracing::warn!(%job, %error, "renewing a lease failed"),
        }
    }
}

async fn record_page(
    pipeline: &Pipeline,
    options: &WorkerOptions,
    file: &ScanFile,
    batch: &ScanBatch,
    page: PageRead,
) -> Result<(), StoreError> {
    let store = &pipeline.store;
    // What its reading took on its thread; a page that was not read (a
    // digital form, text, an error) is no time sample.
    let by = ReadBy {
        worker: options.id.as_str(),
        took: (page.seconds > 0.0).then(|| Duration::from_secs_f64(page.seconds)),
    };
    let outcome = match page.outcome {
        Ok(outcome) => outcome,
        Err(reason) => {
            store
                .record_plain_page(file.id, page.number, Some(&reason), by)
                .await?;
            return Ok(());
        }
    };
    match outcome {
        PageOutcome::Blank => {
            store
                .record_plain_page(file.id, page.number, None, by)
                .await?;
        }
        PageOutcome::Other { text, image } => {
            let image_path = save_image(pipeline, file.id, page.number, image).await;
            store
                .record_other_page(file, batch, page.number, &text, image_path.as_deref(), by)
                .await?;
        }
        PageOutcome::Form {
            form,
            version,
            serial,
            form_page,
            fields,
            image,
        } => {
            let image_path = save_image(pipeline, file.id, page.number, image).await;
            let definition = pipeline.catalogue.definition(&form, version);
            let form_page_record = FormPage {
                file,
                batch,
                page: page.number,
                by,
                form: &form,
                version,
                serial: &serial,
                form_page,
                image_path,
            };
            store
                .record_form_page(form_page_record, |so_far| {
                    merge_page(so_far, &fields, definition, batch.received_on)
                })
                .await?;
        }
    }
    Ok(())
}

/// A page image for the staff pages. Losing one is not worth failing the
/// page for: the original is kept and the image can be made again.
async fn save_image(
    pipeline: &Pipeline,
    file: Uuid,
    page: u32,
    image: Option<image::GrayImage>,
) -> Option<String> {
    let image = image?;
    match pipeline.blobs.save_page_image(file, page, image).await {
        Ok(path) => Some(path),
        Err(error) => {
            tracing::warn!(%file, page, %error, "saving a page image failed");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_level_out() {
        let first = Duration::from_secs(5);
        assert_eq!(backoff(first, 1), Duration::from_secs(5));
        assert_eq!(backoff(first, 2), Duration::from_secs(20));
        assert_eq!(backoff(first, 3), Duration::from_secs(80));
        assert_eq!(backoff(first, 9), Duration::from_secs(600));
        assert_eq!(backoff(Duration::ZERO, 4), Duration::ZERO);
    }
}
