//! `GET /console/messages`: the key's messages, newest first, filtered by status, channel,
//! recipient, time range and text, paged by cursor; refreshed live as events arrive.

use axum::extract::{Query, State};
use axum::response::Response;
use maud::{Markup, html};
use serde::Deserialize;
use yizhan_store::MessageStatus;

use super::i18n::{Lang, T};
use super::layout::{self, Nav, Page};
use super::session::SignedIn;
use super::view;
use crate::gateway::ApiError;
use crate::server::Ctx;
use crate::server::auth::Caller;
use crate::server::views::{ListQuery, SummaryView};

/// The most rows one console page shows (`?limit=`; the default is 50).
pub(crate) const MAX_ROWS: usize = 1000;

/// The filter form's fields, as the browser sends them (blank means "any").
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Filters {
    pub(crate) status: Option<String>,
    pub(crate) channel: Option<String>,
    pub(crate) recipient: Option<String>,
    pub(crate) text: Option<String>,
    /// `datetime-local` (local time) or anything the API takes (RFC 3339, epoch ms).
    pub(crate) since: Option<String>,
    pub(crate) until: Option<String>,
    pub(crate) cursor: Option<String>,
    pub(crate) limit: Option<String>,
}

fn filled(v: &Option<String>) -> Option<String> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned)
}

/// A `datetime-local` value (`2026-12-07T23:15`, the gateway's local time) as epoch ms; other
/// text is passed on for the API to parse or refuse by name.
fn local_input(v: &Option<String>) -> Option<String> {
    let v = filled(v)?;
    match v.parse::<jiff::civil::DateTime>().and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::system())) {
        Ok(zoned) => Some(zoned.timestamp().as_millisecond().to_string()),
        Err(_) => Some(v),
    }
}

impl Filters {
    /// The API query of these filters for one store page.
    pub(crate) fn query(&self, cursor: Option<String>, limit: usize) -> ListQuery {
        ListQuery {
            status: filled(&self.status),
            channel: filled(&self.channel),
            since: local_input(&self.since),
            until: local_input(&self.until),
            recipient: filled(&self.recipient),
            text: filled(&self.text),
            cursor,
            limit: Some(limit),
        }
    }

    /// The rows wanted: `limit`, 50 by default, at most [`MAX_ROWS`].
    fn rows(&self) -> usize {
        filled(&self.limit).and_then(|l| l.parse().ok()).unwrap_or(50).clamp(1, MAX_ROWS)
    }

    /// The query string of these filters (with another cursor).
    pub(crate) fn href(&self, path: &str, cursor: Option<&str>) -> String {
        let mut q = url::form_urlencoded::Serializer::new(String::new());
        let fields = [
            ("status", &self.status),
            ("channel", &self.channel),
            ("recipient", &self.recipient),
            ("text", &self.text),
            ("since", &self.since),
            ("until", &self.until),
            ("limit", &self.limit),
        ];
        for (name, value) in fields {
            if let Some(v) = filled(value) {
                q.append_pair(name, &v);
            }
        }
        if let Some(c) = cursor {
            q.append_pair("cursor", c);
        }
        let q = q.finish();
        if q.is_empty() { path.to_owned() } else { format!("{path}?{q}") }
    }
}

/// Up to `rows` messages from `filters.cursor` on, over as many store pages as needed.
pub(crate) async fn fetch(
    ctx: &Ctx,
    caller: &Caller,
    filters: &Filters,
    rows: usize,
) -> Result<(Vec<SummaryView>, Option<String>), ApiError> {
    let mut items = Vec::new();
    let mut cursor = filled(&filters.cursor);
    loop {
        let want = (rows - items.len()).min(yizhan_store::MAX_PAGE);
        let page = crate::server::list::page(ctx, caller, &filters.query(cursor, want)).await?;
        items.extend(page.items);
        cursor = page.next_cursor;
        if items.len() >= rows || cursor.is_none() {
            return Ok((items, cursor));
        }
    }
}

