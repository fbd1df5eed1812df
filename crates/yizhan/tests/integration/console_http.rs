//! The console over plain HTTP (no browser): sign-in and its cookies, the key's scope, CSRF on
//! every POST, sign-out, and no secret on any page. The browser tests are in `console_browser`.

use serde_json::json;
use yizhan::config::Config;

use crate::support::console::{ADMIN_KEY, ConsoleClient, OPS_KEY, assert_no_secret, config};
use crate::support::{ApiClient, Running};

async fn gateway(emu: &yizhan_emulator::EmulatorHandle) -> Running {
    let text = config(&emu.base_url(), "sqlite::memory:");
    Running::start(Config::parse(&text, "console.toml", &Default::default()).expect("config")).await
}

#[tokio::test]
async fn sign_in_sets_a_strict_session_cookie_and_sign_out_ends_it() {
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let gw = gateway(&emu).await;
    let mut anonymous = ConsoleClient::new(&gw.base);
    let page = anonymous.get("/console/messages?status=dead").await;
    assert_eq!(page.status, 303, "signed out: to the sign-in page");
    assert_eq!(page.location(), "/console/sign-in?next=%2Fconsole%2Fmessages%3Fstatus%3Ddead");

    let form = anonymous.get("/console/sign-in").await;
    assert_eq!(form.status, 200);
    assert_eq!(
        form.headers["content-security-policy"].to_str().ok().map(|c| c.contains("script-src 'self'")),
        Some(true)
    );
    let csrf = form.csrf();
    let refused = anonymous.post("/console/sign-in", &[("key", ADMIN_KEY)]).await;
    assert_eq!(refused.status, 403, "no CSRF token");
    let wrong = anonymous.post("/console/sign-in", &[("csrf", &csrf), ("key", "not-a-key")]).await;
    assert_eq!(wrong.status, 401);
    assert!(wrong.body.contains("not known"), "says why");
    assert!(wrong.set_cookie("yz_session").is_none());
    let next = "/console/messages?status=dead";
    let ok = anonymous.post("/console/sign-in", &[("csrf", &csrf), ("key", ADMIN_KEY), ("next", next)]).await;
    assert_eq!(ok.status, 303);
    assert_eq!(ok.location(), next, "back where it was going");
    let cookie = ok.set_cookie("yz_session").expect("session cookie");
    assert!(
        cookie.contains("; HttpOnly") && cookie.contains("; SameSite=Strict") && cookie.contains("; Path=/console")
    );
    assert!(!cookie.contains("Secure"), "plain HTTP on loopback");
    let mut user = anonymous;
    let list = user.get(next).await;
    assert_eq!(list.status, 200);
    assert!(list.body.contains("admin"), "names the key it signed in with");

    // Behind a TLS-terminating proxy the cookie is Secure.
    let mut tls = ConsoleClient::new(&gw.base);
    tls.headers.insert("x-forwarded-proto", "https".parse().expect("header"));
    let form = tls.get("/console/sign-in").await;
    assert!(form.set_cookie("yz_sign_in").is_some_and(|c| c.ends_with("; Secure")));
    let ok = tls.post("/console/sign-in", &[("csrf", &form.csrf()), ("key", OPS_KEY)]).await;
    assert!(ok.set_cookie("yz_session").is_some_and(|c| c.ends_with("; Secure")));

    // Sign-out needs the CSRF token too, then the session is gone.
    let csrf = list.csrf();
    assert_eq!(user.post("/console/sign-out", &[]).await.status, 403);
    assert_eq!(user.get("/console/").await.status, 200, "still signed in");
    let out = user.post("/console/sign-out", &[("csrf", &csrf)]).await;
    assert_eq!(out.status, 303);
    assert_eq!(user.get("/console/").await.status, 303, "signed out");
    gw.stop().await;
}

