//! The staff side over HTTP: sign-in, the callback queue and a
//! registration's page, the dashboard, export, and the admin's audit pages.
//! Every route is listed once in `table()`, with who may use it: the router
//! is built from that list, and a test walks it to check each refuses a
//! request without a session or with the wrong role.

mod admin;
pub mod auth;
mod dashboard;
mod export;
mod mailroom;
mod queue;
mod registration;
mod sign_in;
pub mod texts;
mod triage;
mod verify;
mod view;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::Method;
use axum::routing::{MethodRouter, get, post};

use super::AppState;
use crate::accounts::Role;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: the sign-in page and the language switch.
    Public,
    AnyStaff,
    /// Mailroom staff and admins.
    Mailroom,
    /// Caseworkers and admins.
    Caseworker,
    Admin,
}

impl Access {
    /// Whether someone with this role (or none) may use the route.
    pub fn allows(self, role: Option<Role>) -> bool {
        match (self, role) {
            (Access::Public, _) => true,
            (_, None) => false,
            (Access::AnyStaff, Some(_)) => true,
            (Access::Mailroom, Some(role)) => matches!(role, Role::Mailroom | Role::Admin),
            (Access::Caseworker, Some(role)) => matches!(role, Role::Caseworker | Role::Admin),
            (Access::Admin, Some(role)) => role == Role::Admin,
        }
    }
}

/// One staff route: method, path (with `{name}` parameters) and access.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRoute {
    pub method: Method,
    pub path: &'static str,
    pub access: Access,
}

fn route(
    method: Method,
    path: &'static str,
    access: Access,
    handler: MethodRouter<AppState>,
) -> (StaffRoute, MethodRouter<AppState>) {
    (
        StaffRoute {
            method,
            path,
            access,
        },
        handler,
    )
}

/// The one list of staff routes.
fn table() -> Vec<(StaffRoute, MethodRouter<AppState>)> {
    use Access::*;
    let (get_, post_) = (Method::GET, Method::POST);
    vec![
        route(get_.clone(), "/staff", AnyStaff, get(sign_in::home)),
        route(
            get_.clone(),
            "/staff/sign-in",
            Public,
            get(sign_in::sign_in_page),
        ),
        route(
            post_.clone(),
            "/staff/sign-in",
            Public,
            post(sign_in::sign_in),
        ),
        route(
            post_.clone(),
            "/staff/sign-out",
            AnyStaff,
            post(sign_in::sign_out),
        ),
        route(
            get_.clone(),
            "/staff/language/{lang}",
            Public,
            get(sign_in::language),
        ),
        route(
            get_.clone(),
            "/staff/queue",
            Caseworker,
            get(queue::queue_page),
        ),
        route(
            get_.clone(),
            "/staff/registrations/{id}",
            Caseworker,
            get(registration::page),
        ),
        route(
            post_.clone(),
            "/staff/registrations/{id}/claim",
            Caseworker,
            post(registration::claim),
        ),
        route(
            post_.clone(),
            "/staff/registrations/{id}/release",
            Caseworker,
            post(registration::release),
        ),
        route(
            post_.clone(),
            "/staff/registrations/{id}/take-over",
            Admin,
            post(registration::take_over),
        ),
        route(
            post_.clone(),
            "/staff/registrations/{id}/attempts",
            Caseworker,
            post(registration::log_attempt),
        ),
        route(
            post_.clone(),
            "/staff/registrations/{id}/close",
            Caseworker,
            post(registration::close),
        ),
        route(
            get_.clone(),
            "/staff/dashboard",
            Caseworker,
            get(dashboard::dashboard_page),
        ),
        route(
            get_.clone(),
            "/staff/export",
            Admin,
            get(export::export_page),
        ),
        route(
            get_.clone(),
            "/staff/export/closed.csv",
            Admin,
            get(export::closed_csv),
        ),
        route(
            get_.clone(),
            "/staff/export/closed.json",
            Admin,
            get(export::closed_json),
        ),
        route(
            get_.clone(),
            "/staff/admin/staff",
            Admin,
            get(admin::staff_list),
        ),
        route(
            get_.clone(),
            "/staff/admin/staff/{id}/audit",
            Admin,
            get(admin::staff_audit),
        ),
        route(
            post_.clone(),
            "/staff/admin/staff/{id}/unlock",
            Admin,
            post(admin::unlock),
        ),
        route(
            get_.clone(),
            "/staff/admin/registrations/{id}/audit",
            Admin,
            get(admin::registration_audit),
        ),
        route(
            get_.clone(),
            "/staff/mailroom",
            Mailroom,
            get(mailroom::upload_page),
        ),
        // Scans are large: the upload counts its own bytes against
        // `scanning.upload_bytes` instead of the router's small limit.
        route(
            post_.clone(),
            "/staff/mailroom",
            Mailroom,
            post(mailroom::upload).layer(DefaultBodyLimit::disable()),
        ),
        route(
            get_.clone(),
            "/staff/mailroom/batches/{id}",
            Mailroom,
            get(mailroom::batch_page),
        ),
        route(
            get_.clone(),
            "/staff/verify",
            Mailroom,
            get(verify::list_page),
        ),
        route(
            get_.clone(),
            "/staff/verify/{id}",
            Mailroom,
            get(verify::form_page),
        ),
        route(
            post_.clone(),
            "/staff/verify/{id}",
            Mailroom,
            post(verify::submit),
        ),
        route(
            get_.clone(),
            "/staff/verify/{id}/pages",
            Mailroom,
            get(verify::pages_page),
        ),
        route(
            get_.clone(),
            "/staff/verify/{id}/image",
            Mailroom,
            get(verify::page_image),
        ),
        route(
            get_.clone(),
            "/staff/verify/{id}/crop",
            Mailroom,
            get(verify::crop),
        ),
        route(
            get_.clone(),
            "/staff/triage",
            Caseworker,
            get(triage::list_page),
        ),
        route(
            get_.clone(),
            "/staff/triage/{id}",
            Caseworker,
            get(triage::item_page),
        ),
        route(
            get_,
            "/staff/triage/{id}/image",
            Caseworker,
            get(triage::image),
        ),
        route(
            post_.clone(),
            "/staff/triage/{id}/convert",
            Caseworker,
            post(triage::convert),
        ),
        route(
            post_.clone(),
            "/staff/triage/{id}/link",
            Caseworker,
            post(triage::link),
        ),
        route(
            post_,
            "/staff/triage/{id}/close",
            Caseworker,
            post(triage::close),
        ),
    ]
}

/// Every staff route and who may use it, as the router serves them.
pub fn routes() -> Vec<StaffRoute> {
    table().into_iter().map(|(route, _)| route).collect()
}

pub fn router() -> Router<AppState> {
    table()
        .into_iter()
        .fold(Router::new(), |router, (route, handler)| {
            router.route(route.path, handler)
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_open_what_they_should() {
        use Role::*;
        assert!(Access::Public.allows(None));
        assert!(!Access::AnyStaff.allows(None));
        assert!(Access::Caseworker.allows(Some(Admin)));
        assert!(!Access::Caseworker.allows(Some(Mailroom)));
        assert!(Access::Mailroom.allows(Some(Admin)));
        assert!(!Access::Mailroom.allows(Some(Caseworker)));
        assert!(!Access::Admin.allows(Some(Caseworker)));
    }

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
