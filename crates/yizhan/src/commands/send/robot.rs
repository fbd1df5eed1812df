//! `yizhan send` through a `wecom_robot` channel: one message to the robot's group.
//!
//! A robot has no recipients of its own (it always posts to its group) and no msgid; files and
//! voice recordings are uploaded first and sent by media_id. The 21st message within a minute
//! is refused by the client before sending (exit 4, "next slot in N s").

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use yizhan_wecom::robot::{MediaKind, RobotClient, RobotMessage, RobotText};

use crate::cli::SendArgs;
use crate::config::WecomRobotConfig;
use crate::exit::{Outcome, UsageError};

/// What a robot send printed with `--json-output`.
#[derive(Debug, Serialize)]
struct Sent<'a> {
    sent: bool,
    msgtype: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_id: Option<&'a str>,
}

/// The message, or a file to upload before the message can be built.
enum Content {
    Ready(RobotMessage),
    Upload { kind: MediaKind, path: std::path::PathBuf },
}

/// Sends through a group robot channel.
pub async fn run(bot: &WecomRobotConfig, client: &RobotClient, args: SendArgs) -> anyhow::Result<Outcome> {
    let content = content(&args)?;
    if args.dry_run {
        return dry_run(bot, content);
    }
    let (message, media_id) = match content {
        Content::Ready(message) => (message, None),
        Content::Upload { kind, path } => {
            let (name, bytes) = read(&path)?;
            let media_id = client
                .upload_media(kind, &name, bytes)
                .await
                .with_context(|| format!("uploading {} through {:?}", path.display(), bot.name))?;
            let message = match kind {
                MediaKind::File => RobotMessage::file(media_id.clone()),
                MediaKind::Voice => RobotMessage::voice(media_id.clone()),
            };
            (message, Some(media_id))
        }
    };
    if let Err(e) = client.send(&message).await {
        if let Some(remedy) = e.code().and_then(yizhan_wecom::errcode::remedy) {
            eprintln!("hint: {remedy}");
        }
        if let yizhan_core::FailureKind::RateLimited { retry_after: Some(wait) } = e.kind() {
            eprintln!(
                "hint: a group robot takes {} messages per minute; the next slot is in about {} s (at {})",
                yizhan_wecom::robot::limits::MESSAGES_PER_WINDOW,
                wait.as_secs().max(1),
                crate::commands::output::local_time(
                    yizhan_core::Clock::System.now_ms() + i64::try_from(wait.as_millis()).unwrap_or(0)
                )
            );
        }
        return Err(anyhow::Error::new(e).context(format!("sending through {:?}", bot.name)));
    }
    let sent = Sent { sent: true, msgtype: message.msgtype(), media_id: media_id.as_deref() };
    if args.json_output {
        println!("{}", serde_json::to_string_pretty(&sent)?);
    } else {
        println!("sent: {} to the group of robot {:?}", sent.msgtype, bot.name);
        if let Some(id) = sent.media_id {
            println!("media_id: {id}");
        }
    }
    Ok(Outcome::Success)
}

fn content(args: &SendArgs) -> anyhow::Result<Content> {
    let c = &args.content;
    let mentions = !args.mention.is_empty() || !args.mention_mobile.is_empty();
    if mentions && c.text.is_none() {
        return Err(UsageError(
            "--mention and --mention-mobile go with --text (in --markdown write <@userid> instead)".to_owned(),
        )
        .into());
    }
    let message = if let Some(text) = &c.text {
        RobotText::new(text.clone())
            .mention(args.mention.iter().cloned())
            .mention_mobile(args.mention_mobile.iter().cloned())
            .into()
    } else if let Some(markdown) = &c.markdown {
        RobotMessage::markdown(markdown.clone())
    } else if let Some(markdown) = &c.markdown_v2 {
        RobotMessage::markdown_v2(markdown.clone())
    } else if let Some(path) = &c.image {
        RobotMessage::image_from_bytes(&read(&local_path("--image", path)?)?.1)
    } else if let Some(path) = &c.file {
        return Ok(Content::Upload { kind: MediaKind::File, path: local_path("--file", path)? });
    } else if let Some(path) = &c.voice {
        return Ok(Content::Upload { kind: MediaKind::Voice, path: local_path("--voice", path)? });
    } else {
        return Err(
            UsageError("give one of --text, --markdown, --markdown-v2, --image, --file or --voice".to_owned()).into()
        );
    };
    message.validate()?;
    Ok(Content::Ready(message))
}

/// Robots take media from local files only (no URL download for webhook sends).
fn local_path(flag: &str, value: &str) -> Result<std::path::PathBuf, UsageError> {
    if value.starts_with("https://") || value.starts_with("http://") {
        return Err(UsageError(format!("{flag}: robot channels take a local file, not a URL")));
    }
    Ok(std::path::PathBuf::from(value))
}

/// The file name to show and the bytes; an unreadable file is a usage error.
fn read(path: &Path) -> Result<(String, Vec<u8>), UsageError> {
    let bytes = std::fs::read(path).map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    Ok((name, bytes))
}

/// Prints the body that would be posted (the key redacted) and sends nothing. A file or voice
/// message shows a placeholder media_id: nothing is uploaded either.
fn dry_run(bot: &WecomRobotConfig, content: Content) -> anyhow::Result<Outcome> {
    let base = bot.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL);
    let message = match content {
        Content::Ready(message) => message,
        Content::Upload { kind, path } => {
            let size = read(&path)?.1.len();
            eprintln!(
                "# dry run: would upload {} ({size} bytes) as {kind}: POST {base}{}?key=[redacted]&type={kind}",
                path.display(),
                yizhan_wecom::api::webhook_upload_media::PATH
            );
            match kind {
                MediaKind::File => RobotMessage::file("<media_id of the upload>"),
                MediaKind::Voice => RobotMessage::voice("<media_id of the upload>"),
            }
        }
    };
    let body = RobotClient::prepare(&message)?;
    eprintln!("# dry run, nothing sent: POST {base}{}?key=[redacted]", yizhan_wecom::api::webhook_send::PATH);
    println!("{}", String::from_utf8_lossy(&body));
    Ok(Outcome::Success)
}
