//! Retry, cancel and recall a message, each confirmed on a page of its own first (so it works
//! without JavaScript and by keyboard), then done through the same functions as the API.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::html;
use serde::Deserialize;
use yizhan_store::{DispatchStatus, MessageRecord};

use super::form::Form;
use super::i18n::T;
use super::layout::{self, Nav, Page};
use super::session::SignedIn;
use crate::providers::ChannelKind;
use crate::server::Ctx;

/// An action on one message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    /// Replay the provider calls that ended dead (`POST /v1/messages/{id}/retry`).
    Retry,
    /// Cancel what was not sent yet (`DELETE /v1/messages/{id}` before sending).
    Cancel,
    /// Recall (WeCom application) or revoke (Getui) what was delivered (`DELETE` after).
    Recall,
}

impl Action {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Action::Retry => "retry",
            Action::Cancel => "cancel",
            Action::Recall => "recall",
        }
    }

    pub(crate) fn parse(name: &str) -> Option<Action> {
        [Action::Retry, Action::Cancel, Action::Recall].into_iter().find(|a| a.name() == name)
    }

    pub(crate) fn label(self) -> T {
        match self {
            Action::Retry => T::Retry,
            Action::Cancel => T::CancelMessage,
            Action::Recall => T::Recall,
        }
    }

    fn question(self) -> T {
        match self {
            Action::Retry => T::ConfirmRetry,
            Action::Cancel => T::ConfirmCancel,
            Action::Recall => T::ConfirmRecall,
        }
    }

    pub(crate) fn done_text(self) -> T {
        match self {
            Action::Retry => T::Retried,
            Action::Cancel => T::Cancelled,
            Action::Recall => T::Recalled,
        }
    }
}

/// The actions the message's state allows (the API still decides: a refusal says why).
pub(crate) fn allowed(m: &MessageRecord, kind: Option<ChannelKind>) -> Vec<Action> {
    let status = m.status.as_str();
    let mut actions = Vec::new();
    if m.dispatches.iter().any(|d| d.status == DispatchStatus::Dead) {
        actions.push(Action::Retry);
    }
    if matches!(status, "accepted" | "scheduled" | "retrying" | "deferred") {
        actions.push(Action::Cancel);
    }
    let recallable = matches!(kind, Some(ChannelKind::WecomApp | ChannelKind::Getui));
    if recallable && matches!(status, "delivered" | "partially_delivered") {
        actions.push(Action::Recall);
    }
    actions
}

/// `?action=`.
#[derive(Deserialize)]
pub(crate) struct Which {
    action: String,
}

/// `GET /console/messages/{id}/confirm?action=…`: the question, and the button that does it.
pub(crate) async fn confirm(signed: SignedIn, Path(id): Path<String>, Query(which): Query<Which>) -> Response {
    let SignedIn { session, lang } = &signed;
    let Some(action) = Action::parse(&which.action) else {
        return layout::refusal(*lang, StatusCode::NOT_FOUND, lang.t(T::UnknownAction));
    };
    let page =
        Page { lang: *lang, title: lang.t(action.label()), nav: Nav::Messages, session: Some(session), live: None };
    let body = html! {
        h1 { (lang.t(action.label())) }
        form.card method="post" action={ "/console/messages/" (id) "/action" } {
            p { (lang.t(action.question())) " " code { (id) } }
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="action" value=(action.name());
            div.actions {
                button #confirm type="submit" { (lang.t(action.label())) }
                a href={ "/console/messages/" (id) } { (lang.t(T::Back)) }
            }
        }
    };
    layout::render(&page, body)
}

/// `POST /console/messages/{id}/action`: does it, then back to the message saying so; a refusal
/// shows the API's reason.
pub(crate) async fn submit(State(ctx): State<Ctx>, signed: SignedIn, Path(id): Path<String>, body: Bytes) -> Response {
    let SignedIn { session, lang } = &signed;
    let form = Form::parse(&body);
    if let Some(refused) = form.csrf_refusal(session, *lang) {
        return refused;
    }
    let Some(action) = form.get("action").and_then(Action::parse) else {
        return layout::refusal(*lang, StatusCode::UNPROCESSABLE_ENTITY, lang.t(T::UnknownAction));
    };
    let caller = &session.caller;
    let done = match action {
        Action::Retry => crate::server::messages::retry_as(&ctx, caller, &id).await,
        Action::Cancel | Action::Recall => crate::server::messages::cancel_as(&ctx, caller, &id).await,
    };
    match done {
        Ok(status) => Redirect::to(&format!("/console/messages/{}?done={}", status.id, action.name())).into_response(),
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::CONFLICT);
            layout::refusal(*lang, status, &e.message)
        }
    }
}
