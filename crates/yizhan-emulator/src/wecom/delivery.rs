//! Delivering one callback as WeCom does: `POST url?msg_signature&timestamp&nonce` with the XML
//! envelope, retried (same body, same signature) until an attempt answers HTTP 200 within the
//! timeout, at most `wecom.callback_attempts` times; then the app's passive reply, if any, is
//! verified and decrypted.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use super::App;
use super::callback_crypto::{decrypt, signature};

/// How callbacks are retried (from `WecomConfig`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CallbackPolicy {
    /// Limit on one attempt, connect to last byte.
    pub(crate) timeout: Duration,
    /// Attempts in all.
    pub(crate) attempts: u32,
}

/// One callback ready to send.
#[derive(Debug)]
pub(crate) struct Target {
    pub(crate) url: String,
    pub(crate) msg_signature: String,
    pub(crate) timestamp: String,
    pub(crate) nonce: String,
    pub(crate) body: String,
}

/// One POST of a callback.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallbackAttempt {
    /// The HTTP status, when an answer arrived in time.
    pub status: Option<u16>,
    /// Why there was no usable answer (timeout, connection refused, …); `None` after a 200.
    pub error: Option<String>,
    /// How long the attempt took, in milliseconds (real time).
    pub elapsed_ms: u64,
}

/// What the attempts achieved.
#[derive(Debug, Default)]
pub(crate) struct Delivered {
    pub(crate) delivered: bool,
    pub(crate) attempts: Vec<CallbackAttempt>,
    pub(crate) reply: Option<String>,
    pub(crate) reply_error: Option<String>,
}

/// POSTs `target` until an attempt answers 200, at most `policy.attempts` times.
pub(super) async fn deliver(target: &Target, policy: &CallbackPolicy, app: &App) -> Delivered {
    let mut out = Delivered::default();
    let http = match reqwest::Client::builder().no_proxy().timeout(policy.timeout).build() {
        Ok(http) => http,
        Err(e) => {
            out.attempts.push(CallbackAttempt { status: None, error: Some(e.to_string()), elapsed_ms: 0 });
            return out;
        }
    };
    let separator = if target.url.contains('?') { '&' } else { '?' };
    let url = format!(
        "{}{separator}msg_signature={}&timestamp={}&nonce={}",
        target.url, target.msg_signature, target.timestamp, target.nonce
    );
    for _ in 0..policy.attempts {
        let started = Instant::now();
        let sent = http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, "text/xml; charset=utf-8")
            .body(target.body.clone())
            .send()
            .await;
        let (status, answer) = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                (Some(status), response.text().await)
            }
            Err(e) => (None, Err(e)),
        };
        let elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        match (status, answer) {
            (Some(200), Ok(reply)) => {
                out.attempts.push(CallbackAttempt { status, error: None, elapsed_ms });
                out.delivered = true;
                match open_reply(&reply, app) {
                    Ok(reply) => out.reply = reply,
                    Err(why) => out.reply_error = Some(why),
                }
                break;
            }
            (status, Ok(_)) => {
                let error = Some(format!("HTTP {}", status.unwrap_or_default()));
                out.attempts.push(CallbackAttempt { status, error, elapsed_ms });
            }
            (status, Err(e)) => {
                let error = if e.is_timeout() { "timeout".to_owned() } else { without_url(&e) };
                out.attempts.push(CallbackAttempt { status, error: Some(error), elapsed_ms });
            }
        }
    }
    out
}

fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<callback url>");
    }
    if e.is_connect() { format!("connect: {text}") } else { text }
}

/// The decrypted passive reply, `None` for an empty answer, or why it is not a valid reply.
fn open_reply(body: &str, app: &App) -> Result<Option<String>, String> {
    if body.trim().is_empty() {
        return Ok(None);
    }
    let field = |name: &str| tag_text(body, name).ok_or_else(|| format!("the reply has no <{name}>"));
    let (encrypt, msg_signature) = (field("Encrypt")?, field("MsgSignature")?);
    let (timestamp, nonce) = (field("TimeStamp")?, field("Nonce")?);
    if signature(&app.callback.token, timestamp, nonce, encrypt) != msg_signature {
        return Err("the reply's MsgSignature does not match".to_owned());
    }
    let (msg, receive_id) = decrypt(&app.callback.key, encrypt).ok_or("the reply cannot be decrypted")?;
    if receive_id != app.corp_id {
        return Err(format!("the reply's receive id {receive_id:?} is not the corp id"));
    }
    Ok(Some(msg))
}

/// The text of the first `<name>` element, CDATA unwrapped (replies are flat and simple).
fn tag_text<'a>(xml: &'a str, name: &str) -> Option<&'a str> {
    let open = format!("<{name}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml[start..].find(&format!("</{name}>"))?;
    let inner = xml[start..end].trim();
    Some(inner.strip_prefix("<![CDATA[").and_then(|s| s.strip_suffix("]]>")).unwrap_or(inner))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_text_unwraps_cdata() {
        let xml = "<xml><Encrypt><![CDATA[abc]]></Encrypt><TimeStamp> 12 </TimeStamp><Nonce></Nonce></xml>";
        assert_eq!(tag_text(xml, "Encrypt"), Some("abc"));
        assert_eq!(tag_text(xml, "TimeStamp"), Some("12"));
        assert_eq!(tag_text(xml, "Nonce"), Some(""));
        assert_eq!(tag_text(xml, "MsgSignature"), None);
        assert_eq!(tag_text("<a>", "a"), None);
    }
}
