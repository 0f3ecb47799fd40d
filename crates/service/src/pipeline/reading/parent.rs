//! The worker's side of a reading child: starts `intake read-file`, hands
//! on the pages it sends, and kills it when its time is up, when it sends
//! something malformed, or when nobody listens any more. Whatever happens
//! to the child, the worker learns it as a `ReadEnd`.

use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::wire::{self, Message, ReadRequest, Received};
use super::{FileToRead, MALLOC_TUNABLES, READ_FILE_COMMAND, ReadEnd, ReadEvent, ReadingChild};
use intake_paper::capture::extract::ReadOptions;

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
    let mut process = match command.spawn() {
        Ok(process) => process,
        Err(error) => {
            return ReadEnd::Failed(format!(
                "starting the reading child {}: {error}",
                child.program.display()
            ));
        }
    };
    if let Some(mut stdin) = process.stdin.take() {
        let json = serde_json::to_vec(&request).expect("a request serialises");
        // A child that is gone already shows in its exit status below.
        let _ = stdin.write_all(&json).await;
    }
    let Some(stdout) = process.stdout.take() else {
        return ReadEnd::Failed("the reading child has no output".into());
    };
    let mut stdout = BufReader::with_capacity(1 << 20, stdout);

    let started = Instant::now();
    let mut allowed = Duration::from_secs(child.seconds);
    let mut ended = None;
    loop {
        let next = tokio::time::timeout_at(
            started + allowed,
            wire::read_message(&mut stdout, options.limits.max_pixels),
        )
        .await;
        let received = match next {
            Err(_) => {
                let what = format!(
                    "the reading took longer than {} s and was stopped",
                    allowed.as_secs()
                );
                kill(&mut process).await;
                return ReadEnd::Crashed(what);
            }
            Ok(Err(error)) => {
                kill(&mut process).await;
                return ReadEnd::Crashed(format!(
                    "the reading child sent something wrong ({error})"
                ));
            }
            Ok(Ok(None)) => break,
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
                ended = Some(ReadEnd::Unreadable(reason));
                continue;
            }
            Received::Message(Message::Finished { peak_rss_kb }) => {
                tracing::debug!(
                    peak_mb = peak_rss_kb / 1024,
                    "a reading child finished its file"
                );
                ended = Some(ReadEnd::Read);
                continue;
            }
            Received::Message(Message::Page { .. }) => {
                unreachable!("read_message turns page messages into pages")
            }
        };
        if events.send(event).await.is_err() {
            kill(&mut process).await;
            return ReadEnd::Failed("the reading was stopped".into());
        }
    }
    // The child closed its output: it is ending. Its exit says how.
    let status = match tokio::time::timeout_at(started + allowed, process.wait()).await {
        Ok(Ok(status)) => status,
        Ok(Err(error)) => {
            return ReadEnd::Failed(format!("waiting for the reading child: {error}"));
        }
        Err(_) => {
            kill(&mut process).await;
            return ReadEnd::Crashed("the reading child did not end".into());
        }
    };
    match ended {
        Some(end) if status.success() => end,
        _ if status.code() == Some(2) => {
            ReadEnd::Failed("the reading child could not start (its message is in the log)".into())
        }
        _ => ReadEnd::Crashed(describe(status)),
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
