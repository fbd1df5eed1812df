//! `yizhan channels check`: fetch a token per channel, verify a WeCom app's agent id, and
//! explain failures (the code's meaning, what to do, else WeCom's own message and link).
//!
//! A group robot (`wecom_robot`) has no token and WeCom offers no way to test a webhook key
//! without posting a message to the group, so its check only reports that the key is
//! configured; a wrong key shows up as errcode 93000 on the first send.

use std::time::Instant;

use yizhan_core::FailureKind;

use crate::channels::{Channels, Retries};
use crate::config::{ChannelConfig, Config};
use crate::exit::{Outcome, outcome_of_kind};

/// A failed check, provider-neutral.
struct Failure {
    kind: FailureKind,
    text: String,
    explanation: Vec<String>,
}

/// Runs the check; the outcome is the worst of all channels.
pub async fn run(config: &Config) -> anyhow::Result<Outcome> {
    if config.channels.is_empty() && config.unavailable.is_empty() {
        println!("no channels configured");
        return Ok(Outcome::Usage);
    }
    // Not the shared tokens: a check fetches its own, which is what verifies the credentials.
    let channels = Channels::build(config, None, Retries::Client)?;
    let mut worst = Outcome::Success;
    for channel in &config.channels {
        let started = Instant::now();
        let result = match channel {
            ChannelConfig::WecomApp(app) => check_wecom(&channels, app).await.map(Some),
            ChannelConfig::WecomRobot(_) => {
                let (name, kind) = (channel.name(), channel.kind());
                println!(
                    "ok    {name:<16} {kind:<10} key configured (robots have no token; the key is verified by the first send)"
                );
                continue;
            }
            ChannelConfig::Getui(app) => check_getui(&channels, app).await.map(|()| None),
        };
        let (name, kind) = (channel.name(), channel.kind());
        match result {
            Ok(Some(detail)) => println!("ok    {name:<16} {kind:<10} {detail}"),
            Ok(None) => println!("ok    {name:<16} {kind:<10} token fetched in {} ms", started.elapsed().as_millis()),
            Err(failure) => {
                println!("FAIL  {name:<16} {kind:<10} {}", failure.text);
                for line in &failure.explanation {
                    println!("      {line}");
                }
                let outcome = outcome_of_kind(failure.kind);
                if outcome == Outcome::Permanent || worst == Outcome::Success {
                    worst = outcome;
                }
            }
        }
    }
    for unusable in &config.unavailable {
        println!("FAIL  {:<16} {}", unusable.name, unusable.why);
        if worst == Outcome::Success {
            worst = Outcome::Usage;
        }
    }
    Ok(worst)
}

/// Fetches a token, then verifies the agent id with a `message/send` that names no recipient:
/// WeCom refuses it with 82001 (no recipient) when the agent id belongs to the secret's
/// application and with 40056 (invalid agentid) when it does not. Nothing can be delivered: the
/// body has no recipient. (That WeCom checks the agent id before the recipients is how the
/// reference lists the checks; any other answer is reported as not verified.)
async fn check_wecom(channels: &Channels, app: &crate::config::WecomAppConfig) -> Result<String, Failure> {
    let started = Instant::now();
    let Some(client) = channels.wecom_app(&app.name) else { return Err(no_client(&app.name)) };
    client.access_token().await.map_err(|e| wecom_failure(&e, app))?;
    let token_ms = started.elapsed().as_millis();
    let probe =
        serde_json::json!({"agentid": app.agent_id, "msgtype": "text", "text": {"content": "yizhan channels check"}});
    let probe = yizhan_wecom::PreparedSend { body: probe.to_string().into_bytes().into(), resend_is_safe: false };
    match client.send_prepared(&probe).await {
        Err(e) if e.code() == Some(NO_RECIPIENT) => {
            Ok(format!("token fetched in {token_ms} ms, agent_id {} accepted", app.agent_id))
        }
        Ok(_) => Ok(format!("token fetched in {token_ms} ms, agent_id {} accepted", app.agent_id)),
        Err(e) if e.code().is_some_and(|c| yizhan_wecom::errcode::remedy(c).is_some()) => Err(wecom_failure(&e, app)),
        Err(e) => Ok(format!("token fetched in {token_ms} ms; agent_id {} not verified: {e}", app.agent_id)),
    }
}

/// WeCom's "no recipient" (touser, toparty and totag all empty).
const NO_RECIPIENT: i64 = 82001;

/// A WeCom failure explained: the code's meaning, what to do, and WeCom's own message and link
/// when yizhan has no advice for the code.
fn wecom_failure(e: &yizhan_wecom::Error, app: &crate::config::WecomAppConfig) -> Failure {
    let mut explanation = Vec::new();
    if let Some(code) = e.code() {
        if let Some(meaning) = yizhan_wecom::errcode::describe(code) {
            explanation.push(format!("errcode {code}: {meaning}"));
        }
        match yizhan_wecom::errcode::remedy(code) {
            Some(remedy) => explanation.push(format!("fix: {remedy}")),
            None => {
                let said = e.provider_message().unwrap_or("(no message)");
                explanation.push(format!("WeCom said: {said}"));
                if !said.contains("more info at") {
                    explanation.push(format!("more info at https://open.work.weixin.qq.com/devtool/query?e={code}"));
                }
            }
        }
        if code == 60020 {
            let ip = e.provider_message().and_then(yizhan_wecom::errcode::caller_ip);
            explanation.push(format!(
                "WeCom saw this machine as {}: add that address to the app's 企业可信IP \
                 (应用管理 → {} → 企业可信IP), or send through a proxy whose IP is listed",
                ip.unwrap_or("(no IP reported)"),
                app.agent_id
            ));
        }
    }
    Failure { kind: e.kind(), text: e.to_string(), explanation }
}

async fn check_getui(channels: &Channels, app: &crate::config::GetuiConfig) -> Result<(), Failure> {
    let Some(client) = channels.getui(&app.name) else { return Err(no_client(&app.name)) };
    client.access_token().await.map(drop).map_err(|e| {
        let explanation = e
            .code()
            .and_then(|code| yizhan_getui::errcode::describe(code).map(|m| format!("code {code}: {m}")))
            .into_iter()
            .collect();
        Failure { kind: e.kind(), text: e.to_string(), explanation }
    })
}

/// A channel the registry has no client for (cannot happen with one configuration).
fn no_client(name: &str) -> Failure {
    Failure { kind: FailureKind::Permanent, text: format!("channel {name:?} has no client"), explanation: Vec::new() }
}