#[tokio::test]
async fn a_key_for_one_channel_sees_only_that_channel_and_every_post_needs_its_csrf_token() {
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let gw = gateway(&emu).await;
    let admin = ApiClient::new(&gw.base, ADMIN_KEY);
    let ops_api = ApiClient::new(&gw.base, OPS_KEY);
    let mine =
        admin.send(&json!({"channel": "ops", "to": {"users": ["alice"]}, "content": {"text": "ops-visible"}})).await;
    let theirs = admin
        .send(&json!({"channel": "ops-robot", "to": {"mentions": ["alice"]}, "content": {"text": "robot-hidden"}}))
        .await;
    admin.wait_for(&mine, &["delivered"]).await;
    admin.wait_for(&theirs, &["delivered"]).await;

    // The API: the other channel's message does not exist for this key.
    let (status, _) = ops_api.post(&format!("/v1/messages/{theirs}/retry"), None).await;
    assert_eq!(status, 404);
    let page = ops_api.get("/v1/messages").await;
    let ids: Vec<&str> = page["items"].as_array().expect("items").iter().filter_map(|m| m["id"].as_str()).collect();
    assert_eq!(ids, vec![mine.as_str()]);

    // The console: the same.
    let mut ops = ConsoleClient::signed_in(&gw.base, OPS_KEY).await;
    let mut pages = Vec::new();
    for path in ["/console/", "/console/messages", "/console/dead", "/console/send"] {
        let page = ops.get(path).await;
        assert_eq!(page.status, 200, "{path}");
        assert!(!page.body.contains(&theirs), "{path} shows another channel's message");
        assert!(!page.body.contains("ops-robot"), "{path} names another channel");
        pages.push((path.to_owned(), page.body));
    }
    assert!(pages[1].1.contains(&mine), "the list shows its own message");
    let other = ops.get(&format!("/console/messages/{theirs}")).await;
    assert_eq!(other.status, 404);
    assert!(!other.body.contains("robot-hidden"));
    let filtered = ops.get("/console/messages?channel=ops-robot").await;
    assert!(!filtered.body.contains(&theirs), "asking for the channel by name does not help");
    let searched = ops.get("/console/messages?text=ops-visible&recipient=alice").await;
    assert!(searched.body.contains(&mine), "text and recipient filters find it");
    let missed = ops.get("/console/messages?text=no-such-text").await;
    assert!(!missed.body.contains(&mine));
    let detail = ops.get(&format!("/console/messages/{mine}")).await;
    assert!(detail.body.contains("wecom.message_send") && detail.body.contains("ops-visible"));
    pages.push((format!("/console/messages/{mine}"), detail.body.clone()));

    // A POST without this session's CSRF token changes nothing.
    let queued = admin
        .send(&json!({"channel": "ops", "to": {"users": ["bob"]}, "content": {"text": "later"},
                      "options": {"send_at": "2099-01-01T00:00:00Z"}}))
        .await;
    let path = format!("/console/messages/{queued}/action");
    for csrf in [None, Some("0".repeat(64))] {
        let mut fields = vec![("action", "cancel")];
        if let Some(c) = &csrf {
            fields.push(("csrf", c));
        }
        let refused = ops.post(&path, &fields).await;
        assert_eq!(refused.status, 403, "{csrf:?}");
        assert!(refused.body.contains("CSRF"));
    }
    assert_eq!(admin.get(&format!("/v1/messages/{queued}")).await["status"], "scheduled");
    let csrf = detail.csrf();
    let sent =
        ops.post("/console/send", &[("channel", "ops"), ("users", "alice"), ("text", "x"), ("intent", "send")]).await;
    assert_eq!(sent.status, 403, "the send form too");
    let dead = ops.post("/console/dead", &[("id", &queued)]).await;
    assert_eq!(dead.status, 403, "the dead-letter retry too");
    // With the token it works, and only on its own channel.
    let cancelled = ops.post(&path, &[("csrf", &csrf), ("action", "cancel")]).await;
    assert_eq!(cancelled.status, 303, "{}", cancelled.body);
    assert_eq!(admin.get(&format!("/v1/messages/{queued}")).await["status"], "cancelled");
    let foreign =
        ops.post(&format!("/console/messages/{theirs}/action"), &[("csrf", &csrf), ("action", "retry")]).await;
    assert_eq!(foreign.status, 404);

    for (path, body) in &pages {
        assert_no_secret(path, body);
    }
    gw.stop().await;
}

#[tokio::test]
async fn assets_are_served_by_content_hash_with_long_caching() {
    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let gw = gateway(&emu).await;
    let mut user = ConsoleClient::signed_in(&gw.base, ADMIN_KEY).await;
    let page = user.get("/console/messages").await;
    let mut found = 0;
    for prefix in ["/console/assets/console.", "/console/assets/htmx."] {
        for (at, _) in page.body.match_indices(prefix) {
            let url = page.body[at..].split('"').next().expect("url");
            let asset = user.get(url).await;
            assert_eq!(asset.status, 200, "{url}");
            assert_eq!(asset.headers["cache-control"], "public, max-age=31536000, immutable");
            found += 1;
        }
    }
    assert_eq!(found, 3, "stylesheet, script and htmx");
    assert_eq!(user.get("/console/assets/console.css").await.status, 404, "only by hash");
    gw.stop().await;
}
