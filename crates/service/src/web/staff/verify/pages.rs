//! The pictures of the verification station: a registration's whole pages
//! with the fields to check framed on them, the page images themselves, and
//! each field's crop. Only for registrations waiting for review.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use time::OffsetDateTime;

use super::super::Access;
use super::super::auth::Signed;
use super::super::texts::fill;
use super::super::view::{Chrome, CopyNote, MessageKind, message, render};
use super::texts::{VerifyTexts, verify_texts};
use super::{awaiting, definition_of, flagged, images};
use crate::store::audit::AuditAction;
use crate::store::review::PageImage;
use crate::web::{AppError, AppState, IdPath};
use intake_paper::printable::Layout;

struct BoxView {
    x: f64,
    y: f64,
    width: f64,
    height: f64,
    label: String,
}

struct PageView {
    number: u32,
    src: String,
    alt: String,
    boxes: Vec<BoxView>,
}

#[derive(Template)]
#[template(path = "staff/verify_pages.html")]
struct PagesPage {
    chrome: Chrome,
    t: &'static VerifyTexts,
    id: String,
    reference: String,
    pages: Vec<PageView>,
    /// The registrations whose sheets this form was a copy of.
    copy_notes: Vec<CopyNote>,
    width_mm: f64,
    height_mm: f64,
}

/// The whole pages, with the fields to check framed on them.
pub async fn pages_page(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
) -> Result<Response, AppError> {
    let Some(registration) = awaiting(&state, id).await? else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let t = verify_texts(staff.lang);
    state
        .store
        .audit_event(
            staff.id(),
            Some(registration.id),
            AuditAction::View,
            "verify: page images",
            OffsetDateTime::now_utc(),
        )
        .await?;
    let definition = definition_of(&state, &registration);
    let layout = Layout::from_definition(definition);
    let flagged = flagged(definition, &registration);
    let images = state
        .store
        .registration_page_images(registration.id)
        .await?;
    let copied = state.store.copied_sheets(registration.id).await?;
    // The mailroom sees the note; only who may open a registration's page
    // gets the reference as a link.
    let linked = Access::Caseworker.allows(Some(staff.session.member.role));
    let copy_notes = CopyNote::all(
        t.copy_note,
        copied.iter().map(|c| (c.id, c.reference.as_str())),
        linked,
    );
    let pages = images
        .iter()
        .map(|image: &PageImage| PageView {
            number: image.form_page,
            src: format!(
                "/staff/verify/{}/image?form_page={}",
                registration.id, image.form_page
            ),
            alt: fill(t.page_alt, &image.form_page.to_string()),
            boxes: flagged
                .iter()
                .filter_map(|(def, _)| {
                    let placed = layout.field(&def.id)?;
                    (placed.page == image.form_page).then(|| BoxView {
                        x: placed.box_mm[0] - 1.0,
                        y: placed.box_mm[1] - 1.0,
                        width: placed.box_mm[2] + 2.0,
                        height: placed.box_mm[3] + 2.0,
                        label: def.label(staff.lang).to_string(),
                    })
                })
                .collect(),
        })
        .collect();
    let page = PagesPage {
        chrome: Chrome::signed(&staff, "/staff/verify"),
        t,
        id: registration.id.to_string(),
        reference: registration.reference.to_string(),
        pages,
        copy_notes,
        width_mm: layout.page.width_mm,
        height_mm: layout.page.height_mm,
    };
    render(StatusCode::OK, &page)
}

#[derive(Deserialize)]
pub struct ImageQuery {
    form_page: Option<u32>,
}

/// One whole page image (JPEG), as stored.
pub async fn page_image(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
    Query(query): Query<ImageQuery>,
) -> Result<Response, AppError> {
    let Some(registration) = awaiting(&state, id).await? else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    let images = state
        .store
        .registration_page_images(registration.id)
        .await?;
    let wanted = query.form_page.unwrap_or(1);
    let Some(image) = images.iter().find(|i| i.form_page == wanted) else {
        return Ok(message(staff.lang, MessageKind::NotFound));
    };
    match images::read_stored(&state.pipeline.blobs, &image.image_path).await? {
        Some(bytes) => Ok(images::image_response(bytes, "image/jpeg")),
        None => Ok(message(staff.lang, MessageKind::NotFound)),
    }
}

#[derive(Deserialize)]
pub struct CropQuery {
    field: Option<String>,
}

/// A field's picture (PNG), cut from its page image by the layout.
pub async fn crop(
    State(state): State<AppState>,
    staff: Signed,
    IdPath(id): IdPath,
    Query(query): Query<CropQuery>,
) -> Result<Response, AppError> {
    let not_found = || Ok(message(staff.lang, MessageKind::NotFound));
    let Some(registration) = awaiting(&state, id).await? else {
        return not_found();
    };
    let definition = definition_of(&state, &registration);
    let layout = Layout::from_definition(definition);
    let Some(placed) = query.field.as_deref().and_then(|f| layout.field(f)) else {
        return not_found();
    };
    let images = state
        .store
        .registration_page_images(registration.id)
        .await?;
    let Some(image) = images.iter().find(|i| i.form_page == placed.page) else {
        return not_found();
    };
    match images::crop_png(&state.pipeline.blobs, &image.image_path, placed.box_mm).await? {
        Some(png) => Ok(images::image_response(png, "image/png")),
        None => not_found(),
    }
}
