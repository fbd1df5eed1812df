//! `yizhan people sync --channel <wecom app> [--output people.toml]`: the WeCom directory as a
//! people file (docs/people.md). With `--output` an existing file is merged (hand-written ids
//! and other channels' ids kept) and replaced atomically; without it the file is printed.

use anyhow::Context;

use crate::channels::Channels;
use crate::cli::PeopleSyncArgs;
use crate::config::Config;
use crate::exit::Outcome;
use crate::people::sync;

/// Imports the directory of the `wecom_app` channel `args.channel`.
pub async fn sync(config: &Config, args: PeopleSyncArgs) -> anyhow::Result<Outcome> {
    super::wecom_app(config, &args.channel)?;
    let channels = Channels::for_command(config).await?;
    let client = super::wecom_client(&channels, &args.channel)?;
    let existing = match &args.output {
        Some(path) if path.exists() => {
            let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
            sync::parse(&text).with_context(|| format!("{} is not a people file", path.display()))?
        }
        _ => Vec::new(),
    };
    let before = existing.len();
    let (people, added) = sync::from_wecom(client, existing).await.context("reading the WeCom directory")?;
    let text = sync::to_toml(&people)?;
    match &args.output {
        Some(path) => {
            let tmp = path.with_extension("toml.tmp");
            std::fs::write(&tmp, &text).with_context(|| format!("writing {}", tmp.display()))?;
            std::fs::rename(&tmp, path).with_context(|| format!("replacing {}", path.display()))?;
            eprintln!("people: {} ({added} added, {before} kept) written to {}", people.len(), path.display());
        }
        None => print!("{text}"),
    }
    Ok(Outcome::Success)
}
