//! The emulated Feishu/Lark (飞书) custom bots: `POST /open-apis/bot/v2/hook/{hook}`
//! (`docs/dingtalk-feishu.md`). Lark uses the same paths on another host.
//!
//! | module | does |
//! |---|---|
//! | [`hook`] | the webhook: hook id, security settings, body, limits, inbox |
//! | [`content`] | per-`msg_type` checks and mentions |
//! | [`reply`] | codes, their texts and the response shapes |
//! | [`config`] | `[feishu]`: bots, security settings, limits |
//!
//! Bots are keyed by their hook id; the inbox labels them with its first four characters and
//! `…`, so neither the hook id nor the secret ever shows up in the inbox.

pub(crate) mod config;
mod content;
mod hook;
mod reply;

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::routing::post;

use crate::group_bot::{Ipv4Net, SlidingWindow, label};
use crate::state::AppState;
use config::FeishuConfig;

/// The webhook path without the hook id (what `fail_next_on` may name for every bot).
pub(crate) const HOOK_PREFIX: &str = "/open-apis/bot/v2/hook";

const SECOND_MS: i64 = 1_000;
const MINUTE_MS: i64 = 60_000;

/// One configured bot.
#[derive(Debug)]
struct Bot {
    hook: String,
    secret: Option<String>,
    keywords: Vec<String>,
    allowlist: Vec<Ipv4Net>,
    /// First four characters of the hook id and `…`: the inbox `app`.
    label: Arc<str>,
}

/// The bots, their limits and their windows.
#[derive(Debug)]
pub(crate) struct FeishuState {
    bots: Vec<Bot>,
    config: FeishuConfig,
    windows: Mutex<HashMap<usize, SlidingWindow>>,
}

impl FeishuState {
    /// Builds the bots from the (validated) configuration.
    pub(crate) fn new(config: &FeishuConfig) -> Self {
        let bots = config
            .bots
            .iter()
            .map(|b| Bot {
                hook: b.hook.clone(),
                secret: b.secret.clone(),
                keywords: b.keywords.clone(),
                allowlist: b.ip_allowlist.iter().filter_map(|e| Ipv4Net::parse(e)).collect(),
                label: label(&b.hook).into(),
            })
            .collect();
        Self { bots, config: config.clone(), windows: Mutex::default() }
    }

    fn windows(&self) -> MutexGuard<'_, HashMap<usize, SlidingWindow>> {
        self.windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The index of the bot with this hook id.
    fn find(&self, hook: &str) -> Option<usize> {
        self.bots.iter().position(|b| b.hook == hook)
    }

    /// Counts an accepted message of `bot` at `now_ms`, or refuses it when the last second or
    /// the last 60 s are full. Refused messages do not count.
    fn admit(&self, bot: usize, now_ms: i64) -> bool {
        let mut windows = self.windows();
        let window = windows.entry(bot).or_default();
        window.forget_before(now_ms, MINUTE_MS);
        if window.count_within(now_ms, SECOND_MS) >= self.config.per_second as usize
            || window.count_within(now_ms, MINUTE_MS) >= self.config.per_minute as usize
        {
            return false;
        }
        window.push(now_ms);
        true
    }

    /// Forgets the windows.
    pub(crate) fn reset(&self) {
        self.windows().clear();
    }
}

/// The Feishu routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new().route(&format!("{HOOK_PREFIX}/{{hook}}"), post(hook::handle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_a_second_and_a_hundred_a_minute() {
        let state = FeishuState::new(&FeishuConfig::default());
        for i in 0..5 {
            assert!(state.admit(0, i), "{i}");
        }
        assert!(!state.admit(0, 999), "sixth within one second");
        assert!(state.admit(1, 999), "another bot has its own window");
        let mut now = 1_000;
        let mut accepted = 5;
        while accepted < 100 {
            accepted += usize::from(state.admit(0, now));
            now += 200;
        }
        assert!(now < 60_000, "100 accepted within the first minute ({now})");
        assert!(!state.admit(0, now), "the 101st in 60 s is refused although the second has room");
        assert!(state.admit(0, 60_000), "the first five left the minute");
    }
}
