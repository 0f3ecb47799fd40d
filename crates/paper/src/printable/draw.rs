//! Draws one printed page: registration marks, QR code, header, fields and
//! footer, each where the layout says. Field boxes come straight from the
//! layout; labels and hints go where `style` told the layout to leave room.

use intake_core::form::{FieldDef, FieldType, FormDefinition};

use super::PaperError;
use super::canvas::Canvas;
use super::layout::{BoxMm, CONTENT_MM, FieldBox, FieldKind, Layout, QR_CLEAR_MM};
use super::qr::QrPayload;
use super::style::{
    self, CHECK, CHECK_TEXT_GAP, HINT_GAP, HINT_LEADING, LABEL_BASELINE, LABEL_EN_GAP, LABEL_H,
    Line, comb_slots, consent_lines, hint_beside, hint_inline, hint_lines, label_en, label_main,
    option_lines,
};
use super::text::{Font, wrap};

/// The service's own words on the paper form, sv / fi with en in small.
const CAPITALS: &str = "TEXTA TYDLIGT MED VERSALER / KIRJOITA SELVÄSTI SUURAKKOSIN";
const HOW_TO_FILL: &str = "Ett tecken per ruta. Kryssa (X) i rutan för ditt val. / Yksi merkki ruutuun. Merkitse valintasi rastilla (X).";
const HOW_TO_FILL_EN: &str =
    "Please write clearly in block capitals, one character per box, and mark your choices with X.";
const REQUIRED: &str = "* obligatorisk / pakollinen / required";
const SERIAL_LABEL: &str = "Blankettnummer / Lomakenumero";
const PAGE_LABEL: &str = "Sida / Sivu";

/// Stroke widths in points: boxes thin enough not to swallow handwriting,
/// checkboxes a little heavier so they are found on a poor copy.
const BOX_PT: f32 = 0.6;
const CHECK_PT: f32 = 0.9;

const BLACK: f64 = 0.0;
/// The payload line under the footer: small, and between the lower marks'
/// clear zones (some 40 mm wide, centred).
const PAYLOAD_PT: f64 = 5.0;
const PAYLOAD_BELOW_MM: f64 = 3.2;
/// The header's intro ends above the instruction band at 39 mm.
const INTRO_LAST_BASELINE: f64 = 37.5;

pub fn page(
    definition: &FormDefinition,
    layout: &Layout,
    page: u32,
    serial: &str,
) -> Result<Vec<u8>, PaperError> {
    let mut canvas = Canvas::new();
    for mark in &layout.marks {
        canvas.fill_rect(mark.box_mm, BLACK);
    }
    let payload = QrPayload {
        form: layout.form.clone(),
        version: layout.version,
        page,
        serial: serial.to_string(),
    };
    qr_code(&mut canvas, &payload, layout.qr.box_mm)?;
    header(&mut canvas, definition, layout, serial);
    footer(&mut canvas, layout, &payload);
    for placed in layout.fields_on(page) {
        if let Some(field) = definition.field(&placed.id) {
            draw_field(&mut canvas, field, placed);
        }
    }
    Ok(canvas.encode()?)
}

