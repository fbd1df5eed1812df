//! Sign-in with an API key (a session for that key's scope), and sign-out.
//!
//! The sign-in form has no session yet, so its CSRF token is a double-submit one: the same
//! random value in a `SameSite=Strict` cookie and in the form, compared on POST.

use std::time::Instant;

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use subtle::ConstantTimeEq as _;

use super::form::Form;
use super::i18n::{Lang, T};
use super::layout::{self, Nav, Page};
use super::session::{COOKIE, SIGN_IN_COOKIE, SignedIn, cookie, random_token, set_cookie};
use crate::server::Ctx;

/// The sign-in cookie lives an hour: long enough to fetch a key from a password manager.
const SIGN_IN_MAX_AGE: u64 = 3600;

/// `?next=`: where to go after signing in.
#[derive(Deserialize)]
pub(crate) struct Next {
    next: Option<String>,
}

/// A console path to return to; anything else (another site, `//host`) goes to the overview.
fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n) if n.starts_with("/console/") && !n.contains("//") && !n.contains('\\') => n,
        _ => "/console/",
    }
}

/// `GET /console/sign-in`.
pub(crate) async fn form(headers: HeaderMap, Query(next): Query<Next>) -> Response {
    let lang = Lang::from_headers(&headers);
    sign_in_page(&headers, lang, next.next.as_deref(), None, StatusCode::OK)
}

fn sign_in_page(
    headers: &HeaderMap,
    lang: Lang,
    next: Option<&str>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let token = match cookie(headers, SIGN_IN_COOKIE) {
        Some(t) if t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()) => t.to_owned(),
        _ => random_token(),
    };
    let page = Page { lang, title: lang.t(T::SignIn), nav: Nav::None, session: None, live: None };
    let body = html! {
        h1 { (lang.t(T::SignIn)) }
        p { (lang.t(T::SignInHelp)) }
        (layout::error_box(error))
        form.card method="post" action="/console/sign-in" {
            input type="hidden" name="csrf" value=(token);
            input type="hidden" name="next" value=(safe_next(next));
            label for="key" { (lang.t(T::ApiKey)) }
            input #key type="password" name="key" required autocomplete="current-password" autofocus;
            button type="submit" { (lang.t(T::SignIn)) }
        }
    };
    let mut response = layout::render_with(&page, status, body);
    response
        .headers_mut()
        .append(header::SET_COOKIE, set_cookie(headers, SIGN_IN_COOKIE, &token, Some(SIGN_IN_MAX_AGE)));
    response
}

/// `POST /console/sign-in`: a known key opens a session with its scope.
pub(crate) async fn submit(State(ctx): State<Ctx>, headers: HeaderMap, body: Bytes) -> Response {
    let lang = Lang::from_headers(&headers);
    let form = Form::parse(&body);
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    let presented = form.get("csrf").unwrap_or_default();
    if expected.is_empty() || !bool::from(expected.as_bytes().ct_eq(presented.as_bytes())) {
        return layout::refusal(lang, StatusCode::FORBIDDEN, lang.t(T::CsrfRefused));
    }
    let next = form.get("next");
    let Some(key) = form.get("key") else {
        return sign_in_page(&headers, lang, next, Some(lang.t(T::KeyRequired)), StatusCode::UNPROCESSABLE_ENTITY);
    };
    let Ok(caller) = ctx.app.keys.authenticate(Some(&format!("Bearer {key}"))) else {
        return sign_in_page(&headers, lang, next, Some(lang.t(T::UnknownKey)), StatusCode::UNAUTHORIZED);
    };
    tracing::info!(key = %caller.name, "console sign-in");
    let token = ctx.sessions.open(caller, Instant::now());
    let mut response = Redirect::to(safe_next(next)).into_response();
    let cookies = response.headers_mut();
    cookies.append(header::SET_COOKIE, set_cookie(&headers, COOKIE, &token, None));
    cookies.append(header::SET_COOKIE, set_cookie(&headers, SIGN_IN_COOKIE, "", Some(0)));
    response
}

/// `POST /console/sign-out`: ends the session (CSRF-checked, so no other site can sign you out).
pub(crate) async fn sign_out(State(ctx): State<Ctx>, signed: SignedIn, headers: HeaderMap, body: Bytes) -> Response {
    let form = Form::parse(&body);
    if let Some(refused) = form.csrf_refusal(&signed.session, signed.lang) {
        return refused;
    }
    if let Some(token) = cookie(&headers, COOKIE) {
        ctx.sessions.close(token);
    }
    let mut response = Redirect::to("/console/sign-in").into_response();
    response.headers_mut().append(header::SET_COOKIE, set_cookie(&headers, COOKIE, "", Some(0)));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_console_paths_are_returned_to() {
        assert_eq!(safe_next(Some("/console/messages?status=dead")), "/console/messages?status=dead");
        assert_eq!(safe_next(Some("https://evil.example/console/")), "/console/");
        assert_eq!(safe_next(Some("//evil.example/console/")), "/console/");
        assert_eq!(safe_next(Some("/console//evil.example")), "/console/");
        assert_eq!(safe_next(Some("/v1/messages")), "/console/");
        assert_eq!(safe_next(None), "/console/");
    }
}
