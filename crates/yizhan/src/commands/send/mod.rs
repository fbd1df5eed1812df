//! `yizhan send`: one message through one channel, whatever its provider.
//!
//! In direct mode the command line becomes a v1 request ([`request`]), which the gateway's
//! planning plans for one-shot use ([`Planning::OneShot`]) and the worker's provider execution
//! sends, dispatch by dispatch ([`direct`]); `--dry-run` prints that plan. There is no second
//! body builder: what differs per provider here is the media upload that comes before the
//! request and the printed result, which `providers::cli` asks of the channel's provider.

pub(crate) mod direct;
pub(crate) mod request;

use anyhow::Context as _;

use crate::channels::{Channels, Retries};
use crate::cli::SendArgs;
use crate::config::Config;
use crate::exit::Outcome;
use crate::gateway::Planning;
use crate::providers::cli::{self, flags};

/// Runs `yizhan send`.
pub async fn run(config: &Config, args: SendArgs) -> anyhow::Result<Outcome> {
    let channel = super::channel(config, &args.channel)?;
    flags::check(&args, channel.name(), channel.channel_kind())?;
    // A dry run contacts nothing, not even the shared token store.
    let channels = if args.dry_run {
        Channels::build(config, None, Retries::Client)?
    } else {
        Channels::for_command(config).await?
    };
    let client = channels.get(channel.name()).with_context(|| format!("channel {:?} has no client", channel.name()))?;
    // Media is uploaded first (not in a dry run) and the request names it by media_id.
    let media = cli::media(channel, client, &args).await?;
    let plan = direct::plan(&args, channel, &config.people, media.as_ref().map(|m| &m.content), Planning::OneShot)?;
    if args.dry_run {
        direct::print(channel, client, &plan);
        return Ok(Outcome::Success);
    }
    let sent = direct::execute(client, &plan).await;
    let media_id = media.as_ref().and_then(|m| m.media_id.as_deref());
    cli::print(channel, &plan, sent, media_id, args.json_output)?;
    Ok(Outcome::Success)
}
