//! `intake subject-export`: one person's data in a folder of its own, for
//! an access request: `subject.json`, and copies of their originals and
//! page images. The folder is made readable by its owner only.

use std::path::{Path, PathBuf};

use anyhow::Context;
use time::OffsetDateTime;

use crate::pipeline::Pipeline;
use crate::store::privacy::PersonKey;

/// What was written.
#[derive(Debug, Clone)]
pub struct ExportReport {
    pub json: PathBuf,
    pub registrations: usize,
    pub originals: usize,
    pub page_images: usize,
}

/// Writes the person's data to `out` (a new or empty folder). `None` when
/// the key finds no one; nothing is written then.
pub async fn subject_export(
    pipeline: &Pipeline,
    key: &PersonKey,
    by: &str,
    out: &Path,
) -> anyhow::Result<Option<ExportReport>> {
    let occupied = std::fs::read_dir(out).is_ok_and(|mut entries| entries.next().is_some());
    anyhow::ensure!(
        !occupied,
        "{} is not empty: give a new folder",
        out.display()
    );
    let Some(mut data) = pipeline
        .store
        .subject_data(key, by, OffsetDateTime::now_utc())
        .await?
    else {
        return Ok(None);
    };
    make_private_folder(out)?;
    let mut copied = Vec::new();
    if !data.originals.is_empty() {
        std::fs::create_dir_all(out.join("originals"))?;
    }
    for (sha256, path) in &data.originals {
        let name = format!("originals/{sha256}");
        pipeline
            .blobs
            .copy_to(path, &out.join(&name))
            .await
            .with_context(|| format!("copying the original {sha256}"))?;
        copied.push(name);
    }
    if !data.page_images.is_empty() {
        std::fs::create_dir_all(out.join("pages"))?;
    }
    for (file, page, path) in &data.page_images {
        let name = format!("pages/{file}-{page:04}.jpg");
        pipeline
            .blobs
            .copy_to(path, &out.join(&name))
            .await
            .with_context(|| format!("copying the image of page {page} of file {file}"))?;
        copied.push(name);
    }
    data.json["copied_files"] = serde_json::json!(copied);
    let json = out.join("subject.json");
    std::fs::write(&json, serde_json::to_vec_pretty(&data.json)?)
        .with_context(|| format!("writing {}", json.display()))?;
    Ok(Some(ExportReport {
        json,
        registrations: data.json["registrations"].as_array().map_or(0, Vec::len),
        originals: data.originals.len(),
        page_images: data.page_images.len(),
    }))
}

fn make_private_folder(out: &Path) -> anyhow::Result<()> {
    std::fs::create_dir_all(out).with_context(|| format!("making {}", out.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(out, std::fs::Permissions::from_mode(0o700))
            .with_context(|| format!("making {} private", out.display()))?;
    }
    Ok(())
}
