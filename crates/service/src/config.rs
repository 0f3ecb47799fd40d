//! Typed configuration: defaults, then an optional TOML file, then the
//! environment. Secrets never show in `Debug`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

pub use ipnet::IpNet;

use intake_core::i18n::Text;

/// A secret string that prints as `[redacted]`.
#[derive(Clone, Deserialize, Default)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }
    pub fn expose(&self) -> &str {
        &self.0
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.0.is_empty() {
            "[unset]"
        } else {
            "[redacted]"
        })
    }
}

/// A service point of the employment area. Its postal address and phone
/// are printed on the letters sent when the phone fails.
#[derive(Debug, Clone, Deserialize)]
pub struct Office {
    pub id: String,
    pub name: Text,
    /// The street address in each language (Vaasa is Vasa in Swedish).
    #[serde(default = "empty_text")]
    pub street: Text,
    #[serde(default)]
    pub postal_code: String,
    #[serde(default = "empty_text")]
    pub post_office: Text,
    /// The number people call back, as it is printed.
    #[serde(default)]
    pub phone: String,
}

fn empty_text() -> Text {
    Text {
        sv: String::new(),
        fi: String::new(),
        en: String::new(),
    }
}

impl Office {
    /// The office as a letter prints it.
    pub fn letter_office(&self) -> intake_paper::letter::LetterOffice {
        intake_paper::letter::LetterOffice {
            name: self.name.clone(),
            street: self.street.clone(),
            postal_code: self.postal_code.clone(),
            post_office: self.post_office.clone(),
            phone: self.phone.clone(),
        }
    }

    /// What is missing or wrong for its letters, as a sentence.
    fn check_letter_details(&self) -> anyhow::Result<()> {
        let id = &self.id;
        anyhow::ensure!(
            self.street.is_complete() && self.post_office.is_complete(),
            "office `{id}` needs `street` and `post_office` in sv, fi and en (its letters carry them)"
        );
        anyhow::ensure!(
            intake_core::record::validate::postal_code(&self.postal_code).is_ok(),
            "office `{id}`: postal_code `{}` is not five digits",
            self.postal_code
        );
        anyhow::ensure!(
            intake_core::record::validate::phone(&self.phone).is_ok(),
            "office `{id}`: phone `{}` is not a phone number people can call",
            self.phone
        );
        let printed = [
            self.name.sv.as_str(),
            &self.name.fi,
            &self.name.en,
            &self.street.sv,
            &self.street.fi,
            &self.street.en,
            &self.post_office.sv,
            &self.post_office.fi,
            &self.post_office.en,
            &self.phone,
        ];
        anyhow::ensure!(
            printed
                .iter()
                .all(|text| intake_paper::letter::can_print(text)),
            "office `{id}`: its name or address has a character the letters' font has no glyph for"
        );
        Ok(())
    }
}

/// Limits on the public form; every submission that reaches storage counts.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Limits {
    pub per_ip_hour: u32,
    pub per_ip_day: u32,
    /// An IPv6 client counts by its /64 above, and its /48 (a site, many
    /// /64s) counts here too.
    pub per_network_hour: u32,
    pub per_network_day: u32,
    pub global_day: u32,
    pub body_bytes: usize,
    /// How long a rendered form may be sent back, in minutes.
    pub form_token_minutes: u32,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            per_ip_hour: 20,
            per_ip_day: 240,
            per_network_hour: 100,
            per_network_day: 1000,
            global_day: 5000,
            body_bytes: 16 * 1024,
            form_token_minutes: 180,
        }
    }
}

