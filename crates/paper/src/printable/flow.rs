//! The automatic layout: paper fields in definition order, packed into rows
//! across the content area and rows down the page, onto a further page when
//! one is full. Each field is a block: its label line on top, its box
//! below. Sizes are for handwriting: 6 x 8 mm comb cells, 5 mm checkboxes.

use intake_core::form::{Channel, FieldDef, FieldType, FormDefinition};

use super::layout::{BoxMm, CONTENT_MM, FieldBox, FieldKind, OptionBox, round_mm};
use super::style::{
    CHECK, CHECK_TEXT_GAP, HINT_GAP, LABEL_H, comb_slots, consent_lines, hint_width, label_width,
    option_lines, option_text_width, stack_height,
};

const CELL_W: f64 = 6.0;
const CELL_H: f64 = 8.0;
const LINE_H: f64 = 8.5;
const OPTION_ROW_GAP: f64 = 1.5;
const OPTION_COL_GAP: f64 = 4.0;
/// Option columns are at least this wide, so that short options do not huddle.
const OPTION_MIN_COL: f64 = 24.0;
const SIGNATURE_H: f64 = 16.0;
const SIGNATURE_MIN_W: f64 = 90.0;
const LINE_MIN_W: f64 = 60.0;
/// Text fields allowing more characters than this get a full-width line.
const SHORT_TEXT: usize = 60;
/// Between blocks side by side, and between rows.
const BLOCK_GAP: f64 = 8.0;
const ROW_GAP: f64 = 2.8;

/// How one field's block is sized before it is placed.
struct Block<'a> {
    field: &'a FieldDef,
    kind: FieldKind,
    min_w: f64,
    stretch: bool,
    full_row: bool,
}

impl<'a> Block<'a> {
    fn of(field: &'a FieldDef) -> Block<'a> {
        let label = label_width(field);
        let (kind, min_w, stretch, full_row) = match field.field_type {
            _ if comb_slots(field.field_type).is_some() => {
                let hint = hint_width(field);
                let beside = if hint > 0.0 { HINT_GAP + hint } else { 0.0 };
                (
                    FieldKind::Comb,
                    (comb_width(field) + beside).max(label),
                    false,
                    false,
                )
            }
            FieldType::Choice | FieldType::Consent => {
                (FieldKind::Choice, CONTENT_MM[2], false, true)
            }
            FieldType::Signature => (
                FieldKind::Signature,
                SIGNATURE_MIN_W.max(label + 4.0 + hint_width(field)),
                true,
                false,
            ),
            _ => {
                let long = field.field_type == FieldType::Email
                    || field.max_length.is_none_or(|n| n > SHORT_TEXT);
                let min = LINE_MIN_W.max(label + 4.0 + hint_width(field));
                (FieldKind::Line, min, true, long)
            }
        };
        Block {
            field,
            kind,
            min_w: min_w.min(CONTENT_MM[2]),
            stretch,
            full_row,
        }
    }

    /// Height of the whole block at the given width, label included.
    fn height(&self, width: f64) -> f64 {
        match (self.kind, self.field.field_type) {
            (_, FieldType::Consent) => consent_height(self.field, width),
            (FieldKind::Comb, _) => LABEL_H + CELL_H,
            (FieldKind::Line, _) => LABEL_H + LINE_H,
            (FieldKind::Signature, _) => LABEL_H + SIGNATURE_H,
            (FieldKind::Choice, _) => LABEL_H + OptionGrid::of(self.field, width).height(),
        }
    }

    /// The field's boxes, its block placed at (x, y) with the given width.
    fn place(&self, page: u32, x: f64, y: f64, width: f64) -> FieldBox {
        let field = self.field;
        let mut placed = FieldBox {
            id: field.id.clone(),
            kind: self.kind,
            page,
            box_mm: [0.0; 4],
            cells: None,
            cell_boxes_mm: Vec::new(),
            options: None,
        };
        let top = y + LABEL_H;
        match (self.kind, field.field_type) {
            (_, FieldType::Consent) => {
                placed.box_mm = [x, y, width, consent_height(field, width)];
                placed.options = Some(vec![OptionBox {
                    value: "yes".into(),
                    box_mm: [x, y, CHECK, CHECK],
                }]);
            }
            (FieldKind::Comb, _) => {
                let (slots, dots) = comb_slots(field.field_type).unwrap_or((0, &[]));
                placed.box_mm = [x, top, slots as f64 * CELL_W, CELL_H];
                placed.cell_boxes_mm = (0..slots)
                    .filter(|slot| !dots.contains(slot))
                    .map(|slot| [x + slot as f64 * CELL_W, top, CELL_W, CELL_H])
                    .collect();
                placed.cells = Some(placed.cell_boxes_mm.len());
            }
            (FieldKind::Line, _) => placed.box_mm = [x, top, width, LINE_H],
            (FieldKind::Signature, _) => placed.box_mm = [x, top, width, SIGNATURE_H],
            (FieldKind::Choice, _) => {
                let grid = OptionGrid::of(field, width);
                placed.box_mm = [x, top, width, grid.height()];
                placed.options = Some(
                    field
                        .options
                        .iter()
                        .enumerate()
                        .map(|(i, option)| {
                            let col = (i % grid.columns) as f64;
                            let row = (i / grid.columns) as f64;
                            let ox = x + col * grid.pitch;
                            let oy = top + row * (grid.row_h + OPTION_ROW_GAP);
                            OptionBox {
                                value: option.value.clone(),
                                box_mm: [ox, oy, CHECK, CHECK],
                            }
                        })
                        .collect(),
                );
            }
        }
        round_field(placed)
    }
}

fn comb_width(field: &FieldDef) -> f64 {
    comb_slots(field.field_type).map_or(0.0, |(slots, _)| slots as f64 * CELL_W)
}

fn consent_height(field: &FieldDef, width: f64) -> f64 {
    stack_height(&consent_lines(field, width - CHECK - CHECK_TEXT_GAP))
}

/// How a choice's options sit: in columns as wide as the widest option,
/// so that the checkboxes line up, as many as fit across.
struct OptionGrid {
    columns: usize,
    rows: usize,
    /// From one column's checkbox to the next.
    pitch: f64,
    /// One row of options: checkbox and the label's three lines.
    row_h: f64,
}

impl OptionGrid {
    fn of(field: &FieldDef, width: f64) -> OptionGrid {
        let widest = field
            .options
            .iter()
            .map(|o| CHECK + CHECK_TEXT_GAP + option_text_width(o))
            .fold(OPTION_MIN_COL, f64::max);
        let pitch = widest + OPTION_COL_GAP;
        let fit = ((width + OPTION_COL_GAP) / pitch).floor() as usize;
        let columns = fit.clamp(1, field.options.len().max(1));
        OptionGrid {
            columns,
            rows: field.options.len().div_ceil(columns).max(1),
            pitch,
            row_h: field
                .options
                .iter()
                .map(|o| stack_height(&option_lines(o)))
                .fold(CHECK, f64::max),
        }
    }

