//! A SQLite database file in a temporary directory, removed (with the directory) when dropped.

use std::path::{Path, PathBuf};

/// A temporary directory holding `yizhan.db`; other files of the test may go beside it.
pub struct TempSqlite {
    dir: tempfile::TempDir,
    path: PathBuf,
}

impl TempSqlite {
    /// A fresh directory; the database file does not exist until a store opens it.
    ///
    /// # Panics
    /// When the temporary directory cannot be created.
    pub fn new() -> TempSqlite {
        let dir = crate::temp_dir("sqlite");
        let path = dir.path().join("yizhan.db");
        TempSqlite { dir, path }
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The store URL of the file: `sqlite://<path>`.
    pub fn url(&self) -> String {
        format!("sqlite://{}", self.path.display())
    }

    /// The directory, for the test's other files (configuration, logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Default for TempSqlite {
    fn default() -> Self {
        TempSqlite::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_directory_is_removed_when_dropped() {
        let db = TempSqlite::new();
        std::fs::write(db.path(), b"x").expect("write");
        assert_eq!(db.url(), format!("sqlite://{}", db.path().display()));
        let dir = db.dir().to_owned();
        drop(db);
        assert!(!dir.exists());
    }
}
