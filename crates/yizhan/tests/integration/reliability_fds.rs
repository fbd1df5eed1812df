//! Idle connections cannot exhaust the gateway's file descriptors: under a low `ulimit -n`,
//! more idle TCP connections than it may hold leave it serving (`/readyz`, accepts) and
//! delivering, with no attempt spent on "Too many open files".

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use tokio::io::AsyncReadExt as _;
use tokio::process::{Child, Command};
use yizhan::server::auth::ApiKeys;

use crate::reliability::{emulator_config, free_port, gateway_config};
use yizhan_test_kit::emulator;
use yizhan_test_kit::wait;

/// The open files limit the gateway runs under.
const NOFILE: u32 = 256;
/// Idle connections opened against it: more than it may hold.
const IDLE: usize = 400;

/// `yizhan serve` under `ulimit -n NOFILE` (set by the shell, then `exec`).
fn spawn(config: &Path, log: &Path) -> Child {
    let out = std::fs::File::create(log).expect("log");
    let err = out.try_clone().expect("log");
    Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -n {NOFILE} && exec \"$0\" --config \"$1\" serve"))
        .arg(env!("CARGO_BIN_EXE_yizhan"))
        .arg(config)
        .env_remove("RUST_LOG")
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err))
        .kill_on_drop(true)
        .spawn()
        .expect("spawn")
}

async fn ready(http: &reqwest::Client, base: &str) -> bool {
    http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == 200)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_do_not_starve_the_gateway() {
    let tmp = yizhan_test_kit::temp_dir("fds");
    let dir = tmp.path();
    let emu = emulator::spawn(emulator_config(4)).await;
    let port = free_port();
    let text = gateway_config(&dir.join("yizhan.db"), port, &emu.base_url(), &ApiKeys::hash("k"), "", "[\"ops\"]")
        .replace("[server]\n", "[server]\nheader_read_timeout_ms = 1000\n");
    let config = dir.join("yizhan.toml");
    std::fs::write(&config, text).expect("config");
    let log = dir.join("serve.log");
    let mut child = spawn(&config, &log);
    let base = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::builder().timeout(Duration::from_secs(20)).build().expect("client");
    wait::for_state("yizhan serve under ulimit -n to be ready", Duration::from_secs(30), async || {
        if ready(&http, &base).await {
            return Ok(());
        }
        assert!(child.try_wait().expect("wait").is_none(), "serve exited: {}", std::fs::read_to_string(&log).unwrap());
        Err("not ready")
    })
    .await;

    // More idle connections than the gateway has descriptors for; they send nothing.
    let mut idle = Vec::with_capacity(IDLE);
    for _ in 0..IDLE {
        idle.push(tokio::net::TcpStream::connect(("127.0.0.1", port)).await.expect("connect"));
    }

    // It still answers and accepts (within a few header timeouts).
    let started = Instant::now();
    assert!(ready(&http, &base).await, "/readyz did not answer with {IDLE} idle connections open");
    let body = serde_json::json!({"channel": "ops", "to": {"users": ["u0"]}, "content": {"text": "fd pressure"}});
    let response = http.post(format!("{base}/v1/messages")).bearer_auth("k").json(&body).send().await.expect("post");
    assert_eq!(response.status().as_u16(), 202);
    let id = response.json::<serde_json::Value>().await.expect("json")["id"].as_str().expect("id").to_owned();
    assert!(started.elapsed() < Duration::from_secs(15), "answers took {:?}", started.elapsed());

    // Delivered on the first attempt: no attempt spent on a local shortage of descriptors.
    let view = crate::support::ApiClient::new(&base, "k").wait_for(&id, &["delivered"]).await;
    assert_eq!(view["attempts"], 1, "{view}");
    assert_eq!(emu.inbox().iter().filter(|d| d.content["content"] == "fd pressure").count(), 1);

    // The idle connections were closed by the server (header timeout), not kept forever.
    let mut first = idle.swap_remove(0);
    let mut buf = [0u8; 64];
    let read = tokio::time::timeout(Duration::from_secs(10), first.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0)) | Ok(Err(_))), "an idle connection was not closed: {read:?}");

    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert!(!text.contains("Too many open files"), "{text}");
    child.start_kill().expect("kill");
    let _ = child.wait().await;
}
