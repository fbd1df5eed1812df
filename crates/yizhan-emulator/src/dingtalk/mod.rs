//! The emulated DingTalk (钉钉) custom robots: `POST /robot/send?access_token=…[&timestamp=…&sign=…]`
//! (`docs/dingtalk-feishu.md`).
//!
//! | module | does |
//! |---|---|
//! | [`send`] | the webhook: token, robot state, security settings, body, limits, inbox |
//! | [`content`] | per-msgtype checks and `at` |
//! | [`errmsg`] | errcodes and their texts |
//! | [`config`] | `[dingtalk]`: robots, security settings, limits |
//!
//! Robots are keyed by their access token; the inbox labels them with its first four characters
//! and `…`, so neither the token nor the secret ever shows up in the inbox.

pub(crate) mod config;
mod content;
mod errmsg;
mod send;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::post;

use crate::group_bot::{Ipv4Net, SlidingWindow, label};
use crate::state::AppState;
use config::{DingtalkConfig, DingtalkKeywordMatch, DingtalkRobotStatus};

/// Path of the webhook.
pub(crate) const SEND_PATH: &str = "/robot/send";

const MINUTE_MS: i64 = 60_000;

/// One configured robot.
#[derive(Debug)]
struct Robot {
    token: String,
    secret: Option<String>,
    keywords: Vec<String>,
    allowlist: Vec<Ipv4Net>,
    status: DingtalkRobotStatus,
    /// First four characters of the token and `…`: the inbox `app`.
    label: Arc<str>,
}

/// Per robot: accepted calls of the last minute, and the end of a throttle.
#[derive(Debug, Default)]
struct RobotLedger {
    window: SlidingWindow,
    throttled_until_ms: i64,
}

/// The robots, their limits and their windows.
#[derive(Debug)]
pub(crate) struct DingtalkState {
    robots: Vec<Robot>,
    limits: Limits,
    ledgers: Mutex<HashMap<usize, RobotLedger>>,
}

/// The limits and choices of `[dingtalk]`.
#[derive(Debug, Clone, Copy)]
struct Limits {
    per_minute: usize,
    throttle_ms: i64,
    rate_limit_code: i64,
    unknown_token_code: i64,
    timestamp_window_ms: i64,
    max_body_bytes: usize,
    require_json_content_type: bool,
    keyword_match: DingtalkKeywordMatch,
}

impl DingtalkState {
    /// Builds the robots from the (validated) configuration.
    pub(crate) fn new(config: &DingtalkConfig) -> Self {
        let robots = config
            .robots
            .iter()
            .map(|r| Robot {
                token: r.access_token.clone(),
                secret: r.secret.clone(),
                keywords: r.keywords.clone(),
                allowlist: r.ip_allowlist.iter().filter_map(|e| Ipv4Net::parse(e)).collect(),
                status: r.status,
                label: label(&r.access_token).into(),
            })
            .collect();
        let limits = Limits {
            per_minute: config.per_minute as usize,
            throttle_ms: i64::try_from(config.throttle_secs.saturating_mul(1000)).unwrap_or(i64::MAX),
            rate_limit_code: config.rate_limit_code,
            unknown_token_code: config.unknown_token_code,
            timestamp_window_ms: config.timestamp_window_ms,
            max_body_bytes: config.max_body_bytes,
            require_json_content_type: config.require_json_content_type,
            keyword_match: config.keyword_match,
        };
        Self { robots, limits, ledgers: Mutex::default() }
    }

    fn ledgers(&self) -> MutexGuard<'_, HashMap<usize, RobotLedger>> {
        self.ledgers.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The index of the robot with this access token.
    fn find(&self, token: Option<&str>) -> Option<usize> {
        token.filter(|t| !t.is_empty()).and_then(|t| self.robots.iter().position(|r| r.token == t))
    }

    /// Counts an accepted message of `robot` at `now_ms`, or refuses it: while throttled, and
    /// when the last 60 s already hold `per_minute` messages (which starts a throttle). Refused
    /// messages do not count.
    fn admit(&self, robot: usize, now_ms: i64) -> bool {
        let mut ledgers = self.ledgers();
        let ledger = ledgers.entry(robot).or_default();
        if now_ms < ledger.throttled_until_ms {
            return false;
        }
        ledger.window.forget_before(now_ms, MINUTE_MS);
        if ledger.window.count_within(now_ms, MINUTE_MS) >= self.limits.per_minute {
            // Without a throttle the robot is refused until the window has room again.
            ledger.throttled_until_ms = now_ms.saturating_add(self.limits.throttle_ms);
            return false;
        }
        ledger.window.push(now_ms);
        true
    }

    /// Forgets windows and throttles.
    pub(crate) fn reset(&self) {
        self.ledgers().clear();
    }
}

/// The DingTalk routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route(SEND_PATH, post(send::handle))
}

#[cfg(test)]
mod tests {
    use super::config::DingtalkRobot;
    use super::*;

    #[test]
    fn twenty_a_minute_then_a_ten_minute_throttle() {
        let state = DingtalkState::new(&DingtalkConfig::default());
        for i in 0..20 {
            assert!(state.admit(0, i * 1000), "{i}");
        }
        assert!(!state.admit(0, 20_000), "21st within the minute");
        assert!(!state.admit(0, 61_000), "the window has room, but the robot is throttled");
        assert!(!state.admit(0, 619_999));
        assert!(state.admit(0, 620_000), "throttle over");
        state.reset();
        assert!(state.admit(0, 0));
    }

    #[test]
    fn tokens_are_found_exactly() {
        let mut config = DingtalkConfig::default();
        config.robots.push(DingtalkRobot::with_keywords("second", &["k"]));
        let state = DingtalkState::new(&config);
        assert_eq!(state.find(Some("second")), Some(1));
        assert_eq!(state.find(Some("SECOND")), None);
        assert_eq!(state.find(Some("")), None);
        assert_eq!(state.find(None), None);
        assert_eq!(&*state.robots[0].label, "yizh…");
    }
}
