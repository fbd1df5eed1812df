//! `GET /v1/events`: the event log as Server-Sent Events (docs/events.md, "Live stream").
//!
//! Each event is one SSE event: `event:` its type, `id:` its position in the log, `data:` its
//! JSON payload on one line. A client resumes after a disconnect by sending the last id as
//! `Last-Event-ID` (browsers do so by themselves; `?after=` does the same): the events after it
//! are read from the durable log first, then live ones follow from the process's [`EventHub`].
//! A comment line every 15 s keeps proxies from closing an idle stream. A client that does not
//! read fast enough is cut off with an `event: behind` whose data names the id to resume from,
//! and the gateway goes on without it.
//!
//! Only events of the key's channels are sent; `channel`, `id` (a message id) and `types`
//! (comma-separated) narrow them further.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;

use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use utoipa::IntoParams;
use yizhan_store::{EventFilter, EventRecord, kind};

use super::Ctx;
use super::auth::Caller;
use super::error::{caller, forbidden_channel, store_error};
use crate::events::{Subscription, payload};
use crate::gateway::ApiError;

/// Events read from the log per page while catching up.
const BACKLOG_PAGE: i64 = 500;
/// The keep-alive comment interval (the SSE specification suggests about 15 s).
pub(crate) const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Filters of `GET /v1/events`; all optional, combined with AND.
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct EventsQuery {
    /// Only this channel (one the key may use).
    pub(crate) channel: Option<String>,
    /// Only events of this message.
    pub(crate) id: Option<String>,
    /// Only these event types, comma-separated (e.g. `message.delivered,message.dead`).
    pub(crate) types: Option<String>,
    /// Start after this event id (`0`: the whole log); the `Last-Event-ID` header wins. Without
    /// either, a stream starts with new events, or with the first event of the message `id`.
    pub(crate) after: Option<i64>,
}

/// A stream of the key's events, resumable by `Last-Event-ID`.
#[utoipa::path(get, path = "/v1/events", tag = "events", security(("bearer" = [])),
    params(EventsQuery,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id")),
    responses(
        (status = 200, description = "`text/event-stream`: one SSE event per log event (`event`: type, \
            `id`: position, `data`: JSON payload), `: keep-alive` comments, and `event: behind` \
            (data `{\"resume_from\": id}`) before the server cuts off a client that does not keep up",
            content_type = "text/event-stream", body = String),
        (status = 401, description = "No or unknown API key", body = ApiError),
        (status = 403, description = "The key may not use the channel", body = ApiError),
        (status = 422, description = "A malformed filter (names it)", body = ApiError),
    ))]
