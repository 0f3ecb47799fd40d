//! The reading child: `intake` started again by a worker to read one file
//! (the hidden `read-file` command). It limits its own address space and
//! CPU time before it opens the file, so whatever the file does to a
//! decoder or to Tesseract costs this process only. It answers on its
//! standard output (see `wire`); its standard error is the parent's.

use std::collections::HashSet;
use std::io::{BufWriter, Read, Write};
use std::process::ExitCode;

use nix::sys::resource::{Resource, UsageWho, getrlimit, getrusage, setrlimit};

use super::wire::{self, Message, ReadRequest};
use intake_paper::capture::decode::DecodeLimits;
use intake_paper::capture::extract::{FormCatalogue, ReadOptions, open_file};

/// Test hook, honoured here only: a child whose file's name contains this
/// variable's value aborts once the file is open, as a decoder or
/// Tesseract bug would.
pub const TEST_ABORT_ON: &str = "INTAKE_TEST_ABORT_ON";

/// The request is a path and some numbers; more is not a request.
const MAX_REQUEST_BYTES: u64 = 16 * 1024 * 1024;

/// Seconds between the CPU soft limit (SIGXCPU) and the hard one (SIGKILL).
const CPU_GRACE_SECONDS: u64 = 5;

/// Reads the file named on standard input. Exit status 0: every page, or
/// the reason the file cannot be read, was written out; 2: the child could
/// not start (bad request, no form definitions); anything else (a signal
/// among them) is a crash.
pub fn run() -> ExitCode {
    match read() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("intake read-file: {error}");
            ExitCode::from(2)
        }
    }
}

fn read() -> Result<(), String> {
    let mut input = Vec::new();
    std::io::stdin()
        .take(MAX_REQUEST_BYTES)
        .read_to_end(&mut input)
        .map_err(|e| format!("reading the request: {e}"))?;
    let request: ReadRequest =
        serde_json::from_slice(&input).map_err(|e| format!("the request: {e}"))?;
    limit_memory(request.memory_bytes)?;
    // To open the file; raised by its pages once they are known.
    limit_cpu(request.cpu_seconds, false)?;

    let catalogue = FormCatalogue::load(&request.forms_dir)
        .map_err(|e| format!("loading the form definitions: {e}"))?;
    let options = ReadOptions {
        limits: DecodeLimits {
            max_pixels: request.max_pixels,
            max_file_bytes: request.max_file_bytes,
        },
        page_timeout: request
            .page_timeout_seconds
            .map(std::time::Duration::from_secs),
    };
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    // From here on a write that fails means the parent is gone (killed, or
    // it killed this reading): there is no one to read for.
    let sent = |result: std::io::Result<()>| {
        if result.is_err() {
            std::process::exit(1);
        }
    };
    let opened = match open_file(&request.path, &catalogue, &options) {
        Ok(opened) => opened,
        Err(reason) => {
            sent(wire::write_message(
                &mut out,
                &Message::Unreadable { reason },
            ));
            return Ok(());
        }
    };
    let pages = opened.page_count();
    sent(wire::write_message(&mut out, &Message::Opened { pages }));
    if let Some(marker) = std::env::var_os(TEST_ABORT_ON)
        && !marker.is_empty()
        && request.name.contains(&*marker.to_string_lossy())
    {
        std::process::abort();
    }

    let skip: HashSet<u32> = request.skip.iter().copied().collect();
    let to_read = (1..=pages).filter(|p| !skip.contains(p)).count() as u64;
    limit_cpu(
        request
            .cpu_seconds
            .saturating_add(request.cpu_seconds_per_page.saturating_mul(to_read)),
        true,
    )?;
    opened.read(
        |page| skip.contains(&page),
        |page| sent(wire::write_page(&mut out, page)),
    );
    let peak_rss_kb = getrusage(UsageWho::RUSAGE_SELF)
        .map(|usage| usage.max_rss().max(0) as u64)
        .unwrap_or(0);
    sent(wire::write_message(
        &mut out,
        &Message::Finished { peak_rss_kb },
    ));
    sent(out.flush());
    Ok(())
}

/// Soft and hard at `bytes` (never above what this process may already
/// use): an allocation past it fails, and the process aborts.
fn limit_memory(bytes: u64) -> Result<(), String> {
    let (_, hard) = getrlimit(Resource::RLIMIT_AS).map_err(|e| e.to_string())?;
    let limit = bytes.min(hard);
    setrlimit(Resource::RLIMIT_AS, limit, limit)
        .map_err(|e| format!("limiting the address space: {e}"))
}

/// SIGXCPU after `seconds` of CPU time in all. The hard limit (SIGKILL a
/// little later) is set only with the `last` limit: until then the soft
/// one may still be raised.
fn limit_cpu(seconds: u64, last: bool) -> Result<(), String> {
    let (_, hard) = getrlimit(Resource::RLIMIT_CPU).map_err(|e| e.to_string())?;
    let soft = seconds.max(1).min(hard);
    let hard = if last {
        hard.min(soft.saturating_add(CPU_GRACE_SECONDS))
    } else {
        hard
    };
    setrlimit(Resource::RLIMIT_CPU, soft, hard).map_err(|e| format!("limiting CPU time: {e}"))
}
