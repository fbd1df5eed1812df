//! Online backups of a SQLite store (docs/deploy.md, "Backup and restore"): `VACUUM INTO` on a
//! connection of its own, which reads one consistent snapshot of the database (a WAL read
//! transaction) while the gateway keeps writing, and writes it compacted to a new file. Every
//! transaction committed before the backup began is in the copy; none committed later is.
//! PostgreSQL is backed up with its own tools (`pg_dump`, base backups), not here.

use std::path::Path;
use std::str::FromStr as _;
use std::time::Duration;

use sqlx::Connection as _;
use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};

use crate::StoreError;

/// What a backup wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Backup {
    /// Bytes of the backup file.
    pub bytes: u64,
    /// Messages in the backup.
    pub messages: i64,
}

/// Copies the SQLite store at `url` (`sqlite://…`) into the new file `to`, online. Refuses a
/// PostgreSQL URL (naming `pg_dump`), an in-memory database, and an existing `to` (nothing is
/// overwritten). The copy is checked with `PRAGMA integrity_check` before it is reported.
pub async fn backup_sqlite(url: &str, to: &Path) -> Result<Backup, StoreError> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Err(StoreError::Invalid(
            "`yizhan backup` copies SQLite stores; back up PostgreSQL with pg_dump or a base backup (docs/deploy.md)"
                .to_owned(),
        ));
    }
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Err(StoreError::Invalid(format!("{url:?} is not a SQLite database file")));
    }
    if to.exists() {
        return Err(StoreError::Invalid(format!("{} exists; a backup never overwrites a file", to.display())));
    }
    let destination = to.to_str().ok_or_else(|| StoreError::Invalid(format!("{} is not UTF-8", to.display())))?;
    // Read-only and never created: a mistyped URL must not leave an empty database behind.
    let options = SqliteConnectOptions::from_str(url)?
        .read_only(true)
        .create_if_missing(false)
        .busy_timeout(Duration::from_secs(30));
    let mut source = SqliteConnection::connect_with(&options).await?;
    sqlx::query("VACUUM INTO ?").bind(destination).execute(&mut source).await?;
    source.close().await?;

    let check = SqliteConnectOptions::new().filename(to).read_only(true).create_if_missing(false);
    let mut copy = SqliteConnection::connect_with(&check).await?;
    let verdict: String = sqlx::query_scalar("PRAGMA integrity_check").fetch_one(&mut copy).await?;
    if verdict != "ok" {
        return Err(StoreError::Corrupt(format!(
            "the backup in {} failed its integrity check: {verdict}",
            to.display()
        )));
    }
    let messages: i64 = sqlx::query_scalar("SELECT count(*) FROM messages").fetch_one(&mut copy).await?;
    copy.close().await?;
    let bytes = std::fs::metadata(to).map(|m| m.len()).unwrap_or_default();
    Ok(Backup { bytes, messages })
}
