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
    for url in ["mysql://x", "postgres://localhost/yizhan", "yizhan.db"] {
        let err = yizhan_store::Store::open(url).await.unwrap_err();
        assert!(matches!(err, yizhan_store::StoreError::Invalid(_)), "{url}: {err}");
    }
}
