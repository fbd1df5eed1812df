//! The `email` channel against a real SMTP server (aiosmtpd, `support::smtp`): what the server
//! received (envelope, UTF-8 subject, text and HTML parts, attachment), a refused recipient's
//! outcome while the other is delivered, a deferred (4yz) recipient retried until taken, and
//! `yizhan send` (dry run, a direct send) and `channels check` with AUTH.

use std::collections::HashMap;

use base64::Engine as _;
use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;

use crate::support::smtp::SmtpServer;
use crate::support::{ApiClient, Running, run_yizhan, text};

/// The `email` channel `mail` on 127.0.0.1:`port` (plain SMTP, loopback), with `extra` lines.
fn channel(port: u16, extra: &str) -> String {
    format!(
        "[[channels]]\nname = \"mail\"\nkind = \"email\"\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"plain\"\n\
         from = \"yizhan ops <ops@example.com>\"\nreply_to = \"oncall@example.com\"\n{extra}\n"
    )
}

/// A gateway with the channel `mail`; `worker` goes into `[worker]`.
async fn gateway(port: u16, worker: &str) -> Running {
    let text = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[worker]\n{worker}\n\n{}\n[[api_keys]]\nname = \"t\"\nsha256 = \"{}\"\n\
         channels = [\"mail\"]\n",
        channel(port, ""),
        ApiKeys::hash("k")
    );
    Running::start(Config::parse(&text, "t.toml", &HashMap::new()).expect("config")).await
}

/// The outcome of `recipient` in a message view.
fn outcome_of<'a>(view: &'a Value, recipient: &str) -> &'a str {
    let dispatches = view["dispatches"].as_array().expect("dispatches");
    let outcome = dispatches
        .iter()
        .flat_map(|d| d["outcomes"].as_array().into_iter().flatten())
        .find(|o| o["recipient"] == recipient);
    outcome.and_then(|o| o["outcome"].as_str()).unwrap_or("(none)")
}

#[tokio::test]
async fn the_server_receives_subject_parts_and_attachment_and_a_refused_recipient_is_invalid() {
    let Some(smtp) = SmtpServer::start(&["--refuse", "zed@example.com"]).await else { return };
    let running = gateway(smtp.port, "").await;
    let api = ApiClient::new(&running.base, "k");
    let markdown = "**db-3** at 98%\n\n| host | disk |\n|---|---|\n| db-3 | 98% |\n\n<b>raw</b>";
    let report = base64::engine::general_purpose::STANDARD.encode("disk report\n");
    let id = api
        .send(&json!({"channel": "mail", "to": {"emails": ["alice@example.com", "zed@example.com"]},
            "content": {"email": {"subject": "磁盘已满 db-3", "markdown": markdown,
                "attachments": [{"filename": "report.txt", "content_base64": report}]}}}))
        .await;
    let view = api.wait_for(&id, &["partially_delivered", "delivered", "dead"]).await;
    assert_eq!(view["status"], "partially_delivered", "{view}");
    assert_eq!(outcome_of(&view, "alice@example.com"), "delivered", "{view}");
    assert_eq!(outcome_of(&view, "zed@example.com"), "invalid", "{view}");
    assert!(smtp.rcpt_log().contains(&"550 zed@example.com".to_owned()), "{:?}", smtp.rcpt_log());

    let received = smtp.wait_received(1).await;
    assert_eq!(received.len(), 1, "only alice's copy was taken: {received:?}");
    let got = &received[0];
    assert_eq!(got["mail_from"], "ops@example.com");
    assert_eq!(got["rcpt_tos"], json!(["alice@example.com"]));
    assert_eq!(got["subject"], "磁盘已满 db-3", "decoded by Python's email package");
    assert!(got["raw_subject"].as_str().is_some_and(|s| s.starts_with("=?utf-8?")), "encoded on the wire: {got}");
    assert_eq!(got["from"], "yizhan ops <ops@example.com>");
    assert_eq!(got["to"], "alice@example.com", "each copy names only its recipient");
    assert_eq!(got["reply_to"], "oncall@example.com");
    assert_eq!(got["content_type"], "multipart/mixed");
    let text_part = got["text"].as_str().expect("a text part");
    assert!(text_part.contains("**db-3** at 98%"), "the markdown is the text alternative: {text_part}");
    let html = got["html"].as_str().expect("an html part");
    assert!(html.contains("<strong>db-3</strong>") && html.contains("<table>"), "{html}");
    assert!(html.contains("&lt;b&gt;raw&lt;/b&gt;"), "raw HTML in markdown stays text: {html}");
    let attachments = got["attachments"].as_array().expect("attachments");
    assert_eq!(attachments.len(), 1, "{got}");
    assert_eq!(attachments[0]["filename"], "report.txt");
    assert_eq!(attachments[0]["content_type"], "text/plain", "guessed from the extension");
    assert_eq!(attachments[0]["base64"], report);
    running.stop().await;
}

