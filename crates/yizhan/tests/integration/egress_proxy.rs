//! Per-channel egress proxies (`proxy = "http://…"` / `"socks5://…"`): the emulated WeCom app
//! trusts only 127.0.0.2 (its 企业可信IP), the proxies connect onward from 127.0.0.2, so a call
//! succeeds exactly when it went through the proxy; `channels check` names the egress and
//! explains 60020 with the address WeCom saw.

use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};

use crate::support::egress_proxy::EgressProxy;
use crate::support::{run_yizhan, text};

/// An emulator whose app accepts calls only from the proxies' egress address.
async fn strict_wecom() -> EmulatorHandle {
    let mut config = EmulatorConfig::default();
    config.wecom.apps[0].trusted_ips = vec!["127.0.0.2".to_owned()];
    Emulator::spawn(config).await.expect("emulator")
}

fn config(emu: &EmulatorHandle, proxy: Option<&str>) -> String {
    let proxy = proxy.map(|url| format!("proxy = \"{url}\"\n")).unwrap_or_default();
    format!(
        "[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"wwyizhandemo\"\nagent_id = 1000002\n\
         secret = \"yizhan-demo-secret\"\nbase_url = \"{}\"\n{proxy}",
        emu.base_url()
    )
}

#[tokio::test]
async fn direct_calls_are_refused_with_60020_and_the_check_says_why() {
    let emu = strict_wecom().await;
    let out = run_yizhan(&config(&emu, None), &[], &["channels", "check"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(stdout.contains("60020") && stdout.contains("saw this machine as 127.0.0.1"), "{stdout}");
    assert!(stdout.contains("egress: direct"), "{stdout}");
    let out = run_yizhan(&config(&emu, None), &[], &["send", "ops", "--to", "alice", "--text", "direct"]).await;
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert!(emu.inbox().is_empty());
}

#[tokio::test]
async fn an_http_proxy_carries_the_calls_from_the_trusted_address() {
    let emu = strict_wecom().await;
    let proxy = EgressProxy::http().await;
    let config = config(&emu, Some(&proxy.url));
    let out = run_yizhan(&config, &[], &["channels", "check"]).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(&format!("egress: proxy {}", proxy.url)), "{stdout}");

    let out = run_yizhan(&config, &[], &["send", "ops", "--to", "alice", "--text", "via http proxy"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(emu.inbox().len(), 1);
    let seen = proxy.seen();
    assert!(seen.iter().any(|p| p == "/cgi-bin/gettoken"), "{seen:?}");
    assert!(seen.iter().any(|p| p == "/cgi-bin/message/send"), "{seen:?}");
}

#[tokio::test]
async fn a_socks5_proxy_carries_the_calls_from_the_trusted_address() {
    let emu = strict_wecom().await;
    let proxy = EgressProxy::socks5().await;
    let out =
        run_yizhan(&config(&emu, Some(&proxy.url)), &[], &["send", "ops", "--to", "alice", "--text", "socks"]).await;
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(emu.inbox().len(), 1);
    let port = emu.base_url().rsplit(':').next().expect("port").trim_end_matches('/').to_owned();
    assert!(proxy.seen().iter().all(|t| t == &format!("127.0.0.1:{port}")), "{:?}", proxy.seen());
    assert!(!proxy.seen().is_empty());
}

#[tokio::test]
async fn a_proxy_with_credentials_or_another_scheme_is_a_configuration_error() {
    let emu = strict_wecom().await;
    let out = run_yizhan(&config(&emu, Some("http://ops:hunter2@127.0.0.1:3128")), &[], &["config", "check"]).await;
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("channels[0].proxy") && stderr.contains("user name or password"), "{stderr}");
    assert!(!stderr.contains("hunter2") && !text(&out.stdout).contains("hunter2"), "{stderr}");
    let out = run_yizhan(&config(&emu, Some("ftp://127.0.0.1:21")), &[], &["config", "check"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("scheme \"ftp\""), "{}", text(&out.stderr));
}
