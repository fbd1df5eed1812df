//! `yizhan backup FILE` while `yizhan serve` is under load: every message whose 202 arrived
//! before the backup began is in the copy, the copy passes SQLite's integrity check, a gateway
//! started on the copy (the restore) serves those messages; nothing is overwritten, and a
//! PostgreSQL store is pointed to pg_dump.

use std::sync::{Arc, Mutex};

use serde_json::json;
use yizhan_store::Store;
use yizhan_test_kit::emulator;

use crate::reliability::{Gateway, free_port, gateway_config, serve_ops};
use crate::support::{ApiClient, text};

/// Runs `yizhan --config CONFIG backup COPY`.
async fn backup(config: &std::path::Path, copy: &std::path::Path) -> std::process::Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .arg("--config")
        .arg(config)
        .arg("backup")
        .arg(copy)
        .output()
        .await
        .expect("backup runs")
}

#[tokio::test]
async fn a_backup_under_load_holds_every_message_accepted_before_it_and_restores() {
    let emu = emulator::spawn_default().await;
    let tmp = yizhan_test_kit::temp_dir("backup");
    let (gateway, _log) = serve_ops(&emu.base_url(), tmp.path(), &[]).await;
    let accepted: Arc<Mutex<Vec<String>>> = Arc::default();
    let api = Arc::new(ApiClient::new(&gateway.base, "k"));
    // Load: 4 senders keep posting until told to stop, recording each accepted id.
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let senders: Vec<_> = (0..4)
        .map(|n| {
            let (api, accepted, stopped) = (api.clone(), accepted.clone(), stopped.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !*stopped.borrow() {
                    let body =
                        json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": format!("s{n}-{i}")}});
                    let id = api.send(&body).await;
                    accepted.lock().unwrap().push(id);
                    i += 1;
                }
            })
        })
        .collect();
    // Wait until some traffic went through, then back up while it goes on.
    yizhan_test_kit::wait::for_state("50 accepted messages", std::time::Duration::from_secs(60), async || {
        let n = accepted.lock().unwrap().len();
        if n >= 50 { Ok(()) } else { Err(n) }
    })
    .await;
    let before: Vec<String> = accepted.lock().unwrap().clone();
    let copy = tmp.path().join("copy.db");
    let config = tmp.path().join("yizhan.toml");
    let out = backup(&config, &copy).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(text(&out.stdout).contains("integrity check ok"), "{}", text(&out.stdout));
    let after_backup = accepted.lock().unwrap().len();
    stop.send(true).expect("stop");
    for sender in senders {
        sender.await.expect("sender");
    }
    assert!(accepted.lock().unwrap().len() > after_backup || after_backup > before.len(), "load went on meanwhile");

    // A second backup to the same file is refused; nothing is overwritten.
    let size = std::fs::metadata(&copy).expect("copy").len();
    let again = backup(&config, &copy).await;
    assert_eq!(again.status.code(), Some(2), "{}", text(&again.stderr));
    assert!(text(&again.stderr).contains("never overwrites"), "{}", text(&again.stderr));
    assert_eq!(std::fs::metadata(&copy).expect("copy").len(), size);
    gateway.terminate().await;

    let store = Store::open(&format!("sqlite://{}", copy.display())).await.expect("the copy opens");
    for id in &before {
        let id = yizhan_core::MessageId::parse(id).expect("message id");
        assert!(store.message(id).await.expect("read").is_some(), "{id} was accepted before the backup");
    }
    drop(store);

    // Restore: a gateway on the copy serves the messages.
    let port = free_port();
    let restored = tmp.path().join("restored.toml");
    let hash = yizhan::server::auth::ApiKeys::hash("k");
    std::fs::write(&restored, gateway_config(&copy, port, &emu.base_url(), &hash, "", "[\"ops\"]")).expect("config");
    let gateway = Gateway::start(&restored, port, &tmp.path().join("restored.log"), &[]).await;
    let api = ApiClient::new(&gateway.base, "k");
    for id in before.iter().step_by(7) {
        let view = api.get(&format!("/v1/messages/{id}")).await;
        assert_eq!(view["id"], id.as_str(), "{view}");
    }
    gateway.terminate().await;
}

#[tokio::test]
async fn a_postgres_store_is_pointed_to_pg_dump() {
    let out = crate::support::run_yizhan(
        "[store]\nurl = \"postgres://postgres@127.0.0.1:5432/none\"\n",
        &[],
        &["backup", "/nonexistent/x.db"],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("pg_dump"), "{}", text(&out.stderr));
}
