//! A SQLite database that cannot grow (here: its size cap, `[store] sqlite_max_size_kb`, which
//! fails writes exactly as a full disk does) refuses accepts with 503, says not ready, loses
//! none of the messages it answered 202, and recovers by itself once room is made: no restart.

use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteConnection};
use sqlx::{Connection as _, Row as _};
use yizhan::server::auth::ApiKeys;

use crate::reliability::{Gateway, delivered_texts, emulator_config, free_port, gateway_config};
use yizhan_test_kit::emulator;
use yizhan_test_kit::wait;

/// Room the gateway's own POSTs fill up after the ballast: 256 KiB.
const ROOM_PAGES: i64 = 64;

async fn readyz(base: &str) -> u16 {
    reqwest::get(format!("{base}/readyz")).await.expect("readyz").status().as_u16()
}

/// Polls `/readyz` (at most 20 s) until it answers `status`.
async fn wait_ready(base: &str, status: u16) {
    wait::for_state(&format!("/readyz to answer {status}"), Duration::from_secs(20), async || {
        let answer = readyz(base).await;
        if answer == status { Ok(()) } else { Err(answer) }
    })
    .await;
}

/// Recipients, so that no member's quota defers the messages.
const USERS: usize = 500;

/// POSTs one text message (to user `u{n % USERS}`): the status, the `Retry-After` header and the
/// answer.
async fn post(http: &reqwest::Client, base: &str, n: usize, text: &str) -> (u16, Option<String>, serde_json::Value) {
    let to = format!("u{}", n % USERS);
    let body = serde_json::json!({"channel": "ops", "to": {"users": [to]}, "content": {"text": text}});
    let response = http.post(format!("{base}/v1/messages")).bearer_auth("k").json(&body).send().await.expect("post");
    let status = response.status().as_u16();
    let retry = response.headers().get("retry-after").map(|v| v.to_str().unwrap_or_default().to_owned());
    (status, retry, response.json().await.unwrap_or_default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_recovers_by_itself_after_the_disk_fills_up() {
    let tmp = yizhan_test_kit::temp_dir("disk-full");
    let dir = tmp.path();
    let db = dir.join("yizhan.db");
    let emu = emulator::spawn(emulator_config(USERS)).await;
    // The cap: 2 MiB, far above a fresh database, far below what the ballast takes.
    let cap_kb = 2048;
    let port = free_port();
    let text = gateway_config(&db, port, &emu.base_url(), &ApiKeys::hash("k"), "", "[\"ops\"]")
        .replace("[worker]\n", &format!("sqlite_max_size_kb = {cap_kb}\n\n[worker]\n"));
    let config = dir.join("yizhan.toml");
    std::fs::write(&config, text).expect("config");
    let gateway = Gateway::start(&config, port, &dir.join("serve.log"), &[]).await;
    let base = gateway.base.clone();
    let http = reqwest::Client::new();

    // Fill the database to its cap from a connection of our own (same cap), then make a little
    // room that the gateway's POSTs fill.
    let options = SqliteConnectOptions::new()
        .filename(&db)
        .busy_timeout(Duration::from_secs(10))
        .pragma("max_page_count", (cap_kb / 4).to_string());
    let mut conn = SqliteConnection::connect_with(&options).await.expect("connect");
    sqlx::query("CREATE TABLE ballast (id INTEGER PRIMARY KEY, pad BLOB NOT NULL)").execute(&mut conn).await.unwrap();
    loop {
        match sqlx::query("INSERT INTO ballast (pad) VALUES (zeroblob(16384))").execute(&mut conn).await {
            Ok(_) => {}
            Err(e) => {
                assert!(e.to_string().contains("full"), "ballast stopped by {e}, not by the cap");
                break;
            }
        }
    }
    sqlx::query("DELETE FROM ballast WHERE id IN (SELECT id FROM ballast ORDER BY id LIMIT ?)")
        .bind(ROOM_PAGES / 4)
        .execute(&mut conn)
        .await
        .unwrap();

    // POST until the store refuses: 503 with Retry-After, never a 500.
    let mut accepted = Vec::new();
    let filler = "x".repeat(1500);
    let refused = loop {
        let marker = format!("m{}", accepted.len());
        let (status, retry, answer) = post(&http, &base, accepted.len(), &format!("{marker} {filler}")).await;
        match status {
            202 => accepted.push((answer["id"].as_str().expect("id").to_owned(), marker)),
            503 => break (retry, answer),
            other => panic!("answered {other} while the database filled up: {answer}"),
        }
        assert!(accepted.len() < 2000, "the cap never filled");
    };
    assert!(!accepted.is_empty(), "nothing was accepted before the cap");
    assert_eq!(refused.1["code"], "unavailable", "{}", refused.1);
    assert!(refused.0.is_some_and(|s| s.parse::<u32>().is_ok()), "503 without Retry-After in seconds");
    assert_eq!(readyz(&base).await, 503, "/readyz must say not ready while writes fail");

    // Make room: everything works again, without a restart.
    sqlx::query("DROP TABLE ballast").execute(&mut conn).await.unwrap();
    let free: i64 = sqlx::query("PRAGMA freelist_count").fetch_one(&mut conn).await.unwrap().get(0);
    assert!(free > ROOM_PAGES, "dropping the ballast freed only {free} pages");
    conn.close().await.unwrap();
    wait_ready(&base, 200).await;
    for i in 0..10 {
        let marker = format!("after{i}");
        let (status, _, answer) = post(&http, &base, accepted.len(), &marker).await;
        assert_eq!(status, 202, "after making room: {answer}");
        accepted.push((answer["id"].as_str().expect("id").to_owned(), marker));
    }

    // Every 202 is delivered (claims and completions work again), each exactly once.
    let api = crate::support::ApiClient::new(&base, "k");
    for (id, _) in &accepted {
        api.wait_for(id, &["delivered"]).await;
    }
    let counts = delivered_texts(&emu.inbox());
    for (_, marker) in &accepted {
        let n: usize = counts.iter().filter(|(t, _)| t.split(' ').next() == Some(marker)).map(|(_, n)| n).sum();
        assert_eq!(n, 1, "{marker} delivered {n} times");
    }
    let log = std::fs::read_to_string(dir.join("serve.log")).unwrap_or_default();
    assert!(!log.contains("non-zero transaction depth"), "a connection stayed inside a failed transaction");
    gateway.terminate().await;
}