impl Limits {
    pub fn form_token_ttl(&self) -> Duration {
        Duration::from_secs(u64::from(self.form_token_minutes) * 60)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Config {
    pub listen: SocketAddr,
    pub database_url: String,
    pub data_dir: PathBuf,
    /// A folder of form definitions to use instead of the shipped ones.
    pub forms_dir: Option<PathBuf>,
    /// Signs form tokens. Several web nodes must share it; when empty, one is
    /// made and kept in `data_dir/secret.key`.
    pub secret: Secret,
    /// Bearer token of the JSON API; the API is closed while it is empty.
    pub api_token: Secret,
    /// The reverse proxies in front of this server, as address ranges
    /// (`"10.0.0.0/8"`, `"::1/128"`). Only from these is `X-Forwarded-For`
    /// read (the hop the proxy appended) and `X-Forwarded-Proto: https`
    /// believed; empty: the socket's peer is the client.
    pub trusted_proxies: Vec<IpNet>,
    /// The old yes/no switch, replaced by `trusted_proxies`: refused at
    /// start-up with a message saying so, never silently ignored.
    #[serde(rename = "trust_forwarded_for")]
    pub retired_trust_forwarded_for: Option<bool>,
    pub limits: Limits,
    pub http: HttpSettings,
    /// Bearer token that opens `/metrics` from other than loopback; closed
    /// to others while empty.
    pub metrics_token: Secret,
    pub offices: Vec<Office>,
    pub scanning: Scanning,
    pub staff: StaffSettings,
    pub retention: Retention,
    /// Where originals and page images are kept (`INTAKE_BLOBS`).
    pub blobs: BlobStore,
}

/// Where originals and page images are kept: the data folder (one
/// machine), or the PostgreSQL database (several machines that share
/// nothing else).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(try_from = "String")]
pub enum BlobStore {
    #[default]
    Folder,
    Database,
}

impl BlobStore {
    pub fn name(self) -> &'static str {
        match self {
            BlobStore::Folder => "folder",
            BlobStore::Database => "database",
        }
    }

    /// The store a migration moves blobs out of, when moving into this one.
    pub fn other(self) -> BlobStore {
        match self {
            BlobStore::Folder => BlobStore::Database,
            BlobStore::Database => BlobStore::Folder,
        }
    }
}

impl std::str::FromStr for BlobStore {
    type Err = String;

    fn from_str(text: &str) -> Result<BlobStore, String> {
        match text {
            "folder" => Ok(BlobStore::Folder),
            "database" => Ok(BlobStore::Database),
            s3 if s3.starts_with("s3://") => Err(format!(
                "blobs `{s3}`: an S3 object store is not supported yet; use \"folder\" or \"database\""
            )),
            other => Err(format!(
                "blobs `{other}` is not a blob store: use \"folder\" or \"database\""
            )),
        }
    }
}

impl TryFrom<String> for BlobStore {
    type Error = String;

    fn try_from(text: String) -> Result<BlobStore, String> {
        text.parse()
    }
}

/// The staff side: sessions, sign-in lock-out, the callback queue.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct StaffSettings {
    /// A session ends after this many minutes without a request...
    pub idle_minutes: u32,
    /// ...and this many hours after signing in, whatever happens.
    pub session_hours: u32,
    /// Failed sign-ins for one name from one address before sign-ins for
    /// that name from that address pause...
    pub max_failed_sign_ins: u32,
    /// ...for what is left of a window of this many minutes.
    pub lockout_minutes: u32,
    /// Failed sign-ins from one address, whatever the names, in a window.
    pub max_failed_per_address: u32,
    /// Failed sign-ins for one name, from anywhere, in a window: the cap on
    /// guessing from many addresses. High, so that strangers cannot easily
    /// keep a member out.
    pub max_failed_per_name: u32,
    /// Password checks at once (each holds about 19 MiB): more wait...
    pub password_checks_at_once: u32,
    /// ...this many milliseconds at most, then are told the service is
    /// busy (503) without a check.
    pub password_check_wait_ms: u64,
    /// Whether cookies are marked `Secure`. Unset: they are, except for a
    /// client on loopback (development over plain HTTP); `false` only for
    /// a test network without TLS.
    pub secure_cookies: Option<bool>,
    /// How long a caseworker's claim on a registration lasts.
    pub lease_minutes: u32,
    /// Unreached call attempts after which a letter is sent instead.
    pub max_call_attempts: u32,
}

