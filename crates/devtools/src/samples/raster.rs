//! The blank printed form as a printer would put it on paper: the real PDF
//! with each sheet's own serial and QR codes, rasterised by poppler's
//! `pdftoppm`. Drawing the PDF ourselves would test our drawing, not the
//! form people get.

use std::process::Command;

use image::GrayImage;

use intake_core::form::FormDefinition;
use intake_paper::printable::{self, Layout};

use super::SamplesError;

/// The pages of one copy per serial, in order, at `dpi`, grey.
pub fn blank_pages(
    definition: &FormDefinition,
    layout: &Layout,
    serials: &[String],
    dpi: u32,
) -> Result<Vec<GrayImage>, SamplesError> {
    let pdf = printable::render(definition, layout, serials)?;
    let dir = tempfile::tempdir().map_err(|e| SamplesError::io("a temporary folder", e))?;
    let input = dir.path().join("form.pdf");
    std::fs::write(&input, pdf).map_err(|e| SamplesError::io(&input, e))?;
    let prefix = dir.path().join("page");
    let output = Command::new("pdftoppm")
        .arg("-r")
        .arg(dpi.to_string())
        .arg("-gray")
        .arg(&input)
        .arg(&prefix)
        .output()
        .map_err(|e| {
            SamplesError::Rasterise(format!("cannot run pdftoppm (install poppler-utils): {e}"))
        })?;
    if !output.status.success() {
        return Err(SamplesError::Rasterise(format!(
            "pdftoppm failed: {}",
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    // pdftoppm pads page numbers to the width of the last one.
    let mut files: Vec<_> = std::fs::read_dir(dir.path())
        .map_err(|e| SamplesError::io(dir.path(), e))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "pgm"))
        .collect();
    files.sort();
    let expected = serials.len() * layout.pages as usize;
    if files.len() != expected {
        return Err(SamplesError::Rasterise(format!(
            "pdftoppm made {} pages, expected {expected}",
            files.len()
        )));
    }
    files
        .iter()
        .map(|path| Ok(image::open(path)?.into_luma8()))
        .collect()
}
