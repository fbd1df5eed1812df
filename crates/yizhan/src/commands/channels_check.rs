//! `yizhan channels check`: each channel's provider checks it ([`providers::check`]) — fetch a
//! token, verify a WeCom app's agent id — and failures are explained (the code's meaning, what
//! to do, else the provider's own message and link).
//!
//! A group robot (`wecom_robot`) has no token and WeCom offers no way to test a webhook key
//! without posting a message to the group, so its check only reports that the key is
//! configured; a wrong key shows up as errcode 93000 on the first send.

use std::time::Instant;

use crate::channels::{Channels, Retries};
use crate::config::Config;
use crate::exit::{Outcome, outcome_of_kind};
use crate::providers::{self, Checked};

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
        let result = providers::check(channel, &channels).await;
        let (name, kind) = (channel.name(), channel.kind());
        match result {
            Ok(Checked::Untestable(why)) => println!("ok    {name:<16} {kind:<10} {why}"),
            Ok(Checked::Verified(detail)) => println!("ok    {name:<16} {kind:<10} {detail}"),
            Ok(Checked::Token) => {
                println!("ok    {name:<16} {kind:<10} token fetched in {} ms", started.elapsed().as_millis());
            }
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
        println!("      egress: {}", egress(channel.proxy()));
    }
    for unusable in &config.unavailable {
        println!("FAIL  {:<16} {}", unusable.name, unusable.why);
        if worst == Outcome::Success {
            worst = Outcome::Usage;
        }
    }
    Ok(worst)
}

/// Which way a channel's calls leave: its `proxy` (a URL without credentials, so it can be
/// shown), or direct — unless the environment names a proxy, which reqwest then uses (its
/// value is not shown: it may hold a password).
fn egress(proxy: Option<&str>) -> String {
    if let Some(url) = proxy {
        return format!("proxy {url}");
    }
    let from_env: Vec<&str> = ["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "HTTP_PROXY", "http_proxy"]
        .into_iter()
        .filter(|name| std::env::var_os(name).is_some_and(|v| !v.is_empty()))
        .collect();
    if from_env.is_empty() {
        "direct".to_owned()
    } else {
        format!("the environment's proxy ({}; NO_PROXY applies)", from_env.join(", "))
    }
}
