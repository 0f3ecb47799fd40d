//! Synthetic scanned mail for developing and scoring the paper capture:
//! copies of the real printed form filled in for made-up jobseekers, by
//! hand or from a computer, put through a simulated office scanner, with a
//! truth file beside each sample saying what is really there.
//!
//! `intake samples generate --out DIR --count N [--seed S]` calls
//! [`generate`]. The same seed always gives the same samples.

mod digital;
mod fill;
pub mod flatten;
mod fonts;
mod ink;
mod letter;
mod output;
mod pen;
mod plan;
mod raster;
mod sample;
mod scanner;
mod shapes;
mod tiff;
mod truth;
mod values;

#[cfg(test)]
mod flattened_tests;
#[cfg(test)]
mod read_back;
#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;

use intake_core::form::FormDefinition;
use intake_paper::printable::{Layout, PaperError};

pub use fonts::{FontClass, HandSet, PACKAGES as FONT_PACKAGES};
pub use sample::{FormFields, PhotocopyStack, photocopy_stack, printed_stack};
pub use shapes::{ShapedForm, shaped_form, typed_letter};
pub use truth::{DocumentKind, DocumentTruth, Index, IndexEntry, SampleTruth};

/// From this many sheets on, `generate` also writes one form as strips,
/// as mixed raster and as JBIG2, and a typed letter as a text-only PDF.
const SHAPES_FROM_COUNT: usize = 12;

#[derive(Debug, Clone)]
pub struct GenerateOptions {
    /// Created if missing; existing sample files of the same names are replaced.
    pub out: PathBuf,
    /// Form sheets in all, spread over single pages, TIFFs and PDF batches.
    pub count: usize,
    pub seed: u64,
    /// Which half of the handwriting fonts hand-filled forms are written
    /// in (see [`HandSet`]).
    pub hands: HandSet,
}

#[derive(Debug, Clone)]
pub struct GenerateReport {
    pub out: PathBuf,
    pub files: usize,
    pub forms: usize,
    /// Scanned pages, blank backs and letters included.
    pub pages: usize,
    pub bytes: u64,
    pub elapsed: Duration,
}

impl GenerateReport {
    pub fn pages_per_second(&self) -> f64 {
        self.pages as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

impl fmt::Display for GenerateReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "wrote {} samples ({} forms, {} scanned pages, {:.1} MB) to {} in {:.1} s: {:.1} pages/s",
            self.files,
            self.forms,
            self.pages,
            self.bytes as f64 / 1e6,
            self.out.display(),
            self.elapsed.as_secs_f64(),
            self.pages_per_second()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SamplesError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("fonts: {0}")]
    Fonts(String),
    #[error("rasterising the blank form: {0}")]
    Rasterise(String),
    #[error(transparent)]
    Paper(#[from] PaperError),
    #[error("image: {0}")]
    Image(#[from] image::ImageError),
    #[error("PDF: {0}")]
    Pdf(#[from] lopdf::Error),
    #[error("TIFF: {0}")]
    Tiff(String),
    #[error("truth file: {0}")]
    Json(serde_json::Error),
    #[error("made-up value `{written}` for {field} does not normalise: {reason}")]
    Invalid {
        field: String,
        written: String,
        reason: String,
    },
}

impl SamplesError {
    fn io(path: impl AsRef<Path>, source: std::io::Error) -> SamplesError {
        SamplesError::Io {
            path: path.as_ref().to_path_buf(),
            source,
        }
    }
}

/// Makes `opts.count` filled-in form sheets as scanned sample files in
/// `opts.out`, each with `<name>.truth.json`, and `index.json` over all.
/// Needs `pdftoppm` (poppler-utils) and the fonts in [`FONT_PACKAGES`].
pub fn generate(
    definition: &FormDefinition,
    opts: &GenerateOptions,
) -> Result<GenerateReport, SamplesError> {
    let started = Instant::now();
    std::fs::create_dir_all(&opts.out).map_err(|e| SamplesError::io(&opts.out, e))?;
    let fonts = fonts::Fonts::load(opts.hands)?;
    let layout = Layout::from_definition(definition);
    let plans = plan::plan(opts.count, opts.seed, layout.pages);
    let context = sample::Context {
        definition,
        layout: &layout,
        fonts: &fonts,
        out: &opts.out,
    };
    let samples = plans
        .par_iter()
        .map(|plan| sample::make(&context, plan))
        .collect::<Result<Vec<_>, _>>()?;
    // The other shapes of PDF, past the planned files so that those stay
    // as a seed has always made them.
    let mut samples = samples;
    if opts.count >= SHAPES_FROM_COUNT {
        samples.extend(shapes::write_shapes(&context, plans.len() + 1, opts.seed)?);
    }
    let index = Index {
        generator: "intake samples generate",
        seed: opts.seed,
        count: opts.count,
        samples,
    };
    let path = opts.out.join("index.json");
    let json = serde_json::to_string_pretty(&index).map_err(SamplesError::Json)?;
    std::fs::write(&path, json + "\n").map_err(|e| SamplesError::io(&path, e))?;
    let scanned = |e: &&IndexEntry| !e.file.ends_with("-digital.pdf");
    Ok(GenerateReport {
        out: opts.out.clone(),
        files: index.samples.len(),
        forms: index.samples.iter().map(|e| e.forms).sum(),
        pages: index.samples.iter().filter(scanned).map(|e| e.pages).sum(),
        bytes: index.samples.iter().map(|e| e.bytes).sum(),
        elapsed: started.elapsed(),
    })
}
