//! Fault injection: scripted errcodes, HTTP 500s, dropped connections and response delays.
//!
//! Every knob counts provider endpoint calls (gettoken, message/send, every Getui `/v2/…` call,
//! the DingTalk and Feishu bot webhooks);
//! the control endpoints under `/__emulator/` are never faulted or delayed. Knobs are cumulative:
//! arming two failures and then one more gives three. When several are armed, one call consumes
//! exactly one of them, in this order: dropped connection, HTTP 500, Getui 301 redirect (Getui
//! calls only), scripted errcode (oldest rule first).
//! [`Faults::reset`] disarms everything. The hot path checks one atomic flag when nothing is armed.
//!
//! [`RandomFaults`] adds probabilistic and periodic faults for reliability runs, drawn from a
//! seeded RNG so that a run can be repeated: "system busy" answers, answers lost after the call
//! was processed (a client timeout), connection resets, token expiry every N calls and bursts of
//! rate-limit answers. Scripted faults (above) are consumed first.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde::{Deserialize, Serialize};

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
    /// Process the call normally (it is delivered), then hold the answer this long and close the
    /// connection without answering: the client times out after the provider accepted.
    LoseAnswer(Duration),
    /// Expire every issued token, then process the call (which then fails with the provider's
    /// token-expired answer unless it is a token request).
    ExpireTokens,
}

/// Probabilistic and periodic faults for reliability runs (`POST /__emulator/faults`
/// `{"random": {...}}` or [`EmulatorHandle::random_faults`](crate::EmulatorHandle::random_faults)).
///
/// Every field defaults to "off"; rates are fractions of provider calls (0.0–1.0), drawn in the
/// order reset → lost answer → system busy from an RNG seeded with `seed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RandomFaults {
    /// Seed of the RNG (same seed and call order → same faults).
    pub seed: u64,
    /// Fraction of calls answered "system busy": WeCom and DingTalk errcode -1, Getui code 30019,
    /// Feishu `feishu_rate_limit_code`.
    pub busy_rate: f64,
    /// Fraction of calls processed and then never answered (see `lost_answer_ms`).
    pub lost_answer_rate: f64,
    /// How long a lost answer is held before the connection is closed. Default: 20000 (past the
    /// clients' 15 s read timeout).
    pub lost_answer_ms: u64,
    /// Fraction of calls whose connection is closed before they are processed.
    pub reset_rate: f64,
    /// Every N-th provider call first expires every token (0 = never).
    pub token_expiry_every: u64,
    /// Every N-th provider call starts a burst of rate-limit answers (0 = never).
    pub rate_limit_every: u64,
    /// Calls answered with the rate-limit code per burst. Default: 5.
    pub rate_limit_burst: u32,
    /// The WeCom rate-limit errcode. Default: 45009.
    pub wecom_rate_limit_code: i64,
    /// The Getui quota code (*choice*: 30014, a per-minute push quota). Default: 30014.
    pub getui_rate_limit_code: i64,
    /// The DingTalk robot throttle errcode. Default: 410100.
    pub dingtalk_rate_limit_code: i64,
    /// The Feishu bot rate-limit code (also its answer under load). Default: 11232.
    pub feishu_rate_limit_code: i64,
}

/// Which provider's codes a fault answers with, and whether Getui redirects apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodeSet {
    /// WeCom: busy -1, rate limit `wecom_rate_limit_code`.
    Wecom,
    /// Getui: busy 30019, rate limit `getui_rate_limit_code`; 301 redirects.
    Getui,
    /// DingTalk robots: busy -1, rate limit `dingtalk_rate_limit_code`.
    Dingtalk,
    /// Feishu bots: busy and rate limit `feishu_rate_limit_code` (the documented answer to load).
    Feishu,
}

impl Default for RandomFaults {
    fn default() -> Self {
        Self {
            seed: 0,
            busy_rate: 0.0,
            lost_answer_rate: 0.0,
            lost_answer_ms: 20_000,
            reset_rate: 0.0,
            token_expiry_every: 0,
            rate_limit_every: 0,
            rate_limit_burst: 5,
            wecom_rate_limit_code: 45009,
            getui_rate_limit_code: 30014,
            dingtalk_rate_limit_code: 410100,
            feishu_rate_limit_code: 11232,
        }
    }
}

/// Random faults in use: the configuration, its RNG, the call counter and the current burst.
#[derive(Debug)]
struct RandomState {
    config: RandomFaults,
    rng: fastrand::Rng,
    calls: u64,
    burst_left: u32,
}

