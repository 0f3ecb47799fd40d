//! The caseworker's room: the callback queue, a registration's page with
//! claims, call attempts and closing, the dashboard, and paper triage
//! (`staff::triage`). Caseworkers and admins only.

mod dashboard;
mod queue;
mod registration;

use axum::Router;

use super::triage;
use super::{Access, Room, auth, texts, view};
use crate::web::AppState;

pub fn rooms() -> Vec<Room> {
    vec![
        Room::new(Access::Caseworker)
            .get("/staff/queue", queue::queue_page)
            .post("/staff/queue", queue::queue_search)
            .get("/staff/registrations/{id}", registration::page)
            .post("/staff/registrations/{id}/claim", registration::claim)
            .post("/staff/registrations/{id}/release", registration::release)
            .post(
                "/staff/registrations/{id}/attempts",
                registration::log_attempt,
            )
            .post("/staff/registrations/{id}/close", registration::close)
            .get("/staff/dashboard", dashboard::dashboard_page)
            .get("/staff/triage", triage::list_page)
            .get("/staff/triage/{id}", triage::item_page)
            .get("/staff/triage/{id}/image", triage::image)
            .post("/staff/triage/{id}/convert", triage::convert)
            .post("/staff/triage/{id}/link", triage::link)
            .post("/staff/triage/{id}/close", triage::close),
    ]
}

pub fn router(state: &AppState) -> Router<AppState> {
    super::rooms::router(rooms(), state)
}

/// For the admin's take-over, which shares the registration page's code.
pub(super) use registration::take_over;
