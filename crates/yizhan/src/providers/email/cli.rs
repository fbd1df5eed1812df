//! `yizhan send` through an `email` channel: `--to` takes addresses, `--subject` sets the
//! subject (default: the first line of `--text` or `--markdown`), and `--attach` attaches a
//! local file (inline in the request, so the same works through a gateway). The printed result
//! lists each address with its outcome.

use std::path::Path;

use base64::Engine as _;
use serde::Serialize;
use serde_json::{Value, json};

use crate::cli::SendArgs;
use crate::exit::UsageError;
use crate::gateway::Plan;
use crate::providers::{Delivered, Failed};

/// The `content` of an email command line: `None` when plain `--text` or `--markdown` says it
/// all (no subject, no attachment).
pub(crate) fn content(args: &SendArgs) -> anyhow::Result<Option<Value>> {
    let c = &args.content;
    if args.subject.is_none() && args.attach.is_empty() {
        return Ok(None);
    }
    let (key, body) = match (&c.text, &c.markdown) {
        (Some(text), _) => ("text", text.clone()),
        (None, Some(markdown)) => ("markdown", markdown.clone()),
        (None, None) => return Err(UsageError("give the content: --text or --markdown".to_owned()).into()),
    };
    let subject = args.subject.clone().unwrap_or_else(|| body.lines().next().unwrap_or_default().to_owned());
    let attachments: Vec<Value> = args.attach.iter().map(|f| attachment(f)).collect::<anyhow::Result<_>>()?;
    Ok(Some(json!({"email": {"subject": subject, key: body, "attachments": attachments}})))
}

/// A local file as an inline attachment.
fn attachment(path: &Path) -> anyhow::Result<Value> {
    let bytes = std::fs::read(path).map_err(|e| UsageError(format!("cannot read {}: {e}", path.display())))?;
    let filename = path.file_name().and_then(|n| n.to_str()).unwrap_or("attachment").to_owned();
    let content_type = yizhan_email::compose::guess_content_type(&filename);
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    Ok(json!({"filename": filename, "content_type": content_type, "content_base64": encoded}))
}

/// What an email send printed with `--json-output`.
#[derive(Debug, Serialize)]
struct Sent {
    /// Each address with its outcome (`delivered`, `invalid`).
    outcomes: Vec<(String, String)>,
}

/// Prints each address with its outcome.
pub(crate) fn print(_plan: &Plan, done: &[Delivered], json_output: bool) -> anyhow::Result<()> {
    let outcomes: Vec<(String, String)> =
        done.iter().flat_map(|d| &d.outcomes).map(|o| (o.recipient.clone(), o.outcome.clone())).collect();
    if json_output {
        println!("{}", serde_json::to_string_pretty(&Sent { outcomes })?);
    } else {
        let delivered = outcomes.iter().filter(|(_, o)| o == "delivered").count();
        println!("sent: {delivered} of {} email(s) accepted by the server", outcomes.len());
        for (address, outcome) in &outcomes {
            println!("  {address:<32} {outcome}");
        }
    }
    Ok(())
}

/// What an SMTP failure means.
pub(crate) fn hint(failed: &Failed) {
    let code = failed.code.and_then(|c| u16::try_from(c).ok());
    if let Some(meaning) = code.and_then(yizhan_email::reply::describe) {
        eprintln!("hint: SMTP {}: {meaning}", code.unwrap_or_default());
    }
}
