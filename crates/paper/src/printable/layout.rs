//! Where everything sits on the printed form, in millimetres from the top
//! left corner of an A4 page. The recogniser reads a scan by this layout;
//! the PDF is drawn from it, so the two cannot drift apart.

use serde::{Deserialize, Serialize};

use intake_core::form::FormDefinition;

use super::flow;

/// `[x, y, width, height]` in millimetres, from the page's top left corner.
pub type BoxMm = [f64; 4];

pub const PAGE_WIDTH_MM: f64 = 210.0;
pub const PAGE_HEIGHT_MM: f64 = 297.0;
/// Registration marks: solid black squares this far in from each corner,
/// well inside what any office printer can print.
pub const MARK_SIZE_MM: f64 = 6.0;
pub const MARK_INSET_MM: f64 = 10.0;
/// The QR code's symbol (without its quiet zone), top right, beside the mark.
pub const QR_BOX_MM: BoxMm = [168.0, 10.0, 22.0, 22.0];
/// Blank margin kept around the symbol: more than the four modules a
/// reader needs for any version the payload can take.
pub const QR_CLEAR_MM: f64 = 3.0;
/// The area fields may take on every page: below the header, above the
/// footer, and at least 4 mm in from the marks.
pub const CONTENT_MM: BoxMm = [20.0, 51.0, 170.0, 225.0];
/// Nothing is drawn this close to a registration mark, so the recogniser
/// finds it as a lone square.
pub const MARK_CLEAR_MM: f64 = 3.0;

/// How a field is read from paper.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// One box per character.
    Comb,
    /// A free writing box.
    Line,
    /// Checkboxes, one per option (consent is a choice with one, `yes`).
    Choice,
    /// A box for a handwritten signature: read as ink or no ink.
    Signature,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PageSize {
    pub width_mm: f64,
    pub height_mm: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionBox {
    pub value: String,
    /// The checkbox itself.
    pub box_mm: BoxMm,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldBox {
    pub id: String,
    pub kind: FieldKind,
    /// 1-based page of one copy of the form.
    pub page: u32,
    /// For a comb the cells' bounding box, for a line the writing box, for a
    /// choice the area of its checkboxes and their labels.
    pub box_mm: BoxMm,
    /// Combs: how many characters are written (a date's printed dots are
    /// not cells).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cells: Option<usize>,
    /// Combs: each cell, left to right; a date's are `DDMMYYYY`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cell_boxes_mm: Vec<BoxMm>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<OptionBox>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Corner {
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Mark {
    pub corner: Corner,
    pub box_mm: BoxMm,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QrArea {
    /// The symbol, quiet zone not included.
    pub box_mm: BoxMm,
    /// Blank margin kept around it.
    pub clear_mm: f64,
}

/// The paper layout of one form version; the same on every page and copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub form: String,
    pub version: u32,
    pub page: PageSize,
    /// Pages in one copy of the form.
    pub pages: u32,
    pub fields: Vec<FieldBox>,
    /// The four registration marks, on every page.
    pub marks: Vec<Mark>,
    /// The QR code naming form, version, page and serial, on every page.
    pub qr: QrArea,
    /// The area the fields keep within, on every page.
    pub content_mm: BoxMm,
}

impl Layout {
    /// Lays out every paper field of the definition in its order, flowing
    /// onto further pages when one is full. Deterministic: the same
    /// definition always gives the same layout.
    pub fn from_definition(definition: &FormDefinition) -> Layout {
        let (fields, pages) = flow::flow(definition);
        Layout {
            form: definition.id().to_string(),
            version: definition.version(),
            page: PageSize {
                width_mm: PAGE_WIDTH_MM,
                height_mm: PAGE_HEIGHT_MM,
            },
            pages,
            fields,
            marks: marks(),
            qr: QrArea {
                box_mm: QR_BOX_MM,
                clear_mm: QR_CLEAR_MM,
            },
            content_mm: CONTENT_MM,
        }
    }

    pub fn field(&self, id: &str) -> Option<&FieldBox> {
        self.fields.iter().find(|f| f.id == id)
    }

    /// The fields of one page, in definition order.
    pub fn fields_on(&self, page: u32) -> impl Iterator<Item = &FieldBox> {
        self.fields.iter().filter(move |f| f.page == page)
    }

    /// Pretty JSON for `intake form layout <id> --json`, each box on one
    /// line (`"box_mm": [20.0, 55.4, 66.0, 8.0]`) so that a person can read it.
    pub fn to_json(&self) -> String {
        let pretty = serde_json::to_string_pretty(self)
            .expect("a layout is plain data and always serialises");
        inline_number_arrays(&pretty)
    }
}

/// Puts arrays holding only numbers on one line. Numbers contain no
/// brackets or quotes, so an array is all numbers exactly when no `[`, `{`
/// or `"` comes before its closing `]`.
fn inline_number_arrays(pretty: &str) -> String {
    let mut out = String::with_capacity(pretty.len());
    let mut rest = pretty;
    while let Some(open) = rest.find('[') {
        out.push_str(&rest[..=open]);
        rest = &rest[open + 1..];
        let close = rest.find(']').unwrap_or(rest.len());
        let inner = &rest[..close];
        if close < rest.len() && !inner.contains(['[', '{', '"']) {
            let items: Vec<&str> = inner.split(',').map(str::trim).collect();
            out.push_str(&items.join(", "));
            out.push(']');
            rest = &rest[close + 1..];
        }
    }
    out.push_str(rest);
    out
}

fn marks() -> Vec<Mark> {
    let near = MARK_INSET_MM;
    let far_x = PAGE_WIDTH_MM - MARK_INSET_MM - MARK_SIZE_MM;
    let far_y = PAGE_HEIGHT_MM - MARK_INSET_MM - MARK_SIZE_MM;
    [
        (Corner::TopLeft, near, near),
        (Corner::TopRight, far_x, near),
        (Corner::BottomLeft, near, far_y),
        (Corner::BottomRight, far_x, far_y),
    ]
    .into_iter()
    .map(|(corner, x, y)| Mark {
        corner,
        box_mm: [x, y, MARK_SIZE_MM, MARK_SIZE_MM],
    })
    .collect()
}

/// Rounds to 0.01 mm, far below print accuracy, so that the JSON shows
/// 61.5 rather than 61.499999999999993.
pub(crate) fn round_mm(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// `b` grown by `by` on every side.
pub fn grow(b: BoxMm, by: f64) -> BoxMm {
    [b[0] - by, b[1] - by, b[2] + 2.0 * by, b[3] + 2.0 * by]
}

/// Whether two boxes share any area (touching edges do not count).
pub fn overlaps(a: BoxMm, b: BoxMm) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

/// Whether `inner` lies within `outer`.
pub fn contains(outer: BoxMm, inner: BoxMm) -> bool {
    const EPS: f64 = 1e-6;
    inner[0] >= outer[0] - EPS
        && inner[1] >= outer[1] - EPS
        && inner[0] + inner[2] <= outer[0] + outer[2] + EPS
        && inner[1] + inner[3] <= outer[1] + outer[3] + EPS
}
