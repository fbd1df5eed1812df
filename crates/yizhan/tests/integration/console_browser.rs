//! The console in a real browser (headless Chromium over WebDriver): sign in, send from the
//! form, watch it become delivered with its outcomes, make a message dead with an emulator
//! fault and retry it from the dead-letter list, a channel-scoped key's view, and a form whose
//! CSRF token was removed. Every page visited is checked for the configured secrets. With
//! `YIZHAN_CONSOLE_SCREENSHOTS=1` the main pages are saved under docs/console/.

use fantoccini::Locator;
use serde_json::json;
use yizhan::config::Config;

use crate::support::browser::Browser;
use crate::support::console::{ADMIN_KEY, OPS_KEY, config};
use crate::support::{ApiClient, Running};

async fn sign_in(browser: &Browser, base: &str, key: &str, next: &str) {
    browser.visit(&format!("{base}{next}")).await;
    // Signed out, any page leads to the sign-in form, and back after it.
    browser.type_into("#key", key).await;
    browser.click("form.card button[type=submit]").await;
    browser.wait_for("header.top form.sign-out").await;
    browser.checked_source().await;
}

/// The message page's status badge.
const STATUS: &str = "#message-status .status";

#[tokio::test]
async fn an_operator_signs_in_sends_watches_and_retries_a_dead_letter() {
    let Some(browser) = Browser::start("en-US").await else { return };
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let text = config(&emu.base_url(), "sqlite::memory:");
    let gw = Running::start(Config::parse(&text, "console.toml", &Default::default()).expect("config")).await;
    let base = gw.base.clone();
    let admin = ApiClient::new(&base, ADMIN_KEY);

    sign_in(&browser, &base, ADMIN_KEY, "/console/send").await;
    assert!(
        browser.client.current_url().await.expect("url").path().ends_with("/console/send"),
        "back to the page asked for"
    );

    // Compose, dry-run (the exact provider body, nothing stored), then send.
    browser.wait_for("#s-channel").await.select_by_value("ops").await.expect("channel");
    browser.type_into("#s-users", "alice, bob").await;
    browser.type_into("#s-text", "disk full on db-3").await;
    browser.click("#dry-run").await;
    let plan = browser.text("#plan").await;
    assert!(plan.contains("wecom.message_send"), "{plan}");
    assert!(plan.contains(r#""touser": "alice|bob""#), "the provider body as WeCom gets it: {plan}");
    assert!(emu.inbox().is_empty(), "a dry run sends nothing");
    browser.screenshot("send").await;
    browser.click("#send").await;
    // The message page follows it live, without a reload: accepted → delivered.
    browser.wait_for_attr(STATUS, "data-status", "delivered").await;
    let outcomes = browser.client.find_all(Locator::Css(r#"td[data-outcome="delivered"]"#)).await.expect("outcomes");
    assert_eq!(outcomes.len(), 2, "alice and bob reached");
    let page = browser.checked_source().await;
    assert!(page.contains("msgid"), "the provider handle is shown");
    browser.screenshot("message").await;
    let sent_id = browser.client.current_url().await.expect("url").path().rsplit('/').next().expect("id").to_owned();
    assert_eq!(admin.get(&format!("/v1/messages/{sent_id}")).await["status"], "delivered");

    // A permanent error (48002: API forbidden) makes the next message dead.
    emu.fail_next_on("/cgi-bin/message/send", 1, 48002);
    let dead =
        admin.send(&json!({"channel": "ops", "to": {"users": ["carol"]}, "content": {"text": "will die"}})).await;
    admin.wait_for(&dead, &["dead"]).await;
    browser.visit(&format!("{base}/console/messages/{dead}")).await;
    let error = browser.text("dd.error").await;
    assert!(error.contains("48002"), "the errcode and its meaning: {error}");
    browser.visit(&format!("{base}/console/dead")).await;
    browser.screenshot("dead-letters").await;
    browser.click(&format!("#pick-{dead}")).await;
    browser.click("#retry-selected").await;
    let result = browser.text("ul.results li").await;
    assert!(result.contains(&dead), "{result}");
    browser.checked_source().await;
    admin.wait_for(&dead, &["delivered"]).await;
    browser.visit(&format!("{base}/console/messages/{dead}")).await;
    browser.wait_for_attr(STATUS, "data-status", "delivered").await;
    let attempts = browser.client.find_all(Locator::Css("ol.timeline li")).await.expect("timeline");
    assert_eq!(attempts.len(), 2, "the dead attempt and the delivered retry");

    // The list, with its filters; the overview.
    browser.visit(&format!("{base}/console/messages?recipient=carol")).await;
    let rows = browser.client.find_all(Locator::Css("table.messages tbody tr")).await.expect("rows");
    assert_eq!(rows.len(), 1, "carol's message only");
    browser.visit(&format!("{base}/console/messages")).await;
    browser.screenshot("messages").await;
    browser.visit(&format!("{base}/console/")).await;
    browser.wait_for(r#"tr[data-channel="ops"]"#).await;
    browser.screenshot("overview").await;

    // A form whose CSRF token was removed is refused and changes nothing.
    let queued = admin
        .send(&json!({"channel": "ops", "to": {"users": ["dave"]}, "content": {"text": "later"},
                      "options": {"send_at": "2099-01-01T00:00:00Z"}}))
        .await;
    browser.visit(&format!("{base}/console/messages/{queued}/confirm?action=cancel")).await;
    browser
        .client
        .execute("document.querySelectorAll('main input[name=csrf]').forEach(function (e) { e.remove(); });", vec![])
        .await
        .expect("script");
    browser.click("#confirm").await;
    let refused = browser.text("p.error").await;
    assert!(refused.contains("CSRF"), "{refused}");
    assert_eq!(admin.get(&format!("/v1/messages/{queued}")).await["status"], "scheduled");

    // Sign out; a key for channel ops only sees nothing of ops-robot.
    let robot = admin.send(&json!({"channel": "ops-robot", "content": {"text": "robot only"}})).await;
    browser.visit(&format!("{base}/console/")).await;
    browser.click("header.top form.sign-out button").await;
    browser.wait_for("#key").await;
    sign_in(&browser, &base, OPS_KEY, "/console/messages").await;
    let list = browser.checked_source().await;
    assert!(list.contains(&sent_id) && !list.contains(&robot), "only channel ops");
    let other = browser.visit(&format!("{base}/console/messages/{robot}")).await;
    assert!(!other.contains("robot only"), "another channel's message is not found");
    browser.close().await;
    gw.stop().await;
}

#[tokio::test]
async fn a_browser_that_prefers_chinese_gets_chinese_pages() {
    let Some(browser) = Browser::start("zh-CN").await else { return };
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let text = config(&emu.base_url(), "sqlite::memory:");
    let gw = Running::start(Config::parse(&text, "console.toml", &Default::default()).expect("config")).await;
    let admin = ApiClient::new(&gw.base, ADMIN_KEY);
    let id = admin.send(&json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "磁盘已满"}})).await;
    admin.wait_for(&id, &["delivered"]).await;
    sign_in(&browser, &gw.base, ADMIN_KEY, "/console/messages").await;
    let lang = browser.wait_for("html").await.attr("lang").await.expect("attribute");
    assert_eq!(lang.as_deref(), Some("zh-CN"));
    assert_eq!(browser.text("main h1").await, "消息");
    assert_eq!(browser.text(".status").await, "已送达", "statuses in Chinese too");
    browser.screenshot("messages-zh").await;
    browser.close().await;
    gw.stop().await;
}
