//! `GET /console/`: the overview: dead and deferred messages of the key's channels, and each
//! channel's health (last success, last error code and its meaning, token age, quota use).

use axum::extract::State;
use axum::response::Response;
use maud::{Markup, html};

use super::i18n::{Lang, T};
use super::layout::{self, Nav, Page};
use super::messages::{Filters, MAX_ROWS, fetch};
use super::session::SignedIn;
use super::view;
use crate::server::Ctx;
use crate::server::views::ChannelView;

/// `GET /console/`.
pub(crate) async fn page(State(ctx): State<Ctx>, signed: SignedIn) -> Response {
    let SignedIn { session, lang } = &signed;
    let caller = &session.caller;
    let mut counts = Vec::new();
    for status in ["dead", "deferred", "retrying"] {
        let filters = Filters { status: Some(status.to_owned()), ..Filters::default() };
        let count = fetch(&ctx, caller, &filters, MAX_ROWS).await.map(|(items, more)| (items.len(), more.is_some()));
        counts.push((status, count));
    }
    let channels = crate::server::ops::channel_views(&ctx, caller).await;
    let page = Page {
        lang: *lang,
        title: lang.t(T::Overview),
        nav: Nav::Overview,
        session: Some(session),
        live: Some("/console/events".to_owned()),
    };
    let body = html! {
        h1 { (lang.t(T::Overview)) }
        div #overview hx-get="/console/" hx-trigger="yz:changed from:body" hx-select="#overview" hx-swap="outerHTML" {
            ul.tiles {
                @for (status, count) in &counts {
                    li {
                        a href={ "/console/messages?status=" (status) } {
                            span.count data-count=(status) {
                                @match count {
                                    Ok((n, true)) => { (n) "+" }
                                    Ok((n, false)) => { (n) }
                                    Err(_) => "?",
                                }
                            }
                            " " (view::status(*lang, status))
                        }
                    }
                }
            }
            h2 { (lang.t(T::ChannelHealth)) }
            (health(*lang, &channels))
        }
    };
    layout::render(&page, body)
}

fn health(lang: Lang, channels: &[ChannelView]) -> Markup {
    html! {
        table.channels {
            thead { tr {
                th scope="col" { (lang.t(T::Channel)) }
                th scope="col" { (lang.t(T::LastSuccess)) }
                th scope="col" { (lang.t(T::LastError)) }
                th scope="col" { (lang.t(T::TokenAge)) }
                th scope="col" { (lang.t(T::QuotaUse)) }
            } }
            tbody {
                @for c in channels {
                    tr data-channel=(c.name) {
                        td { strong { (c.name) } br; span.muted { (c.kind) } }
                        td { (view::maybe_time(c.health.last_success_at_ms)) }
                        td {
                            @if let Some(f) = &c.health.last_failure {
                                (view::time(f.at_ms)) br;
                                span.error { (failure_text(&c.kind, f.code, &f.message)) }
                            } @else { "–" }
                        }
                        td { @match c.token_age_secs { Some(s) => { (s / 60) " min" }, None => "–" } }
                        td {
                            @for q in c.quota.iter().flatten() {
                                div { (q.budget) ": " (q.used.map_or_else(|| "–".to_owned(), |u| u.to_string())) " / " (q.limit) " · " (q.window_secs) " s" }
                            }
                        }
                    }
                }
            }
        }
    }
}

/// A channel's last failure: code, documented meaning, message.
fn failure_text(kind: &str, code: Option<i64>, message: &str) -> String {
    let meaning = crate::providers::ChannelKind::parse(kind).zip(code).and_then(|(k, c)| k.code_meaning(c));
    match (code, meaning) {
        (Some(c), Some(meaning)) => format!("errcode {c} ({meaning}): {message}"),
        (Some(c), None) => format!("errcode {c}: {message}"),
        (None, _) => message.to_owned(),
    }
}
