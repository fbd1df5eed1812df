//! Shared by the reliability tests: a real `yizhan serve` process (the binary Cargo built for the
//! tests) on a temp SQLite database, killed and restarted at will, and inbox counting.

use std::collections::HashMap;
use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};
use yizhan_emulator::{Delivery, EmulatorConfig};
use yizhan_test_kit::wait;

/// An emulator configuration with users `u0`.. `u{users - 1}` (besides the demo ones) and
/// per-member limits out of the way.
pub(crate) fn emulator_config(users: usize) -> EmulatorConfig {
    let users: Vec<String> = (0..users).map(|i| format!("u{i}")).collect();
    yizhan_test_kit::emulator::config_with_users(&users)
}

pub(crate) use yizhan_test_kit::emulator::free_port;

/// A `yizhan serve` child process.
pub(crate) struct Gateway {
    pub(crate) child: Child,
    pub(crate) base: String,
}

impl Gateway {
    /// Starts `yizhan --config CONFIG serve` (the binary Cargo built, or `YIZHAN_BIN`) with
    /// `env` and waits (≤ 30 s) for `/readyz` 200.
    /// Stdout and stderr go to `log` (appended).
    pub(crate) async fn start(config: &Path, port: u16, log: &Path, env: &[(&str, &str)]) -> Gateway {
        let out = std::fs::OpenOptions::new().create(true).append(true).open(log).expect("log file");
        let err = out.try_clone().expect("log file");
        // `YIZHAN_BIN` runs another build of the gateway (bench/reliability.sh: the release one).
        let binary = std::env::var_os("YIZHAN_BIN").unwrap_or_else(|| env!("CARGO_BIN_EXE_yizhan").into());
        let mut command = Command::new(binary);
        command.arg("--config").arg(config).arg("serve").stdout(Stdio::from(out)).stderr(Stdio::from(err));
        command.env_remove("RUST_LOG").kill_on_drop(true);
        for (k, v) in env {
            command.env(k, v);
        }
        let mut child = command.spawn().expect("spawn yizhan serve");
        let base = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        wait::for_state(&format!("yizhan serve at {base} to be ready"), Duration::from_secs(30), async || {
            if let Ok(r) = http.get(format!("{base}/readyz")).send().await
                && r.status() == 200
            {
                return Ok(());
            }
            if let Ok(Some(status)) = child.try_wait() {
                panic!("yizhan serve exited with {status}: {}", std::fs::read_to_string(log).unwrap_or_default());
            }
            Err("not ready")
        })
        .await;
        Gateway { child, base }
    }

    /// `kill -9` and reap.
    pub(crate) async fn kill9(mut self) {
        self.child.start_kill().expect("SIGKILL");
        self.child.wait().await.expect("reap");
    }

    /// SIGTERM and wait for the graceful exit.
    pub(crate) async fn terminate(mut self) {
        if let Some(pid) = self.child.id() {
            let _ = std::process::Command::new("kill").arg(pid.to_string()).status();
        }
        let _ = tokio::time::timeout(Duration::from_secs(30), self.child.wait()).await;
    }
}

/// The gateway configuration (SQLite at `db`) with one WeCom app channel `ops` at `emulator`,
/// `extra` TOML (more channels) and an API key for `channels`.
pub(crate) fn gateway_config(
    db: &Path,
    port: u16,
    emulator: &str,
    key_sha256: &str,
    extra: &str,
    channels: &str,
) -> String {
    format!(
        "[server]\nlisten = \"127.0.0.1:{port}\"\n\n[store]\nurl = \"sqlite://{}\"\n\n[worker]\nlease_secs = 5\nrequest_timeout_ms = 400\n\
         initial_delay_ms = 50\nmax_delay_secs = 1\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\n\
         corp_id = \"wwyizhandemo\"\nagent_id = 1000002\nsecret = \"yizhan-demo-secret\"\nbase_url = \"{emulator}\"\n\n\
         {extra}\n[[api_keys]]\nname = \"t\"\nsha256 = \"{key_sha256}\"\nchannels = {channels}\n",
        db.display()
    )
}

/// A `yizhan serve` in `dir` of the one channel `ops` at `emulator`, with the API key `k`,
/// logging to `dir/serve.log` (`env`: extra environment); the gateway and its log's path.
pub(crate) async fn serve_ops(emulator: &str, dir: &Path, env: &[(&str, &str)]) -> (Gateway, std::path::PathBuf) {
    let port = free_port();
    let config = dir.join("yizhan.toml");
    let hash = yizhan::server::auth::ApiKeys::hash("k");
    std::fs::write(&config, gateway_config(&dir.join("y.db"), port, emulator, &hash, "", "[\"ops\"]")).expect("config");
    let log = dir.join("serve.log");
    (Gateway::start(&config, port, &log, env).await, log)
}

/// How often each text was delivered (duplicates suppressed by the provider and drops excluded).
pub(crate) fn delivered_texts(inbox: &[Delivery]) -> HashMap<String, usize> {
    let mut counts = HashMap::new();
    for d in inbox.iter().filter(|d| !d.deduplicated && d.dropped.is_none()) {
        let text = d.content["content"]
            .as_str()
            .or_else(|| d.content["notification"]["body"].as_str())
            .unwrap_or_default()
            .to_owned();
        *counts.entry(text).or_insert(0) += 1;
    }
    counts
}

/// A small seeded generator (xorshift64*) for reproducible "random" moments.
pub(crate) struct Rng(u64);

impl Rng {
    /// Seeded from `YIZHAN_TEST_SEED` or the clock; the seed is printed so a run can be repeated.
    pub(crate) fn from_env() -> Rng {
        let seed = std::env::var("YIZHAN_TEST_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or_else(|| {
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
        });
        println!("seed {seed} (YIZHAN_TEST_SEED to repeat)");
        Rng(seed | 1)
    }

    /// A number in `0..n`.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) % n.max(1)
    }
}

/// A size from the environment variable `name`, else `default` (CI size).
pub(crate) fn size(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}
