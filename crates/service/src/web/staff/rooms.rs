//! Who may use a staff route, and the `Room`: a group's list of routes
//! with its access. The room's router is built from that list and carries
//! the layer that refuses everyone the access does not allow.

use axum::Router;
use axum::handler::Handler;
use axum::http::Method;
use axum::middleware;
use axum::routing::{MethodRouter, get, post};

use super::auth::{Gate, gate};
use crate::accounts::Role;
use crate::web::AppState;

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

/// Routes that share one access, and the handlers behind them.
pub struct Room {
    access: Access,
    routes: Vec<(StaffRoute, MethodRouter<AppState>)>,
}

impl Room {
    pub fn new(access: Access) -> Room {
        Room {
            access,
            routes: Vec::new(),
        }
    }

    pub fn get<H, T>(self, path: &'static str, handler: H) -> Room
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.route(Method::GET, path, get(handler))
    }

    pub fn post<H, T>(self, path: &'static str, handler: H) -> Room
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.route(Method::POST, path, post(handler))
    }

    /// A route whose handler needs more than `get`/`post` give it (a
    /// layer of its own); `method` must be the one it answers.
    pub fn route(
        mut self,
        method: Method,
        path: &'static str,
        handler: MethodRouter<AppState>,
    ) -> Room {
        let access = self.access;
        self.routes.push((
            StaffRoute {
                method,
                path,
                access,
            },
            handler,
        ));
        self
    }

    /// The routes as listed, with their access.
    pub fn list(&self) -> impl Iterator<Item = StaffRoute> + '_ {
        self.routes.iter().map(|(route, _)| route.clone())
    }

    /// The routes, behind the layer that enforces the room's access.
    pub fn router(self, state: &AppState) -> Router<AppState> {
        let access = self.access;
        let empty = self.routes.is_empty();
        let router = self
            .routes
            .into_iter()
            .fold(Router::new(), |router, (route, handler)| {
                router.route(route.path, handler)
            });
        if access == Access::Public || empty {
            return router;
        }
        router.route_layer(middleware::from_fn_with_state(
            Gate {
                state: state.clone(),
                access,
            },
            gate,
        ))
    }
}

/// Rooms into one router.
pub fn router(rooms: Vec<Room>, state: &AppState) -> Router<AppState> {
    rooms.into_iter().fold(Router::new(), |router, room| {
        router.merge(room.router(state))
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
}
