//! Small pieces of markup several pages share: a status badge, a time, a message link, JSON.

use maud::{Markup, html};

use super::i18n::Lang;
use crate::commands::output::local_time;

/// A status as a badge: the translated word, the stable name in `data-status`.
pub(crate) fn status(lang: Lang, status: &str) -> Markup {
    html! { span.status data-status=(status) { (lang.status(status)) } }
}

/// Epoch milliseconds as a local time in a `<time>` element.
pub(crate) fn time(ms: i64) -> Markup {
    let iso = jiff::Timestamp::from_millisecond(ms).map(|t| t.to_string()).unwrap_or_default();
    html! { time datetime=(iso) { (local_time(ms)) } }
}

/// An optional time, `–` when absent.
pub(crate) fn maybe_time(ms: Option<i64>) -> Markup {
    match ms {
        Some(ms) => time(ms),
        None => html! { "–" },
    }
}

/// A link to a message's page.
pub(crate) fn message_link(id: &str) -> Markup {
    html! { a.id href={ "/console/messages/" (id) } { code { (id) } } }
}

/// JSON pretty-printed in a `<pre>` (bytes that are not JSON are shown as text).
pub(crate) fn json_block(bytes: &[u8]) -> Markup {
    let text = serde_json::from_slice::<serde_json::Value>(bytes)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| String::from_utf8_lossy(bytes).into_owned());
    html! { pre.json { code { (text) } } }
}