impl Default for StaffSettings {
    fn default() -> StaffSettings {
        StaffSettings {
            idle_minutes: 30,
            session_hours: 12,
            max_failed_sign_ins: 5,
            lockout_minutes: 15,
            max_failed_per_address: 30,
            max_failed_per_name: 100,
            password_checks_at_once: 2,
            password_check_wait_ms: 10_000,
            secure_cookies: None,
            lease_minutes: 20,
            max_call_attempts: 3,
        }
    }
}

impl StaffSettings {
    pub fn idle_timeout(&self) -> time::Duration {
        time::Duration::minutes(i64::from(self.idle_minutes))
    }
    pub fn session_lifetime(&self) -> time::Duration {
        time::Duration::hours(i64::from(self.session_hours))
    }
    pub fn lockout(&self) -> time::Duration {
        time::Duration::minutes(i64::from(self.lockout_minutes))
    }
    pub fn lease(&self) -> time::Duration {
        time::Duration::minutes(i64::from(self.lease_minutes))
    }
}

/// How long personal data is kept (the GDPR's storage limitation): each
/// rule deletes what is past its time, run hourly by `serve` and `worker`
/// and on demand by `intake purge`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Retention {
    /// A closed or withdrawn registration (with its folded duplicates,
    /// call attempts, status links, scans) goes this many months after it
    /// was closed or withdrawn.
    pub closed_months: u32,
    /// A paper registration's originals and page images go this many days
    /// after it was verified (no field left to check, or closed). 60 days
    /// covers its call round (due in 5 working days, up to three attempts
    /// on later days, then a letter) with room to look at the paper again
    /// when a call finds a misread number; after that the record, not the
    /// scan, is what is kept.
    pub verified_paper_days: u32,
    /// A triage item closed (not made a registration or filed with one)
    /// goes, with its pages, this many days after it was closed: a quarter
    /// for the sender to write again and refer to it.
    pub closed_triage_days: u32,
    /// A jobseeker's private status link stops working and goes after this
    /// many days.
    pub status_link_days: u32,
    /// Files in the drop folder's `done/` and `failed/` go this many days
    /// after they were moved there (the original is kept under
    /// `originals/`).
    pub drop_copy_days: u32,
    /// An original or page image that no row names (a crash came between
    /// storing it and writing its row) goes once it is this many days
    /// old. A day is far longer than any upload or reading takes, so one
    /// whose row is still to be written is never taken.
    pub orphan_blob_days: u32,
    /// Whether `serve` and `worker` run the rules every hour.
    pub automatic: bool,
}

impl Default for Retention {
    fn default() -> Retention {
        Retention {
            closed_months: 24,
            verified_paper_days: 60,
            closed_triage_days: 90,
            status_link_days: 90,
            drop_copy_days: 30,
            orphan_blob_days: 1,
            automatic: true,
        }
    }
}

/// The HTTP server's bounds: slow clients, slow handlers, too many at once,
/// and how long a stop waits for requests in flight.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct HttpSettings {
    /// A client must send a request's headers within this (slowloris).
    pub header_read_seconds: u64,
    /// A request must be answered within this...
    pub request_seconds: u64,
    /// ...except a mailroom upload, which may take this long.
    pub upload_seconds: u64,
    /// Requests handled at once; more are refused with 503 at once.
    pub max_concurrent_requests: usize,
    /// On stop, requests in flight get this long to finish.
    pub shutdown_seconds: u64,
}

impl Default for HttpSettings {
    fn default() -> HttpSettings {
        HttpSettings {
            header_read_seconds: 10,
            request_seconds: 30,
            upload_seconds: 900,
            max_concurrent_requests: 256,
            shutdown_seconds: 20,
        }
    }
}

impl HttpSettings {
    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_seconds.max(1))
    }
    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs(self.request_seconds.max(1))
    }
    pub fn upload_timeout(&self) -> Duration {
        Duration::from_secs(self.upload_seconds.max(1))
    }
    pub fn shutdown_deadline(&self) -> Duration {
        Duration::from_secs(self.shutdown_seconds)
    }
}

