//! The admin's room: the staff accounts over their life, the audit trails of a
//! member and of a registration, taking over a claimed registration, and
//! the export of closed registrations. Admins only.

mod export;
mod members;

use axum::Router;

use super::caseworker;
use super::{Access, Room, auth, texts, view};
use crate::web::AppState;

pub fn rooms() -> Vec<Room> {
    vec![
        Room::new(Access::Admin)
            .get("/staff/admin/staff", members::staff_list)
            .get("/staff/admin/staff/{id}/audit", members::staff_audit)
            .post("/staff/admin/staff/{id}/unlock", members::unlock)
            .post("/staff/admin/staff/{id}/disable", members::disable)
            .post("/staff/admin/staff/{id}/enable", members::enable)
            .post("/staff/admin/staff/{id}/password", members::set_password)
            .post("/staff/admin/staff/{id}/role", members::set_role)
            .get(
                "/staff/admin/registrations/{id}/audit",
                members::registration_audit,
            )
            .post("/staff/registrations/{id}/take-over", caseworker::take_over)
            .get("/staff/export", export::export_page)
            .get("/staff/export/closed.csv", export::closed_csv)
            .get("/staff/export/closed.json", export::closed_json),
    ]
}

pub fn router(state: &AppState) -> Router<AppState> {
    super::rooms::router(rooms(), state)
}
