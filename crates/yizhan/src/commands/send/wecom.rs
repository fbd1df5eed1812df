//! `yizhan send` through a `wecom_app` channel.

use std::io::Read;

use anyhow::Context;
use yizhan_wecom::message::Message;
use yizhan_wecom::{MediaSource, MediaType, Recipients, SendRequest, WecomClient};

use crate::cli::{ContentArgs, SendArgs};
use crate::config::WecomAppConfig;
use crate::exit::{Outcome, UsageError};

/// Duplicate-check window of `--dedupe` when neither it nor the channel names one: WeCom's own
/// default.
const CLI_DEDUPE_INTERVAL: u32 = 1800;

/// Stands in for the media id until the media is uploaded (validation and `--dry-run`).
const PENDING_MEDIA_ID: &str = "(uploaded when sent)";

/// Sends through a WeCom application channel.
pub async fn run(app: &WecomAppConfig, client: &WecomClient, args: SendArgs) -> anyhow::Result<Outcome> {
    // Everything but the media id is validated before any file is read or uploaded.
    let mut request = build_request(app, &args)?;
    let mut prepared = WecomClient::prepare(&request)?;
    let media = media_from_args(&args.content);
    if args.dry_run {
        let base = app.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL);
        if let Some((media_type, _)) = &media {
            eprintln!(
                "# dry run: the {media_type} would first be uploaded: POST {base}{}?access_token=[redacted]&type={media_type}",
                yizhan_wecom::api::media_upload::PATH
            );
        }
        eprintln!(
            "# dry run, nothing sent: POST {base}{}?access_token=[redacted]",
            yizhan_wecom::api::message_send::PATH
        );
        println!("{}", String::from_utf8_lossy(&prepared.body));
        return Ok(Outcome::Success);
    }
    let mut media_id = None;
    if let Some((media_type, source)) = media {
        let file = client.load_media(media_type, &source).await.with_context(|| format!("--{media_type}"))?;
        let id = client
            .upload_media_cached(media_type, &file)
            .await
            .with_context(|| format!("uploading the {media_type} through {:?}", app.name))?;
        request.message = with_media_id(&request.message, &id);
        prepared = WecomClient::prepare(&request)?;
        media_id = Some(id);
    }
    let receipt = client.send_prepared(&prepared).await.with_context(|| format!("sending through {:?}", app.name))?;
    if let Some(interval) = request.duplicate_check_interval.filter(|_| request.enable_duplicate_check == Some(1)) {
        eprintln!(
            "note: with the duplicate check WeCom drops this message, still answering ok, if an identical one \
             went out in the last {interval} s"
        );
    }
    if args.json_output {
        println!("{}", serde_json::to_string_pretty(&receipt)?);
    } else {
        println!("sent: msgid {}", if receipt.msgid.is_empty() { "(none)" } else { &receipt.msgid });
        if let Some(id) = &media_id {
            println!("media_id: {id}");
        }
        if let Some(code) = &receipt.response_code {
            println!("response_code: {code}");
        }
        for (label, list) in [
            ("invalid users", &receipt.invalid_users),
            ("invalid parties", &receipt.invalid_parties),
            ("invalid tags", &receipt.invalid_tags),
            ("unlicensed users", &receipt.unlicensed_users),
        ] {
            if !list.is_empty() {
                println!("{label}: {}", list.join(", "));
            }
        }
    }
    Ok(Outcome::Success)
}

/// Builds the message/send body from the arguments and the channel settings.
fn build_request(app: &WecomAppConfig, args: &SendArgs) -> anyhow::Result<SendRequest> {
    let tags = args.tag.iter().flat_map(|t| t.split(',')).map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
    let recipients = Recipients { users: args.to.clone(), parties: args.party.clone(), tags: tags.collect() };
    let mut request = match &args.content.json {
        Some(path) => request_from_json(app, path, &recipients)?,
        None => SendRequest::new(app.agent_id, &recipients, message_from_args(&args.content)?),
    };
    if [&request.touser, &request.toparty, &request.totag].iter().all(|r| r.as_deref().is_none_or(str::is_empty)) {
        let json = if args.content.json.is_some() { " (or touser, toparty or totag in the --json file)" } else { "" };
        return Err(UsageError(format!("no recipient: give --to (user ids, or @all), --party or --tag{json}")).into());
    }
    if args.safe {
        request.safe = Some(1);
    }
    // Without --dedupe no duplicate check (unless a --json body asks for one): a repeated send
    // must be delivered, and the CLI has no outbox to tell a repeat from a resend
    // (docs/wecom-client.md, "Duplicate check").
    if let Some(secs) = args.dedupe {
        request.enable_duplicate_check = Some(1);
        request.duplicate_check_interval = Some(secs.or(app.duplicate_check_interval).unwrap_or(CLI_DEDUPE_INTERVAL));
    }
    Ok(request)
}

fn message_from_args(content: &ContentArgs) -> anyhow::Result<Message> {
    if let Some(text) = &content.text {
        return Ok(Message::text(text.clone()));
    }
    if let Some(markdown) = &content.markdown {
        return Ok(Message::markdown(markdown.clone()));
    }
    if let Some(spec) = &content.textcard {
        return textcard_from_spec(spec);
    }
    if let Some((media_type, _)) = media_from_args(content) {
        return Ok(Message::media(media_type, PENDING_MEDIA_ID));
    }
    Err(UsageError(
        "give one of --text, --markdown, --textcard, --image, --file, --voice, --video or --json".to_owned(),
    )
    .into())
}

/// The media flag given, if any: `--image`, `--voice`, `--video` or `--file` with a path, or a
/// URL when the value starts with `https://` or `http://`.
fn media_from_args(content: &ContentArgs) -> Option<(MediaType, MediaSource)> {
    [
        (MediaType::Image, &content.image),
        (MediaType::Voice, &content.voice),
        (MediaType::Video, &content.video),
        (MediaType::File, &content.file),
    ]
    .into_iter()
    .find_map(|(media_type, arg)| arg.as_deref().map(|arg| (media_type, MediaSource::parse(arg))))
}

/// The media message with the uploaded id in place of the placeholder.
fn with_media_id(message: &Message, media_id: &str) -> Message {
    let mut message = message.clone();
    match &mut message {
        Message::Image { image: m } | Message::Voice { voice: m } | Message::File { file: m } => {
            m.media_id = media_id.to_owned();
        }
        Message::Video { video } => video.media_id = media_id.to_owned(),
        _ => {}
    }
    message
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

/// Reads a message/send body from a file (or `-` for stdin); command-line recipients win, and
/// the channel's agent id is filled in when absent.
fn request_from_json(
    app: &WecomAppConfig,
    path: &std::path::Path,
    recipients: &Recipients,
) -> anyhow::Result<SendRequest> {
    let mut value = read_json_file(path)?;
    let object =
        value.as_object_mut().ok_or_else(|| UsageError(format!("{}: expected a JSON object", path.display())))?;
    object.entry("agentid").or_insert(app.agent_id.into());
    let (touser, toparty, totag) = recipients.to_wire();
    for (key, wire) in [("touser", touser), ("toparty", toparty), ("totag", totag)] {
        if let Some(v) = wire {
            object.insert(key.to_owned(), v.into());
        }
    }
    serde_json::from_value(value).map_err(|e| UsageError(format!("{}: {e}", path.display())).into())
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
        let message = message_from_args(&content).unwrap();
        assert_eq!(with_media_id(&message, "M1"), Message::video("M1"));
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
