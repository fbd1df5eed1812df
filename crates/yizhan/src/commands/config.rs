//! `yizhan config example` and `yizhan config check`.

use std::path::Path;

use crate::config::{Config, ConfigError};
use crate::exit::Outcome;

/// The commented sample configuration printed by `yizhan config example`.
pub const EXAMPLE: &str = include_str!("../../yizhan.example.toml");

/// Loads the configuration at `path` and reports every problem (exit 2), or prints a summary.
/// A channel that cannot be used (a `${VAR}` it needs is not set) is a problem too.
pub fn check(path: &Path) -> anyhow::Result<Outcome> {
    let config = match Config::load(path) {
        Ok(config) => config,
        Err(ConfigError::Invalid { problems, .. }) => {
            eprintln!("{} problem(s) in {}:", problems.len(), path.display());
            problems.iter().for_each(|p| eprintln!("  {p}"));
            return Ok(Outcome::Usage);
        }
        Err(other) => return Err(other.into()),
    };
    if !config.unavailable.is_empty() {
        eprintln!("{} problem(s) in {}:", config.unavailable.len(), path.display());
        config.unavailable.iter().for_each(|u| eprintln!("  {}", u.why));
        return Ok(Outcome::Usage);
    }
    println!("configuration ok: {} channel(s), {} API key(s)", config.channels.len(), config.api_keys.len());
    for channel in &config.channels {
        println!("  {:<16} {}", channel.name(), crate::providers::summary(channel));
    }
    if !config.routes.is_empty() {
        println!("  routes: {} (templates checked with the built-in samples)", config.routes.names().join(", "));
    }
    Ok(Outcome::Success)
}
