//! `yizhan send` through a `wecom_app` channel.

use std::io::Read;

use anyhow::Context;
use yizhan_wecom::message::Message;
use yizhan_wecom::{Recipients, SendRequest, WecomClient};

use crate::channels::wecom_client;
use crate::cli::{ContentArgs, SendArgs};
use crate::config::WecomAppConfig;
use crate::exit::{Outcome, UsageError};

/// Duplicate-check window for CLI sends: longer than the client's own retries can take.
const CLI_DUPLICATE_CHECK_INTERVAL: u32 = 120;

/// Sends through a WeCom application channel.
pub async fn run(app: &WecomAppConfig, args: SendArgs) -> anyhow::Result<Outcome> {
    let getui_only = [
        ("--cid", !args.cid.is_empty()),
        ("--alias", !args.alias.is_empty()),
        ("--all", args.all),
        ("--title", args.getui.title.is_some()),
        ("--body", args.getui.body.is_some()),
        ("--click", args.getui.click.is_some()),
        ("--transmission", args.getui.transmission.is_some()),
        ("--request-id", args.getui.request_id.is_some()),
    ];
    if let Some((flag, _)) = getui_only.iter().find(|(_, used)| *used) {
        return Err(UsageError(format!("{flag} is for getui channels; {:?} is a wecom_app channel", app.name)).into());
    }
    super::robot::reject_robot_flags(&args, &app.name, "wecom_app")?;
    let request = build_request(app, &args)?;
    let prepared = WecomClient::prepare(&request)?;
    if args.dry_run {
        let base = app.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL);
        eprintln!(
            "# dry run, nothing sent: POST {base}{}?access_token=[redacted]",
            yizhan_wecom::api::message_send::PATH
        );
        println!("{}", String::from_utf8_lossy(&prepared.body));
        return Ok(Outcome::Success);
    }
    let client = wecom_client(app)?;
    let receipt = client.send_prepared(&prepared).await.with_context(|| format!("sending through {:?}", app.name))?;
    if args.json_output {
        println!("{}", serde_json::to_string_pretty(&receipt)?);
    } else {
        println!("sent: msgid {}", if receipt.msgid.is_empty() { "(none)" } else { &receipt.msgid });
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
    if args.safe {
        request.safe = Some(1);
    }
    if app.duplicate_check && request.enable_duplicate_check.is_none() {
        request.enable_duplicate_check = Some(1);
        request.duplicate_check_interval = Some(app.duplicate_check_interval.unwrap_or(CLI_DUPLICATE_CHECK_INTERVAL));
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
    Err(UsageError("give one of --text, --markdown, --textcard or --json".to_owned()).into())
}

/// Parses `title=..,description=..,url=..[,btntxt=..]`. A value may contain commas when the
/// next part does not start with a known key.
fn textcard_from_spec(spec: &str) -> anyhow::Result<Message> {
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

/// Reads a message/send body from a file (or `-` for stdin); command-line recipients win, and
/// the channel's agent id is filled in when absent.
fn request_from_json(
    app: &WecomAppConfig,
    path: &std::path::Path,
    recipients: &Recipients,
) -> anyhow::Result<SendRequest> {
    let text = if path.as_os_str() == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
    };
    let mut value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| UsageError(format!("{}: not valid JSON: {e}", path.display())))?;
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
    fn textcard_spec_allows_commas_in_values() {
        let m = textcard_from_spec("title=Disk full,description=db-3, 98% used,url=https://x.invalid/a?b=1,c").unwrap();
        let Message::Textcard { textcard } = m else { panic!("not a textcard") };
        assert_eq!(textcard.title, "Disk full");
        assert_eq!(textcard.description, "db-3, 98% used");
        assert_eq!(textcard.url, "https://x.invalid/a?b=1,c");
        assert!(textcard_from_spec("title=x,url=y").unwrap_err().to_string().contains("description"));
    }
}
