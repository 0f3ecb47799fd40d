//! The staff side over HTTP, in rooms by who uses them: signing in
//! (`sign_in`), the mailroom (upload, batches, verification, letters), the
//! caseworker (queue, registrations, triage, dashboard) and the admin
//! (staff, audit, take-over, export). Each room lists its routes once with
//! who may use them; its router is built from that list behind a layer that
//! refuses everyone else, and `routes()` lists them all for the tests.

pub mod admin;
pub mod auth;
pub mod caseworker;
mod fields;
pub mod letters;
pub mod mailroom;
mod rooms;
pub mod sign_in;
pub mod texts;
mod triage;
mod verify;
pub(crate) mod view;

use axum::Router;

use super::AppState;
pub use rooms::{Access, Room, StaffRoute};

/// Every room of the staff side.
fn rooms() -> Vec<Room> {
    [
        sign_in::rooms(),
        mailroom::rooms(),
        letters::rooms(),
        caseworker::rooms(),
        admin::rooms(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Every staff route and who may use it, as the router serves them.
pub fn routes() -> Vec<StaffRoute> {
    rooms().iter().flat_map(Room::list).collect()
}

pub fn router(state: &AppState) -> Router<AppState> {
    rooms::router(rooms(), state)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_staff_route_is_under_staff_and_listed_once() {
        let routes = routes();
        for route in &routes {
            assert!(route.path.starts_with("/staff"), "{}", route.path);
            let same = routes
                .iter()
                .filter(|r| r.path == route.path && r.method == route.method)
                .count();
            assert_eq!(same, 1, "{} {}", route.method, route.path);
        }
    }
}
