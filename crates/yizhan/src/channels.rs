//! Builds provider clients from channel configuration.

use secrecy::ExposeSecret;
use yizhan_getui::GetuiClient;
use yizhan_wecom::WecomClient;

use crate::config::{GetuiConfig, WecomAppConfig};

/// A WeCom client for a `wecom_app` channel.
pub fn wecom_client(channel: &WecomAppConfig) -> Result<WecomClient, yizhan_wecom::Error> {
    let mut builder = WecomClient::builder(&channel.corp_id, channel.agent_id, channel.secret.clone());
    if let Some(url) = &channel.base_url {
        builder = builder.base_url(url);
    }
    builder.build()
}

/// A Getui client for a `getui` channel.
pub fn getui_client(channel: &GetuiConfig) -> Result<GetuiClient, yizhan_getui::Error> {
    let mut builder =
        GetuiClient::builder(&channel.app_id, channel.app_key.expose_secret(), channel.master_secret.clone());
    if let Some(url) = &channel.base_url {
        builder = builder.base_url(url);
    } else if !channel.base_urls.is_empty() {
        builder = builder.base_urls(channel.base_urls.iter().cloned());
    }
    builder.build()
}
