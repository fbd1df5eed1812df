//! `yizhan send` through a `wecom_app` channel: what is the provider's own on the command line —
//! media uploaded before the request names it, `--textcard` and `--json` content, and the
//! printed result. The body itself is planned by `providers::wecom_app` (see `commands/send/direct.rs`).

use std::io::Read;

use anyhow::Context;
use serde_json::{Map, Value, json};
use yizhan_wecom::message::Message;
use yizhan_wecom::{MediaSource, MediaType, WecomClient};

use crate::cli::{ContentArgs, SendArgs};
use crate::commands::send::request::Parts;
use crate::config::WecomAppConfig;
use crate::exit::UsageError;
use crate::gateway::Plan;
use crate::providers::cli::{self, Media};
use crate::providers::{Delivered, Recipient};

/// Stands in for the media id until the media is uploaded (`--dry-run`).
const PENDING_MEDIA_ID: &str = "(uploaded when sent)";

/// The content of a media flag: uploaded first (a dry run names the upload and a pending id).
pub(crate) async fn media(
    app: &WecomAppConfig,
    client: &WecomClient,
    args: &SendArgs,
) -> anyhow::Result<Option<Media>> {
    let Some((media_type, source)) = media_from_args(&args.content) else { return Ok(None) };
    let (id, media_id) = if args.dry_run {
        let base = app.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL);
        eprintln!(
            "# dry run: the {media_type} would first be uploaded: POST {base}{}?access_token=[redacted]&type={media_type}",
            yizhan_wecom::api::media_upload::PATH
        );
        (PENDING_MEDIA_ID.to_owned(), None)
    } else {
        let file = client.load_media(media_type, &source).await.with_context(|| format!("--{media_type}"))?;
        let id = client
            .upload_media_cached(media_type, &file)
            .await
            .with_context(|| format!("uploading the {media_type} through {:?}", app.name))?;
        (id.clone(), Some(id))
    };
    Ok(Some(Media { content: json!({ "wecom": Message::media(media_type, id) }), media_id }))
}

/// Prints what WeCom answered: the msgid, the media id, a card's response code and the
/// recipients it refused.
pub(crate) fn print(plan: &Plan, done: &[Delivered], media_id: Option<&str>, json_output: bool) -> anyhow::Result<()> {
    if let Some(interval) = plan.dispatches.iter().find_map(|d| duplicate_check_interval(&d.body)) {
        eprintln!(
            "note: with the duplicate check WeCom drops this message, still answering ok, if an identical one \
             went out in the last {interval} s"
        );
    }
    let msgid = done.iter().find_map(|d| d.handles.msgid.clone());
    let response_code = done.iter().find_map(|d| d.handles.response_code.clone());
    let refused = |outcome: &str, kind: fn(Recipient<'_>) -> Option<&str>| -> Vec<String> {
        let outcomes = done.iter().flat_map(|d| &d.outcomes).filter(|o| o.outcome == outcome);
        outcomes.filter_map(|o| kind(Recipient::parse(&o.recipient)).map(str::to_owned)).collect()
    };
    let users = refused("invalid", |r| r.user());
    let parties = refused("invalid", |r| if let Recipient::Party(p) = r { Some(p) } else { None });
    let tags = refused("invalid", |r| if let Recipient::Tag(t) = r { Some(t) } else { None });
    let unlicensed = refused("unlicensed", |r| r.user());
    if json_output {
        let answer = json!({
            "msgid": msgid.clone().unwrap_or_default(),
            "media_id": media_id,
            "response_code": response_code,
            "invalid_users": users,
            "invalid_parties": parties,
            "invalid_tags": tags,
            "unlicensed_users": unlicensed,
        });
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(());
    }
    println!("sent: msgid {}", msgid.as_deref().unwrap_or("(none)"));
    if let Some(id) = media_id {
        println!("media_id: {id}");
    }
    if let Some(code) = &response_code {
        println!("response_code: {code}");
    }
    for (label, list) in [
        ("invalid users", &users),
        ("invalid parties", &parties),
        ("invalid tags", &tags),
        ("unlicensed users", &unlicensed),
    ] {
        if !list.is_empty() {
            println!("{label}: {}", list.join(", "));
        }
    }
    Ok(())
}

/// The duplicate-check interval of a `message/send` body that turns the check on.
fn duplicate_check_interval(body: &[u8]) -> Option<u64> {
    let json: serde_json::Value = serde_json::from_slice(body).ok()?;
    (json.get("enable_duplicate_check")?.as_u64()? == 1).then(|| json.get("duplicate_check_interval")?.as_u64())?
}

