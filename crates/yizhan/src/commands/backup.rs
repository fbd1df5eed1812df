//! `yizhan backup FILE`: an online copy of the SQLite store while `yizhan serve` keeps running
//! (docs/deploy.md, "Backup and restore"; [`yizhan_store::backup_sqlite`]).

use std::path::Path;

use crate::config::Config;
use crate::exit::{Outcome, UsageError};

/// Writes the backup and says what it holds, or why it could not (a PostgreSQL store, an
/// existing file: usage errors, exit 2).
pub async fn run(config: &Config, file: &Path) -> anyhow::Result<Outcome> {
    let started = std::time::Instant::now();
    match yizhan_store::backup_sqlite(&config.store.url, file).await {
        Ok(backup) => {
            println!(
                "backup written: {} ({} bytes, {} messages, {} ms; integrity check ok)",
                file.display(),
                backup.bytes,
                backup.messages,
                started.elapsed().as_millis()
            );
            println!("restore: stop yizhan, replace the database file with it (delete its -wal and -shm files), start");
            Ok(Outcome::Success)
        }
        Err(yizhan_store::StoreError::Invalid(why)) => Err(UsageError(why).into()),
        Err(e) => Err(anyhow::Error::new(e).context(format!("backup to {} failed", file.display()))),
    }
}
