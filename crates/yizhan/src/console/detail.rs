//! `GET /console/messages/{id}`: one message: the request, each provider call with its exact
//! body, the attempt timeline (errcode and its documented meaning), per-recipient outcomes,
//! provider handles, and the actions its status allows. Refreshed live from its events.

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use yizhan_store::{DispatchRecord, MessageRecord};

use super::actions::{Action, allowed};
use super::i18n::{Lang, T};
use super::layout::{self, Nav, Page};
use super::session::SignedIn;
use super::view;
use crate::providers::code_meaning;
use crate::server::Ctx;

/// `?done=`: the action that just succeeded, to say so.
#[derive(Deserialize)]
pub(crate) struct Done {
    done: Option<String>,
}

/// `GET /console/messages/{id}`: another channel's message is "not found", as in the API.
pub(crate) async fn page(
    State(ctx): State<Ctx>,
    signed: SignedIn,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let SignedIn { session, lang } = &signed;
    let record = match crate::server::messages::visible_to(&ctx, &session.caller, &id).await {
        Ok(r) => r,
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::NOT_FOUND);
            return layout::refusal(*lang, status, &e.message);
        }
    };
    let kind = ctx.app.config.channel(&record.channel).map(|c| c.channel_kind());
    let notice = done.done.as_deref().and_then(Action::parse);
    let page = Page {
        lang: *lang,
        title: lang.t(T::Message),
        nav: Nav::Messages,
        session: Some(session),
        live: Some(format!("/console/events?id={}", record.id)),
    };
    let self_href = format!("/console/messages/{}", record.id);
    let body = html! {
        h1 { (lang.t(T::Message)) " " code { (record.id) } }
        @if let Some(action) = notice {
            p.notice role="status" { (lang.t(action.done_text())) }
        }
        div #detail hx-get=(self_href) hx-trigger="yz:changed from:body" hx-select="#detail" hx-swap="outerHTML" {
            (summary(*lang, &record))
            nav.actions aria-label=(lang.t(T::Actions)) {
                @for action in allowed(&record, kind) {
                    a.button href={ "/console/messages/" (record.id) "/confirm?action=" (action.name()) } { (lang.t(action.label())) }
                }
            }
            h2 { (lang.t(T::Request)) }
            (view::json_block(&serde_json::to_vec(&record.request).unwrap_or_default()))
            @for d in &record.dispatches {
                (dispatch(*lang, d))
            }
        }
    };
    layout::render(&page, body)
}

fn summary(lang: Lang, m: &MessageRecord) -> Markup {
    let attempts: i64 = m.dispatches.iter().map(|d| d.attempts).sum();
    let endpoint = m.dispatches.first().map(|d| d.endpoint.as_str()).unwrap_or_default();
    html! {
        dl.summary {
            dt { (lang.t(T::Status)) } dd #message-status { (view::status(lang, m.status.as_str())) }
            dt { (lang.t(T::Channel)) } dd { (m.channel) }
            dt { (lang.t(T::Created)) } dd { (view::time(m.created_at_ms)) }
            dt { (lang.t(T::DueAt)) } dd { (view::time(m.send_at_ms)) }
            dt { (lang.t(T::Updated)) } dd { (view::time(m.updated_at_ms)) }
            dt { (lang.t(T::NextAttempt)) } dd { (view::maybe_time(m.next_attempt_at_ms())) }
            dt { (lang.t(T::Attempts)) } dd { (attempts) }
            @if let Some(key) = &m.api_key {
                dt { (lang.t(T::SubmittedBy)) } dd { (key) }
            }
            @if let Some(e) = m.last_error() {
                dt { (lang.t(T::LastError)) }
                dd.error { (error_text(e, endpoint)) }
            }
        }
    }
}

/// `errcode 40014 (invalid access_token): …` — the code, its documented meaning, the message.
fn error_text(e: &yizhan_store::AttemptError, endpoint: &str) -> String {
    match (e.code, code_meaning(endpoint, e.code)) {
        (Some(code), Some(meaning)) => format!("errcode {code} ({meaning}): {}", e.message),
        (Some(code), None) => format!("errcode {code}: {}", e.message),
        (None, _) => e.message.clone(),
    }
}

fn dispatch(lang: Lang, d: &DispatchRecord) -> Markup {
    html! {
        section.dispatch aria-labelledby={ "d" (d.seq) } {
            h2 id={ "d" (d.seq) } { (lang.t(T::ProviderCall)) " " (d.seq + 1) ": " code { (d.endpoint) } " " (view::status(lang, d.status.as_str())) }
            dl.summary {
                dt { (lang.t(T::Recipients)) } dd { (d.recipients.join(", ")) }
                @if let Some(msgid) = &d.handles.msgid { dt { "msgid" } dd { code { (msgid) } } }
                @if let Some(taskid) = &d.handles.taskid { dt { "taskid" } dd { code { (taskid) } } }
                @if let Some(code) = &d.handles.response_code { dt { "response_code" } dd { code { (code) } } }
                @if let Some(dedupe) = &d.dedupe_id { dt { "request_id" } dd { code { (dedupe) } } }
            }
            @if !d.outcomes.is_empty() {
                h3 { (lang.t(T::Outcomes)) }
                table.outcomes {
                    thead { tr { th scope="col" { (lang.t(T::Recipient)) } th scope="col" { (lang.t(T::Outcome)) } th scope="col" { (lang.t(T::Detail)) } } }
                    tbody {
                        @for o in &d.outcomes {
                            tr { td { (o.recipient) } td data-outcome=(o.outcome) { (lang.status(&o.outcome)) } td { (o.detail.as_deref().unwrap_or("")) } }
                        }
                    }
                }
            }
            h3 { (lang.t(T::AttemptLog)) }
            @if d.attempt_log.is_empty() {
                p.muted { (lang.t(T::NoAttempts)) }
            } @else {
                ol.timeline {
                    @for a in &d.attempt_log {
                        li data-result=(a.result) {
                            (view::time(a.at_ms)) " · " strong { (lang.status(&a.result)) }
                            @if let Some(ms) = a.duration_ms { " · " (ms) " ms" }
                            @if !a.counted { " · " (lang.t(T::NotCounted)) }
                            @if let Some(e) = &a.error { br; span.error { (error_text(e, &d.endpoint)) } }
                        }
                    }
                }
            }
            details {
                summary { (lang.t(T::ProviderBody)) }
                (view::json_block(&d.body))
            }
        }
    }
}
