//! A real SMTP server for the email tests: Python's aiosmtpd (Debian `python3-aiosmtpd`)
//! running `tests/fixtures/email/smtp_server.py` on a free loopback port, killed when dropped.
//! It refuses or defers chosen recipients and writes what it accepted, parsed by Python's own
//! `email` package, as JSON files the test reads.
//!
//! Without python3 and aiosmtpd the test skips with a printed reason, unless `CI=true`, when it
//! fails (`.ci/run` installs the package).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncBufReadExt;
use yizhan_test_kit::emulator::free_port;
use yizhan_test_kit::{TempDir, temp_dir, wait};

/// The handler script.
const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/email/smtp_server.py");

/// A running SMTP server.
pub(crate) struct SmtpServer {
    /// Its port on 127.0.0.1.
    pub(crate) port: u16,
    dir: TempDir,
    child: tokio::process::Child,
}

impl SmtpServer {
    /// Starts one with the script's options (`--refuse a@x`, `--defer a@x:1`, `--user u`, …);
    /// `None` (after printing why) when python3 with aiosmtpd is missing and `CI` is not `true`.
    pub(crate) async fn start(options: &[&str]) -> Option<SmtpServer> {
        let Some(python) = python_with_aiosmtpd() else {
            let why = "python3 with aiosmtpd is not installed (apt-get install python3-aiosmtpd)";
            assert!(!yizhan_test_kit::ci(), "{why} and CI=true");
            eprintln!("skipping: {why}");
            return None;
        };
        let dir = temp_dir("smtp");
        let port = free_port();
        let mut child = tokio::process::Command::new(python)
            .arg(SCRIPT)
            .arg("--port")
            .arg(port.to_string())
            .arg("--dir")
            .arg(dir.path())
            .args(options)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("the SMTP server starts");
        // It prints READY once it accepts connections.
        let stdout = child.stdout.take().expect("stdout");
        let mut lines = tokio::io::BufReader::new(stdout).lines();
        let ready = tokio::time::timeout(Duration::from_secs(20), lines.next_line()).await;
        assert!(matches!(ready, Ok(Ok(Some(ref line))) if line == "READY"), "the SMTP server did not start: {ready:?}");
        Some(SmtpServer { port, dir, child })
    }

    /// The messages received so far, in order (each as the script's JSON record).
    pub(crate) fn received(&self) -> Vec<Value> {
        received_in(self.dir.path())
    }

    /// Polls until `count` messages were received (at most 20 s); them.
    pub(crate) async fn wait_received(&self, count: usize) -> Vec<Value> {
        wait::for_state(&format!("{count} message(s) at the SMTP server"), Duration::from_secs(20), async || {
            let got = self.received();
            if got.len() >= count { Ok(got) } else { Err(got.len()) }
        })
        .await
    }

    /// Every RCPT answer so far: `550 zed@example.com`, `451 …`, `250 …`.
    pub(crate) fn rcpt_log(&self) -> Vec<String> {
        std::fs::read_to_string(self.dir.path().join("rcpt.log"))
            .unwrap_or_default()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.child.start_kill();
    }
}

fn received_in(dir: &Path) -> Vec<Value> {
    let mut names: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("the server's directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names.iter().map(|p| serde_json::from_slice(&std::fs::read(p).expect("read")).expect("json")).collect()
}

/// The first python3 that imports aiosmtpd: the one on the PATH, else Debian's.
fn python_with_aiosmtpd() -> Option<&'static str> {
    ["python3", "/usr/bin/python3"].into_iter().find(|python| {
        std::process::Command::new(python)
            .args(["-c", "import aiosmtpd"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    })
}
