//! `yizhan send`: one message through one channel, whatever its provider.

pub mod getui;
pub mod robot;
pub mod wecom;

use crate::cli::SendArgs;
use crate::config::{ChannelConfig, Config};
use crate::exit::{Outcome, UsageError};

/// Runs `yizhan send`.
pub async fn run(config: &Config, args: SendArgs) -> anyhow::Result<Outcome> {
    let channel = config.channel(&args.channel).ok_or_else(|| {
        let known: Vec<_> = config.channels.iter().map(ChannelConfig::name).collect();
        UsageError(format!("unknown channel {:?}; configured: {}", args.channel, known.join(", ")))
    })?;
    match channel {
        ChannelConfig::WecomApp(app) => wecom::run(app, args).await,
        ChannelConfig::WecomRobot(bot) => robot::run(bot, args).await,
        ChannelConfig::Getui(app) => getui::run(app, args).await,
    }
}
