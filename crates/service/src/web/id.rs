//! `IdPath`: the `{id}` of a route as a UUID. An id that is not one is
//! answered with the localised not-found page before the handler runs.

use axum::extract::{FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use super::staff::auth::staff_lang;
use super::staff::view::{MessageKind, message};
use intake_core::i18n::Lang;

/// The route's one `{id}` parameter, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdPath(pub Uuid);

/// The refusal of an id that is not a UUID: the not-found page in the
/// language of the staff pages.
#[derive(Debug)]
pub struct BadId {
    lang: Lang,
}

impl IntoResponse for BadId {
    fn into_response(self) -> Response {
        message(self.lang, MessageKind::NotFound)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for IdPath {
    type Rejection = BadId;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, BadId> {
        let lang = staff_lang(&parts.headers);
        let refuse = || BadId { lang };
        let Ok(Path(id)) = Path::<String>::from_request_parts(parts, state).await else {
            return Err(refuse());
        };
        Uuid::parse_str(&id).map(IdPath).map_err(|_| refuse())
    }
}
