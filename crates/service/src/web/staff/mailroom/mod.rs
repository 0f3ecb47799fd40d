//! The mailroom's room: uploading scanned forms in batches, following a
//! batch's reading, and the verification station (`staff::verify`) where
//! uncertain readings are checked. Mailroom staff and admins only.

mod texts;
mod upload;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::post;

use super::verify;
use super::{Access, Room, auth, view};
use crate::web::AppState;

pub fn rooms() -> Vec<Room> {
    vec![
        Room::new(Access::Mailroom)
            .get("/staff/mailroom", upload::upload_page)
            // Scans are large: the upload counts its own bytes against
            // `scanning.upload_bytes` instead of the router's small limit.
            .route(
                Method::POST,
                "/staff/mailroom",
                post(upload::upload).layer(DefaultBodyLimit::disable()),
            )
            .get("/staff/mailroom/batches/{id}", upload::batch_page)
            .get("/staff/verify", verify::list_page)
            .get("/staff/verify/{id}", verify::form_page)
            .post("/staff/verify/{id}", verify::submit)
            .get("/staff/verify/{id}/pages", verify::pages_page)
            .get("/staff/verify/{id}/image", verify::page_image)
            .get("/staff/verify/{id}/crop", verify::crop),
    ]
}

pub fn router(state: &AppState) -> Router<AppState> {
    super::rooms::router(rooms(), state)
}
