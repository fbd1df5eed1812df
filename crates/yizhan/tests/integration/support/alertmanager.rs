//! A real Alertmanager (Debian's `prometheus-alertmanager`) on a free loopback port, with a
//! webhook receiver pointing at a yizhan gateway, killed when dropped.
//!
//! Not installed: the test skips with a printed reason, unless `CI=true`, when it fails
//! (`.ci/run` installs it).

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;
use yizhan_test_kit::emulator::free_port;
use yizhan_test_kit::wait;

/// Where Debian installs the binary.
const BINARY: &str = "/usr/bin/prometheus-alertmanager";

/// A running Alertmanager.
pub(crate) struct Alertmanager {
    /// `http://127.0.0.1:PORT`.
    pub(crate) base: String,
    child: tokio::process::Child,
    dir: PathBuf,
}

impl Alertmanager {
    /// Starts one whose only receiver posts every group (grouped by `alertname`, sent at once)
    /// to `webhook_url` with `Authorization: Bearer <bearer>`; `None` (after printing why) when
    /// it is not installed and `CI` is not `true`.
    pub(crate) async fn start(webhook_url: &str, bearer: &str) -> Option<Alertmanager> {
        Alertmanager::start_on(free_port(), webhook_url, bearer).await
    }

    /// [`Alertmanager::start`] on loopback port `port`.
    pub(crate) async fn start_on(port: u16, webhook_url: &str, bearer: &str) -> Option<Alertmanager> {
        let Some(binary) = binary() else {
            let why = "prometheus-alertmanager is not installed (apt-get install prometheus-alertmanager)";
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("{why} and CI=true");
            }
            eprintln!("skipping: {why}");
            return None;
        };
        let base = format!("http://127.0.0.1:{port}");
        let dir = std::env::temp_dir().join(format!("yizhan-alertmanager-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("alertmanager dir");
        let config = format!(
            "route:\n  receiver: yizhan\n  group_by: [alertname]\n  group_wait: 100ms\n  group_interval: 1s\n  \
             repeat_interval: 1h\nreceivers:\n  - name: yizhan\n    webhook_configs:\n      - url: {webhook_url:?}\n        \
             send_resolved: true\n        http_config:\n          authorization:\n            credentials: {bearer:?}\n"
        );
        std::fs::write(dir.join("alertmanager.yml"), config).expect("alertmanager config");
        let child = tokio::process::Command::new(binary)
            .arg(format!("--config.file={}", dir.join("alertmanager.yml").display()))
            .arg(format!("--storage.path={}", dir.join("data").display()))
            .arg(format!("--web.listen-address=127.0.0.1:{port}"))
            .arg(format!("--web.external-url={base}"))
            // No HA cluster: it would listen on every interface and wait for peers.
            .arg("--cluster.listen-address=")
            .arg("--log.level=warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("alertmanager starts");
        let alertmanager = Alertmanager { base, child, dir };
        alertmanager.wait_ready().await;
        Some(alertmanager)
    }

    /// Polls `/-/ready` until it answers 200 (at most 20 s).
    async fn wait_ready(&self) {
        let http = reqwest::Client::new();
        wait::for_state(&format!("alertmanager at {} to be ready", self.base), Duration::from_secs(20), async || {
            match http.get(format!("{}/-/ready", self.base)).send().await {
                Ok(r) if r.status().is_success() => Ok(()),
                Ok(r) => Err(r.status().to_string()),
                Err(e) => Err(e.to_string()),
            }
        })
        .await;
    }
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The installed binary: `prometheus-alertmanager` on the PATH, or Debian's path.
fn binary() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path).map(|dir| dir.join("prometheus-alertmanager")).find(|p| p.is_file())
    });
    on_path.or_else(|| Some(PathBuf::from(BINARY)).filter(|p| p.is_file()))
}
