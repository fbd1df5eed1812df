//! `yizhan send`: one message through one channel, whatever its provider.

pub(crate) mod flags;
pub mod getui;
pub(crate) mod request;
pub mod robot;
pub mod wecom;

use crate::cli::SendArgs;
use crate::config::{ChannelConfig, Config};
use crate::exit::Outcome;

/// Runs `yizhan send`.
pub async fn run(config: &Config, args: SendArgs) -> anyhow::Result<Outcome> {
    let channel = super::channel(config, &args.channel)?;
    flags::check(&args, channel.name(), channel.kind())?;
    match channel {
        ChannelConfig::WecomApp(app) => wecom::run(app, args).await,
        ChannelConfig::WecomRobot(bot) => robot::run(bot, args).await,
        ChannelConfig::Getui(app) => getui::run(app, args).await,
    }
}
