//! How a file's pages are read: in a child process with memory, CPU and
//! wall-clock limits (the service: a file that crashes or hangs a decoder
//! or Tesseract costs that file, not the service), or in this process (the
//! library's own tests and tools, which have no `intake` binary to start).

mod child;
mod parent;
mod wire;

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tokio::sync::mpsc;

use crate::config::Config;
use intake_paper::capture::extract::{FormCatalogue, PageRead, ReadOptions, open_file};

pub use child::{TEST_ABORT_ON, TEST_HOLD_ON, run as run_child};

/// The hidden command of `intake` that reads one file in a child process.
pub const READ_FILE_COMMAND: &str = "read-file";

/// glibc's allocator set to give large blocks (page images, PDF streams)
/// back to the system when they are freed, with few arenas: without it a
/// long batch holds on to memory it no longer uses. `intake` starts itself
/// with it, and gives it to its reading children.
pub const MALLOC_TUNABLES: &str = "glibc.malloc.mmap_threshold=131072:glibc.malloc.arena_max=2";

/// Where files are read.
#[derive(Debug, Clone)]
pub enum Reader {
    InProcess,
    Child(Arc<ReadingChild>),
}

/// `program read-file`, its limits, and the children between two files.
pub struct ReadingChild {
    /// The `intake` binary.
    pub program: PathBuf,
    pub forms_dir: Option<PathBuf>,
    /// Address space.
    pub memory_bytes: u64,
    /// Wall-clock time for a file: `seconds`, and `seconds_per_page` for
    /// each page to read. CPU time likewise, per reading thread.
    pub seconds: u64,
    pub seconds_per_page: u64,
    /// Children that finished their last file well, kept for the next.
    idle: std::sync::Mutex<Vec<parent::Idle>>,
}

impl std::fmt::Debug for ReadingChild {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadingChild")
            .field("program", &self.program)
            .field("memory_bytes", &self.memory_bytes)
            .field("seconds", &self.seconds)
            .field("seconds_per_page", &self.seconds_per_page)
            .finish_non_exhaustive()
    }
}

impl ReadingChild {
    /// The limits of the configuration's `scanning` section.
    pub fn new(program: PathBuf, config: &Config) -> ReadingChild {
        let scanning = &config.scanning;
        ReadingChild {
            program,
            forms_dir: config.forms_dir.clone(),
            memory_bytes: scanning.reading_memory_mb.max(64) * 1024 * 1024,
            seconds: scanning.reading_seconds.max(1),
            seconds_per_page: scanning.reading_seconds_per_page.max(1),
            idle: Default::default(),
        }
    }

    /// Lets the idle children end (their input closes) and waits for them.
    pub async fn close(&self) {
        self.close_idle(Duration::ZERO).await;
    }

    /// Lets the children end that have been idle for `longer_than` or
    /// more, and waits for them.
    pub async fn close_idle(&self, longer_than: Duration) {
        let ending: Vec<parent::Idle> = {
            let mut idle = self.idle.lock().expect("the idle children");
            let (ending, kept) = std::mem::take(&mut *idle)
                .into_iter()
                .partition(|child| child.since.elapsed() >= longer_than);
            *idle = kept;
            ending
        };
        for child in ending {
            child.close().await;
        }
    }

    /// Children kept between two files.
    pub fn idle_children(&self) -> usize {
        self.idle.lock().expect("the idle children").len()
    }
}

/// A stored file to read.
pub struct FileToRead {
    pub path: PathBuf,
    /// As handed in (the test hook of the child looks at it).
    pub name: String,
    /// Pages already recorded: not read again.
    pub skip: HashSet<u32>,
}

/// What the reader hands on as it goes, in this order.
pub enum ReadEvent {
    /// The file is open and has this many pages.
    Opened(u32),
    Page(PageRead),
}

/// How a reading ended.
#[derive(Debug, PartialEq, Eq)]
pub enum ReadEnd {
    /// Every page not skipped was handed on.
    Read,
    /// The file cannot be read at all, and why: it is quarantined.
    Unreadable(String),
    /// The reading died (signal, abort, a limit) or ran out of time: it
    /// counts as one attempt, and the pages handed on stay recorded.
    Crashed(String),
    /// Something that is not the file's fault (the child could not be
    /// started, the reading was stopped): tried again later.
    Failed(String),
}

impl Reader {
    /// Reads the file, handing on events while `events` is open. `threads`
    /// is how many pages a child reads at once (in this process, pages
    /// share one pool of one thread per core). `stop` tells the reading to
    /// skip what is left.
    pub async fn read(
        &self,
        file: FileToRead,
        catalogue: &FormCatalogue,
        options: &ReadOptions,
        threads: usize,
        events: mpsc::Sender<ReadEvent>,
        stop: Arc<AtomicBool>,
    ) -> ReadEnd {
        match self {
            Reader::InProcess => read_here(file, catalogue, options, events, stop).await,
            Reader::Child(child) => {
                parent::read_in_child(child, file, options, threads, events).await
            }
        }
    }
}

impl Reader {
    /// Lets idle reading children end, and waits for them.
    pub async fn close(&self) {
        if let Reader::Child(child) = self {
            child.close().await;
        }
    }

    /// Lets the reading children end that have had no file for
    /// `IDLE_CHILD_KEPT`: between two bursts of scans a child would hold
    /// its Tesseract engines (80 to 160 MB) for nothing. The next file
    /// starts another, which costs it about a second.
    pub async fn close_long_idle(&self) {
        if let Reader::Child(child) = self {
            child.close_idle(IDLE_CHILD_KEPT).await;
        }
    }
}

/// How long a reading child waits for its next file before it is let go.
pub const IDLE_CHILD_KEPT: Duration = Duration::from_secs(60);

async fn read_here(
    file: FileToRead,
    catalogue: &FormCatalogue,
    options: &ReadOptions,
    events: mpsc::Sender<ReadEvent>,
    stop: Arc<AtomicBool>,
) -> ReadEnd {
    let catalogue = catalogue.clone();
    let options = options.clone();
    let read = tokio::task::spawn_blocking(move || {
        let opened = match open_file(&file.path, &catalogue, &options) {
            Ok(opened) => opened,
            Err(reason) => return ReadEnd::Unreadable(reason),
        };
        let _ = events.blocking_send(ReadEvent::Opened(opened.page_count()));
        opened.read(
            |page| file.skip.contains(&page) || stop.load(Ordering::Relaxed),
            |page| {
                let _ = events.blocking_send(ReadEvent::Page(page));
            },
        );
        ReadEnd::Read
    });
    read.await
        .unwrap_or_else(|_| ReadEnd::Crashed("the reading panicked".into()))
}