impl RandomState {
    /// The fault for the next call, answered with the codes of `codes`.
    fn draw(&mut self, codes: CodeSet) -> Option<Fault> {
        let c = &self.config;
        self.calls += 1;
        if c.rate_limit_every > 0 && self.calls.is_multiple_of(c.rate_limit_every) {
            self.burst_left = self.burst_left.saturating_add(c.rate_limit_burst);
        }
        // Expiry first: a burst starting on the same call begins with the next one.
        if c.token_expiry_every > 0 && self.calls.is_multiple_of(c.token_expiry_every) {
            return Some(Fault::ExpireTokens);
        }
        if self.burst_left > 0 {
            self.burst_left -= 1;
            return Some(Fault::Errcode(match codes {
                CodeSet::Wecom => c.wecom_rate_limit_code,
                CodeSet::Getui => c.getui_rate_limit_code,
                CodeSet::Dingtalk => c.dingtalk_rate_limit_code,
                CodeSet::Feishu => c.feishu_rate_limit_code,
            }));
        }
        let x = self.rng.f64();
        if x < c.reset_rate {
            Some(Fault::DropConnection)
        } else if x < c.reset_rate + c.lost_answer_rate {
            Some(Fault::LoseAnswer(Duration::from_millis(c.lost_answer_ms)))
        } else if x < c.reset_rate + c.lost_answer_rate + c.busy_rate {
            Some(Fault::Errcode(match codes {
                CodeSet::Wecom | CodeSet::Dingtalk => -1,
                CodeSet::Getui => 30019,
                CodeSet::Feishu => c.feishu_rate_limit_code,
            }))
        } else {
            None
        }
    }
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
    random: Option<RandomState>,
}

impl Plan {
    fn is_armed(&self) -> bool {
        self.drop_connections > 0
            || self.http_500 > 0
            || !self.redirects.is_empty()
            || !self.rules.is_empty()
            || self.random.is_some()
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

    /// Turns random faults on (`Some`) or off (`None`), restarting the RNG from the seed.
    pub(crate) fn set_random(&self, random: Option<RandomFaults>) {
        self.update(|p| {
            p.random = random.map(|config| RandomState {
                rng: fastrand::Rng::with_seed(config.seed),
                config,
                calls: 0,
                burst_left: 0,
            });
        });
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
        self.take_as(paths, if redirectable { CodeSet::Getui } else { CodeSet::Wecom })
    }

    /// Consumes the fault that applies to one call known under any of `paths`, drawing random
    /// faults with the codes of `codes` (only Getui calls take redirects).
    pub(crate) fn take_as(&self, paths: &[&str], codes: CodeSet) -> Option<Fault> {
        let redirectable = codes == CodeSet::Getui;
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
            } else if let Some(random) = p.random.as_mut() {
                fault = random.draw(codes);
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
    fn random_faults_follow_rates_and_periods_reproducibly() {
        let config = RandomFaults {
            seed: 7,
            busy_rate: 0.10,
            lost_answer_rate: 0.05,
            reset_rate: 0.05,
            token_expiry_every: 1000,
            rate_limit_every: 2500,
            rate_limit_burst: 3,
            ..RandomFaults::default()
        };
        let run = |getui: bool| {
            let f = Faults::default();
            f.set_random(Some(config.clone()));
            let paths: &[&str] = if getui { &["/v2/a/push/single/cid"] } else { &["/cgi-bin/message/send"] };
            (0..10_000).map(|_| f.take_for(paths, getui)).collect::<Vec<_>>()
        };
        let wecom = run(false);
        assert_eq!(wecom, run(false), "same seed, same faults");
        let count = |faults: &[Option<Fault>], want: &dyn Fn(&Fault) -> bool| {
            faults.iter().flatten().filter(|f| want(f)).count()
        };
        let busy = count(&wecom, &|f| *f == Fault::Errcode(-1));
        let lost = count(&wecom, &|f| matches!(f, Fault::LoseAnswer(d) if d.as_millis() == 20_000));
        let resets = count(&wecom, &|f| *f == Fault::DropConnection);
        assert!((800..1200).contains(&busy), "busy {busy}");
        assert!((350..650).contains(&lost), "lost {lost}");
        assert!((350..650).contains(&resets), "resets {resets}");
        assert_eq!(count(&wecom, &|f| *f == Fault::ExpireTokens), 10, "calls 1000, 2000, …, 10000");
        assert_eq!(
            count(&wecom, &|f| *f == Fault::Errcode(45009)),
            3 * 3,
            "bursts at 2500, 5001 (after the expiry at 5000), 7500"
        );
        assert_eq!(wecom[4999], Some(Fault::ExpireTokens));
        assert_eq!(wecom[5000], Some(Fault::Errcode(45009)));
        assert_eq!(wecom[2499], Some(Fault::Errcode(45009)), "the 2500th call starts a burst");
        assert_eq!(wecom[2501], Some(Fault::Errcode(45009)));
        let getui = run(true);
        assert!(count(&getui, &|f| *f == Fault::Errcode(30019)) > 800);
        assert_eq!(count(&getui, &|f| *f == Fault::Errcode(30014)), 9);
        let bursts = |codes: CodeSet| {
            let f = Faults::default();
            f.set_random(Some(RandomFaults { rate_limit_every: 1, rate_limit_burst: 1, ..RandomFaults::default() }));
            (f.take_as(&["/x"], codes), f.take_as(&["/x"], codes))
        };
        let dingtalk = Some(Fault::Errcode(410100));
        assert_eq!(bursts(CodeSet::Dingtalk), (dingtalk.clone(), dingtalk));
        assert_eq!(bursts(CodeSet::Feishu).0, Some(Fault::Errcode(11232)));
        let f = Faults::default();
        f.set_random(Some(config));
        f.reset();
        assert_eq!(f.take("/cgi-bin/message/send"), None);
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
