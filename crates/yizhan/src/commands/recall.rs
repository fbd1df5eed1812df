//! `yizhan recall <channel> <msgid>`.

use anyhow::Context;

use crate::channels::Channels;
use crate::cli::RecallArgs;
use crate::config::Config;
use crate::exit::Outcome;

/// Recalls one message.
pub async fn run(config: &Config, args: RecallArgs) -> anyhow::Result<Outcome> {
    super::wecom_app(config, &args.channel)?;
    let channels = Channels::for_command(config).await?;
    super::wecom_client(&channels, &args.channel)?
        .recall(&args.msgid)
        .await
        .with_context(|| format!("recalling {}", args.msgid))?;
    println!("recalled: msgid {}", args.msgid);
    Ok(Outcome::Success)
}
