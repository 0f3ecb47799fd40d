//! The reading child: `intake` started again by a worker to read files
//! (the hidden `read-file` command), one at a time, as long as the worker
//! keeps it (starting Tesseract anew for every file would cost a third of
//! the throughput). It limits its own address space before it opens a
//! file, and its CPU time for each, so whatever a file does to a decoder
//! or to Tesseract costs this process only; the worker starts another. It
//! answers on its standard output (see `wire`); its standard error is the
//! parent's.

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

/// Test hook, honoured here only: a child whose file's name contains this
/// variable's value reads nothing once the file is open, as a long reading
/// would, until it is killed or its parent is gone.
pub const TEST_HOLD_ON: &str = "INTAKE_TEST_HOLD_ON";

/// The request is a path and some numbers; more is not a request.
const MAX_REQUEST_BYTES: u64 = 16 * 1024 * 1024;

/// Reads the files asked for on standard input, one after another, until
/// it closes. Exit status 0: every file asked for was answered; 2: the
/// child could not start (bad request, no form definitions); anything else
/// (a signal among them) is a crash.
pub fn run() -> ExitCode {
    match serve() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("intake read-file: {error}");
            ExitCode::from(2)
        }
    }
}

fn serve() -> Result<(), String> {
    let mut input = std::io::stdin().lock();
    let mut out = BufWriter::with_capacity(1 << 20, std::io::stdout().lock());
    // Set up by the first request: its limits and forms hold for the rest.
    let mut catalogue = None;
    while let Some(request) = next_request(&mut input)? {
        let catalogue = match &catalogue {
            Some(catalogue) => catalogue,
            None => {
                limit_memory(request.memory_bytes)?;
                let loaded = FormCatalogue::load(request.forms_dir.as_deref())
                    .map_err(|e| format!("loading the form definitions: {e}"))?;
                catalogue.insert(loaded)
            }
        };
        read(&request, catalogue, &mut out)?;
    }
    intake_paper::capture::extract::release_engines();
    Ok(())
}

/// The next request (a `u32` length and JSON), or `None` when the parent
/// has closed standard input.
fn next_request(input: &mut impl Read) -> Result<Option<ReadRequest>, String> {
    let mut length = [0u8; 4];
    match input.read_exact(&mut length) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(format!("reading a request: {e}")),
    }
    let length = u64::from(u32::from_le_bytes(length));
    if length > MAX_REQUEST_BYTES {
        return Err(format!("a request of {length} bytes"));
    }
    let mut json = vec![0u8; length as usize];
    input
        .read_exact(&mut json)
        .map_err(|e| format!("reading a request: {e}"))?;
    serde_json::from_slice(&json)
        .map(Some)
        .map_err(|e| format!("the request: {e}"))
}

fn read(
    request: &ReadRequest,
    catalogue: &FormCatalogue,
    out: &mut impl Write,
) -> Result<(), String> {
    // CPU time counts over the child's life: each file gets its own budget
    // on top of what the files before it used.
    let used = cpu_seconds_used();
    limit_cpu(used.saturating_add(request.cpu_seconds))?;
    let options = ReadOptions {
        limits: DecodeLimits {
            max_pixels: request.max_pixels,
            max_file_bytes: request.max_file_bytes,
        },
        page_timeout: request
            .page_timeout_seconds
            .map(std::time::Duration::from_secs),
    };
    // A write that fails means the parent is gone (killed, or it killed
    // this reading): there is no one to read for.
    let sent = |result: std::io::Result<()>| {
        if result.is_err() {
            std::process::exit(1);
        }
    };
    let opened = match open_file(&request.path, catalogue, &options) {
        Ok(opened) => opened,
        Err(reason) => {
            sent(wire::write_message(out, &Message::Unreadable { reason }));
            return Ok(());
        }
    };
    let pages = opened.page_count();
    sent(wire::write_message(out, &Message::Opened { pages }));
    if test_hook_names(TEST_ABORT_ON, &request.name) {
        std::process::abort();
    }
    if test_hook_names(TEST_HOLD_ON, &request.name) {
        hold_while_the_parent_lives();
    }

    let skip: HashSet<u32> = request.skip.iter().copied().collect();
    let to_read = (1..=pages).filter(|p| !skip.contains(p)).count() as u64;
    limit_cpu(
        used.saturating_add(request.cpu_seconds)
            .saturating_add(request.cpu_seconds_per_page.saturating_mul(to_read)),
    )?;
    opened.read(
        |page| skip.contains(&page),
        |page| sent(wire::write_page(out, page)),
    );
    let peak_rss_kb = getrusage(UsageWho::RUSAGE_SELF)
        .map(|usage| usage.max_rss().max(0) as u64)
        .unwrap_or(0);
    sent(wire::write_message(out, &Message::Finished { peak_rss_kb }));
    Ok(())
}

/// Whether the test hook `variable` is set and the file's name holds it.
fn test_hook_names(variable: &str, name: &str) -> bool {
    std::env::var_os(variable)
        .is_some_and(|marker| !marker.is_empty() && name.contains(&*marker.to_string_lossy()))
}

/// Sleeps until the parent is gone (then this child is another's), so that
/// a held child never outlives the worker that started it.
fn hold_while_the_parent_lives() -> ! {
    let parent = std::os::unix::process::parent_id();
    while std::os::unix::process::parent_id() == parent {
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    std::process::exit(1);
}

fn cpu_seconds_used() -> u64 {
    getrusage(UsageWho::RUSAGE_SELF).map_or(0, |usage| {
        (usage.user_time().tv_sec() + usage.system_time().tv_sec()).max(0) as u64 + 1
    })
}

/// Soft and hard at `bytes` (never above what this process may already
/// use): an allocation past it fails, and the process aborts.
fn limit_memory(bytes: u64) -> Result<(), String> {
    let (_, hard) = getrlimit(Resource::RLIMIT_AS).map_err(|e| e.to_string())?;
    let limit = bytes.min(hard);
    setrlimit(Resource::RLIMIT_AS, limit, limit)
        .map_err(|e| format!("limiting the address space: {e}"))
}

/// SIGXCPU (which ends the process) after `seconds` of CPU time in all.
/// The hard limit stays where it was, so that the next file's soft limit
/// can be higher.
fn limit_cpu(seconds: u64) -> Result<(), String> {
    let (_, hard) = getrlimit(Resource::RLIMIT_CPU).map_err(|e| e.to_string())?;
    let soft = seconds.max(1).min(hard);
    setrlimit(Resource::RLIMIT_CPU, soft, hard).map_err(|e| format!("limiting CPU time: {e}"))
}
