//! Which samples a run makes: how `count` form sheets are spread over
//! files and scanning conditions. Conditions are dealt from shuffled
//! decks rather than drawn one by one, so that even a dozen samples holds
//! every kind (both classes of writing, each turn, both resolutions).

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::fonts::FontClass;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Png,
    Jpeg,
    /// Several sheets, some with their blank backs.
    Tiff,
    /// A mailroom batch: forms, blank backs and a letter, as JPEG pages.
    PdfBatch,
    /// The PDF filled in on a computer.
    Digital,
}

#[derive(Debug, Clone)]
pub struct SheetPlan {
    pub class: FontClass,
    pub quarter_turns: u8,
}

#[derive(Debug, Clone)]
pub struct SamplePlan {
    /// 1-based, for the file name.
    pub number: usize,
    pub container: Container,
    pub sheets: Vec<SheetPlan>,
    pub dpi: u32,
    pub colour: bool,
    /// Everything random inside the sample comes from this, so samples can
    /// be made in parallel and still come out the same.
    pub seed: u64,
}

/// `count` sheets over files. `form_pages` > 1 keeps forms out of
/// single-image files, which cannot hold a whole copy.
pub fn plan(count: usize, seed: u64, form_pages: u32) -> Vec<SamplePlan> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut containers: Vec<(Container, usize)> = Vec::new();
    let mut left = count;
    let mut take = |container: Container, most: usize, rng: &mut StdRng| {
        let n = rng.random_range(1..=most).min(left);
        if n > 0 {
            containers.push((container, n));
            left -= n;
        }
        left
    };
    let mut remaining = count;
    if count >= 6 {
        remaining = take(Container::Digital, 1, &mut rng);
    }
    for _ in 0..(count / 8).max(usize::from(count >= 3)) {
        remaining = take(Container::PdfBatch, 3, &mut rng);
    }
    for _ in 0..(count / 10).max(usize::from(count >= 4)) {
        remaining = take(Container::Tiff, 2, &mut rng);
    }
    let mut singles = 0;
    while remaining > 0 {
        let single = match (form_pages, singles % 3) {
            (2.., _) => Container::Tiff,
            (_, 1) => Container::Png,
            _ => Container::Jpeg,
        };
        singles += 1;
        remaining = take(single, 1, &mut rng);
    }
    containers.shuffle(&mut rng);

    let scanned: usize = containers
        .iter()
        .filter(|(c, _)| *c != Container::Digital)
        .map(|(_, n)| n)
        .sum();
    let mut classes = deck(
        &mut rng,
        scanned,
        &[(FontClass::Handwriting, 0.5)],
        FontClass::Printed,
    );
    let mut turns = deck(&mut rng, scanned, &[(1, 0.12), (2, 0.12), (3, 0.04)], 0u8);
    let mut dpis = deck(&mut rng, containers.len(), &[(300, 0.3)], 200u32);
    // Colour only where scanners deliver it: JPEG pages and PDF batches.
    let can_be_colour = |c: Container| matches!(c, Container::Jpeg | Container::PdfBatch);
    let coloured = containers.iter().filter(|(c, _)| can_be_colour(*c)).count();
    let mut colours = deck(&mut rng, coloured, &[(true, 0.4)], false);

    containers
        .into_iter()
        .enumerate()
        .map(|(i, (container, n))| {
            let sheets = (0..n)
                .map(|_| match container {
                    Container::Digital => SheetPlan {
                        class: FontClass::Printed,
                        quarter_turns: 0,
                    },
                    _ => SheetPlan {
                        class: classes.pop().unwrap_or(FontClass::Printed),
                        quarter_turns: turns.pop().unwrap_or(0),
                    },
                })
                .collect();
            SamplePlan {
                number: i + 1,
                container,
                sheets,
                dpi: dpis.pop().unwrap_or(200),
                colour: can_be_colour(container) && colours.pop().unwrap_or(false),
                seed: rng.random(),
            }
        })
        .collect()
}

/// `n` values: each listed one its share of `n` (at least one if `n` is
/// large enough to spare it), the rest `otherwise`, shuffled.
fn deck<T: Copy>(rng: &mut StdRng, n: usize, shares: &[(T, f64)], otherwise: T) -> Vec<T> {
    let mut cards = Vec::with_capacity(n);
    for (value, share) in shares {
        let mut k = (n as f64 * share).round() as usize;
        if k == 0 && n as f64 * share >= 0.3 {
            k = 1;
        }
        cards.extend(std::iter::repeat_n(*value, k.min(n - cards.len())));
    }
    cards.resize(n, otherwise);
    cards.shuffle(rng);
    cards
}
