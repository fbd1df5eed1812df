//! `yizhan send`: one message through one channel, whatever its provider.

pub(crate) mod flags;
pub mod getui;
pub(crate) mod request;
pub mod robot;
pub mod wecom;

use anyhow::Context as _;

use crate::channels::{AnyClient, Channels, Retries};
use crate::cli::SendArgs;
use crate::config::{ChannelConfig, Config};
use crate::exit::Outcome;

/// Runs `yizhan send`.
pub async fn run(config: &Config, args: SendArgs) -> anyhow::Result<Outcome> {
    let channel = super::channel(config, &args.channel)?;
    flags::check(&args, channel.name(), channel.kind())?;
    // A dry run contacts nothing, not even the shared token store.
    let channels = if args.dry_run {
        Channels::build(config, None, Retries::Client)?
    } else {
        Channels::for_command(config).await?
    };
    let client = channels.get(channel.name()).with_context(|| format!("channel {:?} has no client", channel.name()))?;
    match (channel, client) {
        (ChannelConfig::WecomApp(app), AnyClient::WecomApp(client)) => wecom::run(app, client, args).await,
        (ChannelConfig::WecomRobot(bot), AnyClient::WecomRobot(client)) => robot::run(bot, client, args).await,
        (ChannelConfig::Getui(app), AnyClient::Getui(client)) => getui::run(app, client, args).await,
        _ => anyhow::bail!("channel {:?} has a client of another kind", channel.name()),
    }
}
