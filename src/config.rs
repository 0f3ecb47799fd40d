//! Typed configuration: defaults, then an optional TOML file, then the
//! environment. Secrets never show in `Debug`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;

use crate::i18n::Text;

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

/// A service point of the employment area.
#[derive(Debug, Clone, Deserialize)]
pub struct Office {
    pub id: String,
    pub name: Text,
}

/// Limits on the public form; every submission that reaches storage counts.
#[derive(Debug, Clone, Deserialize)]
#[serde(default)]
pub struct Limits {
    pub per_ip_hour: u32,
    pub per_ip_day: u32,
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
    pub forms_dir: PathBuf,
    /// Signs form tokens. Several web nodes must share it; when empty, one is
    /// made and kept in `data_dir/secret.key`.
    pub secret: Secret,
    /// Bearer token of the JSON API; the API is closed while it is empty.
    pub api_token: Secret,
    /// Take the client address from `X-Forwarded-For` (behind a reverse
    /// proxy only: otherwise anyone can choose their own address).
    pub trust_forwarded_for: bool,
    pub limits: Limits,
    pub offices: Vec<Office>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            listen: "127.0.0.1:8080".parse().expect("a valid address"),
            database_url: "sqlite://data/intake.db".into(),
            data_dir: PathBuf::from("data"),
            forms_dir: PathBuf::from("forms"),
            secret: Secret::default(),
            api_token: Secret::default(),
            trust_forwarded_for: false,
            limits: Limits::default(),
            offices: default_offices(),
        }
    }
}

fn office(id: &str, sv: &str, fi: &str) -> Office {
    Office {
        id: id.into(),
        name: Text {
            sv: sv.into(),
            fi: fi.into(),
            en: format!("{fi} / {sv}"),
        },
    }
}

/// The service points of the bilingual area this was first made for.
fn default_offices() -> Vec<Office> {
    vec![
        office("vaasa", "Vasa", "Vaasa"),
        office("mustasaari", "Korsholm", "Mustasaari"),
        office("pietarsaari", "Jakobstad", "Pietarsaari"),
        office("kristiinankaupunki", "Kristinestad", "Kristiinankaupunki"),
    ]
}

impl Config {
    /// Defaults, then the file (if any), then `INTAKE_*` and `DATABASE_URL`.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Config> {
        let mut config = match file {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("reading the configuration {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("parsing the configuration {}", path.display()))?
            }
            None => Config::default(),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        config.check()?;
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
            self.forms_dir = dir.into();
        }
        if let Some(secret) = var("INTAKE_SECRET") {
            self.secret = Secret::new(secret);
        }
        if let Some(token) = var("INTAKE_API_TOKEN") {
            self.api_token = Secret::new(token);
        }
        Ok(())
    }

    pub fn check(&self) -> anyhow::Result<()> {
        anyhow::ensure!(!self.offices.is_empty(), "configure at least one office");
        for office in &self.offices {
            anyhow::ensure!(
                office.name.is_complete(),
                "office `{}` needs a name in sv, fi and en",
                office.id
            );
        }
        anyhow::ensure!(
            self.limits.body_bytes >= 1024,
            "limits.body_bytes is below 1024"
        );
        Ok(())
    }

    pub fn office(&self, id: &str) -> Option<&Office> {
        self.offices.iter().find(|o| o.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn a_bad_listen_address_is_an_error_naming_the_variable() {
        let error = Config::default()
            .apply_env(|name| (name == "INTAKE_LISTEN").then(|| "here".into()))
            .unwrap_err();
        assert!(error.to_string().contains("INTAKE_LISTEN"));
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
