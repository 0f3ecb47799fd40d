//! CCITT fax coding as TIFF stores it: Modified Huffman (Compression 2),
//! Group 3 in 1-D and 2-D (Compression 3) and Group 4 (Compression 4),
//! with either bit order in the byte. The code tables are the `fax`
//! crate's; its own Group 3 decoder wants an EOL before and after every
//! line and reads neither 2-D lines nor Modified Huffman, which TIFFs from
//! fax servers use, so the lines are decoded here.

use fax::BitReader;
use fax::maps::{Mode, black, mode, white};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Coding {
    /// Compression 2: 1-D lines, no EOLs, each line from a byte boundary.
    ModifiedHuffman,
    /// Compression 3: lines after EOLs; with `two_d` (T4Options bit 0)
    /// each EOL is followed by a bit saying whether the line is 1-D.
    Group3 { two_d: bool },
    /// Compression 4: 2-D lines, each against the one above.
    Group4,
}

/// Decodes one strip into `rows` (`width` bytes a line, 1 where the code
/// says black, 0 where it says white). Returns how many lines were read:
/// damaged data ends the strip there and the lines below stay white, as
/// a fax machine prints them.
pub(super) fn decode(
    data: &[u8],
    reverse_bits: bool,
    width: usize,
    coding: Coding,
    rows: &mut [u8],
) -> usize {
    if width == 0 {
        return 0;
    }
    let mut bits = Bits {
        data,
        position: 0,
        reverse: reverse_bits,
    };
    let mut reference = vec![0u8; width];
    let mut done = 0;
    for row in rows.chunks_exact_mut(width) {
        if bits.at_end() {
            break;
        }
        let read = match coding {
            Coding::ModifiedHuffman => {
                let read = line_1d(&mut bits, row);
                bits.align();
                read
            }
            Coding::Group3 { two_d } => {
                let after_eol = bits.eol();
                let one_d = !(two_d && after_eol) || bits.take(1) == Some(1);
                // Return To Control: EOLs with nothing between them.
                if bits.at_end() || (after_eol && bits.peek(11) == Some(0)) {
                    break;
                }
                if one_d {
                    line_1d(&mut bits, row)
                } else {
                    line_2d(&mut bits, &reference, row)
                }
            }
            Coding::Group4 => {
                // End of facsimile block.
                if bits.peek(12) == Some(1) {
                    break;
                }
                line_2d(&mut bits, &reference, row)
            }
        };
        if read.is_none() {
            break;
        }
        reference.copy_from_slice(row);
        done += 1;
    }
    done
}

/// The input's bits, first bit the most significant unless `reverse`
/// (FillOrder 2). Past the end it reads zeros, which no run code is made
/// of, so a code cut short fails instead of reading garbage.
struct Bits<'a> {
    data: &'a [u8],
    position: usize,
    reverse: bool,
}

impl Bits<'_> {
    fn byte(&self, index: usize) -> u32 {
        let byte = self.data.get(index).copied().unwrap_or(0);
        u32::from(if self.reverse {
            byte.reverse_bits()
        } else {
            byte
        })
    }

    fn at_end(&self) -> bool {
        self.position >= self.data.len() * 8
    }

    fn take(&mut self, n: u8) -> Option<u16> {
        let value = self.peek(n)?;
        self.position += usize::from(n);
        Some(value)
    }

    fn align(&mut self) {
        self.position = self.position.div_ceil(8) * 8;
    }

    /// Skips fill bits and an EOL (eleven or more zeros, then a one) if one
    /// is next; leaves the position alone otherwise.
    fn eol(&mut self) -> bool {
        let start = self.position;
        let mut zeros = 0;
        while self.peek(1) == Some(0) && !self.at_end() {
            self.position += 1;
            zeros += 1;
        }
        if zeros >= 11 && !self.at_end() {
            self.position += 1;
            true
        } else {
            if !self.at_end() {
                self.position = start;
            }
            false
        }
    }
}

