//! The console: a web UI served by the gateway at `/console/` (docs/console.md).
//!
//! Server-rendered HTML (maud) with the vendored htmx for live refreshes; every page works
//! without JavaScript. A session stands for the API key it was opened with: the console calls
//! the same functions as the v1 API with that key's scope ([`crate::server::auth::Caller`]), so
//! it can neither see nor do more than the key could through the API.
//!
//! * `session`: the session table, its cookie and the CSRF token of every form.
//! * `sign_in`: sign in with an API key, sign out.
//! * `overview`, `messages`, `detail`, `actions`, `dead`, `send`: one page each.
//! * `live`: the event stream a page listens to for its refreshes.
//! * `layout`, `assets`, `i18n`, `form`: the page shell, static files, zh/en strings, forms.

mod actions;
mod assets;
mod chart;
mod dead;
mod detail;
mod form;
mod i18n;
mod layout;
mod live;
mod markdown;
mod messages;
mod overview;
mod send;
mod session;
mod sign_in;
mod view;

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

pub(crate) use session::Sessions;

use crate::server::Ctx;

/// The console's routes, all under `/console`.
pub(crate) fn routes() -> Router<Ctx> {
    Router::new()
        .route("/console", get(|| async { Redirect::permanent("/console/") }))
        .route("/console/", get(overview::page))
        .route("/console/sign-in", get(sign_in::form).post(sign_in::submit))
        .route("/console/sign-out", post(sign_in::sign_out))
        .route("/console/messages", get(messages::page))
        .route("/console/messages/{id}", get(detail::page))
        .route("/console/messages/{id}/confirm", get(actions::confirm))
        .route("/console/messages/{id}/action", post(actions::submit))
        .route("/console/dead", get(dead::page).post(dead::retry))
        .route("/console/send", get(send::page).post(send::submit))
        .route("/console/events", get(live::stream))
        .route("/console/assets/{name}", get(assets::serve))
}
