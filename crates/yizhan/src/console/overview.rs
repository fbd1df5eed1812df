//! `GET /console/`: the overview of the key's channels: messages per minute by status over the
//! last hour (or per 15 minutes over the last day) as an inline SVG chart, dead, deferred and
//! retrying counts, the oldest message still waiting, and each channel's health (last success,
//! last error code and its meaning, token age, quota use against the provider's limits).

use std::collections::BTreeMap;

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;

use super::chart;
use super::i18n::{Lang, T};
use super::layout::{self, Nav, Page};
use super::session::SignedIn;
use super::view;
use crate::server::Ctx;
use crate::server::views::ChannelView;

/// `?range=`: the chart's window.
#[derive(Deserialize)]
pub(crate) struct Range {
    range: Option<String>,
}

/// The chart's window: its length and slot width (ms), and its title.
fn window(range: Option<&str>) -> (i64, i64, T) {
    match range {
        Some("day") => (24 * 3_600_000, 15 * 60_000, T::ChartDay),
        _ => (3_600_000, 60_000, T::ChartHour),
    }
}

/// `GET /console/` (`?range=day` for the last day).
pub(crate) async fn page(State(ctx): State<Ctx>, signed: SignedIn, Query(range): Query<Range>) -> Response {
    let SignedIn { session, lang } = &signed;
    let caller = &session.caller;
    let (span_ms, slot_ms, chart_title) = window(range.range.as_deref());
    let now = ctx.app.clock.now_ms();
    // Slot 0 starts at a whole slot, so bars do not shift between refreshes.
    let since = (now - span_ms) / slot_ms * slot_ms + slot_ms;
    let mut counts: BTreeMap<String, i64> = BTreeMap::new();
    let mut rows = Vec::new();
    let mut oldest: Option<(yizhan_core::MessageId, i64)> = None;
    let mut failed = None;
    for channel in &caller.channels {
        match ctx.app.store.activity(channel, since, slot_ms).await {
            Ok(a) => {
                for (status, n) in a.counts {
                    *counts.entry(status).or_default() += n;
                }
                rows.extend(a.buckets);
                if a.oldest_waiting.is_some_and(|(_, at)| oldest.is_none_or(|(_, o)| at < o)) {
                    oldest = a.oldest_waiting;
                }
            }
            Err(e) => failed = Some(crate::server::error::store_error(e).message),
        }
    }
    let slots = chart::slots(usize::try_from(span_ms / slot_ms).unwrap_or(60), rows);
    let channels = crate::server::ops::channel_views(&ctx, caller).await;
    let page = Page {
        lang: *lang,
        title: lang.t(T::Overview),
        nav: Nav::Overview,
        session: Some(session),
        live: Some("/console/events".to_owned()),
    };
    let self_href = if range.range.as_deref() == Some("day") { "/console/?range=day" } else { "/console/" };
    let body = html! {
        h1 { (lang.t(T::Overview)) }
        (layout::error_box(failed.as_deref()))
        div #overview hx-get=(self_href) hx-trigger="yz:changed from:body" hx-select="#overview" hx-swap="outerHTML" {
            ul.tiles {
                @for status in ["dead", "deferred", "retrying"] {
                    li {
                        a href={ "/console/messages?status=" (status) } {
                            span.count data-count=(status) { (counts.get(status).copied().unwrap_or(0)) }
                            " " (view::status(*lang, status))
                        }
                    }
                }
                li {
                    @if let Some((id, at)) = oldest {
                        a href={ "/console/messages/" (id) } {
                            span.count { (age(now - at)) }
                            " " (lang.t(T::OldestWaiting))
                        }
                    } @else {
                        span.tile { span.count { "–" } " " (lang.t(T::OldestWaiting)) }
                    }
                }
            }
            nav.pager aria-label=(lang.t(T::ChartRange)) {
                a href="/console/" aria-current=[(self_href == "/console/").then_some("true")] { (lang.t(T::LastHour)) }
                a href="/console/?range=day" aria-current=[(self_href != "/console/").then_some("true")] { (lang.t(T::LastDay)) }
            }
            (chart::render(*lang, lang.t(chart_title), &slots))
            h2 { (lang.t(T::ChannelHealth)) }
            (health(*lang, &channels))
        }
    };
    layout::render(&page, body)
}

/// A duration as `42 s`, `5 min` or `3 h`.
fn age(ms: i64) -> String {
    let s = ms.max(0) / 1000;
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        _ => format!("{} h", s / 3600),
    }
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
