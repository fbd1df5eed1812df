//! The page shell: head, navigation, sign-out, the security headers every page carries, and the
//! plain pages for a refusal.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use maud::{DOCTYPE, Markup, html};

use super::assets;
use super::i18n::{Lang, T};
use super::session::Session;

/// Scripts and styles only from the gateway itself, nothing inline, no framing.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Which navigation entry is current.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Nav {
    Overview,
    Messages,
    Dead,
    Send,
    /// None (sign-in, refusals).
    None,
}

/// What a page is made of.
pub(crate) struct Page<'a> {
    pub(crate) lang: Lang,
    pub(crate) title: &'a str,
    pub(crate) nav: Nav,
    /// The signed-in session (navigation and sign-out), `None` on the sign-in page.
    pub(crate) session: Option<&'a Session>,
    /// The event stream URL this page refreshes from, if live.
    pub(crate) live: Option<String>,
}

/// A whole HTML page.
pub(crate) fn render(page: &Page<'_>, body: Markup) -> Response {
    render_with(page, StatusCode::OK, body)
}

/// A whole HTML page with `status`.
pub(crate) fn render_with(page: &Page<'_>, status: StatusCode, body: Markup) -> Response {
    let lang = page.lang;
    let markup = html! {
        (DOCTYPE)
        html lang=(lang.code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                meta name="htmx-config" content=r#"{"includeIndicatorStyles":false,"allowEval":false}"#;
                @if let Some(live) = &page.live {
                    meta name="yz-live" content=(live) data-types=(yizhan_store::kind::ALL.join(","));
                }
                title { (page.title) " · yizhan" }
                link rel="stylesheet" href=(assets::CSS.url());
                script src=(assets::HTMX.url()) defer {}
                script src=(assets::JS.url()) defer {}
            }
            body {
                a.skip href="#main" { (lang.t(T::SkipToContent)) }
                header.top {
                    a.brand href="/console/" { "驿站 yizhan" }
                    @if let Some(session) = page.session {
                        nav aria-label=(lang.t(T::Navigation)) {
                            (nav_link(page.nav, Nav::Overview, "/console/", lang.t(T::Overview)))
                            (nav_link(page.nav, Nav::Messages, "/console/messages", lang.t(T::Messages)))
                            (nav_link(page.nav, Nav::Dead, "/console/dead", lang.t(T::DeadLetters)))
                            (nav_link(page.nav, Nav::Send, "/console/send", lang.t(T::Send)))
                        }
                        form.sign-out method="post" action="/console/sign-out" {
                            input type="hidden" name="csrf" value=(session.csrf);
                            span.who {
                                (lang.t(T::SignedInAs)) " " strong { (session.caller.name) }
                                @if session.caller.admin { " (" (lang.t(T::Admin)) ")" }
                            }
                            button type="submit" { (lang.t(T::SignOut)) }
                        }
                    }
                }
                main #main { (body) }
                @if page.live.is_some() {
                    p #live-status.muted role="status" aria-live="polite" {}
                }
            }
        }
    };
    let mut response = (status, maud_html(markup)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept-Language, Cookie"));
    response
}

fn nav_link(current: Nav, this: Nav, href: &str, label: &str) -> Markup {
    html! {
        @if current == this {
            a href=(href) aria-current="page" { (label) }
        } @else {
            a href=(href) { (label) }
        }
    }
}

fn maud_html(markup: Markup) -> axum::response::Html<String> {
    axum::response::Html(markup.into_string())
}

/// A page that only says why a request was refused.
pub(crate) fn refusal(lang: Lang, status: StatusCode, why: &str) -> Response {
    let page = Page { lang, title: lang.t(T::Refused), nav: Nav::None, session: None, live: None };
    render_with(
        &page,
        status,
        html! {
            h1 { (lang.t(T::Refused)) }
            p.error role="alert" { (why) }
            p { a href="/console/" { (lang.t(T::BackToConsole)) } }
        },
    )
}

/// An error box (the API's message, which names the field and the limit), or nothing.
pub(crate) fn error_box(error: Option<&str>) -> Markup {
    html! {
        @if let Some(e) = error {
            p.error role="alert" { (e) }
        }
    }
}
