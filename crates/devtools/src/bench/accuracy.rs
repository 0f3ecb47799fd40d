//! `intake bench accuracy DIR`: recognition scored against the truth files
//! of generated samples, per font class: how many fields are accepted
//! without a person (automation), how many accepted ones are wrong (silent
//! errors), checkbox accuracy, and how many forms were identified at all.
//! Handwriting is reported in two rows: the fonts the reader may be tuned
//! on, and the others, on which it is only measured.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rayon::prelude::*;
use serde_json::Value as Json;
use time::OffsetDateTime;

use intake_core::form::FieldType;
use intake_core::record::conditions;
use intake_core::record::paper_dates::doubt_paper_dates;
use intake_core::record::paper_postal::doubt_paper_postal;
use intake_core::record::validate::fold_for_compare;
use intake_core::record::{FieldReading, FieldStatus, Value};
use intake_paper::capture::decode::DecodeLimits;
use intake_paper::capture::extract::{Document, DocumentKind, FormCatalogue, extract_file};

use crate::samples::HandSet;

/// Counts for one font class.
#[derive(Debug, Default, Clone)]
pub struct Score {
    pub forms: usize,
    pub forms_identified: usize,
    pub fields: usize,
    pub accepted: usize,
    pub accepted_wrong: usize,
    pub checkboxes: usize,
    pub checkboxes_right: usize,
    pub pages: usize,
}

impl Score {
    fn add(&mut self, other: &Score) {
        self.forms += other.forms;
        self.forms_identified += other.forms_identified;
        self.fields += other.fields;
        self.accepted += other.accepted;
        self.accepted_wrong += other.accepted_wrong;
        self.checkboxes += other.checkboxes;
        self.checkboxes_right += other.checkboxes_right;
        self.pages += other.pages;
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        "-".into()
    } else {
        format!("{:.1}%", 100.0 * part as f64 / whole as f64)
    }
}

pub struct AccuracyReport {
    pub by_class: BTreeMap<String, Score>,
    pub wrong_examples: Vec<String>,
}

impl std::fmt::Display for AccuracyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "{:<12} {:>6} {:>10} {:>8} {:>12} {:>14} {:>10} {:>14}",
            "class",
            "forms",
            "identified",
            "fields",
            "automation",
            "silent errors",
            "checkbox",
            "accepted wrong"
        )?;
        let mut total = Score::default();
        for (class, score) in &self.by_class {
            total.add(score);
            write_row(f, class, score)?;
        }
        write_row(f, "all", &total)?;
        for example in &self.wrong_examples {
            writeln!(f, "  accepted but wrong: {example}")?;
        }
        Ok(())
    }
}

fn write_row(f: &mut std::fmt::Formatter<'_>, class: &str, s: &Score) -> std::fmt::Result {
    writeln!(
        f,
        "{:<12} {:>6} {:>10} {:>8} {:>12} {:>14} {:>10} {:>14}",
        class,
        s.forms,
        percent(s.forms_identified, s.forms),
        s.fields,
        percent(s.accepted, s.fields),
        percent(s.accepted_wrong, s.accepted),
        percent(s.checkboxes_right, s.checkboxes),
        s.accepted_wrong
    )
}

/// Every `*.truth.json` under `dir`, scored.
pub fn run(dir: &Path, forms_dir: Option<&Path>) -> anyhow::Result<AccuracyReport> {
    let catalogue = FormCatalogue::load(forms_dir)?;
    let truths = truth_files(dir)?;
    anyhow::ensure!(
        !truths.is_empty(),
        "no *.truth.json files in {}",
        dir.display()
    );
    let limits = DecodeLimits::default();
    let scored: Vec<(BTreeMap<String, Score>, Vec<String>)> = truths
        .par_iter()
        .map(|truth_path| score_file(truth_path, &catalogue, &limits))
        .collect::<anyhow::Result<_>>()?;
    let mut by_class: BTreeMap<String, Score> = BTreeMap::new();
    let mut wrong_examples = Vec::new();
    for (scores, wrong) in scored {
        for (class, score) in scores {
            by_class.entry(class).or_default().add(&score);
        }
        wrong_examples.extend(wrong);
    }
    Ok(AccuracyReport {
        by_class,
        wrong_examples,
    })
}

fn truth_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        if path.to_string_lossy().ends_with(".truth.json") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

