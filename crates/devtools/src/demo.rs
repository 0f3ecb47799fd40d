//! Demo data: synthetic web registrations stored through the same path as
//! real ones, so a fresh installation has a queue to look at.

use anyhow::Context;
use std::collections::HashMap;

use intake_core::form::Channel;
use intake_core::record::Provenance;
use intake_core::record::normalise::normalise_submission;
use intake_service::Application;
use intake_service::store::{NewRegistration, RateKey, Submission};

/// Stores `count` synthetic registrations; returns how many were stored.
pub async fn seed(app: &Application, count: usize) -> anyhow::Result<usize> {
    let form = intake_core::form::FormDefinition::load_by_id(
        app.config().forms_dir.as_deref(),
        intake_core::form::WEB_FORM_ID,
    )?;
    let mut rng = rand::rng();
    let mut stored = 0;
    for i in 0..count {
        let person = crate::synthetic::jobseeker(&mut rng);
        let inputs: HashMap<String, String> = person
            .web_fields()
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect();
        let fields = normalise_submission(&form, Channel::Web, &inputs)
            .map_err(|errors| anyhow::anyhow!("a synthetic person did not validate: {errors:?}"))?;
        let office = &app.config().offices[i % app.config().offices.len()];
        let new = NewRegistration {
            form: form.id().to_string(),
            form_version: form.version(),
            office: office.id.clone(),
            fields,
            provenance: Provenance::Web {
                language: intake_core::i18n::Lang::ALL[i % 3],
            },
            submission_key: None,
        };
        let unlimited = intake_service::config::Limits {
            per_ip_hour: u32::MAX,
            per_ip_day: u32::MAX,
            global_day: u32::MAX,
            ..app.config().limits.clone()
        };
        let client = RateKey::client(format!("demo-{i}"));
        match app
            .store()
            .submit_web(new, &client, &unlimited)
            .await
            .context("storing demo data")?
        {
            Submission::Stored { .. } => stored += 1,
            other => anyhow::bail!("demo data was not stored: {other:?}"),
        }
    }
    Ok(stored)
}
