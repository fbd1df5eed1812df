//! `yizhan watch`: prints a running gateway's events (`GET /v1/events`, Server-Sent Events) as
//! they happen, one line each, reconnecting with `Last-Event-ID` when the stream ends (a
//! disconnect, or the gateway cutting off a reader that fell behind) so no event is skipped.

use std::time::Duration;

use serde_json::Value;

use super::remote::Gateway;
use crate::cli::WatchArgs;
use crate::exit::Outcome;

/// How long to wait before reconnecting.
const RECONNECT: Duration = Duration::from_secs(1);

/// Watches until Ctrl-C; 2 if the gateway refuses the request (4xx).
pub async fn run(args: &WatchArgs) -> anyhow::Result<Outcome> {
    let gateway = Gateway::new(&args.remote)?;
    let mut query: Vec<(&str, String)> = Vec::new();
    for (name, value) in [("channel", &args.channel), ("id", &args.id), ("types", &args.types)] {
        if let Some(v) = value {
            query.push((name, v.clone()));
        }
    }
    let mut last: Option<i64> = args.after;
    let watch = async {
        loop {
            match stream_once(&gateway, &query, &mut last, args.json_output).await {
                Ok(Some(outcome)) => return outcome,
                Ok(None) => {}
                Err(e) => eprintln!("stream interrupted: {e}; reconnecting"),
            }
            tokio::time::sleep(RECONNECT).await;
        }
    };
    tokio::select! {
        outcome = watch => Ok(outcome),
        _ = tokio::signal::ctrl_c() => Ok(Outcome::Success),
    }
}

/// One connection: prints events until the stream ends (`None`: reconnect) or the gateway
/// refuses the request (`Some`).
async fn stream_once(
    gateway: &Gateway,
    query: &[(&str, String)],
    last: &mut Option<i64>,
    json: bool,
) -> anyhow::Result<Option<Outcome>> {
    let mut request = gateway.request(reqwest::Method::GET, "/v1/events").query(query);
    if let Some(id) = last {
        request = request.header("Last-Event-ID", id.to_string());
    }
    let mut response = request.send().await.map_err(reqwest::Error::without_url)?;
    let status = response.status();
    if !status.is_success() {
        let body: Value = response.json().await.unwrap_or(Value::Null);
        eprintln!("error: {} (HTTP {})", body["message"].as_str().unwrap_or("refused"), status.as_u16());
        return Ok(Some(if status.is_client_error() { Outcome::Usage } else { Outcome::Transient }));
    }
    let mut parser = SseParser::default();
    while let Some(chunk) = response.chunk().await.map_err(reqwest::Error::without_url)? {
        for event in parser.feed(&chunk) {
            if let Some(id) = event.id.as_deref().and_then(|i| i.parse().ok()) {
                *last = Some(id);
            }
            println!("{}", line(&event, json));
        }
    }
    Ok(None)
}

/// The printed line of one event.
fn line(event: &SseEvent, json: bool) -> String {
    if json {
        return event.data.clone();
    }
    let payload: Value = serde_json::from_str(&event.data).unwrap_or(Value::Null);
    let data = &payload["data"];
    let mut out = format!("{} {}", payload["timestamp"].as_str().unwrap_or("-"), event.event);
    for key in ["message_id", "channel", "status", "recipient", "outcome", "cid", "action_id", "resume_from"] {
        match &data[key] {
            Value::Null => {}
            Value::String(s) => out.push_str(&format!(" {key}={s}")),
            other => out.push_str(&format!(" {key}={other}")),
        }
    }
    if event.event == "behind" || event.event == "end" {
        out = format!("{} (reconnecting) {}", event.event, event.data);
    }
    out
}

/// One dispatched SSE event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `event:` field (`message` when absent).
    pub event: String,
    /// The last `id:` field, if the event had one.
    pub id: Option<String>,
    /// The `data:` lines joined with `\n`.
    pub data: String,
}

/// An incremental `text/event-stream` parser (the WHATWG rules: lines end with LF, CRLF or CR,
/// `:` starts a comment, a blank line dispatches, an event without data is not dispatched).
#[derive(Debug, Default)]
pub struct SseParser {
    buffer: Vec<u8>,
    event: String,
    id: Option<String>,
    data: Vec<String>,
    after_cr: bool,
}

impl SseParser {
    /// Feeds received bytes; returns the events they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<SseEvent> {
        let mut out = Vec::new();
        for &b in bytes {
            if self.after_cr {
                self.after_cr = false;
                if b == b'\n' {
                    continue;
                }
            }
            if b == b'\n' || b == b'\r' {
                self.after_cr = b == b'\r';
                let line = String::from_utf8_lossy(&std::mem::take(&mut self.buffer)).into_owned();
                out.extend(self.line(&line));
            } else {
                self.buffer.push(b);
            }
        }
        out
    }

    fn line(&mut self, line: &str) -> Option<SseEvent> {
        if line.is_empty() {
            let data = std::mem::take(&mut self.data);
            let event = std::mem::take(&mut self.event);
            if data.is_empty() {
                return None;
            }
            let event = if event.is_empty() { "message".to_owned() } else { event };
            return Some(SseEvent { event, id: self.id.clone(), data: data.join("\n") });
        }
        if line.starts_with(':') {
            return None;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match name {
            "event" => self.event = value.to_owned(),
            "data" => self.data.push(value.to_owned()),
            "id" if !value.contains('\0') => self.id = Some(value.to_owned()),
            _ => {}
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_and_line_endings_are_parsed() {
        let mut p = SseParser::default();
        assert!(p.feed(b": keep-alive\n\nevent: message.delivered\r\nid: 4").is_empty());
        let got = p.feed(b"2\rdata: {\"a\":\ndata: 1}\n\ndata: plain\n\n");
        assert_eq!(got.len(), 2);
        assert_eq!(
            got[0],
            SseEvent {
                event: "message.delivered".to_owned(),
                id: Some("42".to_owned()),
                data: "{\"a\":\n1}".to_owned()
            }
        );
        assert_eq!((got[1].event.as_str(), got[1].id.as_deref()), ("message", Some("42")), "the id is kept");
    }
}
