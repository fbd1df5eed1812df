//! `yizhan config example` and `yizhan config check`.

use crate::config::{ChannelConfig, Config};
use crate::exit::Outcome;

/// The commented sample configuration printed by `yizhan config example`.
pub const EXAMPLE: &str = include_str!("../../yizhan.example.toml");

/// Prints a summary of a configuration that parsed.
pub fn check(config: &Config) -> anyhow::Result<Outcome> {
    println!("configuration ok: {} channel(s), {} API key(s)", config.channels.len(), config.api_keys.len());
    for channel in &config.channels {
        match channel {
            ChannelConfig::WecomApp(c) => println!(
                "  {:<16} wecom_app  corp_id={} agent_id={} base_url={}",
                c.name,
                c.corp_id,
                c.agent_id,
                c.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL)
            ),
            ChannelConfig::WecomRobot(c) => println!(
                "  {:<16} wecom_robot key=[redacted] base_url={}",
                c.name,
                c.base_url.as_deref().unwrap_or(yizhan_wecom::DEFAULT_BASE_URL)
            ),
            ChannelConfig::Getui(c) => println!(
                "  {:<16} getui      app_id={} base_url={}",
                c.name,
                c.app_id,
                c.base_url.clone().unwrap_or_else(|| if c.base_urls.is_empty() {
                    yizhan_getui::DEFAULT_BASE_URL.to_owned()
                } else {
                    c.base_urls.join(", ")
                })
            ),
        }
    }
    Ok(Outcome::Success)
}