#[tokio::test]
async fn a_deferred_recipient_is_retried_until_the_server_takes_it() {
    let Some(smtp) = SmtpServer::start(&["--defer", "bob@example.com:1"]).await else { return };
    let running = gateway(smtp.port, "initial_delay_ms = 10").await;
    let api = ApiClient::new(&running.base, "k");
    let id = api.send(&json!({"channel": "mail", "to": {"emails": ["bob@example.com"]}, "content": {"text": "disk full\non db-3"}})).await;
    let view = api.wait_for(&id, &["delivered", "dead"]).await;
    assert_eq!(view["status"], "delivered", "{view}");
    assert_eq!(view["dispatches"][0]["attempts"], 2, "451 then 250: {view}");
    assert_eq!(smtp.rcpt_log(), ["451 bob@example.com", "250 bob@example.com"]);
    let received = smtp.wait_received(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0]["subject"], "disk full", "the first line of a text");
    assert_eq!(received[0]["content_type"], "multipart/mixed");
    assert!(received[0]["text"].as_str().is_some_and(|t| t.contains("on db-3")));
    assert_eq!(received[0]["html"], Value::Null, "plain text has no HTML part");
    running.stop().await;
}

#[tokio::test]
async fn invalid_requests_are_refused_naming_the_field() {
    let running = gateway(1, "").await;
    let api = ApiClient::new(&running.base, "k");
    let cases = [
        (
            json!({"channel": "mail", "to": {"emails": ["a@example.com", "not-an-address"]}, "content": {"text": "hi"}}),
            "to.emails[1]",
        ),
        (json!({"channel": "mail", "content": {"text": "hi"}}), "to.emails"),
        (json!({"channel": "mail", "to": {"users": ["alice"]}, "content": {"text": "hi"}}), "to.users"),
        (
            json!({"channel": "mail", "to": {"emails": ["a@example.com"]}, "content": {"email": {"subject": "a\nBcc: x", "text": "t"}}}),
            "content.email.subject",
        ),
        (
            json!({"channel": "mail", "to": {"emails": ["a@example.com"]}, "content": {"email": {"subject": "s", "text": "t",
            "attachments": [{"filename": "x.bin", "content_base64": "!!"}]}}}),
            "content.email.attachments[0].content_base64",
        ),
    ];
    for (request, field) in cases {
        let (status, answer) = api.post("/v1/messages", Some(&request)).await;
        assert_eq!(status, 422, "{request}: {answer}");
        assert_eq!(answer["field"], field, "{answer}");
    }
    running.stop().await;
}

#[test]
fn plain_smtp_to_a_remote_host_is_refused_unless_allowed() {
    let remote = "[[channels]]\nname = \"mail\"\nkind = \"email\"\nhost = \"smtp.example.com\"\nsecurity = \"plain\"\n\
                  from = \"ops@example.com\"\n";
    let e = Config::parse(remote, "t.toml", &HashMap::new()).expect_err("refused").to_string();
    assert!(e.contains("channels[0].security") && e.contains("loopback"), "{e}");
    let allowed = format!("{remote}allow_plain_remote = true\n");
    assert!(Config::parse(&allowed, "t.toml", &HashMap::new()).is_ok());
}

#[tokio::test]
async fn the_cli_dry_runs_sends_directly_and_checks_auth_without_showing_the_password() {
    let Some(smtp) =
        SmtpServer::start(&["--user", "ops", "--password", "s3cret-pw", "--refuse", "zed@example.com"]).await
    else {
        return;
    };
    let config = channel(smtp.port, "username = \"ops\"\npassword = \"${SMTP_PASSWORD}\"");
    let dry = run_yizhan(
        &config,
        &[("SMTP_PASSWORD", "s3cret-pw")],
        &["send", "mail", "--to", "a@example.com", "--subject", "Deploy 2.4", "--markdown", "**done**", "--dry-run"],
    )
    .await;
    let (out, err) = (text(&dry.stdout), text(&dry.stderr));
    assert!(dry.status.success(), "{out}{err}");
    assert!(out.contains("Subject: Deploy 2.4") && out.contains("multipart/alternative"), "the MIME message: {out}");
    assert!(err.contains(&format!("smtp://127.0.0.1:{}", smtp.port)), "{err}");
    assert!(!out.contains("s3cret") && !err.contains("s3cret"));
    assert!(smtp.received().is_empty(), "a dry run sends nothing");

    let dir = yizhan_test_kit::temp_dir("attach");
    let file = dir.path().join("notes.pdf");
    std::fs::write(&file, b"%PDF-1.4 fake").expect("file");
    let sent = run_yizhan(
        &config,
        &[("SMTP_PASSWORD", "s3cret-pw")],
        &[
            "send",
            "mail",
            "--to",
            "a@example.com,zed@example.com",
            "--text",
            "deployed",
            "--attach",
            file.to_str().expect("path"),
        ],
    )
    .await;
    let out = text(&sent.stdout);
    assert!(sent.status.success(), "{out}{}", text(&sent.stderr));
    assert!(out.contains("a@example.com") && out.contains("delivered") && out.contains("invalid"), "{out}");
    let received = smtp.wait_received(1).await;
    assert_eq!(received[0]["attachments"][0]["filename"], "notes.pdf");
    assert_eq!(received[0]["attachments"][0]["content_type"], "application/pdf");

    let ok = run_yizhan(&config, &[("SMTP_PASSWORD", "s3cret-pw")], &["channels", "check"]).await;
    assert!(ok.status.success(), "{}{}", text(&ok.stdout), text(&ok.stderr));
    assert!(text(&ok.stdout).contains("AUTH accepted"), "{}", text(&ok.stdout));
    let wrong = run_yizhan(&config, &[("SMTP_PASSWORD", "wrong-pw")], &["channels", "check"]).await;
    let all = format!("{}{}", text(&wrong.stdout), text(&wrong.stderr));
    assert!(!wrong.status.success(), "{all}");
    assert!(all.contains("535"), "the reply code is shown: {all}");
    assert!(!all.contains("wrong-pw") && !all.contains("s3cret"), "{all}");
}
