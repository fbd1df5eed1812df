//! The CLI as a client of a running gateway: `send --server` (also `--csv` and `--dry-run`),
//! `status`, `messages list`, `retry`. Exit codes: 0 on success, 2 when the gateway refuses the
//! request (4xx) or a flag does not apply, 4 when it cannot be reached or fails (5xx). A refusal
//! is printed as `error: <message> (HTTP <status>)`; `--json-output` prints the gateway's JSON.

use serde_json::Value;

use super::output::{message_summary, message_table};
use super::send::request;
use crate::cli::{ListArgs, RemoteArgs, SendArgs, StatusArgs};
use crate::exit::{Outcome, UsageError};
use crate::providers::cli::{self, flags};

/// A configured gateway client.
pub(crate) struct Gateway {
    base: String,
    key: String,
    http: reqwest::Client,
}

impl Gateway {
    pub(crate) fn new(remote: &RemoteArgs) -> anyhow::Result<Gateway> {
        let base = remote.server.clone().ok_or_else(|| UsageError("--server (or YIZHAN_SERVER) is required".into()))?;
        let key =
            remote.api_key.clone().ok_or_else(|| UsageError("--api-key (or YIZHAN_API_KEY) is required".into()))?;
        Ok(Gateway { base: base.trim_end_matches('/').to_owned(), key, http: reqwest::Client::new() })
    }

    /// A request to `path` with the key, to send as the caller likes (streams).
    pub(crate) fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.key)
    }

    /// Sends one request; 4xx is [`Outcome::Usage`], 5xx or unreachable [`Outcome::Transient`]
    /// (the error is printed: `error: <message> (HTTP 403)`), and the JSON answer is returned.
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(Outcome, Value)> {
        let mut request = self.request(method, path);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = match request.send().await {
            Ok(r) => r,
            Err(e) => {
                eprintln!("error: cannot reach {}: {}", self.base, e.without_url());
                return Ok((Outcome::Transient, Value::Null));
            }
        };
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        let outcome = match status.as_u16() {
            200..=299 => Outcome::Success,
            400..=499 => Outcome::Usage,
            _ => Outcome::Transient,
        };
        if outcome != Outcome::Success {
            let message = value["message"].as_str().map_or_else(|| text.trim().to_owned(), str::to_owned);
            let field = value["field"].as_str().map(|f| format!(" [{f}]")).unwrap_or_default();
            eprintln!("error: {message}{field} (HTTP {})", status.as_u16());
        }
        Ok((outcome, value))
    }

    /// The kind of the gateway's channel `name` (from `GET /v1/channels`), or how the command ends.
    async fn channel_kind(&self, name: &str) -> anyhow::Result<Result<String, Outcome>> {
        let (outcome, answer) = self.call(reqwest::Method::GET, "/v1/channels", None).await?;
        if outcome != Outcome::Success {
            return Ok(Err(outcome));
        }
        let channels = answer.as_array().cloned().unwrap_or_default();
        if let Some(kind) = channels.iter().find(|c| c["name"] == name).and_then(|c| c["kind"].as_str()) {
            return Ok(Ok(kind.to_owned()));
        }
        let names: Vec<&str> = channels.iter().filter_map(|c| c["name"].as_str()).collect();
        Err(UsageError(format!(
            "the gateway has no channel {name:?} this API key may use; it may use: {}",
            if names.is_empty() { "none".to_owned() } else { names.join(", ") }
        ))
        .into())
    }
}