/// Dark modules as rectangles, one per horizontal run to keep the stream
/// small; the symbol fills the layout's QR box exactly.
fn qr_code(canvas: &mut Canvas, payload: &QrPayload, area: BoxMm) -> Result<(), PaperError> {
    let (modules, width) = payload.modules()?;
    let module = area[2] / width as f64;
    let mut runs = Vec::new();
    for row in 0..width {
        let mut col = 0;
        while col < width {
            if !modules[row * width + col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < width && modules[row * width + col] {
                col += 1;
            }
            let x = area[0] + start as f64 * module;
            let y = area[1] + row as f64 * module;
            runs.push([x, y, (col - start) as f64 * module, module]);
        }
    }
    canvas.fill_rects(&runs);
    Ok(())
}

fn header(canvas: &mut Canvas, definition: &FormDefinition, layout: &Layout, serial: &str) {
    let [left, _, width, _] = CONTENT_MM;
    let right = left + width;
    let text_right = layout.qr.box_mm[0] - QR_CLEAR_MM - 2.0;
    let title = &definition.form.title;
    // A long title is set smaller rather than run under the QR code.
    let mut heading = Line::new(
        Font::Bold,
        14.0,
        format!("{} / {}", title.sv, title.fi),
        false,
    );
    while heading.size_pt > 9.0 && heading.width_mm() > text_right - left {
        heading.size_pt -= 0.5;
    }
    canvas.text(left, 16.0, &heading);
    canvas.text(left, 20.8, &Line::new(Font::Oblique, 9.0, &title.en, true));
    if let Some(intro) = &definition.form.intro {
        let mut baseline = 25.6;
        for (text, font, size, grey) in [
            (&intro.sv, Font::Regular, 8.0, false),
            (&intro.fi, Font::Regular, 8.0, false),
            (&intro.en, Font::Oblique, 7.0, true),
        ] {
            for words in wrap(text, font, size, text_right - left) {
                // The band below is fixed; an intro longer than three or
                // four lines is a definition to shorten, not to overprint.
                if baseline > INTRO_LAST_BASELINE {
                    break;
                }
                canvas.text(left, baseline, &Line::new(font, size, words, grey));
                baseline += size * 0.42;
            }
        }
    }
    let qr = layout.qr.box_mm;
    let serial_line = Line::new(Font::Mono, 8.0, serial, false);
    canvas.text_centred(qr[0] + qr[2] / 2.0, qr[1] + qr[3] + 5.0, &serial_line);

    // The instruction band: grey so it reads as guidance, not a field.
    let band = [left, 39.0, width, 10.0];
    canvas.fill_rect(band, 0.88);
    let x = left + 2.0;
    canvas.text(
        x,
        band[1] + 3.9,
        &Line::new(Font::Bold, 9.0, CAPITALS, false),
    );
    canvas.text(
        x,
        band[1] + 6.7,
        &Line::new(Font::Regular, 6.5, HOW_TO_FILL, false),
    );
    canvas.text(
        x,
        band[1] + 9.0,
        &Line::new(Font::Oblique, 6.5, HOW_TO_FILL_EN, true),
    );
    let required = Line::new(Font::Regular, 6.5, REQUIRED, false);
    canvas.text_right(right - 2.0, band[1] + 3.9, &required);
}

/// Form, serial and page along the bottom, between the lower marks; below
/// them the QR code's payload in small type. The code is drawn squares, so
/// a form filled in on a computer and printed to PDF (its fields flattened
/// into page text) is named by this line instead.
fn footer(canvas: &mut Canvas, layout: &Layout, payload: &QrPayload) {
    let (page, serial) = (payload.page, payload.serial.as_str());
    let [left, _, width, _] = CONTENT_MM;
    let baseline = layout.page.height_mm - 12.5;
    let form = format!("{} · v{}", layout.form, layout.version);
    canvas.text(left, baseline, &Line::new(Font::Regular, 6.5, form, true));
    let label = Line::new(Font::Regular, 6.5, format!("{SERIAL_LABEL} "), true);
    let serial = Line::new(Font::Mono, 8.0, serial, false);
    let start = left + width / 2.0 - (label.width_mm() + serial.width_mm()) / 2.0;
    canvas.text(start, baseline, &label);
    canvas.text(start + label.width_mm(), baseline, &serial);
    let pages = format!("{PAGE_LABEL} {page} ({})", layout.pages);
    canvas.text_right(
        left + width,
        baseline,
        &Line::new(Font::Regular, 6.5, pages, true),
    );
    let machine = Line::new(Font::Mono, PAYLOAD_PT, payload.to_string(), true);
    canvas.text_centred(left + width / 2.0, baseline + PAYLOAD_BELOW_MM, &machine);
}

fn draw_field(canvas: &mut Canvas, field: &FieldDef, placed: &FieldBox) {
    let b = placed.box_mm;
    if field.field_type == FieldType::Consent {
        consent(canvas, field, placed);
        return;
    }
    let block_top = b[1] - LABEL_H;
    let baseline = block_top + LABEL_BASELINE;
    let main = label_main(field);
    canvas.text(b[0], baseline, &main);
    canvas.text(
        b[0] + main.width_mm() + LABEL_EN_GAP,
        baseline,
        &label_en(field),
    );
    if let Some(hint) = &field.hint {
        if hint_beside(field) {
            let x = b[0] + b[2] + HINT_GAP;
            for (i, line) in hint_lines(hint).iter().enumerate() {
                canvas.text(x, b[1] + 2.4 + i as f64 * HINT_LEADING, line);
            }
        } else {
            let line = hint_inline(hint);
            canvas.text(b[0] + b[2] - line.width_mm(), baseline, &line);
        }
    }
    match placed.kind {
        FieldKind::Comb => comb(canvas, field, placed),
        FieldKind::Line | FieldKind::Signature => canvas.stroke_rect(b, BOX_PT, BLACK),
        FieldKind::Choice => options(canvas, field, placed),
    }
}

/// The cells, and a printed dot in each separator slot of a date.
fn comb(canvas: &mut Canvas, field: &FieldDef, placed: &FieldBox) {
    for cell in &placed.cell_boxes_mm {
        canvas.stroke_rect(*cell, BOX_PT, BLACK);
    }
    let Some((slots, dots)) = comb_slots(field.field_type) else {
        return;
    };
    let b = placed.box_mm;
    let slot_w = b[2] / slots as f64;
    for &dot in dots {
        let centre = b[0] + (dot as f64 + 0.5) * slot_w;
        canvas.fill_rect([centre - 0.45, b[1] + b[3] - 1.6, 0.9, 0.9], BLACK);
    }
}

fn options(canvas: &mut Canvas, field: &FieldDef, placed: &FieldBox) {
    for (option, boxed) in field.options.iter().zip(placed.options.iter().flatten()) {
        let b = boxed.box_mm;
        canvas.stroke_rect(b, CHECK_PT, BLACK);
        let x = b[0] + CHECK + CHECK_TEXT_GAP;
        let lines = option_lines(option);
        for (line, baseline) in lines.iter().zip(style::stack(&lines, b[1])) {
            canvas.text(x, baseline, line);
        }
    }
}

fn consent(canvas: &mut Canvas, field: &FieldDef, placed: &FieldBox) {
    let b = placed.box_mm;
    let Some(check) = placed.options.iter().flatten().next() else {
        return;
    };
    canvas.stroke_rect(check.box_mm, CHECK_PT, BLACK);
    let x = b[0] + CHECK + CHECK_TEXT_GAP;
    let lines = consent_lines(field, b[2] - CHECK - CHECK_TEXT_GAP);
    for (line, baseline) in lines.iter().zip(style::stack(&lines, b[1])) {
        canvas.text(x, baseline, line);
    }
}
