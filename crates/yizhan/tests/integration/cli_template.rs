//! `yizhan template render` and `yizhan config check` for routes, through the binary.

use std::path::PathBuf;
use std::process::Output;

struct Dir(PathBuf);

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn dir(name: &str) -> Dir {
    let dir = std::env::temp_dir().join(format!("yizhan-cli-template-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    Dir(dir)
}

const CHANNELS: &str = "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"ww\"\nagent_id = 1000002\n\
                        secret = \"s\"\n\n[[channels]]\nname = \"bot\"\nkind = \"wecom_robot\"\nkey = \"k\"\n\n";

async fn yizhan(dir: &Dir, config: &str, args: &[&str]) -> (Option<i32>, String, String) {
    let path = dir.0.join("yizhan.toml");
    std::fs::write(&path, format!("{CHANNELS}{config}")).expect("config written");
    let out: Output = tokio::process::Command::new(env!("CARGO_BIN_EXE_yizhan"))
        .args(args)
        .env("YIZHAN_CONFIG", &path)
        .env_remove("RUST_LOG")
        .output()
        .await
        .expect("binary runs");
    let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
    (out.status.code(), text(&out.stdout), text(&out.stderr))
}

#[tokio::test]
async fn render_prints_the_provider_bodies_of_every_channel() {
    let d = dir("render");
    let routes = "[[routes]]\nname = \"ops\"\nlanguage = \"en\"\n[[routes.channels]]\nchannel = \"ops\"\n\
                  to = { users = [\"{{ labels.owner | default('oncall') }}\"] }\n[[routes.channels]]\nchannel = \"bot\"\n";
    let (code, out, err) =
        yizhan(&d, routes, &["template", "render", "--route", "ops", "--sample", "alertmanager"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.starts_with("# route ops (2 alert(s), group \"{}:{alertname=\\\"HighCPU\\\"}\")\n"), "{out}");
    assert!(out.contains("## ops (wecom_app) wecom.message_send -> user:oncall\n"), "{out}");
    assert!(out.contains("## bot (wecom_robot) wecom.webhook_send -> group\n"), "{out}");
    // The exact bodies: parse the JSON after each header.
    let bodies: Vec<serde_json::Value> = out
        .split("\n## ")
        .skip(1)
        .map(|part| serde_json::from_str(part.split_once('\n').expect("body").1.trim()).expect("JSON body"))
        .collect();
    assert_eq!(bodies[0]["msgtype"], "markdown");
    assert_eq!(bodies[0]["touser"], "oncall");
    assert_eq!(bodies[0]["agentid"], 1000002);
    assert!(bodies[0]["markdown"]["content"].as_str().unwrap_or("").contains("[FIRING 2] HighCPU"), "{out}");
    assert_eq!(bodies[1]["msgtype"], "markdown");

    let file = d.0.join("payload.json");
    std::fs::write(&file, r#"{"title":"Backup failed","host":"db-1"}"#).expect("payload");
    let (code, out, err) =
        yizhan(&d, routes, &["template", "render", "--route", "ops", "--sample", &file.display().to_string()]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("### Backup failed") && out.contains("host: db-1"), "a file is a generic webhook body: {out}");

    let (code, _, err) = yizhan(&d, routes, &["template", "render", "--route", "opz"]).await;
    assert_eq!(code, Some(2));
    assert!(err.contains("no route named \"opz\"; configured: ops"), "{err}");
}

#[tokio::test]
async fn config_check_reports_template_errors() {
    let d = dir("check");
    let routes = "[[routes]]\nname = \"ops\"\ntemplate = \"{% for a in alerts %}{{ a.summary }}\"\n[[routes.channels]]\n\
                  channel = \"ops\"\nto = { users = [\"alice\"] }\n\n[[routes]]\nname = \"db\"\n\
                  template_file = \"templates/db.md.j2\"\n[[routes.channels]]\nchannel = \"ops\"\n\
                  to = { users = [\"{{ labels.owner | shout }}\"] }\n";
    let (code, _, err) = yizhan(&d, routes, &["config", "check"]).await;
    assert_eq!(code, Some(2), "{err}");
    let file = d.0.join("yizhan.toml").display().to_string();
    for expected in [
        format!("{file}:15:1: routes[0].template: template error: syntax error: unexpected end of input"),
        format!("{file}:22:1: routes[1].template_file: cannot read {}", d.0.join("templates/db.md.j2").display()),
        format!("{file}:25:17: routes[1].channels[0].to.users[0]: template error: unknown filter `shout` (line 1)"),
    ] {
        assert!(err.contains(&expected), "missing {expected:?} in:\n{err}");
    }
    std::fs::create_dir_all(d.0.join("templates")).expect("dir");
    std::fs::write(d.0.join("templates/db.md.j2"), "**{{ alertname }}**").expect("template");
    let fixed = routes.replace("{{ a.summary }}\"", "{{ a.summary }}{% endfor %}\"").replace(" | shout", "");
    let (code, out, err) = yizhan(&d, &fixed, &["config", "check"]).await;
    assert_eq!(code, Some(0), "{err}");
    assert!(out.contains("configuration ok") && out.contains("routes: ops, db"), "{out}");
}
