//! The CLI as a client of a running gateway: `send --server`, `status`, `messages list`,
//! `retry`. Exit codes: 0 on success, 2 when the gateway refuses the request (4xx), 4 when it
//! cannot be reached or fails (5xx).

use serde_json::{Value, json};

use crate::cli::{ListArgs, RemoteArgs, SendArgs, StatusArgs};
use crate::exit::{Outcome, UsageError};

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

    /// Sends one request; 4xx is [`Outcome::Usage`], 5xx or unreachable [`Outcome::Transient`]
    /// (the error is printed), and the JSON answer is returned.
    pub(crate) async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<(Outcome, Value)> {
        let mut request = self.http.request(method, format!("{}{path}", self.base)).bearer_auth(&self.key);
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
        let value: Value = response.json().await.unwrap_or(Value::Null);
        let outcome = match status.as_u16() {
            200..=299 => Outcome::Success,
            400..=499 => Outcome::Usage,
            _ => Outcome::Transient,
        };
        if outcome != Outcome::Success {
            eprintln!("error: HTTP {status}: {value}");
        }
        Ok((outcome, value))
    }
}

fn print(value: &Value) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(value)?);
    Ok(())
}

/// `yizhan send --server …`: builds a v1 request from the flags and posts it.
pub async fn send(args: &SendArgs) -> anyhow::Result<Outcome> {
    let gateway = Gateway::new(&args.remote)?;
    let c = &args.content;
    let g = &args.getui;
    let content = if let Some(text) = &c.text {
        json!({"text": text})
    } else if let Some(markdown) = &c.markdown {
        json!({"markdown": markdown})
    } else if g.title.is_some() || g.transmission.is_some() {
        let notification = g.title.as_ref().map(|title| {
            json!({"title": title, "body": g.body.clone().unwrap_or_default(), "click_type": g.click.clone().unwrap_or_else(|| "startapp".into())})
        });
        json!({"getui": {"notification": notification, "transmission": g.transmission}})
    } else {
        return Err(
            UsageError("with --server, give --text, --markdown, or --title/--body/--transmission".into()).into()
        );
    };
    if let Some(csv) = &args.csv {
        return super::bulk::send(&gateway, &args.channel, content, csv).await;
    }
    let mut to = serde_json::Map::new();
    for (key, list) in [("users", &args.to), ("parties", &args.party), ("cids", &args.cid), ("aliases", &args.alias)] {
        if !list.is_empty() {
            to.insert(key.to_owned(), json!(list));
        }
    }
    if !args.mention.is_empty() {
        to.insert("mentions".into(), json!(args.mention));
    }
    if args.all {
        to.insert("all".into(), json!(true));
    }
    let body = json!({"channel": args.channel, "to": to, "content": content});
    let (outcome, answer) = gateway.call(reqwest::Method::POST, "/v1/messages", Some(body)).await?;
    if outcome == Outcome::Success {
        println!(
            "accepted: id {} ({})",
            answer["id"].as_str().unwrap_or("?"),
            answer["status"].as_str().unwrap_or("?")
        );
    }
    Ok(outcome)
}

/// `yizhan status <id>`
pub async fn status(args: &StatusArgs) -> anyhow::Result<Outcome> {
    let (outcome, answer) =
        Gateway::new(&args.remote)?.call(reqwest::Method::GET, &format!("/v1/messages/{}", args.id), None).await?;
    if outcome == Outcome::Success {
        print(&answer)?;
    }
    Ok(outcome)
}

/// `yizhan retry <id>`
pub async fn retry(args: &StatusArgs) -> anyhow::Result<Outcome> {
    let path = format!("/v1/messages/{}/retry", args.id);
    let (outcome, answer) = Gateway::new(&args.remote)?.call(reqwest::Method::POST, &path, None).await?;
    if outcome == Outcome::Success {
        print(&answer)?;
    }
    Ok(outcome)
}

/// `yizhan messages list`
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
        for item in answer["items"].as_array().into_iter().flatten() {
            println!(
                "{}  {:<20} {:<12} {}",
                item["id"].as_str().unwrap_or("?"),
                item["status"].as_str().unwrap_or("?"),
                item["channel"].as_str().unwrap_or("?"),
                item["created_at_ms"]
            );
        }
    }
    Ok(outcome)
}