impl BitReader for Bits<'_> {
    type Error = ();

    fn peek(&self, bits: u8) -> Option<u16> {
        if bits > 16 {
            return None;
        }
        let index = self.position / 8;
        let window = self.byte(index) << 16 | self.byte(index + 1) << 8 | self.byte(index + 2);
        let shift = 24 - (self.position % 8) - usize::from(bits);
        Some(((window >> shift) & ((1 << bits) - 1)) as u16)
    }

    fn consume(&mut self, bits: u8) -> Result<(), ()> {
        self.position += usize::from(bits);
        Ok(())
    }

    fn bits_to_byte_boundary(&self) -> u8 {
        ((8 - self.position % 8) % 8) as u8
    }
}

/// One run: make-up codes, then the terminating code under 64.
fn run(bits: &mut Bits, is_black: bool) -> Option<usize> {
    let mut sum = 0usize;
    loop {
        let n = usize::from(if is_black {
            black::decode(bits)?
        } else {
            white::decode(bits)?
        });
        sum += n;
        if n < 64 {
            return Some(sum);
        }
        if bits.at_end() {
            return None;
        }
    }
}

fn fill(row: &mut [u8], from: usize, to: usize, is_black: bool) {
    let to = to.min(row.len());
    if is_black && from < to {
        row[from..to].fill(1);
    }
}

/// A line of alternating white and black runs, starting with white.
fn line_1d(bits: &mut Bits, row: &mut [u8]) -> Option<()> {
    let width = row.len();
    let mut a0 = 0;
    let mut is_black = false;
    loop {
        let n = run(bits, is_black)?;
        fill(row, a0, a0 + n, is_black);
        a0 += n;
        if a0 >= width {
            return Some(());
        }
        is_black = !is_black;
    }
}

/// Where the reference line changes colour to `to_black` after `a0`
/// (`None` for before the line's start), and its next change after
/// that; the line's width where there is none.
fn b1_b2(reference: &[u8], a0: Option<usize>, is_black: bool) -> (usize, usize) {
    let width = reference.len();
    let changes = |from: usize| {
        (from..width).find(|&x| {
            let before = if x == 0 { 0 } else { reference[x - 1] };
            reference[x] != before
        })
    };
    let opposite = u8::from(!is_black);
    let mut from = a0.map_or(0, |a| a + 1);
    let b1 = loop {
        match changes(from) {
            Some(x) if reference[x] == opposite => break x,
            Some(x) => from = x + 1,
            None => break width,
        }
    };
    let b2 = if b1 < width {
        changes(b1 + 1).unwrap_or(width)
    } else {
        width
    };
    (b1, b2)
}

/// A line coded against the one above (T.4 2-D, T.6).
fn line_2d(bits: &mut Bits, reference: &[u8], row: &mut [u8]) -> Option<()> {
    let width = row.len();
    let mut a0: Option<usize> = None;
    let mut is_black = false;
    while a0.is_none_or(|a| a < width) {
        let start = a0.unwrap_or(0);
        match mode::decode(bits)? {
            Mode::Pass => {
                let (_, b2) = b1_b2(reference, a0, is_black);
                fill(row, start, b2, is_black);
                a0 = Some(b2);
            }
            Mode::Horizontal => {
                let a1 = start + run(bits, is_black)?;
                let a2 = a1 + run(bits, !is_black)?;
                fill(row, start, a1, is_black);
                fill(row, a1, a2, !is_black);
                a0 = Some(a2);
            }
            Mode::Vertical(delta) => {
                let (b1, _) = b1_b2(reference, a0, is_black);
                let a1 = b1.checked_add_signed(delta.into())?;
                if a1 > width || a0.is_some_and(|a| a1 < a) {
                    return None;
                }
                fill(row, start, a1, is_black);
                a0 = Some(a1);
                is_black = !is_black;
            }
            Mode::Extension | Mode::EOF => return None,
        }
    }
    Some(())
}
