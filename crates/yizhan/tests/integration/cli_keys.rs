//! `yizhan keys create|list|hash` through the binary: a created key, pasted into the
//! configuration as printed, authenticates with exactly the scope it was made for; the listing
//! never shows a whole hash; unknown channels are refused naming them.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use serde_json::Value;
use tower::ServiceExt;
use yizhan_store::Store;

use crate::support::{app_state, run_yizhan, text};

const CHANNELS: &str = r#"
[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "ww0001"
agent_id = 1000002
secret = "app-secret"

[[channels]]
name = "bot"
kind = "wecom_robot"
key = "robot-key"
"#;

/// Runs `yizhan keys create … --json-output` on `config`; the JSON it printed.
async fn create(config: &str, args: &[&str]) -> Value {
    let mut all = vec!["keys", "create", "--json-output"];
    all.extend_from_slice(args);
    let out = run_yizhan(config, &[], &all).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON output")
}

/// The status of `GET /v1/messages?channel=<channel>` with `key` on a router for `config`.
async fn list_status(config: &str, key: &str, channel: &str) -> StatusCode {
    let store = Store::open("sqlite::memory:").await.expect("store");
    let request = Request::get(format!("/v1/messages?channel={channel}"))
        .header("authorization", format!("Bearer {key}"))
        .body(Body::empty())
        .expect("request");
    yizhan::server::router(app_state(config, store)).oneshot(request).await.expect("answer").status()
}

#[tokio::test]
async fn a_created_key_works_with_the_scope_it_was_made_for() {
    let scoped = create(CHANNELS, &["--name", "deploy", "--channels", "ops"]).await;
    let admin = create(CHANNELS, &["--name", "root", "--admin"]).await;
    let (scoped_key, admin_key) = (scoped["key"].as_str().unwrap(), admin["key"].as_str().unwrap());
    assert_ne!(scoped_key, admin_key);
    let config = format!("{CHANNELS}\n{}\n{}", scoped["config"].as_str().unwrap(), admin["config"].as_str().unwrap());

    let check = run_yizhan(&config, &[], &["config", "check"]).await;
    assert_eq!(check.status.code(), Some(0), "the printed entries are valid: {}", text(&check.stderr));

    assert_eq!(list_status(&config, scoped_key, "ops").await, StatusCode::OK);
    assert_eq!(list_status(&config, scoped_key, "bot").await, StatusCode::FORBIDDEN);
    assert_eq!(list_status(&config, admin_key, "ops").await, StatusCode::OK);
    assert_eq!(list_status(&config, admin_key, "bot").await, StatusCode::OK);
    let tampered = format!("{}0", &scoped_key[..scoped_key.len() - 1]);
    assert_eq!(list_status(&config, &tampered, "ops").await, StatusCode::UNAUTHORIZED);

    let list = run_yizhan(&config, &[], &["keys", "list"]).await;
    let listing = text(&list.stdout);
    assert_eq!(list.status.code(), Some(0), "{}", text(&list.stderr));
    let hash = scoped["sha256"].as_str().unwrap();
    assert!(listing.contains(&hash[..12]) && !listing.contains(hash), "a prefix of the hash only:\n{listing}");
    assert!(listing.contains("deploy") && listing.contains("admin (every channel)"), "{listing}");
    assert!(!listing.contains(scoped_key) && !listing.contains(admin_key), "keys are never listed");
}

#[tokio::test]
async fn unknown_channels_and_an_admin_key_with_channels_are_refused() {
    let out = run_yizhan(CHANNELS, &[], &["keys", "create", "--name", "x", "--channels", "ops,bott"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("--channels") && stderr.contains("\"bott\"") && stderr.contains("\"bot\""), "{stderr}");
    assert!(out.stdout.is_empty(), "no key is printed when the request is refused");

    let hand_written = format!(
        "{CHANNELS}\n[[api_keys]]\nname = \"r\"\nsha256 = \"{}\"\nadmin = true\nchannels = [\"ops\"]\n",
        "a".repeat(64)
    );
    let check = run_yizhan(&hand_written, &[], &["config", "check"]).await;
    assert_eq!(check.status.code(), Some(2));
    assert!(text(&check.stderr).contains("channels: must be empty on an admin key"), "{}", text(&check.stderr));
}

#[tokio::test]
async fn keys_hash_prints_the_sha256_of_standard_input() {
    use tokio::io::AsyncWriteExt as _;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(["keys", "hash"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("binary runs");
    child.stdin.take().unwrap().write_all(b"abc\n").await.unwrap();
    let out = child.wait_with_output().await.unwrap();
    assert_eq!(out.status.code(), Some(0));
    // printf %s abc | sha256sum
    assert_eq!(text(&out.stdout).trim(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}
