//! Routing (matchers, first match and `continue`, inheritance), recipients from labels and
//! severity, and the problems `yizhan config check` reports for routes.

use std::collections::HashMap;

use crate::config::Config;
use crate::gateway::Content;
use crate::intake::payload::{self, Source};
use crate::intake::{route_payload, samples};

const CHANNELS: &str = r#"
[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "ww"
agent_id = 1000002
secret = "s"

[[channels]]
name = "bot"
kind = "wecom_robot"
key = "k"

[[channels]]
name = "app"
kind = "getui"
app_id = "yizhandemo"
app_key = "k"
master_secret = "m"
"#;

fn config(routes: &str) -> Config {
    Config::parse(&format!("{CHANNELS}\n{routes}"), "t.toml", &HashMap::new()).unwrap_or_else(|e| panic!("{e}"))
}

fn problems(routes: &str) -> String {
    match Config::parse(&format!("{CHANNELS}\n{routes}"), "t.toml", &HashMap::new()) {
        Ok(_) => panic!("expected problems with:\n{routes}"),
        Err(e) => e.to_string(),
    }
}

const TREE: &str = r#"
[[routes]]
name = "ops"
[[routes.channels]]
channel = "ops"
to = { users = ["{{ labels.owner | default('oncall') }}"] }
severity.critical = { tags = ["1"] }

[[routes.routes]]
name = "db"
matchers = ['team="db"']
[[routes.routes.channels]]
channel = "bot"
to = { mentions = ["{{ labels.owner }}"] }

[[routes.routes]]
name = "web"
matchers = ['instance=~"web-.*"', 'status="firing"']
continue = true
kind = "text"

[[routes.routes]]
name = "critical"
matchers = ['severity="critical"']
[[routes.routes.channels]]
channel = "app"
to = { aliases = ["oncall"] }

[[routes]]
name = "quiet"
matchers = ['severity="info"']
[[routes.channels]]
channel = "ops"
to = { users = ["alice"] }
"#;

fn notification(alerts: serde_json::Value) -> payload::Payload {
    let body = serde_json::json!({"version": "4", "status": "firing", "alerts": alerts, "groupKey": "{}:{}"});
    payload::parse(Source::Alertmanager, body.to_string().as_bytes()).unwrap()
}

fn alert(labels: serde_json::Value) -> serde_json::Value {
    serde_json::json!({"status": "firing", "labels": labels, "startsAt": "2024-05-01T08:00:00Z"})
}

#[test]
fn alerts_take_the_first_matching_child_or_continue() {
    let c = config(TREE);
    let ops = c.routes.get("ops").unwrap();
    let names = |labels: serde_json::Value| {
        let p = notification(serde_json::json!([alert(labels)]));
        route_payload(ops, &p, &c).unwrap().iter().map(|r| r.route.name.clone()).collect::<Vec<_>>()
    };
    assert_eq!(names(serde_json::json!({"alertname": "A", "team": "db", "instance": "web-1"})), ["ops/db"]);
    assert_eq!(
        names(serde_json::json!({"alertname": "A", "instance": "web-1", "severity": "critical"})),
        ["ops/web", "ops/critical"],
        "web continues to the next sibling"
    );
    assert_eq!(names(serde_json::json!({"alertname": "A", "instance": "db-1"})), ["ops"], "no child: the route itself");
    let quiet = c.routes.get("quiet").unwrap();
    let p = notification(serde_json::json!([alert(serde_json::json!({"alertname": "A", "severity": "critical"}))]));
    assert!(route_payload(quiet, &p, &c).unwrap().is_empty(), "matches nothing: not routed");
}

#[test]
fn the_alerts_of_a_notification_are_split_across_routes() {
    let c = config(TREE);
    let p = notification(serde_json::json!([
        alert(serde_json::json!({"alertname": "A", "team": "db", "owner": "dave"})),
        alert(serde_json::json!({"alertname": "B", "owner": "bob", "severity": "critical"})),
        alert(serde_json::json!({"alertname": "C", "owner": "carol"})),
    ]));
    let routed = route_payload(c.routes.get("ops").unwrap(), &p, &c).unwrap();
    let summary: Vec<(String, usize)> = routed.iter().map(|r| (r.route.name.clone(), r.alerts)).collect();
    assert_eq!(summary, [("ops/db".to_owned(), 1), ("ops/critical".to_owned(), 1), ("ops".to_owned(), 1)]);
    // ops/db: a robot, mentions from the owner label, appended to the markdown.
    let db = &routed[0].messages[0].request;
    assert_eq!(db.channel, "bot");
    let Content::Markdown(text) = &db.content else { panic!("{:?}", db.content) };
    assert!(text.ends_with("<@dave>") && text.contains("[告警 1] A"), "{text}");
    assert!(db.to.mentions.is_empty(), "markdown mentions are written into the text");
    // ops: users from the owner label, and no severity extras for an alert without severity.
    let ops = &routed[2].messages[0].request;
    assert_eq!(ops.to.users, ["carol"]);
    assert!(ops.to.tags.is_empty());
    // ops/critical: its own channel (Getui), a notification.
    let Content::Getui(getui) = &routed[1].messages[0].request.content else { panic!() };
    let n = getui.notification.as_ref().unwrap();
    assert_eq!(n.title, "[告警 1] B");
    assert!(n.body.chars().count() <= 256);
}

#[test]
fn recipients_from_labels_fall_back_and_severity_adds_extras() {
    let c = config(TREE);
    let p = notification(serde_json::json!([
        alert(serde_json::json!({"alertname": "A", "owner": "alice,bob", "severity": "critical"})),
        alert(serde_json::json!({"alertname": "A", "severity": "warning"})),
    ]));
    let quiet_free = c.routes.get("ops").unwrap();
    // Both alerts are critical or not: the critical one goes to ops/critical, the other to ops.
    let routed = route_payload(quiet_free, &p, &c).unwrap();
    let ops = routed.iter().find(|r| r.route.name == "ops").unwrap();
    assert_eq!(ops.messages[0].request.to.users, ["oncall"], "no owner label: the default");
    let one_route = config(
        r#"
[[routes]]
name = "ops"
[[routes.channels]]
channel = "ops"
to = { users = ["{{ labels.owner | default('oncall') }}", "carol"] }
severity.critical = { tags = ["1"], users = ["{{ labels.deputy }}"] }
"#,
    );
    let mut p = p;
    p.notification.alerts[1].labels.insert("owner".into(), "bob | dave".into());
    p.notification.alerts[0].labels.insert("deputy".into(), "erin".into());
    let routed = route_payload(one_route.routes.get("ops").unwrap(), &p, &one_route).unwrap();
    let to = &routed[0].messages[0].request.to;
    assert_eq!(to.users, ["alice", "bob", "dave", "carol", "erin"]);
    assert_eq!(to.tags, ["1"], "a critical alert adds the on-call tag");
}

#[test]
fn a_repeat_window_turns_on_the_wecom_duplicate_check() {
    let c = config(
        "[[routes]]\nname = \"ops\"\nrepeat_window = \"2h\"\n[[routes.channels]]\nchannel = \"ops\"\nto = { users = [\"a\"] }\n\
         [[routes.channels]]\nchannel = \"bot\"\n",
    );
    let p = samples::named("alertmanager").unwrap();
    let routed = route_payload(c.routes.get("ops").unwrap(), &p, &c).unwrap();
    let app = &routed[0].messages[0].request.options;
    assert!(app.dedupe);
    assert_eq!(app.duplicate_check_interval, Some(7200));
    assert!(!routed[0].messages[1].request.options.dedupe, "robots have no duplicate check");
}

#[test]
fn template_cards_are_wecom_cards() {
    let c = config(
        "[[routes]]\nname = \"ops\"\nkind = \"template_card\"\nlanguage = \"en\"\n[[routes.channels]]\nchannel = \"ops\"\n\
         to = { users = [\"a\"] }\n[[routes.channels]]\nchannel = \"bot\"\n",
    );
    let p = samples::named("grafana").unwrap();
    let routed = route_payload(c.routes.get("ops").unwrap(), &p, &c).unwrap();
    let Content::Wecom(message) = &routed[0].messages[0].request.content else { panic!() };
    assert_eq!(message.msgtype(), "template_card");
    assert!(matches!(&routed[0].messages[1].request.content, Content::WecomRobot(m) if m.msgtype() == "template_card"));
}

#[test]
fn config_check_reports_route_problems_with_their_place() {
    let dir = std::env::temp_dir().join(format!("yizhan-routes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let e = problems(
        r#"
[[routes]]
name = "ops"
matchers = ['severity=~"(crit"', "team"]
time_zone = "Mars/Olympus"
repeat_window = "5h"
alertmanager_url = "alertmanager:9093"
template = "{{ labels.x | upcase }}"
[[routes.channels]]
channel = "opz"

[[routes]]
name = "files"
template_file = "no-such.j2"
[[routes.channels]]
channel = "bot"
to = { mention_mobiles = ["13800000000"] }

[[routes]]
name = "card"
kind = "template_card"
template = "not JSON"
[[routes.channels]]
channel = "ops"
to = { users = ["a"] }

[[routes]]
name = "ops"
wrong_key = 1

[[routes]]
name = "card"
kind = "template_card"
template = '{"card_type": "text_notice"}'
[[routes.channels]]
channel = "ops"
to = { users = ["{{ labels.owner }}"] }
"#,
    );
    for expected in [
        "routes[0].matchers[0]: \"severity=~\\\"(crit\\\"\": not a regular expression: unclosed group\n",
        "routes[0].matchers[1]: \"team\": expected =, !=, =~ or !~",
        "routes[0].time_zone: \"Mars/Olympus\" is not a time zone",
        "routes[0].repeat_window: is 5h; it must be whole seconds from 1s to 4h",
        "routes[0].alertmanager_url: \"alertmanager:9093\" is not an http:// or https:// URL",
        "routes[0].template: template error: unknown filter `upcase` (line 1)",
        "routes[0].channels[0].channel: unknown channel \"opz\"; configured: ops, bot, app (did you mean \"ops\"?)",
        "routes[1].template_file: cannot read no-such.j2",
        "routes[1].channels[0].to.mention_mobiles: robots mention by mobile number only in text messages",
        "routes[2].template: with the built-in alertmanager sample: the template's output is not a WeCom template card",
        "routes[3].wrong_key: unknown key `wrong_key`",
        "routes[4].template: with the built-in alertmanager sample, channel \"ops\" refuses the message: \
         content.wecom.template_card.main_title.title: is required",
        "routes[4].name: \"card\" is used twice",
        "routes[0].channels[0].channel: unknown channel",
    ] {
        assert!(e.contains(expected), "missing {expected:?} in:\n{e}");
    }
    assert!(e.contains("t.toml:30:1: routes[0].channels[0].channel"), "problems are located: {e}");
    assert_eq!(e.matches("routes[1].channels[0].to.mention_mobiles").count(), 1, "reported once: {e}");
    assert!(!e.contains("routes[0].channels[0].to"), "an unknown channel is not also sample-checked: {e}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn template_files_are_read_next_to_the_configuration() {
    let dir = std::env::temp_dir().join(format!("yizhan-route-files-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::write(dir.join("templates/ops.md.j2"), "**{{ alertname }}** {{ firing|length }} firing").unwrap();
    let text = format!(
        "{CHANNELS}\n[[routes]]\nname = \"ops\"\ntemplate_file = \"templates/ops.md.j2\"\n[[routes.channels]]\nchannel = \"ops\"\n\
         to = {{ users = [\"a\"] }}\n"
    );
    let path = dir.join("yizhan.toml");
    let c = Config::parse(&text, &path.display().to_string(), &HashMap::new()).unwrap();
    let p = samples::named("alertmanager").unwrap();
    let routed = route_payload(c.routes.get("ops").unwrap(), &p, &c).unwrap();
    assert_eq!(routed[0].messages[0].request.content, Content::Markdown("**HighCPU** 2 firing".to_owned()));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn a_template_that_fails_when_an_alert_arrives_names_the_route() {
    // A runtime error that config check's samples do not reach (the sample has no `n` label).
    let c = config(
        "[[routes]]\nname = \"ops\"\ntemplate = \"{% if labels.n %}{{ 1 / 0 }}{% endif %}x\"\n[[routes.channels]]\n\
         channel = \"ops\"\nto = { users = [\"a\"] }\n",
    );
    let p = notification(serde_json::json!([alert(serde_json::json!({"alertname": "A", "n": "1"}))]));
    let e = route_payload(c.routes.get("ops").unwrap(), &p, &c).unwrap_err();
    assert_eq!(e.at, "routes[0].template");
    assert!(e.message.starts_with("template error"), "{}", e.message);
}

#[test]
fn the_example_configuration_routes_alerts() {
    let vars: HashMap<String, String> =
        [("WECOM_OPS_SECRET", "x"), ("WECOM_ROBOT_KEY", "r"), ("GETUI_APP_KEY", "k"), ("GETUI_MASTER_SECRET", "m")]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
    let c = Config::parse(crate::commands::config::EXAMPLE, "example", &vars).unwrap_or_else(|e| panic!("{e}"));
    let p = notification(serde_json::json!([
        alert(serde_json::json!({"alertname": "A", "severity": "critical"})),
        alert(serde_json::json!({"alertname": "B", "team": "db"})),
    ]));
    let routed = route_payload(c.routes.get("ops").unwrap(), &p, &c).unwrap();
    let to: Vec<(&str, &str, Vec<String>)> = routed
        .iter()
        .flat_map(|r| {
            r.messages
                .iter()
                .map(move |m| (r.route.name.as_str(), m.request.channel.as_str(), m.request.to.users.clone()))
        })
        .collect();
    assert_eq!(to, [("ops", "ops", vec!["oncall".to_owned()]), ("ops/db", "ops-robot", vec![])]);
    assert_eq!(routed[0].messages[0].request.to.tags, ["1"]);
}

#[test]
fn a_template_that_renders_nothing_is_refused_when_an_alert_arrives() {
    // Config check accepts it (a template may be meant for another source than a sample's)…
    let c = config(
        "[[routes]]\nname = \"ops\"\ntemplate = \"{% if labels.team == 'db' %}db{% endif %}\"\n[[routes.channels]]\n\
         channel = \"ops\"\nto = { users = [\"a\"] }\n",
    );
    // …but an empty message is never sent.
    let p = notification(serde_json::json!([alert(serde_json::json!({"alertname": "A"}))]));
    let e = route_payload(c.routes.get("ops").unwrap(), &p, &c).unwrap_err();
    assert_eq!((e.at.as_str(), e.message.as_str()), ("routes[0].template", "the template rendered nothing"));
    let db = notification(serde_json::json!([alert(serde_json::json!({"alertname": "A", "team": "db"}))]));
    let routed = route_payload(c.routes.get("ops").unwrap(), &db, &c).unwrap();
    assert_eq!(routed[0].messages[0].request.content, Content::Markdown("db".to_owned()));
}
