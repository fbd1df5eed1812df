//! Fault injection: scripted errcodes, HTTP 500s, dropped connections and response delays.
//!
//! Every knob counts provider endpoint calls (gettoken, message/send, every Getui `/v2/…` call);
//! the control endpoints under `/__emulator/` are never faulted or delayed. Knobs are cumulative:
//! arming two failures and then one more gives three. When several are armed, one call consumes
//! exactly one of them, in this order: dropped connection, HTTP 500, Getui 301 redirect (Getui
//! calls only), scripted errcode (oldest rule first).
//! [`Faults::reset`] disarms everything. The hot path checks one atomic flag when nothing is armed.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

/// What the next provider call must do instead of its normal answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Fault {
    /// Read the request, then close the connection without answering.
    DropConnection,
    /// Answer HTTP 500 with an HTML body, like a failing front proxy.
    Http500,
    /// Answer the provider's business error with this code.
    Errcode(i64),
    /// Answer Getui code 301 with these domains in `host_list` (never taken by WeCom calls).
    Redirect(Arc<[String]>),
}

#[derive(Debug)]
struct FailRule {
    path: Option<String>,
    remaining: u32,
    errcode: i64,
}

#[derive(Debug, Default)]
struct Plan {
    drop_connections: u32,
    http_500: u32,
    redirects: VecDeque<(u32, Arc<[String]>)>,
    rules: Vec<FailRule>,
}

impl Plan {
    fn is_armed(&self) -> bool {
        self.drop_connections > 0 || self.http_500 > 0 || !self.redirects.is_empty() || !self.rules.is_empty()
    }
}

/// The fault plan shared by all connections.
#[derive(Debug, Default)]
pub(crate) struct Faults {
    armed: AtomicBool,
    delay_nanos: AtomicU64,
    plan: Mutex<Plan>,
}

impl Faults {
    fn update(&self, change: impl FnOnce(&mut Plan)) {
        let mut plan = self.plan.lock().unwrap_or_else(|e| e.into_inner());
        change(&mut plan);
        plan.rules.retain(|r| r.remaining > 0);
        plan.redirects.retain(|(remaining, _)| *remaining > 0);
        self.armed.store(plan.is_armed(), Ordering::Release);
    }

    /// The next `count` calls to `path` (any provider endpoint when `None`) answer `errcode`.
    pub(crate) fn fail_next(&self, path: Option<&str>, count: u32, errcode: i64) {
        self.update(|p| p.rules.push(FailRule { path: path.map(str::to_owned), remaining: count, errcode }));
    }

    /// The next `count` provider calls lose their connection after the request was read.
    pub(crate) fn drop_connections(&self, count: u32) {
        self.update(|p| p.drop_connections = p.drop_connections.saturating_add(count));
    }

    /// The next `count` provider calls answer HTTP 500.
    pub(crate) fn http_500(&self, count: u32) {
        self.update(|p| p.http_500 = p.http_500.saturating_add(count));
    }

    /// The next `count` Getui calls answer code 301 with `domains` as the new host list.
    pub(crate) fn redirect(&self, count: u32, domains: Vec<String>) {
        self.update(|p| p.redirects.push_back((count, domains.into())));
    }

    /// Delays every provider response by `delay`; zero turns the delay off.
    pub(crate) fn set_delay(&self, delay: Duration) {
        self.delay_nanos.store(u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    /// The current response delay.
    pub(crate) fn delay(&self) -> Duration {
        Duration::from_nanos(self.delay_nanos.load(Ordering::Relaxed))
    }

    /// Disarms every fault and the delay.
    pub(crate) fn reset(&self) {
        self.update(|p| *p = Plan::default());
        self.set_delay(Duration::ZERO);
    }

    /// Consumes the fault that applies to one WeCom call of `path`, if any.
    pub(crate) fn take(&self, path: &str) -> Option<Fault> {
        self.take_for(&[path], false)
    }

    /// Consumes the fault that applies to one call known under any of `paths` (a rule's path
    /// must equal one of them); `redirectable` calls (Getui) may also take a 301 redirect.
    pub(crate) fn take_for(&self, paths: &[&str], redirectable: bool) -> Option<Fault> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        let mut fault = None;
        self.update(|p| {
            if p.drop_connections > 0 {
                p.drop_connections -= 1;
                fault = Some(Fault::DropConnection);
            } else if p.http_500 > 0 {
                p.http_500 -= 1;
                fault = Some(Fault::Http500);
            } else if redirectable && let Some((remaining, domains)) = p.redirects.front_mut() {
                *remaining -= 1;
                fault = Some(Fault::Redirect(domains.clone()));
            } else if let Some(rule) =
                p.rules.iter_mut().find(|r| r.path.as_deref().is_none_or(|rp| paths.contains(&rp)))
            {
                rule.remaining -= 1;
                fault = Some(Fault::Errcode(rule.errcode));
            }
        });
        fault
    }
}

/// A response whose body fails on its first poll: hyper then aborts the connection before a single
/// response byte (not even the status line) is flushed, so the client sees a transport error.
pub(crate) fn dropped_connection() -> Response {
    let failing = futures_util::stream::iter([Err::<Bytes, std::io::Error>(std::io::Error::other(
        "emulator: connection dropped on purpose",
    ))]);
    Body::from_stream(failing).into_response()
}

/// The HTTP 500 answer of a failing front proxy.
pub(crate) fn http_500() -> Response {
    let html = "<html>\r\n<head><title>500 Internal Server Error</title></head>\r\n<body>\r\n\
                <center><h1>500 Internal Server Error</h1></center>\r\n<hr><center>nginx</center>\r\n\
                </body>\r\n</html>\r\n";
    (StatusCode::INTERNAL_SERVER_ERROR, [(header::CONTENT_TYPE, "text/html")], html).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_armed_means_no_fault() {
        let f = Faults::default();
        assert_eq!(f.take("/a"), None);
        f.fail_next(None, 0, -1);
        assert_eq!(f.take("/a"), None);
    }

    #[test]
    fn priorities_counts_and_paths() {
        let f = Faults::default();
        f.fail_next(Some("/b"), 1, 45009);
        f.fail_next(None, 2, -1);
        f.http_500(1);
        f.drop_connections(1);
        assert_eq!(f.take("/a"), Some(Fault::DropConnection));
        assert_eq!(f.take("/a"), Some(Fault::Http500));
        assert_eq!(f.take("/a"), Some(Fault::Errcode(-1)));
        assert_eq!(f.take("/b"), Some(Fault::Errcode(45009)));
        assert_eq!(f.take("/b"), Some(Fault::Errcode(-1)));
        assert_eq!(f.take("/b"), None);
    }

    #[test]
    fn redirects_only_for_getui_calls() {
        let f = Faults::default();
        f.redirect(1, vec!["http://b".to_owned()]);
        f.fail_next(Some("/push/all"), 1, 30019);
        assert_eq!(f.take("/cgi-bin/gettoken"), None);
        assert!(
            matches!(f.take_for(&["/v2/a/push/all", "/push/all"], true), Some(Fault::Redirect(d)) if d[0] == "http://b")
        );
        assert_eq!(f.take_for(&["/v2/a/push/all", "/push/all"], true), Some(Fault::Errcode(30019)));
        assert_eq!(f.take_for(&["/v2/a/push/all", "/push/all"], true), None);
    }

    #[test]
    fn reset_disarms_all() {
        let f = Faults::default();
        f.fail_next(None, 5, -1);
        f.set_delay(Duration::from_millis(5));
        f.reset();
        assert_eq!(f.take("/a"), None);
        assert_eq!(f.delay(), Duration::ZERO);
    }
}
