//! Usage errors of `yizhan send` through the binary: exit 2, naming the flags (not API fields);
//! a flag refused for a channel names the kinds that take it; a robot over its limit says when
//! the next slot is.

use std::process::Output;

use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

/// The emulator and a temporary directory holding `yizhan.toml` (removed on drop).
struct Setup {
    emu: EmulatorHandle,
    tmp: yizhan_test_kit::TempDir,
}

impl Setup {
    fn dir(&self) -> &std::path::Path {
        self.tmp.path()
    }
}

async fn setup(name: &str) -> Setup {
    let emu = Emulator::spawn(EmulatorConfig::default()).await.expect("emulator");
    let tmp = yizhan_test_kit::temp_dir(&format!("cli-usage-{name}"));
    let dir = tmp.path();
    let config = format!(
        "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"yizhan-demo-secret\"\nbase_url = \"{url}\"\n\n[[channels]]\nname = \"ops-robot\"\n\
         kind = \"wecom_robot\"\nkey = \"yizhan-demo-robot-key\"\nbase_url = \"{url}\"\n\n[[channels]]\n\
         name = \"app\"\nkind = \"getui\"\napp_id = \"yizhandemo\"\napp_key = \"yizhan-demo-appkey\"\n\
         master_secret = \"yizhan-demo-master\"\nbase_url = \"{url}\"\n",
        url = emu.base_url()
    );
    std::fs::write(dir.join("yizhan.toml"), config).expect("config written");
    Setup { emu, tmp }
}

async fn yizhan(s: &Setup, args: &[&str]) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", s.dir().join("yizhan.toml"))
        .env_remove("YIZHAN_SERVER")
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("binary runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test]
async fn usage_errors_exit_2_and_name_the_flags() {
    let s = setup("flags").await;
    let out = yizhan(&s, &["send", "ops", "--to", "bob", "--json", "/nonexistent/message.json"]).await;
    assert_eq!(out.status.code(), Some(2), "a missing --json file is a usage error: {}", stderr(&out));
    assert!(stderr(&out).contains("--json /nonexistent/message.json"), "{}", stderr(&out));

    let out = yizhan(&s, &["send", "ops", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("no recipient: give --to (user ids, or @all), --party or --tag"), "{}", stderr(&out));

    let out = yizhan(
        &s,
        &[
            "send",
            "ops",
            "--server",
            "http://127.0.0.1:9",
            "--api-key",
            "k",
            "--csv",
            "x.csv",
            "--to",
            "bob",
            "--text",
            "x",
        ],
    )
    .await;
    assert_eq!(out.status.code(), Some(2), "--csv with --to is refused, not ignored: {}", stderr(&out));
    assert!(stderr(&out).contains("--csv") && stderr(&out).contains("--to"), "{}", stderr(&out));

    let out = yizhan(&s, &["send", "app", "--cid", "cid-alice", "--text", "x"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains(
            "--text is for wecom_app, wecom_robot, dingtalk_robot, feishu_bot and email channels; \"app\" is a getui channel"
        ),
        "{}",
        stderr(&out)
    );
    let out = yizhan(&s, &["send", "ops-robot", "--to", "bob", "--text", "x"]).await;
    assert!(
        stderr(&out).contains(
            "--to is for wecom_app and email channels; \"ops-robot\" is a wecom_robot channel (a robot always posts to its group)"
        ),
        "{}",
        stderr(&out)
    );
    let out = yizhan(&s, &["send", "ops-robot", "--text", "robots take text"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(s.emu.inbox().iter().any(|d| d.provider == "wecom_robot"));
}

#[tokio::test]
async fn a_robot_over_its_limit_says_when_the_next_slot_is() {
    let s = setup("robot").await;
    for i in 0..20 {
        let out = yizhan(&s, &["send", "ops-robot", "--text", &format!("build {i}")]).await;
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    }
    let out = yizhan(&s, &["send", "ops-robot", "--text", "build 21"]).await;
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(err.contains("45009") && err.contains("20 messages per minute; the next slot is in about"), "{err}");
}
