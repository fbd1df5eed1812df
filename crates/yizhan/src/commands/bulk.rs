//! `yizhan send <channel> --server URL --csv FILE …`: one message per CSV row, accepted by the
//! gateway in batches of 1000, with a progress bar and a summary.

use std::path::Path;

use indicatif::{ProgressBar, ProgressStyle};
use serde_json::{Value, json};

use super::remote::Gateway;
use super::send::request::Parts;
use crate::exit::{Outcome, UsageError};

/// Messages per `POST /v1/messages:batch`.
const BATCH: usize = 1000;

/// The recipient column and its values.
#[derive(Debug, PartialEq, Eq)]
pub struct Rows {
    /// The `to` field the column fills: `users`, `cids` or `aliases`.
    pub field: &'static str,
    /// One recipient per row (trimmed, empty rows skipped).
    pub recipients: Vec<String>,
}

/// Reads the recipient column of a CSV (header required; simple quoting supported).
pub fn read_rows(text: &str) -> Result<Rows, UsageError> {
    let mut lines = text.lines().filter(|l| !l.trim().is_empty());
    let header = lines.next().ok_or_else(|| UsageError("the CSV is empty".into()))?;
    let columns = split(header);
    let (index, field) = columns
        .iter()
        .enumerate()
        .find_map(|(i, c)| {
            let field = match c.trim().to_lowercase().as_str() {
                "user" | "users" | "userid" => "users",
                "cid" | "cids" => "cids",
                "alias" | "aliases" => "aliases",
                _ => return None,
            };
            Some((i, field))
        })
        .ok_or_else(|| UsageError(format!("the CSV header {header:?} has no user, cid or alias column")))?;
    let recipients = lines
        .filter_map(|line| split(line).get(index).map(|v| v.trim().to_owned()))
        .filter(|v| !v.is_empty())
        .collect();
    Ok(Rows { field, recipients })
}

/// Splits one CSV line; a field in double quotes may contain commas and `""`.
fn split(line: &str) -> Vec<String> {
    let (mut fields, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    fields.push(field);
    fields
}

/// Posts one message per row and prints a summary (JSON with `json_output`).
pub(crate) async fn send(
    gateway: &Gateway,
    channel: &str,
    parts: &Parts,
    csv: &Path,
    json_output: bool,
) -> anyhow::Result<Outcome> {
    let text = std::fs::read_to_string(csv).map_err(|e| UsageError(format!("--csv {}: {e}", csv.display())))?;
    let rows = read_rows(&text)?;
    let bar = ProgressBar::new(rows.recipients.len() as u64);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} accepted {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    for chunk in rows.recipients.chunks(BATCH) {
        let messages: Vec<Value> = chunk
            .iter()
            .map(|r| json!({"channel": channel, "to": {rows.field: [r]}, "content": parts.content, "options": parts.options}))
            .collect();
        let body = json!({"messages": messages});
        let (outcome, answer) = gateway.call(reqwest::Method::POST, "/v1/messages:batch", Some(body)).await?;
        if outcome != Outcome::Success {
            bar.abandon();
            return Ok(outcome);
        }
        for (recipient, item) in chunk.iter().zip(answer["results"].as_array().into_iter().flatten()) {
            if item.get("accepted").is_some() {
                accepted.push(json!({"recipient": recipient, "id": item["accepted"]["id"]}));
            } else {
                let error = item["error"]["message"].as_str().unwrap_or("refused").to_owned();
                refused.push((recipient.clone(), error));
            }
        }
        bar.set_position((accepted.len() + refused.len()) as u64);
    }
    bar.finish_and_clear();
    if json_output {
        let refused: Vec<Value> = refused.iter().map(|(r, e)| json!({"recipient": r, "error": e})).collect();
        println!("{}", serde_json::to_string_pretty(&json!({"accepted": accepted, "refused": refused}))?);
    } else {
        println!("accepted {}, refused {} of {} rows", accepted.len(), refused.len(), rows.recipients.len());
        for (recipient, error) in &refused {
            println!("  refused {recipient}: {error}");
        }
    }
    Ok(if refused.is_empty() { Outcome::Success } else { Outcome::Usage })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_recipient_column_and_skips_blanks() {
        let rows = read_rows("name,User\n\"Li, Lei\",alice\n\nBob,bob\nX,\n").unwrap();
        assert_eq!(rows, Rows { field: "users", recipients: vec!["alice".into(), "bob".into()] });
        assert_eq!(read_rows("cid\ncid-1\n").unwrap().field, "cids");
        assert!(read_rows("name\nx\n").is_err());
        assert_eq!(split(r#"a,"b ""q"", c",d"#), vec!["a", r#"b "q", c"#, "d"]);
    }
}
