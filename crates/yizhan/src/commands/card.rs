//! `yizhan card update <channel> <response_code> (--replace-name T | --card FILE)`.

use std::io::Read;

use anyhow::Context;
use yizhan_wecom::api::update_template_card::{CardUpdate, ReplaceButton, Request};

use crate::channels::Channels;
use crate::cli::CardUpdateArgs;
use crate::config::Config;
use crate::exit::{Outcome, UsageError};

/// Updates a sent card.
pub async fn update(config: &Config, args: CardUpdateArgs) -> anyhow::Result<Outcome> {
    let app = super::wecom_app(config, &args.channel)?;
    let update = match (&args.replace_name, &args.card) {
        (Some(name), None) => CardUpdate::Button { button: ReplaceButton { replace_name: name.clone() } },
        (None, Some(path)) => {
            let text = if path.as_os_str() == "-" {
                let mut s = String::new();
                std::io::stdin().read_to_string(&mut s).context("reading standard input")?;
                s
            } else {
                std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?
            };
            let card = serde_json::from_str(&text).map_err(|e| UsageError(format!("{}: {e}", path.display())))?;
            CardUpdate::Card { template_card: Box::new(card) }
        }
        _ => return Err(UsageError("give one of --replace-name and --card".to_owned()).into()),
    };
    let request = Request {
        atall: args.to.is_empty().then_some(1),
        userids: args.to.clone(),
        partyids: Vec::new(),
        tagids: Vec::new(),
        agentid: app.agent_id,
        response_code: args.response_code.clone(),
        enable_id_trans: None,
        update,
    };
    let channels = Channels::for_command(config).await?;
    super::wecom_client(&channels, &args.channel)?.update_template_card(&request).await.context("updating the card")?;
    println!("card updated");
    Ok(Outcome::Success)
}