fn print_json(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `yizhan send --server …`: the same flags as a local send, for the gateway channel's kind.
pub async fn send(args: &SendArgs) -> anyhow::Result<Outcome> {
    let gateway = Gateway::new(&args.remote)?;
    let kind = match gateway.channel_kind(&args.channel).await? {
        Ok(kind) => kind,
        Err(outcome) => return Ok(outcome),
    };
    let kind = cli::kind_named(&args.channel, &kind)?;
    flags::check(args, &args.channel, kind)?;
    let parts = request::parts(args, kind, args.csv.is_some())?;
    if let Some(csv) = &args.csv {
        return super::bulk::send(&gateway, &args.channel, &parts, csv, args.json_output).await;
    }
    let body = parts.request(&args.channel);
    if args.dry_run {
        return dry_run(&gateway, body, args.json_output).await;
    }
    let (outcome, answer) = gateway.call(reqwest::Method::POST, "/v1/messages", Some(body)).await?;
    if outcome == Outcome::Success {
        if args.json_output {
            print_json(&answer)?;
        } else {
            let id = answer["id"].as_str().unwrap_or("?");
            println!("accepted: id {id} ({})", answer["status"].as_str().unwrap_or("?"));
        }
    }
    Ok(outcome)
}

/// Asks the gateway to plan `body` without accepting it and prints the provider bodies (one
/// JSON body per line on stdout, what each is on stderr). Nothing is stored or sent.
async fn dry_run(gateway: &Gateway, body: Value, json_output: bool) -> anyhow::Result<Outcome> {
    let (outcome, plan) = gateway.call(reqwest::Method::POST, "/v1/messages?dry_run=true", Some(body)).await?;
    if outcome != Outcome::Success {
        return Ok(outcome);
    }
    if plan["dry_run"] != true {
        return Err(anyhow::anyhow!("{} does not support dry runs; nothing was sent? check the gateway", gateway.base));
    }
    if json_output {
        print_json(&plan)?;
        return Ok(outcome);
    }
    for d in plan["dispatches"].as_array().into_iter().flatten() {
        let recipients: Vec<&str> =
            d["recipients"].as_array().into_iter().flatten().filter_map(Value::as_str).collect();
        let after = d["after_seq"].as_i64().map(|s| format!(", after call {s}")).unwrap_or_default();
        eprintln!(
            "# dry run through {}, nothing stored or sent: {} to {}{after}",
            gateway.base,
            d["endpoint"].as_str().unwrap_or("?"),
            recipients.join(", ")
        );
        println!("{}", d["body"]);
    }
    Ok(outcome)
}

/// `yizhan status <id>`: a summary (status, channel, times, recipients with outcomes, attempts,
/// last error), or the JSON with `--json-output`.
pub async fn status(args: &StatusArgs) -> anyhow::Result<Outcome> {
    let (outcome, answer) =
        Gateway::new(&args.remote)?.call(reqwest::Method::GET, &format!("/v1/messages/{}", args.id), None).await?;
    if outcome == Outcome::Success {
        if args.json_output {
            print_json(&answer)?;
        } else {
            print!("{}", message_summary(&answer));
        }
    }
    Ok(outcome)
}

/// `yizhan retry <id>`
pub async fn retry(args: &StatusArgs) -> anyhow::Result<Outcome> {
    let path = format!("/v1/messages/{}/retry", args.id);
    let (outcome, answer) = Gateway::new(&args.remote)?.call(reqwest::Method::POST, &path, None).await?;
    if outcome == Outcome::Success {
        if args.json_output {
            print_json(&answer)?;
        } else {
            println!(
                "retrying: id {} ({})",
                answer["id"].as_str().unwrap_or("?"),
                answer["status"].as_str().unwrap_or("?")
            );
        }
    }
    Ok(outcome)
}

/// `yizhan messages list`: a table with headers (local times), or the JSON page.
pub async fn list(args: &ListArgs) -> anyhow::Result<Outcome> {
    let mut query = vec![format!("limit={}", args.limit)];
    if let Some(status) = &args.status {
        query.push(format!("status={status}"));
    }
    if let Some(channel) = &args.channel {
        query.push(format!("channel={channel}"));
    }
    let path = format!("/v1/messages?{}", query.join("&"));
    let (outcome, answer) = Gateway::new(&args.remote)?.call(reqwest::Method::GET, &path, None).await?;
    if outcome == Outcome::Success {
        if args.json_output {
            print_json(&answer)?;
        } else {
            match message_table(&answer) {
                Some(table) => print!("{table}"),
                None => println!("no messages matched"),
            }
        }
    }
    Ok(outcome)
}