fn score_file(
    truth_path: &Path,
    catalogue: &FormCatalogue,
    limits: &DecodeLimits,
) -> anyhow::Result<(BTreeMap<String, Score>, Vec<String>)> {
    let truth: Json = serde_json::from_str(&std::fs::read_to_string(truth_path)?)
        .with_context(|| format!("parsing {}", truth_path.display()))?;
    let file = truth["file"]
        .as_str()
        .context("a truth file names its sample")?;
    let sample = truth_path.with_file_name(file);
    let result = extract_file(&sample, catalogue, limits);
    let mut scores: BTreeMap<String, Score> = BTreeMap::new();
    let mut wrong = Vec::new();
    for expected in truth["documents"].as_array().into_iter().flatten() {
        if expected["kind"] != "form" {
            continue;
        }
        let class = class_of(expected);
        let score = scores.entry(class).or_default();
        score.forms += 1;
        score.pages += expected["pages"].as_array().map_or(1, Vec::len);
        let serial = expected["serial"].as_str();
        let found = result
            .documents
            .iter()
            .find(|d| d.kind == DocumentKind::Form && d.serial.as_deref() == serial);
        let Some(found) = found else { continue };
        score.forms_identified += 1;
        compare_fields(expected, found, catalogue, score, &mut wrong, file);
    }
    Ok((scores, wrong))
}

/// The row a form is counted in: `digital` for a PDF filled in on a
/// computer, else its font class, handwriting split into the fonts the
/// reader may be tuned on and those it may not (`HandSet`).
fn class_of(expected: &Json) -> String {
    if expected["source"] == "acroform" {
        return "digital".into();
    }
    match (expected["font_class"].as_str(), expected["font"].as_str()) {
        (Some("handwriting"), Some(font)) => match HandSet::of(font) {
            HandSet::Untuned => "hand untuned".into(),
            _ => "hand tuned".into(),
        },
        (class, _) => class.unwrap_or("unknown").into(),
    }
}

fn compare_fields(
    expected: &Json,
    found: &Document,
    catalogue: &FormCatalogue,
    score: &mut Score,
    wrong: &mut Vec<String>,
    file: &str,
) {
    let Some(fields) = expected["fields"].as_object() else {
        return;
    };
    let checked = with_service_checks(found, catalogue);
    for (id, truth) in fields {
        score.fields += 1;
        let reading = checked.get(id);
        let right = reading.is_some_and(|r| same_value(r, truth));
        if is_checkbox(catalogue, found, id) {
            score.checkboxes += 1;
            if right {
                score.checkboxes_right += 1;
            }
        }
        if reading.is_some_and(|r| r.status == FieldStatus::Accepted) {
            score.accepted += 1;
            if !right {
                score.accepted_wrong += 1;
                // Field ids and the file only: the values are synthetic, but
                // the habit of keeping read values out of output stays.
                wrong.push(format!("{file}: {id}"));
            }
        }
    }
}

/// The fields as the service would file them: the worker also doubts
/// dates against the received day and the postal code against the post
/// office (`pipeline::sheet`), so the figures count what it would accept.
/// The samples are taken as received today.
fn with_service_checks(
    found: &Document,
    catalogue: &FormCatalogue,
) -> BTreeMap<String, FieldReading> {
    let mut fields = found.fields.clone();
    let definition = found
        .form
        .as_deref()
        .zip(found.form_version)
        .and_then(|(form, version)| catalogue.definition(form, version));
    if let Some(definition) = definition {
        doubt_paper_dates(&mut fields, definition, OffsetDateTime::now_utc().date());
        doubt_paper_postal(&mut fields);
        conditions::doubt_paper(&mut fields, definition);
    }
    fields
}

fn is_checkbox(catalogue: &FormCatalogue, found: &Document, id: &str) -> bool {
    let field_type = found
        .form
        .as_deref()
        .zip(found.form_version)
        .and_then(|(form, version)| catalogue.definition(form, version))
        .and_then(|definition| definition.field(id))
        .map(|field| field.field_type);
    matches!(field_type, Some(FieldType::Choice | FieldType::Consent))
}

/// Text compares case-insensitively with white space collapsed (DOMAIN.md).
fn same_value(reading: &FieldReading, truth: &Json) -> bool {
    match (&reading.value, truth) {
        (None, Json::Null) => true,
        (Some(Value::Bool(b)), Json::Bool(t)) => b == t,
        (None, Json::Bool(false)) => true,
        (Some(Value::Text(text)), Json::String(t)) => fold_for_compare(text) == fold_for_compare(t),
        _ => false,
    }
}
