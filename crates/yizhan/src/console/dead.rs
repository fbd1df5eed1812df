//! `/console/dead`: dead letters. Tick several (or all on the page) and retry them at once;
//! each is retried as `POST /v1/messages/{id}/retry` would, and the page says what happened to
//! each one.

use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::response::Response;
use maud::html;

use super::form::Form;
use super::i18n::T;
use super::layout::{self, Nav, Page};
use super::messages::{Filters, fetch};
use super::session::SignedIn;
use super::view;
use crate::server::Ctx;

/// Dead letters shown per page.
const PAGE_ROWS: usize = 100;
/// The most messages one retry may name.
const MAX_RETRY: usize = 500;

/// `GET /console/dead`: the dead messages of the key's channels, newest first.
pub(crate) async fn page(State(ctx): State<Ctx>, signed: SignedIn, Query(filters): Query<Filters>) -> Response {
    let SignedIn { session, lang } = &signed;
    let filters = Filters { status: Some("dead".to_owned()), ..filters };
    let result = fetch(&ctx, &session.caller, &filters, PAGE_ROWS).await;
    let page = Page {
        lang: *lang,
        title: lang.t(T::DeadLetters),
        nav: Nav::Dead,
        session: Some(session),
        live: Some("/console/events?types=message.dead,message.retrying".to_owned()),
    };
    let self_href = filters.href("/console/dead", filters.cursor.as_deref());
    let body = html! {
        h1 { (lang.t(T::DeadLetters)) }
        p { (lang.t(T::DeadHelp)) }
        section #results hx-get=(self_href) hx-trigger="yz:changed from:body" hx-select="#results" hx-swap="outerHTML" {
            @match &result {
                Ok((items, next)) if !items.is_empty() => {
                    form method="post" action="/console/dead" {
                        input type="hidden" name="csrf" value=(session.csrf);
                        table.messages {
                            caption.visually-hidden { (lang.t(T::DeadLetters)) }
                            thead { tr {
                                th scope="col" {
                                    input #select-all type="checkbox" data-select-all="id" aria-label=(lang.t(T::SelectAll));
                                }
                                th scope="col" { (lang.t(T::Created)) }
                                th scope="col" { (lang.t(T::Message)) }
                                th scope="col" { (lang.t(T::Channel)) }
                            } }
                            tbody {
                                @for m in items {
                                    tr data-id=(m.id) {
                                        td {
                                            input id={ "pick-" (m.id) } type="checkbox" name="id" value=(m.id)
                                                aria-label={ (lang.t(T::Select)) " " (m.id) };
                                        }
                                        td { (view::time(m.created_at_ms)) }
                                        td { (view::message_link(&m.id)) }
                                        td { (m.channel) }
                                    }
                                }
                            }
                        }
                        div.actions { button #retry-selected type="submit" { (lang.t(T::RetrySelected)) } }
                    }
                    @if let Some(next) = next {
                        nav.pager { a rel="next" href=(filters.href("/console/dead", Some(next))) { (lang.t(T::NextPage)) } }
                    }
                }
                Ok(_) => p.empty { (lang.t(T::NoDeadLetters)) },
                Err(e) => (layout::error_box(Some(&e.message))),
            }
        }
    };
    layout::render(&page, body)
}

/// `POST /console/dead`: retries every ticked message; a page with each one's result.
pub(crate) async fn retry(State(ctx): State<Ctx>, signed: SignedIn, body: Bytes) -> Response {
    let SignedIn { session, lang } = &signed;
    let form = Form::parse(&body);
    if let Some(refused) = form.csrf_refusal(session, *lang) {
        return refused;
    }
    let ids = form.all("id");
    if ids.len() > MAX_RETRY {
        let why = format!("{} ({} > {MAX_RETRY})", lang.t(T::TooManySelected), ids.len());
        return layout::refusal(*lang, axum::http::StatusCode::UNPROCESSABLE_ENTITY, &why);
    }
    let mut results = Vec::with_capacity(ids.len());
    for id in ids {
        let result = crate::server::messages::retry_as(&ctx, &session.caller, id).await;
        results.push((id.to_owned(), result));
    }
    let page = Page { lang: *lang, title: lang.t(T::DeadLetters), nav: Nav::Dead, session: Some(session), live: None };
    let body = html! {
        h1 { (lang.t(T::RetrySelected)) }
        @if results.is_empty() {
            p.error role="alert" { (lang.t(T::NothingSelected)) }
        }
        ul.results role="status" {
            @for (id, result) in &results {
                li {
                    (view::message_link(id)) " "
                    @match result {
                        Ok(s) => { (lang.t(T::Retried)) " → " (view::status(*lang, &s.status)) }
                        Err(e) => span.error { (e.message) },
                    }
                }
            }
        }
        p { a href="/console/dead" { (lang.t(T::DeadLetters)) } " · " a href="/console/messages" { (lang.t(T::Messages)) } }
    };
    layout::render(&page, body)
}