    fn height(&self) -> f64 {
        self.rows as f64 * self.row_h + (self.rows - 1) as f64 * OPTION_ROW_GAP
    }
}

fn round_box(b: BoxMm) -> BoxMm {
    b.map(round_mm)
}

fn round_field(mut field: FieldBox) -> FieldBox {
    field.box_mm = round_box(field.box_mm);
    for cell in &mut field.cell_boxes_mm {
        *cell = round_box(*cell);
    }
    for option in field.options.iter_mut().flatten() {
        option.box_mm = round_box(option.box_mm);
    }
    field
}

/// Lays out the paper fields; returns them and the number of pages.
pub fn flow(definition: &FormDefinition) -> (Vec<FieldBox>, u32) {
    let blocks: Vec<Block> = definition
        .fields_for(Channel::Paper)
        .map(Block::of)
        .collect();
    let rows = pack_rows(&blocks);
    let [left, top, _, height] = CONTENT_MM;
    let bottom = top + height;
    let mut placed = Vec::new();
    let (mut page, mut y) = (1, top);
    for row in rows {
        let widths = row_widths(&blocks, &row);
        let row_h = row
            .iter()
            .zip(&widths)
            .map(|(&i, &w)| blocks[i].height(w))
            .fold(0.0, f64::max);
        if y + row_h > bottom && y > top {
            page += 1;
            y = top;
        }
        let mut x = left;
        for (&i, &w) in row.iter().zip(&widths) {
            placed.push(blocks[i].place(page, x, y, w));
            x += w + BLOCK_GAP;
        }
        y += row_h + ROW_GAP;
    }
    (placed, page)
}

/// Groups blocks into rows, in order: a block joins the current row while
/// the row's minimum widths still fit; a full-width block has a row alone.
fn pack_rows(blocks: &[Block]) -> Vec<Vec<usize>> {
    let width = CONTENT_MM[2];
    let mut rows: Vec<Vec<usize>> = Vec::new();
    let mut current: Vec<usize> = Vec::new();
    let mut used = 0.0;
    for (i, block) in blocks.iter().enumerate() {
        let needed = if current.is_empty() {
            block.min_w
        } else {
            used + BLOCK_GAP + block.min_w
        };
        if block.full_row || needed > width {
            if !current.is_empty() {
                rows.push(std::mem::take(&mut current));
            }
            if block.full_row {
                rows.push(vec![i]);
                used = 0.0;
                continue;
            }
            used = block.min_w;
        } else {
            used = needed;
        }
        current.push(i);
    }
    if !current.is_empty() {
        rows.push(current);
    }
    rows
}

/// Each block's width in its row: the minimum, with what is left over
/// shared by the blocks that stretch. A lone full-row block takes it all.
fn row_widths(blocks: &[Block], row: &[usize]) -> Vec<f64> {
    let width = CONTENT_MM[2];
    if let [only] = row
        && blocks[*only].full_row
    {
        return vec![width];
    }
    let used: f64 = row.iter().map(|&i| blocks[i].min_w).sum::<f64>()
        + BLOCK_GAP * (row.len().saturating_sub(1)) as f64;
    let stretchers = row.iter().filter(|&&i| blocks[i].stretch).count();
    let extra = if stretchers > 0 {
        (width - used).max(0.0) / stretchers as f64
    } else {
        0.0
    };
    row.iter()
        .map(|&i| blocks[i].min_w + if blocks[i].stretch { extra } else { 0.0 })
        .collect()
}
