//! Human output of the gateway client: local times with their zone, a message summary, the
//! message list as a table. `--json-output` prints the gateway's JSON instead.

use serde_json::Value;

/// `2026-11-23 17:00:01 +08:00`: epoch milliseconds in the local time zone (`TZ`, else the
/// system's), with its offset.
pub(crate) fn local_time(ms: i64) -> String {
    match jiff::Timestamp::from_millisecond(ms) {
        Ok(t) => t.to_zoned(jiff::tz::TimeZone::system()).strftime("%Y-%m-%d %H:%M:%S %:z").to_string(),
        Err(_) => format!("{ms} ms"),
    }
}

/// A JSON epoch-milliseconds field as local time, `-` when absent.
fn time_of(value: &Value) -> String {
    value.as_i64().map_or_else(|| "-".to_owned(), local_time)
}

fn str_of(value: &Value) -> &str {
    value.as_str().unwrap_or("-")
}

/// The summary `yizhan status` prints: status, channel, times, recipients with their outcomes,
/// attempts and the last error.
pub(crate) fn message_summary(view: &Value) -> String {
    let mut out = String::new();
    let mut line = |label: &str, value: String| out.push_str(&format!("{label:<13}{value}\n"));
    line("id", str_of(&view["id"]).to_owned());
    line("status", str_of(&view["status"]).to_owned());
    line("channel", str_of(&view["channel"]).to_owned());
    line("accepted", time_of(&view["created_at_ms"]));
    if view["send_at_ms"] != view["created_at_ms"] {
        line("send at", time_of(&view["send_at_ms"]));
    }
    if !view["next_attempt_at_ms"].is_null() {
        line("next attempt", time_of(&view["next_attempt_at_ms"]));
    }
    line("updated", time_of(&view["updated_at_ms"]));
    line("attempts", view["attempts"].as_i64().unwrap_or(0).to_string());
    let dispatches = view["dispatches"].as_array().cloned().unwrap_or_default();
    let mut recipients = Vec::new();
    for d in &dispatches {
        let outcomes = d["outcomes"].as_array().cloned().unwrap_or_default();
        for r in d["recipients"].as_array().into_iter().flatten() {
            let name = str_of(r);
            let outcome = outcomes.iter().find(|o| o["recipient"] == *r);
            let what =
                outcome.map_or_else(|| format!("({})", str_of(&d["status"])), |o| str_of(&o["outcome"]).to_owned());
            let detail = outcome.and_then(|o| o["detail"].as_str()).map(|d| format!("  {d}")).unwrap_or_default();
            recipients.push(format!("  {name:<24} {what}{detail}"));
        }
        for handle in ["msgid", "taskid"] {
            if let Some(h) = d["handles"][handle].as_str() {
                recipients.push(format!("  {:<24} {h}", format!("({handle})")));
            }
        }
    }
    out.push_str("recipients\n");
    for r in recipients {
        out.push_str(&r);
        out.push('\n');
    }
    if let Some(error) = view["last_error"].as_object() {
        let code = error.get("code").and_then(Value::as_i64).map(|c| format!(" errcode {c}")).unwrap_or_default();
        let kind = error.get("kind").and_then(Value::as_str).unwrap_or("error");
        let message = error.get("message").and_then(Value::as_str).unwrap_or("");
        out.push_str(&format!("{:<13}{kind}{code}: {message}\n", "last error"));
    }
    out
}

/// The message list as a table with a header; `None` when the page is empty.
pub(crate) fn message_table(page: &Value) -> Option<String> {
    let items = page["items"].as_array().filter(|i| !i.is_empty())?;
    let mut out = format!("{:<36}  {:<20}  {:<12}  {}\n", "ID", "STATUS", "CHANNEL", "ACCEPTED");
    for item in items {
        out.push_str(&format!(
            "{:<36}  {:<20}  {:<12}  {}\n",
            str_of(&item["id"]),
            str_of(&item["status"]),
            str_of(&item["channel"]),
            time_of(&item["created_at_ms"])
        ));
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_local_with_their_offset() {
        let shown = local_time(1_795_395_600_000);
        assert_eq!(shown.len(), "2026-11-23 09:00:00 +00:00".len(), "{shown}");
        assert!(shown.starts_with("2026-11-2"), "{shown}");
    }
}
