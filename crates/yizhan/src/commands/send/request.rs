//! The v1 request (`POST /v1/messages`) a `yizhan send` command line describes, for sends
//! through a gateway: the same flags as a local send (checked against the channel's kind by
//! [`super::flags`]), mapped onto the API's fields.

use serde_json::{Map, Value, json};

use crate::cli::SendArgs;
use crate::exit::UsageError;
use crate::providers::ChannelKind;
use crate::providers::cli;

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
pub(crate) fn parts(args: &SendArgs, kind: ChannelKind, csv: bool) -> anyhow::Result<Parts> {
    parts_with(args, kind, csv, None)
}

/// [`parts`] with the content of a media flag already resolved (`media`: a direct send uploads
/// it first); without it a media flag is refused, since the gateway takes media by id only.
pub(crate) fn parts_with(
    args: &SendArgs,
    kind: ChannelKind,
    csv: bool,
    media: Option<&Value>,
) -> anyhow::Result<Parts> {
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
        cli::list(&mut parts.to, "people", &args.people);
        cli::recipients(kind, args, &mut parts.to)?;
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
fn content(args: &SendArgs, kind: ChannelKind, parts: &mut Parts) -> anyhow::Result<Value> {
    let c = &args.content;
    if let Some(content) = cli::composed(kind, args)? {
        return Ok(content);
    }
    if let Some(text) = &c.text {
        return Ok(json!({"text": text}));
    }
    if let Some(markdown) = &c.markdown {
        return Ok(json!({"markdown": markdown}));
    }
    match cli::content(kind, args, parts)? {
        Some(content) => Ok(content),
        None => Err(UsageError(format!("give the content: {}", cli::content_flags(kind))).into()),
    }
}
