//! Unit tests of the push body: validation tables (every case names the field it must fail on,
//! `None` = must pass) and serde round trips.

mod channels;
mod validation;
mod wire;

use super::*;

/// "Now" for schedule checks.
const NOW: i64 = 1_700_000_000_000;

/// Runs (case, request, expected failing field) rows; `None` means the request must pass.
fn run<E: AsRef<str>>(cases: Vec<(&'static str, PushRequest, Option<E>)>) {
    for (name, request, expected) in cases {
        let got = request.validate(NOW).err();
        assert_eq!(
            got.as_ref().map(|e| e.field.as_str()),
            expected.as_ref().map(AsRef::as_ref),
            "case {name:?}: {got:?}"
        );
    }
}

fn a(n: usize) -> String {
    "a".repeat(n)
}

fn cjk(n: usize) -> String {
    "字".repeat(n)
}

/// A valid single-cid notification push.
fn base() -> PushRequest {
    let notification = Notification::new("标题", "正文", ClickType::Startapp);
    PushRequest::new(Audience::cid("0e4c0b53f2c8a6b7d9e1f3a5c7b9d1e3"), PushMessage::notification(notification))
        .with_request_id(RequestId::parse("a1b2c3d4e5f6a7b8c9d0").expect("valid id"))
}

fn with(f: impl FnOnce(&mut PushRequest)) -> PushRequest {
    let mut request = base();
    f(&mut request);
    request
}

fn notification(f: impl FnOnce(&mut Notification)) -> PushRequest {
    let mut n = Notification::new("标题", "正文", ClickType::Startapp);
    f(&mut n);
    with(|r| r.push_message = PushMessage::notification(n))
}

fn settings(f: impl FnOnce(&mut Settings)) -> PushRequest {
    let mut s = Settings::default();
    f(&mut s);
    with(|r| r.settings = Some(s))
}

fn channel(f: impl FnOnce(&mut PushChannel)) -> PushRequest {
    let mut c = PushChannel::default();
    f(&mut c);
    with(|r| r.push_channel = Some(c))
}
