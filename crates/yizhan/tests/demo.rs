//! `yizhan demo` end to end: the printed key and curl bodies deliver to the embedded emulator.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Demo(Child);

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn the_printed_key_and_commands_deliver() {
    let dir = std::env::temp_dir().join(format!("yizhan-demo-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let mut child = Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(["demo", "--listen", "127.0.0.1:0", "--db"])
        .arg(dir.join("demo.db"))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("demo starts");
    let stdout = child.stdout.take().expect("stdout");
    let demo = Demo(child);
    let mut lines = BufReader::new(stdout).lines();
    let first = lines.next().expect("a line").expect("utf-8");
    let base = first.split_whitespace().find(|w| w.starts_with("http://")).expect("base URL").trim_end_matches(',');
    let base = base.to_owned();
    let key = lines
        .by_ref()
        .map_while(Result::ok)
        .find_map(|l| l.strip_prefix("API key: ").map(str::to_owned))
        .expect("the key is printed on a line of its own");
    let curls: Vec<String> = lines.map_while(Result::ok).filter(|l| l.starts_with("curl -s -X POST")).take(3).collect();
    assert_eq!(curls.len(), 3, "three ready-to-paste commands");

    let http = reqwest::Client::new();
    for curl in &curls {
        let body = curl.rsplit_once(" -d '").expect("a body").1.trim_end_matches('\'');
        let response = http
            .post(format!("{base}/v1/messages"))
            .bearer_auth(&key)
            .body(body.to_owned())
            .send()
            .await
            .expect("accepted");
        assert_eq!(response.status(), 202, "{body}");
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let inbox: Vec<serde_json::Value> =
            http.get(format!("{base}/emulator/inbox")).send().await.expect("inbox").json().await.expect("json");
        let providers: Vec<&str> = inbox.iter().filter_map(|d| d["provider"].as_str()).collect();
        if providers.len() >= 4 {
            assert_eq!(providers.iter().filter(|p| **p == "wecom").count(), 2, "{providers:?}");
            assert!(providers.contains(&"wecom_robot") && providers.contains(&"getui"), "{providers:?}");
            break;
        }
        assert!(Instant::now() < deadline, "not delivered in time: {providers:?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let unauthorized = http.get(format!("{base}/v1/messages")).send().await.expect("answer");
    assert_eq!(unauthorized.status(), 401);
    drop(demo);
    let _ = std::fs::remove_dir_all(&dir);
}
