//! `yizhan channels check`: fetch a token per channel and explain failures.
//!
//! A group robot (`wecom_robot`) has no token and WeCom offers no way to test a webhook key
//! without posting a message to the group, so its check only reports that the key is
//! configured; a wrong key shows up as errcode 93000 on the first send.

use std::time::Instant;

use yizhan_core::FailureKind;

use crate::channels::{getui_client, wecom_client};
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
    if config.channels.is_empty() {
        println!("no channels configured");
        return Ok(Outcome::Usage);
    }
    let mut worst = Outcome::Success;
    for channel in &config.channels {
        let started = Instant::now();
        let result = match channel {
            ChannelConfig::WecomApp(app) => check_wecom(app).await,
            ChannelConfig::WecomRobot(_) => {
                let (name, kind) = (channel.name(), channel.kind());
                println!(
                    "ok    {name:<16} {kind:<10} key configured (robots have no token; the key is verified by the first send)"
                );
                continue;
            }
            ChannelConfig::Getui(app) => check_getui(app).await,
        };
        let (name, kind) = (channel.name(), channel.kind());
        match result {
            Ok(()) => println!("ok    {name:<16} {kind:<10} token fetched in {} ms", started.elapsed().as_millis()),
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
    Ok(worst)
}

async fn check_wecom(app: &crate::config::WecomAppConfig) -> Result<(), Failure> {
    let result = match wecom_client(app) {
        Ok(client) => client.access_token().await.map(drop),
        Err(e) => Err(e),
    };
    result.map_err(|e| {
        let mut explanation = Vec::new();
        if let Some(code) = e.code() {
            if let Some(meaning) = yizhan_wecom::errcode::describe(code) {
                explanation.push(format!("errcode {code}: {meaning}"));
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
    })
}

async fn check_getui(app: &crate::config::GetuiConfig) -> Result<(), Failure> {
    let result = match getui_client(app) {
        Ok(client) => client.access_token().await.map(drop),
        Err(e) => Err(e),
    };
    result.map_err(|e| {
        let explanation = e
            .code()
            .and_then(|code| yizhan_getui::errcode::describe(code).map(|m| format!("code {code}: {m}")))
            .into_iter()
            .collect();
        Failure { kind: e.kind(), text: e.to_string(), explanation }
    })
}