/// Reading scanned paper: the drop folder, the workers, their bounds.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Scanning {
    /// Watched by `serve` and `worker`; files in `<drop>/<office id>/` belong
    /// to that office. Default: `data_dir/drop`.
    pub drop_dir: Option<PathBuf>,
    /// How long a file must stay the same size before it is taken.
    pub settle_seconds: u64,
    /// Files read at once by one process; 0: one per core. Pages of a file
    /// are read in parallel on a pool of one thread per core either way.
    pub workers: usize,
    /// A job's lease; the worker renews it every third of this.
    pub lease_seconds: u64,
    /// A page that takes longer is given up, with a reason.
    pub page_timeout_seconds: u64,
    /// Largest file the mailroom upload page takes.
    pub upload_bytes: usize,
    /// Whether `serve` reads scans too (the worker and the drop folder).
    pub process: bool,
    /// The first retry of a file whose reading failed comes after this
    /// many seconds; each next one waits four times longer (at most ten
    /// minutes).
    pub retry_seconds: u64,
    /// Address space of the child process that reads a file, in MiB: a
    /// decoder that runs away with memory fails there, not in the service.
    /// Tesseract with its Swedish, Finnish and English models needs a few
    /// hundred.
    pub reading_memory_mb: u64,
    /// Time given to the reading child: this many seconds for the file,
    /// and `reading_seconds_per_page` more for each page to read. It is
    /// killed when the time is up (wall clock), and it may use as many CPU
    /// seconds per thread before the kernel stops it.
    pub reading_seconds: u64,
    pub reading_seconds_per_page: u64,
}

impl Default for Scanning {
    fn default() -> Scanning {
        Scanning {
            drop_dir: None,
            settle_seconds: 5,
            workers: 0,
            lease_seconds: 60,
            page_timeout_seconds: 120,
            upload_bytes: 512 * 1024 * 1024,
            process: true,
            retry_seconds: 5,
            reading_memory_mb: 1024,
            reading_seconds: 120,
            reading_seconds_per_page: 30,
        }
    }
}

impl Scanning {
    pub fn lease(&self) -> Duration {
        Duration::from_secs(self.lease_seconds.max(3))
    }

    pub fn first_retry(&self) -> Duration {
        Duration::from_secs(self.retry_seconds)
    }

    pub fn workers(&self) -> usize {
        if self.workers > 0 {
            self.workers
        } else {
            std::thread::available_parallelism().map_or(2, |n| n.get())
        }
    }
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8080".parse().expect("a valid address"),
            database_url: "sqlite://data/intake.db".into(),
            data_dir: PathBuf::from("data"),
            forms_dir: None,
            secret: Secret::default(),
            api_token: Secret::default(),
            trusted_proxies: Vec::new(),
            retired_trust_forwarded_for: None,
            limits: Limits::default(),
            http: HttpSettings::default(),
            metrics_token: Secret::default(),
            offices: default_offices(),
            scanning: Scanning::default(),
            staff: StaffSettings::default(),
            retention: Retention::default(),
            blobs: BlobStore::Folder,
        }
    }
}

/// Both official languages, and the Finnish name then the Swedish in
/// English.
fn both(sv: &str, fi: &str) -> Text {
    Text {
        sv: sv.into(),
        fi: fi.into(),
        en: if sv == fi {
            fi.into()
        } else {
            format!("{fi} / {sv}")
        },
    }
}

/// `[sv name, fi name, sv street, fi street, postal code, sv post office,
/// fi post office, phone]`.
fn office(
    id: &str,
    [sv, fi, street_sv, street_fi, code, post_sv, post_fi, phone]: [&str; 8],
) -> Office {
    Office {
        id: id.into(),
        name: both(sv, fi),
        street: Text {
            sv: street_sv.into(),
            fi: street_fi.into(),
            en: street_fi.into(),
        },
        postal_code: code.into(),
        post_office: Text {
            sv: post_sv.into(),
            fi: post_fi.into(),
            en: post_fi.into(),
        },
        phone: phone.into(),
    }
}

