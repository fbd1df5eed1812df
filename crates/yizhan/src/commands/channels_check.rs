//! `yizhan channels check`: fetch a token per channel and explain failures.

use std::time::Instant;

use crate::channels::wecom_client;
use crate::config::{ChannelConfig, Config};
use crate::exit::{Outcome, outcome_of_kind};

/// Runs the check; the outcome is the worst of all channels.
pub async fn run(config: &Config) -> anyhow::Result<Outcome> {
    if config.channels.is_empty() {
        println!("no channels configured");
        return Ok(Outcome::Usage);
    }
    let mut worst = Outcome::Success;
    for channel in &config.channels {
        let ChannelConfig::WecomApp(app) = channel;
        let started = Instant::now();
        let result = match wecom_client(app) {
            Ok(client) => client.access_token().await.map(|_| ()),
            Err(e) => Err(e),
        };
        match result {
            Ok(()) => {
                println!("ok    {:<16} wecom_app  token fetched in {} ms", app.name, started.elapsed().as_millis())
            }
            Err(e) => {
                println!("FAIL  {:<16} wecom_app  {e}", app.name);
                if let Some(code) = e.code() {
                    if let Some(meaning) = yizhan_wecom::errcode::describe(code) {
                        println!("      errcode {code}: {meaning}");
                    }
                    if code == 60020 {
                        let ip = e.provider_message().and_then(yizhan_wecom::errcode::caller_ip);
                        println!(
                            "      WeCom saw this machine as {}: add that address to the app's 企业可信IP \
                             (应用管理 → {} → 企业可信IP), or send through a proxy whose IP is listed",
                            ip.unwrap_or("(no IP reported)"),
                            app.agent_id
                        );
                    }
                }
                let outcome = outcome_of_kind(e.kind());
                if outcome == Outcome::Permanent || worst == Outcome::Success {
                    worst = outcome;
                }
            }
        }
    }
    Ok(worst)
}