pub(crate) async fn stream(
    State(ctx): State<Ctx>,
    headers: HeaderMap,
    query: Result<Query<EventsQuery>, QueryRejection>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, ApiError> {
    let caller = caller(&ctx.app, &headers)?;
    let Query(q) = query.map_err(|e| ApiError::validation("query", e.body_text()))?;
    open(&ctx, &caller, &q, &headers).await
}

/// The stream of `q` for `caller`, resuming after the request's `Last-Event-ID` (also the
/// console's live updates, whose sessions stand for an API key).
pub(crate) async fn open(
    ctx: &Ctx,
    caller: &Caller,
    q: &EventsQuery,
    headers: &HeaderMap,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>> + use<>>, ApiError> {
    let channels = match &q.channel {
        Some(c) => {
            caller.may_use(c).map_err(|_| forbidden_channel(caller, c))?;
            vec![c.clone()]
        }
        None => caller.channels.clone(),
    };
    let message_id =
        q.id.as_deref()
            .map(|s| yizhan_core::MessageId::parse(s).ok_or_else(|| ApiError::validation("id", "not a message id")))
            .transpose()?;
    let kinds = q.types.as_deref().map(parse_types).transpose()?;
    let resume = headers.get("last-event-id").and_then(|v| v.to_str().ok());
    let after = match resume {
        Some(v) => parse_last_id(v).ok_or_else(|| ApiError::validation("Last-Event-ID", "not an event id"))?,
        None => match q.after {
            Some(after) => after.max(0),
            // A message's whole story; otherwise what happens from now on.
            None if message_id.is_some() => 0,
            None => ctx.app.store.last_event_pos().await.map_err(store_error)?,
        },
    };
    let filter = EventFilter { channels: Some(channels), kinds, message_id };
    let live = ctx.app.events.subscribe(filter.clone()).await.map_err(store_error)?;
    let state =
        Reader { store: ctx.app.store.clone(), filter, last: after, backlog: VecDeque::new(), live, caught_up: false };
    let events = futures_util::stream::unfold(Some(state), |state| async move {
        let mut state = state?;
        let next = state.next().await;
        match next {
            Next::Event(e) => Some((Ok(e), Some(state))),
            Next::End(e) => Some((Ok(e), None)),
        }
    });
    Ok(Sse::new(events).keep_alive(KeepAlive::new().interval(KEEP_ALIVE).text("keep-alive")))
}

/// `types=a,b`: each must be a known event type.
fn parse_types(list: &str) -> Result<Vec<String>, ApiError> {
    list.split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            if kind::ALL.contains(&t) {
                Ok(t.to_owned())
            } else {
                Err(ApiError::validation("types", format!("unknown event type {t:?}; known: {}", kind::ALL.join(", "))))
            }
        })
        .collect()
}

/// An event id as sent (`42`) or as in webhooks (`evt_42`).
fn parse_last_id(v: &str) -> Option<i64> {
    let v = v.trim();
    v.strip_prefix("evt_").unwrap_or(v).parse::<i64>().ok().filter(|n| *n >= 0)
}

/// One client's position: the backlog from the log first, then live events.
struct Reader {
    store: yizhan_store::Store,
    filter: EventFilter,
    last: i64,
    backlog: VecDeque<EventRecord>,
    live: Subscription,
    caught_up: bool,
}

enum Next {
    Event(Event),
    End(Event),
}

impl Reader {
    async fn next(&mut self) -> Next {
        loop {
            if let Some(e) = self.backlog.pop_front() {
                self.last = e.id;
                return Next::Event(sse(&e));
            }
            if !self.caught_up {
                match self.store.events_after(self.last, BACKLOG_PAGE, &self.filter).await {
                    Ok(page) if page.is_empty() => self.caught_up = true,
                    Ok(page) => self.backlog.extend(page),
                    Err(e) => {
                        tracing::warn!(error = %e, "reading the event log for a stream failed");
                        return self.end();
                    }
                }
                continue;
            }
            match self.live.events.recv().await {
                Some(e) if e.id <= self.last => {}
                Some(e) => {
                    self.last = e.id;
                    return Next::Event(sse(&e));
                }
                None => return self.end(),
            }
        }
    }

    /// The last event of a stream the server ends: `behind` when the hub cut it off.
    fn end(&self) -> Next {
        let data = serde_json::json!({"resume_from": self.last}).to_string();
        let name = if self.live.fell_behind() { "behind" } else { "end" };
        Next::End(Event::default().event(name).data(data))
    }
}

fn sse(e: &EventRecord) -> Event {
    Event::default().event(&e.kind).id(e.id.to_string()).data(payload::payload(e).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_event_ids_and_types_are_checked() {
        assert_eq!(parse_last_id("42"), Some(42));
        assert_eq!(parse_last_id("evt_7"), Some(7));
        assert_eq!(parse_last_id("-1"), None);
        assert_eq!(parse_last_id("x"), None);
        assert_eq!(
            parse_types("message.delivered, message.dead").ok(),
            Some(vec!["message.delivered".to_owned(), "message.dead".to_owned()])
        );
        assert!(parse_types("message.sent").is_err());
    }
}
