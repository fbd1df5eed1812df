//! Builds provider clients from channel configuration.

use yizhan_wecom::WecomClient;

use crate::config::WecomAppConfig;

/// A WeCom client for a `wecom_app` channel.
pub fn wecom_client(channel: &WecomAppConfig) -> Result<WecomClient, yizhan_wecom::Error> {
    let mut builder = WecomClient::builder(&channel.corp_id, channel.agent_id, channel.secret.clone());
    if let Some(url) = &channel.base_url {
        builder = builder.base_url(url);
    }
    builder.build()
}