/// `GET /console/messages`.
pub(crate) async fn page(State(ctx): State<Ctx>, signed: SignedIn, Query(filters): Query<Filters>) -> Response {
    let SignedIn { session, lang } = &signed;
    let result = fetch(&ctx, &session.caller, &filters, filters.rows()).await;
    let page = Page {
        lang: *lang,
        title: lang.t(T::Messages),
        nav: Nav::Messages,
        session: Some(session),
        live: Some("/console/events".to_owned()),
    };
    let self_href = filters.href("/console/messages", filled(&filters.cursor).as_deref());
    let body = html! {
        h1 { (lang.t(T::Messages)) }
        (filter_form(*lang, &session.caller, &filters))
        section #results hx-get=(self_href) hx-trigger="yz:changed from:body" hx-select="#results" hx-swap="outerHTML" {
            @match &result {
                Ok((items, next)) => {
                    (table(*lang, items))
                    nav.pager aria-label=(lang.t(T::Pages)) {
                        @if filled(&filters.cursor).is_some() {
                            a href=(filters.href("/console/messages", None)) { (lang.t(T::FirstPage)) }
                        }
                        @if let Some(next) = next {
                            a rel="next" href=(filters.href("/console/messages", Some(next))) { (lang.t(T::NextPage)) }
                        }
                    }
                }
                Err(e) => (layout::error_box(Some(&e.message))),
            }
        }
    };
    layout::render(&page, body)
}

/// The filter form (GET: a filtered list is a link one can share).
fn filter_form(lang: Lang, caller: &Caller, f: &Filters) -> Markup {
    let value = |v: &Option<String>| filled(v).unwrap_or_default();
    html! {
        form.filters method="get" action="/console/messages" role="search" {
            div {
                label for="f-status" { (lang.t(T::Status)) }
                select #f-status name="status" {
                    option value="" { (lang.t(T::Any)) }
                    @for s in MessageStatus::ALL {
                        option value=(s.as_str()) selected[value(&f.status) == s.as_str()] { (lang.status(s.as_str())) }
                    }
                }
            }
            div {
                label for="f-channel" { (lang.t(T::Channel)) }
                select #f-channel name="channel" {
                    option value="" { (lang.t(T::Any)) }
                    @for c in &caller.channels {
                        option value=(c) selected[value(&f.channel) == *c] { (c) }
                    }
                }
            }
            div {
                label for="f-recipient" { (lang.t(T::Recipient)) }
                input #f-recipient name="recipient" value=(value(&f.recipient)) placeholder="alice";
            }
            div {
                label for="f-text" { (lang.t(T::TextSearch)) }
                input #f-text type="search" name="text" value=(value(&f.text));
            }
            div {
                label for="f-since" { (lang.t(T::Since)) }
                input #f-since type="datetime-local" name="since" value=(value(&f.since));
            }
            div {
                label for="f-until" { (lang.t(T::Until)) }
                input #f-until type="datetime-local" name="until" value=(value(&f.until));
            }
            div.actions { button type="submit" { (lang.t(T::Filter)) } }
        }
    }
}

/// The messages as a table (a card per row on a phone, by CSS).
pub(crate) fn table(lang: Lang, items: &[SummaryView]) -> Markup {
    html! {
        @if items.is_empty() {
            p.empty { (lang.t(T::NoMessages)) }
        } @else {
            table.messages {
                caption.visually-hidden { (lang.t(T::Messages)) }
                thead { tr {
                    th scope="col" { (lang.t(T::Created)) }
                    th scope="col" { (lang.t(T::Message)) }
                    th scope="col" { (lang.t(T::Channel)) }
                    th scope="col" { (lang.t(T::Status)) }
                } }
                tbody {
                    @for m in items {
                        tr data-id=(m.id) {
                            td { (view::time(m.created_at_ms)) }
                            td { (view::message_link(&m.id)) }
                            td { (m.channel) }
                            td { (view::status(lang, &m.status)) }
                        }
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_round_trip_through_links() {
        let f = Filters {
            status: Some("dead".into()),
            channel: Some(String::new()),
            text: Some("磁盘 full".into()),
            ..Filters::default()
        };
        assert_eq!(f.href("/console/messages", None), "/console/messages?status=dead&text=%E7%A3%81%E7%9B%98+full");
        assert_eq!(
            f.href("/console/messages", Some("c1")),
            "/console/messages?status=dead&text=%E7%A3%81%E7%9B%98+full&cursor=c1"
        );
        let q = f.query(None, 50);
        assert_eq!(q.channel, None, "blank is any");
        assert_eq!(q.status.as_deref(), Some("dead"));
        let ranged = Filters {
            since: Some("2026-12-07T23:15".into()),
            until: Some("1700000000000".into()),
            ..Filters::default()
        };
        let q = ranged.query(None, 50);
        let since: i64 = q.since.as_deref().and_then(|s| s.parse().ok()).expect("datetime-local becomes epoch ms");
        assert!(since > 1_700_000_000_000);
        assert_eq!(q.until.as_deref(), Some("1700000000000"), "other forms go to the API as they are");
        assert_eq!(Filters { limit: Some("5000".into()), ..Filters::default() }.rows(), MAX_ROWS);
        assert_eq!(Filters::default().rows(), 50);
    }
}
