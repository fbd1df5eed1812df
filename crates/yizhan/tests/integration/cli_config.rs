//! `yizhan config check` and configuration errors through the binary: every problem at once,
//! each with file, line, column, key path and the nearest valid key; a URL without a scheme is
//! a configuration error; a missing `${VAR}` fails only the channel that uses it.

use std::path::PathBuf;
use std::process::Output;

use yizhan_emulator::{Emulator, EmulatorConfig};

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dir(name: &str) -> Dir {
    let dir = std::env::temp_dir().join(format!("yizhan-cli-config-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    Dir(dir)
}

async fn yizhan(dir: &Dir, config: &str, args: &[&str]) -> Output {
    let path = dir.0.join("yizhan.toml");
    std::fs::write(&path, config).expect("config written");
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", &path)
        .env("OPS_SECRET", "yizhan-demo-secret")
        .env_remove("GETUI_KEY")
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[tokio::test]
async fn config_check_reports_every_problem_with_its_place_and_a_suggestion() {
    let d = dir("every");
    let config = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"ww\"\nagnet_id = 1000002\n\
                  secret = \"${OPS_SECRET}\"\nbase_url = \"127.0.0.1:9400\"\n\n[[channels]]\nname = \"bot\"\n\
                  kind = \"wecom_robo\"\nkey = \"k\"\n\n[worker]\nconcurrency = 0\n";
    let out = yizhan(&d, config, &["config", "check"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    let file = d.0.join("yizhan.toml").display().to_string();
    for line in [
        format!("{file}:5:1: channels[0].agnet_id: unknown key `agnet_id`; did you mean `agent_id`?"),
        format!(
            "{file}:11:1: channels[1].kind: unknown kind \"wecom_robo\"; expected wecom_app, wecom_robot, getui, dingtalk_robot, feishu_bot or email (did you mean `wecom_robot`?)"
        ),
        format!("{file}:15:1: worker.concurrency: must be at least 1"),
    ] {
        assert!(stderr.contains(&line), "missing {line:?} in:\n{stderr}");
    }
    assert!(stderr.contains("channels[0].agent_id: missing key `agent_id`"), "{stderr}");
}

#[tokio::test]
async fn a_base_url_without_a_scheme_is_a_configuration_error() {
    let d = dir("url");
    let config = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
                  secret = \"${OPS_SECRET}\"\nbase_url = \"127.0.0.1:9400\"\n";
    let out = yizhan(&d, config, &["config", "check"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains(
            ":7:1: channels[0].base_url: \"127.0.0.1:9400\" has no scheme: write it as http://127.0.0.1:9400"
        ),
        "{stderr}"
    );
    let out = yizhan(&d, config, &["send", "ops", "--to", "alice", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(2), "a usage error, not a transient failure: {}", text(&out.stderr));
}

#[tokio::test]
async fn a_missing_variable_fails_only_the_channel_that_uses_it() {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let d = dir("var");
    let config = format!(
        "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"${{OPS_SECRET}}\"\nbase_url = \"{url}\"\n\n[[channels]]\nname = \"app\"\nkind = \"getui\"\n\
         app_id = \"yizhandemo\"\napp_key = \"${{GETUI_KEY}}\"\nmaster_secret = \"m\"\nbase_url = \"{url}\"\n",
        url = emu.base_url()
    );
    let out = yizhan(&d, &config, &["send", "ops", "--to", "alice", "--text", "still works"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(emu.inbox().len(), 1);
    let out = yizhan(&d, &config, &["send", "app", "--cid", "cid-alice", "--title", "t", "--body", "b"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("channel \"app\" cannot be used")
            && stderr.contains(":13:1: channels[1].app_key")
            && stderr.contains("GETUI_KEY"),
        "{stderr}"
    );
    let out = yizhan(&d, &config, &["config", "check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("GETUI_KEY is not set"), "{}", text(&out.stderr));
}
