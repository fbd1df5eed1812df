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

#[tokio::test]
async fn upgrading_gives_old_dispatches_the_resend_safety_of_the_earlier_rule() -> anyhow::Result<()> {
    use suite::upgrade::{DISPATCH_SQL, MESSAGE_SQL, OLD_ROWS, before_resend_safe};
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("old.db").display());
    let pool = sqlx::SqlitePool::connect(&format!("{url}?mode=rwc")).await?;
    before_resend_safe("migrations/sqlite").await.run(&pool).await?;
    let id = yizhan_core::MessageId::new().to_string();
    sqlx::query(MESSAGE_SQL).bind(&id).execute(&pool).await?;
    for (seq, r) in (0_i64..).zip(OLD_ROWS) {
        sqlx::query(DISPATCH_SQL)
            .bind(&id)
            .bind(seq)
            .bind(r.endpoint)
            .bind(r.body.as_bytes())
            .bind(r.merged.map(str::as_bytes))
            .execute(&pool)
            .await?;
    }
    pool.close().await;
    suite::upgrade::check(&yizhan_store::Store::open(&url).await?).await;
    Ok(())
}