/// The service points of the bilingual area this was first made for. The
/// addresses and numbers are demonstration values: a real deployment sets
/// its own offices in the configuration file.
fn default_offices() -> Vec<Office> {
    vec![
        office(
            "vaasa",
            [
                "Vasa",
                "Vaasa",
                "Handelsesplanaden 20",
                "Kauppapuistikko 20",
                "65100",
                "Vasa",
                "Vaasa",
                "06 123 4500",
            ],
        ),
        office(
            "mustasaari",
            [
                "Korsholm",
                "Mustasaari",
                "Skolvägen 1",
                "Koulutie 1",
                "65610",
                "Korsholm",
                "Mustasaari",
                "06 123 4600",
            ],
        ),
        office(
            "pietarsaari",
            [
                "Jakobstad",
                "Pietarsaari",
                "Storgatan 10",
                "Isokatu 10",
                "68600",
                "Jakobstad",
                "Pietarsaari",
                "06 123 4700",
            ],
        ),
        office(
            "kristiinankaupunki",
            [
                "Kristinestad",
                "Kristiinankaupunki",
                "Östra Långgatan 5",
                "Itäinen Pitkäkatu 5",
                "64100",
                "Kristinestad",
                "Kristiinankaupunki",
                "06 123 4800",
            ],
        ),
    ]
}

/// Where the SQLite database was, under the folder the service ran in,
/// before it followed the data folder.
const OLD_DEFAULT_DATABASE: &str = "data/intake.db";

/// A site that set only the data folder kept its database in
/// `data/intake.db` under the folder it ran in. Starting it on a new, empty
/// database in the data folder would look like a site that lost everyone:
/// it is refused, with what to do.
fn check_no_database_left_behind(database: &Path, old: &Path) -> anyhow::Result<()> {
    if database != old && !database.exists() && old.exists() {
        anyhow::bail!(
            "the SQLite database is now kept in the data folder, as {}, which does not exist, \
             but {} does: move it there (with its -wal and -shm files), \
             or set DATABASE_URL=sqlite://{} to keep it where it is",
            database.display(),
            old.display(),
            old.display()
        );
    }
    Ok(())
}

