//! Validation tables for `push_channel`: iOS, Android vendor (UPS) and Harmony.

use super::*;

fn ups(content: Content<UpsNotification, UpsRevoke>) -> PushRequest {
    channel(|c| c.android = Some(Ups::new(content).into()))
}

fn harmony(content: Content<HarmonyNotification, UpsRevoke>) -> PushRequest {
    channel(|c| c.harmony = Some(HarmonyChannel { content, options: None }))
}

fn harmony_notification(click_type: ClickType, category: Option<String>) -> HarmonyNotification {
    HarmonyNotification { title: "t".into(), body: "b".into(), category, click_type, notify_id: None }
}

fn ios(f: impl FnOnce(&mut IosChannel)) -> PushRequest {
    let mut i = IosChannel::default();
    f(&mut i);
    channel(|c| c.ios = Some(i))
}

fn media(n: usize, media_type: i64) -> Option<Vec<Multimedia>> {
    Some((0..n).map(|_| Multimedia { url: "https://x/y.png".into(), media_type, only_wifi: None }).collect())
}

#[test]
fn ios_fields() {
    run(vec![
        ("empty ios", ios(|_| {}), None),
        ("badge +1", ios(|i| i.auto_badge = Some("+1".into())), None),
        ("badge -12", ios(|i| i.auto_badge = Some("-12".into())), None),
        ("badge 3", ios(|i| i.auto_badge = Some("3".into())), None),
        ("badge +", ios(|i| i.auto_badge = Some("+".into())), Some("push_channel.ios.auto_badge")),
        ("badge x", ios(|i| i.auto_badge = Some("x".into())), Some("push_channel.ios.auto_badge")),
        ("3 media", ios(|i| i.multimedia = media(3, 1)), None),
        ("4 media", ios(|i| i.multimedia = media(4, 1)), Some("push_channel.ios.multimedia")),
        ("media type 4", ios(|i| i.multimedia = media(1, 4)), Some("push_channel.ios.multimedia[0].type")),
        ("collapse 64", ios(|i| i.apns_collapse_id = Some(a(64))), None),
        ("collapse 65", ios(|i| i.apns_collapse_id = Some(a(65))), Some("push_channel.ios.apns-collapse-id")),
        (
            "content-available 2",
            ios(|i| i.aps = Some(Aps { content_available: Some(2), ..Aps::default() })),
            Some("push_channel.ios.aps.content-available"),
        ),
    ]);
}

#[test]
fn android_vendor_fields() {
    let n = |title: String, click: ClickType| Content::Notification(UpsNotification::new(title, "b", click));
    let with_options = |options: VendorOptions| {
        channel(|c| {
            c.android = Some(Ups { options: Some(options), ..Ups::new(Content::Transmission("x".into())) }.into());
        })
    };
    let opt = |k: &str| {
        [(k.to_owned(), [("/message/android/notification/importance".to_owned(), "NORMAL".into())].into())].into()
    };
    run(vec![
        ("notification", ups(n("t".into(), ClickType::Url("https://x".into()))), None),
        ("title 51", ups(n(a(51), ClickType::Startapp)), Some("push_channel.android.ups.notification.title")),
        (
            "payload_custom unsupported",
            ups(n("t".into(), ClickType::PayloadCustom("p".into()))),
            Some("push_channel.android.ups.notification.click_type"),
        ),
        (
            "intent empty",
            ups(n("t".into(), ClickType::Intent(String::new()))),
            Some("push_channel.android.ups.notification.intent"),
        ),
        ("transmission 3073", ups(Content::Transmission(a(3073))), Some("push_channel.android.ups.transmission")),
        ("revoke", ups(Content::Revoke(UpsRevoke { old_task_id: "RASS_1".into() })), None),
        (
            "revoke blank",
            ups(Content::Revoke(UpsRevoke { old_task_id: String::new() })),
            Some("push_channel.android.ups.revoke.old_task_id"),
        ),
        ("options HW", with_options(opt("HW")), None),
        ("options lower-case", with_options(opt("hw")), Some("push_channel.android.ups.options.hw")),
        ("options flat", with_options(opt("constraint")), Some("push_channel.android.ups.options.constraint")),
    ]);
}

#[test]
fn harmony_fields() {
    let want = || ClickType::Want("{\"bundleName\":\"com.example\"}".into());
    run(vec![
        ("want", harmony(Content::Notification(harmony_notification(want(), None))), None),
        (
            "url unsupported",
            harmony(Content::Notification(harmony_notification(ClickType::Url("https://x".into()), None))),
            Some("push_channel.harmony.notification.click_type"),
        ),
        (
            "category 51",
            harmony(Content::Notification(harmony_notification(want(), Some(a(51))))),
            Some("push_channel.harmony.notification.category"),
        ),
        ("transmission", harmony(Content::Transmission("x".into())), None),
    ]);
}
