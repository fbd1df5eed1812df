//! The gateway plans exactly the provider bodies `yizhan send --dry-run` prints for the same
//! input, and its request schema is pinned by a snapshot.

use std::path::PathBuf;
use std::process::Command;

use yizhan::config::Config;
use yizhan::gateway::{MessageRequest, Plan, plan};

/// 2026-11-23T08:00:00+08:00: an hour before the `send_at` of the example request below.
const NOW_MS: i64 = 1_795_392_000_000;

const CONFIG: &str = r#"
[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "wwyizhandemo"
agent_id = 1000002
secret = "yizhan-demo-secret"
duplicate_check_interval = 600

[[channels]]
name = "ops-robot"
kind = "wecom_robot"
key = "yizhan-demo-robot-key"

[[channels]]
name = "app"
kind = "getui"
app_id = "yizhandemo"
app_key = "yizhan-demo-appkey"
master_secret = "yizhan-demo-master"
"#;

struct TempConfig(PathBuf);

impl Drop for TempConfig {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn temp_config() -> TempConfig {
    use std::hash::{BuildHasher, RandomState};
    let n = RandomState::new().hash_one(std::time::SystemTime::now());
    let dir = std::env::temp_dir().join(format!("yizhan-gateway-plan-{}-{n}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    std::fs::write(dir.join("yizhan.toml"), CONFIG).expect("config written");
    TempConfig(dir)
}

/// What `yizhan send --dry-run …` prints on stdout, as JSON.
fn dry_run(args: &[&str]) -> serde_json::Value {
    let config = temp_config();
    let out = Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .arg("send")
        .args(args)
        .arg("--dry-run")
        .env("YIZHAN_CONFIG", config.0.join("yizhan.toml"))
        .env_remove("RUST_LOG")
        .output()
        .expect("the binary runs");
    assert_eq!(out.status.code(), Some(0), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("stdout is the JSON body")
}

fn planned(json: &str) -> Plan {
    let config = Config::parse(CONFIG, "test", &Default::default()).expect("config");
    let request: MessageRequest = serde_json::from_str(json).expect("request JSON");
    plan(&request, config.channel(&request.channel).expect("channel"), NOW_MS).expect("plan")
}

fn body(plan: &Plan, i: usize) -> serde_json::Value {
    serde_json::from_slice(&plan.dispatches[i].body).expect("JSON body")
}

#[test]
fn the_design_example_plans_the_body_the_cli_dry_run_prints() {
    let plan = planned(
        r#"{"channel": "ops", "to": {"users": ["alice", "bob"]},
            "content": {"markdown": "**disk** full on `db-3`"},
            "options": {"send_at": "2026-11-23T09:00:00+08:00", "overflow": "split", "safe": false}}"#,
    );
    assert_eq!(plan.send_at_ms, NOW_MS + 3_600_000);
    assert_eq!(plan.dispatches.len(), 1);
    assert_eq!(plan.dispatches[0].endpoint, "wecom.message_send");
    assert_eq!(plan.dispatches[0].recipients, ["user:alice", "user:bob"]);
    let cli = dry_run(&["ops", "--to", "alice,bob", "--markdown", "**disk** full on `db-3`", "--dedupe"]);
    assert_eq!(body(&plan, 0), cli);
    assert_eq!(cli["enable_duplicate_check"], 1);
    assert_eq!(cli["duplicate_check_interval"], 600);
}

#[test]
fn a_getui_single_push_plans_the_body_the_cli_dry_run_prints() {
    let plan = planned(
        r#"{"channel": "app", "to": {"cids": ["cid-alice"]},
            "content": {"getui": {"notification": {"title": "Disk full", "body": "db-3", "click_type": "startapp"}}},
            "options": {"request_id": "req-0123456789"}}"#,
    );
    assert_eq!(plan.dispatches[0].endpoint, "getui.push_single_cid");
    assert_eq!(plan.dispatches[0].dedupe_id.as_deref(), Some("req-0123456789"));
    let cli = dry_run(&[
        "app",
        "--cid",
        "cid-alice",
        "--title",
        "Disk full",
        "--body",
        "db-3",
        "--request-id",
        "req-0123456789",
    ]);
    assert_eq!(body(&plan, 0), cli);
}

#[test]
fn getui_app_tag_and_list_pushes_plan_the_bodies_the_cli_dry_run_prints() {
    let content = r#""content": {"getui": {"transmission": "{\"k\":1}"}}, "options": {"request_id": "req-0123456789"}"#;
    let all = planned(&format!(r#"{{"channel": "app", "to": {{"all": true}}, {content}}}"#));
    let cli = dry_run(&["app", "--all", "--transmission", "{\"k\":1}", "--request-id", "req-0123456789"]);
    assert_eq!((all.dispatches[0].endpoint, body(&all, 0)), ("getui.push_all", cli));
    let tag = planned(&format!(
        r#"{{"channel": "app", "to": {{"tag_conditions": [{{"key": "custom_tag", "values": ["vip", "beta"], "opt_type": "not"}}]}}, {content}}}"#
    ));
    let cli = dry_run(&[
        "app",
        "--tag",
        "custom_tag!=vip,beta",
        "--transmission",
        "{\"k\":1}",
        "--request-id",
        "req-0123456789",
    ]);
    assert_eq!((tag.dispatches[0].endpoint, body(&tag, 0)), ("getui.push_tag", cli));
    let list = planned(&format!(r#"{{"channel": "app", "to": {{"cids": ["cid-alice", "cid-bob"]}}, {content}}}"#));
    let cli = dry_run(&[
        "app",
        "--cid",
        "cid-alice,cid-bob",
        "--transmission",
        "{\"k\":1}",
        "--request-id",
        "req-0123456789",
    ]);
    assert_eq!(list.dispatches[0].endpoint, "getui.push_list_message");
    assert_eq!(body(&list, 0), cli, "the first dispatch is the /push/list/message body");
    assert_eq!(list.dispatches[1].endpoint, "getui.push_list_cid");
    assert_eq!(body(&list, 1)["audience"], serde_json::json!({"cid": ["cid-alice", "cid-bob"]}));
}

#[test]
fn a_robot_text_with_mentions_plans_the_body_the_cli_dry_run_prints() {
    let plan = planned(
        r#"{"channel": "ops-robot", "to": {"mentions": ["alice", "@all"], "mention_mobiles": ["13800000000"]},
            "content": {"text": "disk full"}}"#,
    );
    assert_eq!(plan.dispatches[0].endpoint, "wecom.webhook_send");
    assert_eq!(plan.dispatches[0].recipients, ["group"]);
    let cli =
        dry_run(&["ops-robot", "--text", "disk full", "--mention", "alice,@all", "--mention-mobile", "13800000000"]);
    assert_eq!(body(&plan, 0), cli);
    assert_eq!(cli["text"]["mentioned_list"], serde_json::json!(["alice", "@all"]));
}

/// The request and error schemas with every schema they refer to.
#[derive(utoipa::OpenApi)]
#[openapi(components(schemas(MessageRequest, yizhan::gateway::ApiError)))]
struct Schemas;

#[test]
fn the_message_request_schema_is_pinned() {
    use utoipa::OpenApi as _;
    let components = serde_json::to_value(Schemas::openapi().components).unwrap();
    insta::assert_json_snapshot!("message_request_schema", components);
}
