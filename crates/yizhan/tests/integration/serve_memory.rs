//! `yizhan serve` unmaps the pages of its executable and libraries that start-up touched,
//! shortly after it is ready (`memory::release_startup_pages`, docs/benchmarks.md "Idle
//! memory"): the process keeps serving (a message is delivered, `/openapi.json`, built on its
//! first request, and `/docs` answer as before), and what serving maps back in is less than what
//! was released.

use std::time::Duration;

use crate::reliability::serve_ops;
use crate::support::ApiClient;
use yizhan_test_kit::{emulator, wait};

/// The resident kB of the mappings of `pid`'s executable, from its smaps.
fn resident_image_kb(pid: u32) -> u64 {
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).expect("exe");
    let exe = exe.to_string_lossy();
    let smaps = std::fs::read_to_string(format!("/proc/{pid}/smaps")).expect("smaps");
    let mut total = 0;
    let mut in_exe = false;
    for line in smaps.lines() {
        let mut fields = line.split_whitespace();
        let first = fields.next().unwrap_or_default();
        if !first.ends_with(':') {
            // A mapping's header: `start-end perms offset dev inode [path]`.
            in_exe = line.ends_with(exe.as_ref());
        } else if in_exe && first == "Rss:" {
            total += fields.next().and_then(|kb| kb.parse::<u64>().ok()).unwrap_or(0);
        }
    }
    total
}

#[tokio::test]
async fn start_up_pages_are_released_and_serving_goes_on() {
    let emu = emulator::spawn_default().await;
    let tmp = yizhan_test_kit::temp_dir("serve-memory");
    let (gateway, log) = serve_ops(&emu.base_url(), tmp.path(), &[("RUST_LOG", "yizhan::commands::serve=debug")]).await;
    let pid = gateway.child.id().expect("pid");

    let line = wait::for_state("the start-up pages released", Duration::from_secs(10), async || {
        let logged = std::fs::read_to_string(&log).unwrap_or_default();
        logged
            .lines()
            .find(|l| l.contains("released the start-up pages of the executable"))
            .map(str::to_owned)
            .ok_or(logged)
    })
    .await;
    let released: u64 = line
        .split_whitespace()
        .find_map(|w| w.strip_prefix("kb="))
        .and_then(|kb| kb.parse().ok())
        .unwrap_or_else(|| panic!("no kb= in {line}"));
    assert!(released > 1024, "released only {released} kB: {line}");

    let api = ApiClient::new(&gateway.base, "k");
    let id =
        api.send(&serde_json::json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "x"}})).await;
    api.wait_for(&id, &["delivered"]).await;
    let http = reqwest::Client::new();
    let spec: serde_json::Value = http
        .get(format!("{}/openapi.json", gateway.base))
        .send()
        .await
        .expect("openapi.json")
        .json()
        .await
        .expect("json");
    assert_eq!(spec, serde_json::to_value(yizhan::server::openapi()).expect("spec"));
    let docs = http.get(format!("{}/docs/", gateway.base)).send().await.expect("docs");
    assert_eq!(docs.status(), 200);
    assert!(docs.text().await.expect("html").contains("swagger-ui"), "Swagger UI page");

    let resident = resident_image_kb(pid);
    assert!(resident < released, "{resident} kB of the binary resident after serving, {released} kB released at start");
    gateway.terminate().await;
}
