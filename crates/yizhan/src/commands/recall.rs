//! `yizhan recall <channel> <msgid>`.

use anyhow::Context;

use crate::channels::wecom_client;
use crate::cli::RecallArgs;
use crate::config::Config;
use crate::exit::Outcome;

/// Recalls one message.
pub async fn run(config: &Config, args: RecallArgs) -> anyhow::Result<Outcome> {
    let app = super::wecom_app(config, &args.channel)?;
    wecom_client(app)?.recall(&args.msgid).await.with_context(|| format!("recalling {}", args.msgid))?;
    println!("recalled: msgid {}", args.msgid);
    Ok(Outcome::Success)
}
