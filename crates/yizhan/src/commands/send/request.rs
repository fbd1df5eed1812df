//! The v1 request (`POST /v1/messages`) a `yizhan send` command line describes, for sends
//! through a gateway: the same flags as a local send (checked against the channel's kind by
//! [`super::flags`]), mapped onto the API's fields.

use serde_json::{Map, Value, json};

use crate::cli::SendArgs;
use crate::exit::UsageError;

/// What a command line asks for, as JSON parts of a v1 request.
#[derive(Debug, Default)]
pub(crate) struct Parts {
    /// `content`.
    pub(crate) content: Value,
    /// `to` (empty for a CSV send: each row names its recipient).
    pub(crate) to: Map<String, Value>,
    /// `options`.
    pub(crate) options: Map<String, Value>,
    /// The duplicate-check interval a `--json` body turns on itself (a direct send keeps it).
    pub(crate) duplicate_check: Option<u64>,
}

impl Parts {
    /// The whole request for `channel`.
    pub(crate) fn request(&self, channel: &str) -> Value {
        json!({"channel": channel, "to": self.to, "content": self.content, "options": self.options})
    }
}

/// The parts of the request `args` describe for a channel of `kind`; `csv` when recipients
/// come from a CSV file instead of the command line.
pub(crate) fn parts(args: &SendArgs, kind: &str, csv: bool) -> anyhow::Result<Parts> {
    parts_with(args, kind, csv, None)
}

/// [`parts`] with the content of a media flag already resolved (`media`: a direct send uploads
/// it first); without it a media flag is refused, since the gateway takes media by id only.
pub(crate) fn parts_with(args: &SendArgs, kind: &str, csv: bool, media: Option<&Value>) -> anyhow::Result<Parts> {
    let mut parts = Parts::default();
    let c = &args.content;
    if let Some(content) = media {
        parts.content = content.clone();
    } else if let Some(flag) =
        [("--image", &c.image), ("--file", &c.file), ("--voice", &c.voice), ("--video", &c.video)]
            .into_iter()
            .find_map(|(flag, value)| value.as_ref().map(|_| flag))
    {
        return Err(UsageError(format!(
            "{flag} with --server: the gateway takes media by media_id only; upload it with a local \
             `yizhan send`, or give a --json body that names the media_id"
        ))
        .into());
    } else {
        parts.content = content(args, kind, &mut parts)?;
    }
    if !csv {
        recipients(args, kind, &mut parts.to)?;
    }
    if args.safe {
        parts.options.insert("safe".into(), json!(true));
    }
    if let Some(secs) = args.dedupe {
        parts.options.insert("dedupe".into(), json!(true));
        if let Some(secs) = secs {
            parts.options.insert("duplicate_check_interval".into(), json!(secs));
        }
    }
    if let Some(id) = &args.getui.request_id {
        parts.options.insert("request_id".into(), json!(id));
    }
    Ok(parts)
}

/// The `content` the content flags describe (a `--json` body also names recipients and
/// options in `parts`).
fn content(args: &SendArgs, kind: &str, parts: &mut Parts) -> anyhow::Result<Value> {
    let c = &args.content;
    Ok(if let Some(text) = &c.text {
        json!({"text": text})
    } else if let Some(markdown) = &c.markdown {
        json!({"markdown": markdown})
    } else if let Some(markdown) = &c.markdown_v2 {
        json!({"wecom_robot": {"msgtype": "markdown_v2", "markdown_v2": {"content": markdown}}})
    } else if let Some(spec) = &c.textcard {
        json!({"wecom": super::wecom::textcard_from_spec(spec)?})
    } else if let Some(path) = &c.json {
        from_json_file(path, parts)?
    } else if kind == "getui" {
        let message = serde_json::to_value(super::getui::push_message(args)?)?;
        json!({"getui": {"notification": message.get("notification"), "transmission": message.get("transmission")}})
    } else {
        return Err(UsageError(format!("give the content: {}", content_flags(kind))).into());
    })
}

/// The content flags a kind takes, for "give the content".
fn content_flags(kind: &str) -> &'static str {
    match kind {
        "wecom_robot" => "--text, --markdown or --markdown-v2",
        "getui" => "--title and --body, or --transmission",
        _ => "--text, --markdown, --textcard or --json",
    }
}

/// `to` from the recipient flags.
fn recipients(args: &SendArgs, kind: &str, to: &mut Map<String, Value>) -> anyhow::Result<()> {
    fn list(to: &mut Map<String, Value>, key: &str, values: &[String]) {
        if !values.is_empty() && !to.contains_key(key) {
            to.insert(key.to_owned(), json!(values));
        }
    }
    match kind {
        "getui" => super::getui::target(args, to)?,
        "wecom_robot" => {
            list(to, "mentions", &args.mention);
            list(to, "mention_mobiles", &args.mention_mobile);
        }
        _ => {
            let users: Vec<String> = args.to.iter().filter(|u| *u != "@all").cloned().collect();
            if args.to.iter().any(|u| u == "@all") {
                to.insert("all".into(), json!(true));
            }
            list(to, "users", &users);
            list(to, "parties", &args.party);
            let tags: Vec<String> = args
                .tag
                .iter()
                .flat_map(|t| t.split(','))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            list(to, "tags", &tags);
            if to.is_empty() {
                return Err(UsageError("no recipient: give --to (user ids, or @all), --party or --tag".into()).into());
            }
        }
    }
    Ok(())
}

/// The content of a `--json` message/send body; its recipients (`touser`, `toparty`, `totag`)
/// and `safe` become the request's unless the command line names them.
fn from_json_file(path: &std::path::Path, parts: &mut Parts) -> anyhow::Result<Value> {
    let body = super::wecom::read_json_file(path)?;
    let msgtype = body
        .get("msgtype")
        .and_then(Value::as_str)
        .ok_or_else(|| UsageError(format!("{}: no \"msgtype\"", path.display())))?;
    let object =
        body.get(msgtype).cloned().ok_or_else(|| UsageError(format!("{}: no {msgtype:?} object", path.display())))?;
    for (wire, key) in [("touser", "users"), ("toparty", "parties"), ("totag", "tags")] {
        if let Some(list) = body.get(wire).and_then(Value::as_str).filter(|l| !l.is_empty()) {
            let ids: Vec<&str> = list.split('|').map(str::trim).collect();
            parts.to.insert(key.to_owned(), json!(ids));
        }
    }
    if body.get("safe").and_then(Value::as_u64) == Some(1) {
        parts.options.insert("safe".into(), json!(true));
    }
    if body.get("enable_duplicate_check").and_then(Value::as_u64) == Some(1) {
        parts.duplicate_check = Some(body.get("duplicate_check_interval").and_then(Value::as_u64).unwrap_or(1800));
    }
    Ok(json!({"wecom": {"msgtype": msgtype, msgtype: object}}))
}
