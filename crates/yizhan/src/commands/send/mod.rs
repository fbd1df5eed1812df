//! `yizhan send`: one message through one channel, whatever its provider.
//!
//! In direct mode the command line becomes a v1 request ([`request`]), which the gateway's
//! planning plans for one-shot use ([`Planning::OneShot`]) and the worker's provider execution
//! sends, dispatch by dispatch ([`direct`]); `--dry-run` prints that plan. There is no second
//! body builder: what differs per provider here is the media upload that comes before the
//! request and the printed result ([`wecom`], [`robot`], [`getui`]).

pub(crate) mod direct;
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
use crate::gateway::Planning;

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
    // Media is uploaded first (not in a dry run) and the request names it by media_id.
    let media = match (channel, client) {
        (ChannelConfig::WecomApp(app), AnyClient::WecomApp(c)) => wecom::media(app, c, &args).await?,
        (ChannelConfig::WecomRobot(bot), AnyClient::WecomRobot(c)) => robot::media(bot, c, &args).await?,
        (ChannelConfig::Getui(_), AnyClient::Getui(_)) => None,
        _ => anyhow::bail!("channel {:?} has a client of another kind", channel.name()),
    };
    let plan = direct::plan(&args, channel, media.as_ref().map(|m| &m.content), Planning::OneShot)?;
    if args.dry_run {
        direct::print(channel, client, &plan);
        return Ok(Outcome::Success);
    }
    let sent = direct::execute(client, &plan).await;
    let media_id = media.as_ref().and_then(|m| m.media_id.as_deref());
    match (channel, sent) {
        (ChannelConfig::WecomApp(_), Ok(done)) => wecom::print(&plan, &done, media_id, args.json_output)?,
        (ChannelConfig::WecomRobot(bot), Ok(_)) => robot::print(bot, &plan, media_id, args.json_output)?,
        (ChannelConfig::Getui(_), Ok(done)) => getui::print(&done, args.json_output)?,
        (channel, Err(failed)) => {
            if let ChannelConfig::WecomRobot(_) = channel {
                robot::hint(&failed);
            }
            return Err(anyhow::Error::new(failed).context(format!("sending through {:?}", channel.name())));
        }
    }
    Ok(Outcome::Success)
}

/// Media named in the request instead of a file or URL: the content that names it and, once
/// uploaded, its media_id.
#[derive(Debug)]
pub(crate) struct Media {
    /// The request's `content`.
    pub(crate) content: serde_json::Value,
    /// The uploaded media's id (`None` in a dry run, and for inline images).
    pub(crate) media_id: Option<String>,
}
