//! The worker's side of a reading child: starts `intake read-file` (or
//! takes one that finished its last file well), asks it for a file, hands
//! on the pages it sends, and kills it when its time is up, when it sends
//! something malformed, or when nobody listens any more. Whatever happens
//! to the child, the worker learns it as a `ReadEnd`.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::wire::{self, Message, ReadRequest, Received};
use super::{FileToRead, MALLOC_TUNABLES, READ_FILE_COMMAND, ReadEnd, ReadEvent, ReadingChild};
use intake_paper::capture::extract::ReadOptions;

/// A child between two files.
pub(super) struct Idle {
    process: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    threads: u64,
    /// When it finished its last file (or started).
    pub(super) since: Instant,
}

impl Idle {
    /// Its input closed, it ends; reaped.
    pub(super) async fn close(self) {
        let Idle {
            mut process, stdin, ..
        } = self;
        drop(stdin);
        if tokio::time::timeout(Duration::from_secs(10), process.wait())
            .await
            .is_err()
        {
            kill(&mut process).await;
        }
    }
}

fn spawn(child: &ReadingChild, threads: u64) -> std::io::Result<Idle> {
    let mut command = Command::new(&child.program);
    command
        .arg(READ_FILE_COMMAND)
        // One Tesseract thread per page thread, and as many page threads as
        // this child's share of the cores.
        .env("OMP_THREAD_LIMIT", "1")
        .env("RAYON_NUM_THREADS", threads.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true);
    if std::env::var_os("GLIBC_TUNABLES").is_none() {
        command.env("GLIBC_TUNABLES", MALLOC_TUNABLES);
    }
    let mut process = command.spawn()?;
    let (Some(stdin), Some(stdout)) = (process.stdin.take(), process.stdout.take()) else {
        return Err(std::io::Error::other("the reading child has no pipes"));
    };
    Ok(Idle {
        process,
        stdin,
        stdout: BufReader::with_capacity(1 << 20, stdout),
        threads,
        since: Instant::now(),
    })
}

pub(super) async fn read_in_child(
    child: &ReadingChild,
    file: FileToRead,
    options: &ReadOptions,
    threads: usize,
    events: mpsc::Sender<ReadEvent>,
) -> ReadEnd {
    let threads = threads.max(1) as u64;
    let request = ReadRequest {
        path: file.path,
        name: file.name,
        forms_dir: child.forms_dir.clone(),
        skip: file.skip.iter().copied().collect(),
        max_pixels: options.limits.max_pixels,
        max_file_bytes: options.limits.max_file_bytes,
        page_timeout_seconds: options.page_timeout.map(|t| t.as_secs()),
        memory_bytes: child.memory_bytes,
        cpu_seconds: child.seconds.saturating_mul(threads),
        cpu_seconds_per_page: child.seconds_per_page.saturating_mul(threads),
    };
    let kept = {
        let mut idle = child.idle.lock().expect("the idle children");
        let found = idle.iter().position(|c| c.threads == threads);
        found.map(|at| idle.swap_remove(at))
    };
    let mut reading = match kept {
        Some(kept) => kept,
        None => match spawn(child, threads) {
            Ok(spawned) => spawned,
            Err(error) => {
                return ReadEnd::Failed(format!(
                    "starting the reading child {}: {error}",
                    child.program.display()
                ));
            }
        },
    };
    let json = serde_json::to_vec(&request).expect("a request serialises");
    let length = (json.len() as u32).to_le_bytes();
    // A child that is gone already shows when its answer is read.
    let _ = async {
        reading.stdin.write_all(&length).await?;
        reading.stdin.write_all(&json).await?;
        reading.stdin.flush().await
    }
    .await;

    let started = Instant::now();
    let mut allowed = Duration::from_secs(child.seconds);
    let ended = loop {
        let next = tokio::time::timeout_at(
            started + allowed,
            wire::read_message(&mut reading.stdout, options.limits.max_pixels),
        )
        .await;
        let received = match next {
            Err(_) => {
                let what = format!(
                    "the reading took longer than {} s and was stopped",
                    allowed.as_secs()
                );
                kill(&mut reading.process).await;
                return ReadEnd::Crashed(what);
            }
            Ok(Err(error)) => {
                kill(&mut reading.process).await;
                return ReadEnd::Crashed(format!(
                    "the reading child sent something wrong ({error})"
                ));
            }
            // The child ended before it answered: its exit says how.
            Ok(Ok(None)) => break None,
            Ok(Ok(Some(received))) => received,
        };
        let event = match received {
            Received::Page(page) => ReadEvent::Page(page),
            Received::Message(Message::Opened { pages }) => {
                let to_read = (1..=pages).filter(|p| !request.skip.contains(p)).count();
                allowed = Duration::from_secs(
                    child
                        .seconds
                        .saturating_add(child.seconds_per_page.saturating_mul(to_read as u64)),
                );
                ReadEvent::Opened(pages)
            }
            Received::Message(Message::Unreadable { reason }) => {
                break Some(ReadEnd::Unreadable(reason));
            }
            Received::Message(Message::Finished { peak_rss_kb }) => {
                tracing::debug!(
                    peak_mb = peak_rss_kb / 1024,
                    "a reading child finished a file"
                );
                break Some(ReadEnd::Read);
            }
            Received::Message(Message::Page { .. }) => {
                unreachable!("read_message turns page messages into pages")
            }
        };
        if events.send(event).await.is_err() {
            kill(&mut reading.process).await;
            return ReadEnd::Failed("the reading was stopped".into());
        }
    };
    if let Some(end) = ended {
        // Answered in full: kept for the next file.
        reading.since = Instant::now();
        child.idle.lock().expect("the idle children").push(reading);
        return end;
    }
    let status = match tokio::time::timeout_at(started + allowed, reading.process.wait()).await {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => {
            return ReadEnd::Failed(format!("waiting for the reading child: {error}"));
        }
        Err(_) => {
            kill(&mut reading.process).await;
            return ReadEnd::Crashed("the reading child did not end".into());
        }
    };
    if status.code() == Some(2) {
        ReadEnd::Failed("the reading child could not start (its message is in the log)".into())
    } else {
        ReadEnd::Crashed(describe(status))
    }
}

/// SIGKILL, and reaped.
async fn kill(process: &mut Child) {
    let _ = process.start_kill();
    let _ = process.wait().await;
}

/// How a child ended before it was done, in words for the log.
fn describe(status: ExitStatus) -> String {
    use std::os::unix::process::ExitStatusExt;
    match (status.signal(), status.code()) {
        (Some(6), _) => "the reading child aborted (SIGABRT; out of memory, or a bug)".into(),
        (Some(9), _) => "the reading child was killed (SIGKILL)".into(),
        (Some(11), _) => "the reading child crashed (SIGSEGV)".into(),
        (Some(24), _) => "the reading child used up its CPU time (SIGXCPU)".into(),
        (Some(signal), _) => format!("the reading child was ended by signal {signal}"),
        (None, Some(0)) => "the reading child ended without finishing".into(),
        (None, Some(code)) => format!("the reading child exited with status {code}"),
        (None, None) => "the reading child ended".into(),
    }
}