impl Config {
    /// Defaults, then the file (if any), then `INTAKE_*` and `DATABASE_URL`.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let text = match file {
            Some(path) => Some(
                std::fs::read_to_string(path)
                    .with_context(|| format!("reading the configuration {}", path.display()))?,
            ),
            None => None,
        };
        let config = Config::from_sources(text.as_deref(), |name| std::env::var(name).ok())
            .with_context(|| match file {
                Some(path) => format!("the configuration {}", path.display()),
                None => "the configuration".into(),
            })?;
        config.check()?;
        Ok(config)
    }

    /// The file's text over the defaults, then the environment. Unless the
    /// file or `DATABASE_URL` names a database, the SQLite file lives in the
    /// data folder, so that moving the data folder moves all of the site.
    fn from_sources(
        text: Option<&str>,
        var: impl Fn(&str) -> Option<String>,
    ) -> anyhow::Result<Config> {
        let (mut config, database_named) = match text {
            Some(text) => {
                let table: toml::Table = toml::from_str(text).context("parsing")?;
                let named = table.contains_key("database_url");
                (table.try_into::<Config>().context("parsing")?, named)
            }
            None => (Config::default(), false),
        };
        config.apply_env(&var)?;
        if !database_named && var("DATABASE_URL").is_none() {
            let database = config.data_dir.join("intake.db");
            check_no_database_left_behind(&database, Path::new(OLD_DEFAULT_DATABASE))?;
            config.database_url = format!("sqlite://{}", database.display());
        }
        Ok(config)
    }

    fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> anyhow::Result<()> {
        if let Some(listen) = var("INTAKE_LISTEN") {
            self.listen = listen
                .parse()
                .with_context(|| format!("INTAKE_LISTEN `{listen}` is not an address:port"))?;
        }
        if let Some(url) = var("DATABASE_URL") {
            self.database_url = url;
        }
        if let Some(dir) = var("INTAKE_DATA_DIR") {
            self.data_dir = dir.into();
        }
        if let Some(dir) = var("INTAKE_FORMS_DIR") {
            self.forms_dir = Some(dir.into());
        }
        if let Some(secret) = var("INTAKE_SECRET") {
            self.secret = Secret::new(secret);
        }
        if let Some(token) = var("INTAKE_API_TOKEN") {
            self.api_token = Secret::new(token);
        }
        if let Some(token) = var("INTAKE_METRICS_TOKEN") {
            self.metrics_token = Secret::new(token);
        }
        if let Some(list) = var("INTAKE_TRUSTED_PROXIES") {
            self.trusted_proxies = list
                .split(',')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(|n| {
                    n.parse().with_context(|| {
                        format!(
                            "INTAKE_TRUSTED_PROXIES: `{n}` is not an address range like 10.0.0.0/8"
                        )
                    })
                })
                .collect::<anyhow::Result<_>>()?;
        }
        if let Some(blobs) = var("INTAKE_BLOBS") {
            self.blobs = blobs
                .parse()
                .map_err(|e: String| anyhow::anyhow!("INTAKE_BLOBS: {e}"))?;
        }
        if let Some(dir) = var("INTAKE_DROP_DIR") {
            self.scanning.drop_dir = Some(dir.into());
        }
        Ok(())
    }

    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(
            self.retired_trust_forwarded_for.is_none(),
            "trust_forwarded_for is replaced by trusted_proxies: list the proxies' address ranges, e.g. trusted_proxies = [\"127.0.0.1/32\"]"
        );
        anyhow::ensure!(
            self.http.max_concurrent_requests >= 1,
            "http.max_concurrent_requests must be at least 1"
        );
        anyhow::ensure!(!self.offices.is_empty(), "configure at least one office");
        for office in &self.offices {
            anyhow::ensure!(
                office.name.is_complete(),
                "office `{}` needs a name in sv, fi and en",
                office.id
            );
            office.check_letter_details()?;
        }
        anyhow::ensure!(
            self.limits.body_bytes >= 1024,
            "limits.body_bytes is below 1024"
        );
        anyhow::ensure!(
            self.staff.max_call_attempts >= 1
                && self.staff.idle_minutes >= 1
                && self.staff.lease_minutes >= 1
                && self.staff.max_failed_sign_ins >= 1
                && self.staff.max_failed_per_address >= 1
                && self.staff.max_failed_per_name >= 1
                && self.staff.lockout_minutes >= 1
                && self.staff.password_checks_at_once >= 1,
            "staff: max_call_attempts, idle_minutes, lease_minutes, lockout_minutes, password_checks_at_once and the max_failed_* limits must be at least 1"
        );
        let r = &self.retention;
        anyhow::ensure!(
            r.closed_months >= 1
                && r.verified_paper_days >= 1
                && r.closed_triage_days >= 1
                && r.status_link_days >= 1
                && r.drop_copy_days >= 1
                && r.orphan_blob_days >= 1,
            "retention: closed_months and every *_days must be at least 1"
        );
        anyhow::ensure!(
            u64::from(r.orphan_blob_days) * 86_400 > self.http.upload_seconds,
            "retention.orphan_blob_days must be longer than http.upload_seconds: \
             an upload's original would be swept before its row is written"
        );
        Ok(())
    }

    pub fn drop_dir(&self) -> PathBuf {
        self.scanning
            .drop_dir
            .clone()
            .unwrap_or_else(|| self.data_dir.join("drop"))
    }

    pub fn office(&self, id: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use intake_core::i18n::Lang;

    #[test]
    fn the_environment_overrides_the_defaults() {
        let mut config = Config::default();
        config
            .apply_env(|name| match name {
                "INTAKE_LISTEN" => Some("0.0.0.0:9000".into()),
                "DATABASE_URL" => Some("postgres://127.0.0.1/test".into()),
                _ => None,
            })
            .unwrap();
        assert_eq!(config.listen.port(), 9000);
        assert_eq!(config.database_url, "postgres://127.0.0.1/test");
    }

    #[test]
    fn the_sqlite_database_follows_the_data_folder_unless_named() {
        let none = |_: &str| None;
        let config = Config::from_sources(None, none).unwrap();
        assert_eq!(config.database_url, "sqlite://data/intake.db");
        let config = Config::from_sources(None, |name| {
            (name == "INTAKE_DATA_DIR").then(|| "/srv/intake".into())
        })
        .unwrap();
        assert_eq!(config.database_url, "sqlite:///srv/intake/intake.db");
        let config = Config::from_sources(Some("data_dir = \"/srv/x\""), none).unwrap();
        assert_eq!(config.database_url, "sqlite:///srv/x/intake.db");
        let named = "data_dir = \"/srv/x\"\ndatabase_url = \"sqlite:///db/i.db\"";
        let config = Config::from_sources(Some(named), none).unwrap();
        assert_eq!(config.database_url, "sqlite:///db/i.db");
        let config = Config::from_sources(None, |name| match name {
            "INTAKE_DATA_DIR" => Some("/srv/intake".into()),
            "DATABASE_URL" => Some("postgres://127.0.0.1/test".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(config.database_url, "postgres://127.0.0.1/test");
        let error = Config::from_sources(Some("listen = 5"), none).unwrap_err();
        assert!(format!("{error:#}").contains("parsing"), "{error:#}");
    }

    #[test]
    fn a_database_left_in_the_old_place_is_not_replaced_by_an_empty_one() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("data/intake.db");
        let new = dir.path().join("site/intake.db");
        assert!(check_no_database_left_behind(&new, &old).is_ok());
        std::fs::create_dir_all(old.parent().unwrap()).unwrap();
        std::fs::write(&old, b"").unwrap();
        let error = check_no_database_left_behind(&new, &old).unwrap_err();
        assert!(error.to_string().contains("DATABASE_URL"), "{error}");
        assert!(check_no_database_left_behind(&old, &old).is_ok());
        std::fs::create_dir_all(new.parent().unwrap()).unwrap();
        std::fs::write(&new, b"").unwrap();
        assert!(check_no_database_left_behind(&new, &old).is_ok());
    }

    #[test]
    fn blobs_are_in_the_folder_unless_told_otherwise() {
        assert_eq!(Config::default().blobs, BlobStore::Folder);
        let config: Config = toml::from_str("blobs = \"database\"").unwrap();
        assert_eq!(config.blobs, BlobStore::Database);
        let mut config = Config::default();
        config
            .apply_env(|name| (name == "INTAKE_BLOBS").then(|| "database".into()))
            .unwrap();
        assert_eq!(config.blobs, BlobStore::Database);
        let error = Config::default()
            .apply_env(|name| (name == "INTAKE_BLOBS").then(|| "disk".into()))
            .unwrap_err();
        assert!(format!("{error:#}").contains("INTAKE_BLOBS"));
        let error = toml::from_str::<Config>("blobs = \"s3://bucket\"").unwrap_err();
        assert!(error.to_string().contains("not supported"), "{error}");
    }

    #[test]
    fn a_bad_listen_address_is_an_error_naming_the_variable() {
        let error = Config::default()
            .apply_env(|name| (name == "INTAKE_LISTEN").then(|| "here".into()))
            .unwrap_err();
        assert!(error.to_string().contains("INTAKE_LISTEN"));
    }

    #[test]
    fn trusted_proxies_are_address_ranges() {
        let config: Config =
            toml::from_str("trusted_proxies = [\"10.0.0.0/8\", \"::1/128\"]").unwrap();
        assert_eq!(config.trusted_proxies.len(), 2);
        config.check().unwrap();
        assert!(toml::from_str::<Config>("trusted_proxies = [\"proxy\"]").is_err());
        let mut config = Config::default();
        config
            .apply_env(|name| {
                (name == "INTAKE_TRUSTED_PROXIES").then(|| "192.0.2.0/24, fd00::/8".into())
            })
            .unwrap();
        assert_eq!(config.trusted_proxies.len(), 2);
        let error = Config::default()
            .apply_env(|name| (name == "INTAKE_TRUSTED_PROXIES").then(|| "nginx".into()))
            .unwrap_err();
        assert!(error.to_string().contains("INTAKE_TRUSTED_PROXIES"));
    }

    #[test]
    fn the_old_forwarded_for_switch_is_refused_with_a_pointer() {
        let config: Config = toml::from_str("trust_forwarded_for = true").unwrap();
        let error = config.check().unwrap_err().to_string();
        assert!(error.contains("trusted_proxies"), "{error}");
    }

    #[test]
    fn retention_rules_are_settings_with_defaults() {
        let config: Config =
            toml::from_str("[retention]\nclosed_months = 36\nstatus_link_days = 30").unwrap();
        config.check().unwrap();
        assert_eq!(config.retention.closed_months, 36);
        assert_eq!(config.retention.status_link_days, 30);
        assert_eq!(config.retention.drop_copy_days, 30, "the default stays");
        assert_eq!(Config::default().retention.closed_months, 24);
        let none: Config = toml::from_str("[retention]\nstatus_link_days = 0").unwrap();
        assert!(none.check().unwrap_err().to_string().contains("retention"));
        assert_eq!(config.retention.orphan_blob_days, 1);
        let none: Config = toml::from_str("[retention]\norphan_blob_days = 0").unwrap();
        assert!(none.check().unwrap_err().to_string().contains("retention"));
        // An upload allowed two days would have its original swept first.
        let slow: Config = toml::from_str("[http]\nupload_seconds = 172800").unwrap();
        let error = slow.check().unwrap_err().to_string();
        assert!(error.contains("orphan_blob_days"), "{error}");
    }

    #[test]
    fn an_office_needs_an_address_and_phone_for_its_letters() {
        Config::default().check().unwrap();
        let without: Config = toml::from_str(
            "[[offices]]\nid = \"oulu\"\nname = { sv = \"Uleåborg\", fi = \"Oulu\", en = \"Oulu\" }\n",
        )
        .unwrap();
        let error = without.check().unwrap_err().to_string();
        assert!(
            error.contains("oulu") && error.contains("street"),
            "{error}"
        );
        let full = "[[offices]]\nid = \"oulu\"\n\
            name = { sv = \"Uleåborg\", fi = \"Oulu\", en = \"Oulu\" }\n\
            street = { sv = \"Torget 1\", fi = \"Tori 1\", en = \"Tori 1\" }\n\
            post_office = { sv = \"Uleåborg\", fi = \"Oulu\", en = \"Oulu\" }\n";
        let bad_phone: Config = toml::from_str(&format!(
            "{full}postal_code = \"90100\"\nphone = \"call us\"\n"
        ))
        .unwrap();
        let error = bad_phone.check().unwrap_err().to_string();
        assert!(error.contains("phone"), "{error}");
        let good: Config = toml::from_str(&format!(
            "{full}postal_code = \"90100\"\nphone = \"08 123 4567\"\n"
        ))
        .unwrap();
        good.check().unwrap();
        assert_eq!(
            good.offices[0].letter_office().address(Lang::Sv),
            "Torget 1, 90100 Uleåborg"
        );
        // Northern Sámi's letters print; a script the letters' font lacks
        // does not.
        let sami = full.replace(
            "en = \"Oulu\" }\nstreet",
            "en = \"Oulu Č Đ Ŋ Š Ŧ Ž\" }\nstreet",
        );
        let sami: Config = toml::from_str(&format!(
            "{sami}postal_code = \"90100\"\nphone = \"08 123 4567\"\n"
        ))
        .unwrap();
        sami.check().unwrap();
        let arabic = full.replace("en = \"Oulu\" }\nstreet", "en = \"أولو\" }\nstreet");
        let arabic: Config = toml::from_str(&format!(
            "{arabic}postal_code = \"90100\"\nphone = \"08 123 4567\"\n"
        ))
        .unwrap();
        let error = arabic.check().unwrap_err().to_string();
        assert!(error.contains("oulu") && error.contains("glyph"), "{error}");
    }

    #[test]
    fn secrets_are_redacted_in_debug() {
        let config = Config {
            secret: Secret::new("hunter2"),
            ..Config::default()
        };
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