/// The media flag given, if any: `--image`, `--voice`, `--video` or `--file` with a path, or a
/// URL when the value starts with `https://` or `http://`.
pub(crate) fn media_from_args(content: &ContentArgs) -> Option<(MediaType, MediaSource)> {
    [
        (MediaType::Image, &content.image),
        (MediaType::Voice, &content.voice),
        (MediaType::Video, &content.video),
        (MediaType::File, &content.file),
    ]
    .into_iter()
    .find_map(|(media_type, arg)| arg.as_deref().map(|arg| (media_type, MediaSource::parse(arg))))
}

/// Parses `title=..,description=..,url=..[,btntxt=..]`. A value may contain commas when the
/// next part does not start with a known key.
pub(crate) fn textcard_from_spec(spec: &str) -> anyhow::Result<Message> {
    const KEYS: [&str; 4] = ["title", "description", "url", "btntxt"];
    let mut fields: Vec<(String, String)> = Vec::new();
    for part in spec.split(',') {
        match part.split_once('=') {
            Some((key, value)) if KEYS.contains(&key.trim()) => fields.push((key.trim().to_owned(), value.to_owned())),
            _ => match fields.last_mut() {
                Some((_, value)) => {
                    value.push(',');
                    value.push_str(part);
                }
                None => return Err(UsageError(format!("--textcard: expected key=value, got {part:?}")).into()),
            },
        }
    }
    let get = |key: &str| fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.clone());
    let missing: Vec<_> = ["title", "description", "url"].into_iter().filter(|k| get(k).is_none()).collect();
    if !missing.is_empty() {
        return Err(UsageError(format!("--textcard: missing {}", missing.join(", "))).into());
    }
    let mut message = Message::textcard(
        get("title").unwrap_or_default(),
        get("description").unwrap_or_default(),
        get("url").unwrap_or_default(),
    );
    if let (Message::Textcard { textcard }, Some(btntxt)) = (&mut message, get("btntxt")) {
        textcard.btntxt = Some(btntxt);
    }
    Ok(message)
}

/// The JSON object of a `--json` file (`-`: standard input); unreadable or not JSON is a usage
/// error naming the file.
pub(crate) fn read_json_file(path: &std::path::Path) -> anyhow::Result<serde_json::Value> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
        s
    } else {
        std::fs::read_to_string(path).map_err(|e| UsageError(format!("--json {}: {e}", path.display())))?
    };
    serde_json::from_str(&text).map_err(|e| UsageError(format!("{}: not valid JSON: {e}", path.display())).into())
}

/// The request's `to` from `--to` (user ids, or `@all`), `--party` and `--tag`.
pub(crate) fn recipients(args: &SendArgs, to: &mut Map<String, Value>) -> anyhow::Result<()> {
    let users: Vec<String> = args.to.iter().filter(|u| *u != "@all").cloned().collect();
    if args.to.iter().any(|u| u == "@all") {
        to.insert("all".into(), json!(true));
    }
    cli::list(to, "users", &users);
    cli::list(to, "parties", &args.party);
    let tags: Vec<String> = args
        .tag
        .iter()
        .flat_map(|t| t.split(','))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect();
    cli::list(to, "tags", &tags);
    if to.is_empty() {
        return Err(UsageError("no recipient: give --to (user ids, or @all), --party or --tag".into()).into());
    }
    Ok(())
}

/// The content of a `--json` message/send body; its recipients (`touser`, `toparty`, `totag`)
/// and `safe` become the request's unless the command line names them.
pub(crate) fn from_json_file(path: &std::path::Path, parts: &mut Parts) -> anyhow::Result<Value> {
    let body = read_json_file(path)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn media_flags_pick_the_type_and_tell_urls_from_paths() {
        let mut content = ContentArgs {
            text: None,
            markdown: None,
            markdown_v2: None,
            textcard: None,
            json: None,
            image: Some("https://img.example.com/a.png".into()),
            file: None,
            voice: None,
            video: None,
        };
        let (media_type, source) = media_from_args(&content).unwrap();
        assert_eq!(media_type, MediaType::Image);
        assert_eq!(source, MediaSource::Url("https://img.example.com/a.png".into()));
        content.image = None;
        content.video = Some("clip.mp4".into());
        assert_eq!(media_from_args(&content), Some((MediaType::Video, MediaSource::Path("clip.mp4".into()))));
        assert_eq!(Message::media(MediaType::Video, "M1"), Message::video("M1"));
    }

    #[test]
    fn textcard_spec_allows_commas_in_values() {
        let m = textcard_from_spec("title=Disk full,description=db-3, 98% used,url=https://x.invalid/a?b=1,c").unwrap();
        let Message::Textcard { textcard } = m else { panic!("not a textcard") };
        assert_eq!(textcard.title, "Disk full");
        assert_eq!(textcard.description, "db-3, 98% used");
        assert_eq!(textcard.url, "https://x.invalid/a?b=1,c");
        assert!(textcard_from_spec("title=x,url=y").unwrap_err().to_string().contains("description"));
    }
}
