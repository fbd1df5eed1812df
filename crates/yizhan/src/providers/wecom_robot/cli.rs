//! `yizhan send` through a `wecom_robot` channel: what is the provider's own on the command
//! line — an image read from a file, a file or voice recording uploaded before the request
//! names it, and the printed result. The body itself is planned by `providers::wecom_robot`
//! (see `commands/send/direct.rs`).
//!
//! A robot has no recipients of its own (it always posts to its group) and no msgid. The 21st
//! message within a minute is refused by the client before sending (exit 4, "next slot in N s").

use std::path::Path;

use anyhow::Context;
use serde::Serialize;
use serde_json::json;
use yizhan_wecom::robot::{MediaKind, RobotClient, RobotMessage};

use crate::cli::SendArgs;
use crate::config::WecomRobotConfig;
use crate::exit::UsageError;
use crate::gateway::Plan;
use crate::providers::Failed;
use crate::providers::cli::Media;

/// What a robot send printed with `--json-output`.
#[derive(Debug, Serialize)]
struct Sent<'a> {
    sent: bool,
    msgtype: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    media_id: Option<&'a str>,
}

/// The content of a media flag: an image inline, a file or voice recording uploaded first (a
/// dry run names the upload and a placeholder id).
pub(crate) async fn media(
    bot: &WecomRobotConfig,
    client: &RobotClient,
    args: &SendArgs,
) -> anyhow::Result<Option<Media>> {
    let c = &args.content;
    let (kind, path) = if let Some(path) = &c.image {
        let message = RobotMessage::image_from_bytes(&read(&local_path("--image", path)?)?.1);
        return Ok(Some(Media { content: json!({ "wecom_robot": message }), media_id: None }));
    } else if let Some(path) = &c.file {
        (MediaKind::File, local_path("--file", path)?)
    } else if let Some(path) = &c.voice {
        (MediaKind::Voice, local_path("--voice", path)?)
    } else {
        return Ok(None);
    };
    let (name, bytes) = read(&path)?;
    let media_id = if args.dry_run {
        let base = bot.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL);
        eprintln!(
            "# dry run: would upload {} ({} bytes) as {kind}: POST {base}{}?key=[redacted]&type={kind}",
            path.display(),
            bytes.len(),
            yizhan_wecom::api::webhook_upload_media::PATH
        );
        None
    } else {
        let id = client
            .upload_media(kind, &name, bytes)
            .await
            .with_context(|| format!("uploading {} through {:?}", path.display(), bot.name))?;
        Some(id)
    };
    let id = media_id.clone().unwrap_or_else(|| "<media_id of the upload>".to_owned());
    let message = match kind {
        MediaKind::File => RobotMessage::file(id),
        MediaKind::Voice => RobotMessage::voice(id),
    };
    Ok(Some(Media { content: json!({ "wecom_robot": message }), media_id }))
}

/// Prints what was sent.
pub(crate) fn print(
    bot: &WecomRobotConfig,
    plan: &Plan,
    media_id: Option<&str>,
    json_output: bool,
) -> anyhow::Result<()> {
    let body: Option<serde_json::Value> = plan.dispatches.first().and_then(|d| serde_json::from_slice(&d.body).ok());
    let msgtype = body.as_ref().and_then(|b| b.get("msgtype")?.as_str()).unwrap_or("message");
    let sent = Sent { sent: true, msgtype, media_id };
    if json_output {
        println!("{}", serde_json::to_string_pretty(&sent)?);
    } else {
        println!("sent: {} to the group of robot {:?}", sent.msgtype, bot.name);
        if let Some(id) = sent.media_id {
            println!("media_id: {id}");
        }
    }
    Ok(())
}

/// What to do about a failed robot send: the code's remedy, and when the robot's minute is
/// full, when the next slot opens.
pub(crate) fn hint(failed: &Failed) {
    if let Some(remedy) = failed.code.and_then(yizhan_wecom::errcode::remedy) {
        eprintln!("hint: {remedy}");
    }
    if let yizhan_core::FailureKind::RateLimited { retry_after: Some(wait) } = failed.kind {
        eprintln!(
            "hint: a group robot takes {} messages per minute; the next slot is in about {} s (at {})",
            yizhan_wecom::robot::limits::MESSAGES_PER_WINDOW,
            wait.as_secs().max(1),
            crate::commands::output::local_time(
                yizhan_core::Clock::System.now_ms() + i64::try_from(wait.as_millis()).unwrap_or(0)
            )
        );
    }
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
