//! `yizhan migrate`: apply the store's embedded migrations and exit.

use anyhow::Context;
use yizhan_store::Store;

use super::serve::store_kind;
use crate::config::Config;
use crate::exit::Outcome;

/// Applies the migrations of the configured store (idempotent; safe while instances run).
pub async fn run(config: &Config) -> anyhow::Result<Outcome> {
    let kind = store_kind(&config.store.url);
    let store =
        Store::open_with(&config.store.url, false).await.with_context(|| format!("opening the {kind} store"))?;
    store.migrate().await.with_context(|| format!("migrating the {kind} store"))?;
    store.close().await;
    println!("migrations applied ({} store)", store.backend());
    Ok(Outcome::Success)
}
