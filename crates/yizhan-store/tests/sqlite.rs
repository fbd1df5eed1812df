//! The shared storage suite against SQLite, in memory and in a temporary file.

mod suite;

mod memory {
    crate::storage_suite!(crate::suite::sqlite_memory);
}

mod file {
    crate::storage_suite!(crate::suite::sqlite_file);
}

#[tokio::test]
async fn open_rejects_unknown_schemes() {
    for url in ["mysql://x", "redis://localhost", "yizhan.db"] {
        let err = yizhan_store::Store::open(url).await.unwrap_err();
        assert!(matches!(err, yizhan_store::StoreError::Invalid(_)), "{url}: {err}");
    }
}

#[tokio::test]
async fn file_store_runs_in_wal_mode() -> anyhow::Result<()> {
    let b = suite::sqlite_file().await;
    b.store.accept(suite::message("ops", 1)).await?;
    let file = b._dir.as_ref().expect("file backend has a file");
    let wal = std::path::PathBuf::from(format!("{}-wal", file.path().display()));
    assert!(wal.exists(), "journal_mode=WAL leaves a -wal file");
    Ok(())
}
