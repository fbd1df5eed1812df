//! The emulated group robots (WeCom docs: 群机器人配置说明): `POST /cgi-bin/webhook/send?key=` and
//! `POST /cgi-bin/webhook/upload_media?key=&type=`.
//!
//! | module | does |
//! |---|---|
//! | [`send`] | the webhook: key, robot state, JSON, msgtype, [`content`] checks, media, the minute window |
//! | [`content`] | per-msgtype checks of the eight robot msgtypes |
//! | [`upload`] | multipart uploads of `file` and `voice` media, kept per robot |
//! | [`config`] | `robots`, `robot_per_minute`, `robot_window` |
//!
//! Robots are keyed by their webhook key; the inbox labels them with the first four characters
//! of the key and `…`, so the key itself never shows up in the inbox.

pub(crate) mod config;
mod content;
pub(super) mod send;
pub(super) mod upload;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};

use config::{RobotStatus, RobotWindow, WecomRobot};

/// Path of the webhook.
pub(crate) const SEND_PATH: &str = "/cgi-bin/webhook/send";
/// Path of the media upload.
pub(crate) const UPLOAD_PATH: &str = "/cgi-bin/webhook/upload_media";

const MINUTE_MS: i64 = 60_000;
/// A robot's media_id is valid this long (3 days).
const MEDIA_LIFETIME_MS: i64 = 3 * 24 * 3_600_000;
/// At most this many media are remembered (oldest forgotten first; their ids answer 40007).
const MEDIA_CAPACITY: usize = 100_000;

/// One configured robot.
#[derive(Debug)]
struct Robot {
    key: String,
    status: RobotStatus,
    /// First four characters of the key and `…`: the inbox `app`.
    label: Arc<str>,
}

/// An uploaded media file (the bytes are not kept).
#[derive(Debug, Clone)]
pub(crate) struct StoredMedia {
    /// Index of the robot that uploaded it.
    pub(crate) robot: usize,
    /// `file` or `voice`.
    pub(crate) kind: &'static str,
    /// Upload time, epoch ms of the emulator's clock.
    pub(crate) created_ms: i64,
}

/// Mutable robot state: minute windows and uploaded media.
#[derive(Debug, Default)]
pub(crate) struct RobotLedger {
    windows: HashMap<usize, VecDeque<i64>>,
    media: HashMap<String, StoredMedia>,
    media_order: VecDeque<String>,
}

/// The robots, their limits and their memory.
#[derive(Debug)]
pub(crate) struct RobotState {
    robots: Vec<Robot>,
    per_minute: u32,
    window: RobotWindow,
    ledger: Mutex<RobotLedger>,
}

/// Why a webhook key cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum KeyCheck {
    /// An active robot with this index.
    Active(usize),
    /// Unknown or missing key (93000), or a robot that cannot post (93004, 93008).
    Refused(i64),
}

impl RobotState {
    /// Builds the robots from the `[wecom]` configuration.
    pub(crate) fn new(robots: &[WecomRobot], per_minute: u32, window: RobotWindow) -> Self {
        let robots = robots
            .iter()
            .map(|r| Robot { key: r.key.clone(), status: r.status, label: label(&r.key).into() })
            .collect();
        Self { robots, per_minute, window, ledger: Mutex::default() }
    }

    pub(crate) fn ledger(&self) -> MutexGuard<'_, RobotLedger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Looks up a webhook key.
    pub(crate) fn check_key(&self, key: Option<&str>) -> KeyCheck {
        let found = key.filter(|k| !k.is_empty()).and_then(|k| self.robots.iter().position(|r| r.key == k));
        match found {
            None => KeyCheck::Refused(93000),
            Some(i) => self.robots[i].status.errcode().map_or(KeyCheck::Active(i), KeyCheck::Refused),
        }
    }

    /// The inbox label of robot `index`.
    pub(crate) fn label(&self, index: usize) -> Arc<str> {
        self.robots[index].label.clone()
    }

    /// Forgets windows and media.
    pub(crate) fn reset(&self) {
        *self.ledger() = RobotLedger::default();
    }
}

impl RobotLedger {
    /// Counts a message of `robot` at `now_ms`, or refuses it (45009) when the minute is full.
    /// Refused messages do not count.
    pub(crate) fn admit(&mut self, state: &RobotState, robot: usize, now_ms: i64) -> bool {
        let window = self.windows.entry(robot).or_default();
        while window.front().is_some_and(|&t| t <= now_ms - MINUTE_MS) {
            window.pop_front();
        }
        let used = match state.window {
            RobotWindow::Sliding => window.len(),
            RobotWindow::Fixed => {
                let minute = now_ms.div_euclid(MINUTE_MS);
                window.iter().filter(|&&t| t.div_euclid(MINUTE_MS) == minute).count()
            }
        };
        if used >= state.per_minute as usize {
            return false;
        }
        window.push_back(now_ms);
        true
    }

    /// Remembers an upload of `robot` under a new id.
    pub(crate) fn store_media(&mut self, media_id: String, media: StoredMedia) {
        if self.media_order.len() >= MEDIA_CAPACITY
            && let Some(oldest) = self.media_order.pop_front()
        {
            self.media.remove(&oldest);
        }
        self.media_order.push_back(media_id.clone());
        self.media.insert(media_id, media);
    }

    /// True when `media_id` was uploaded by `robot` as `kind` less than 3 days ago.
    pub(crate) fn media_usable(&self, media_id: &str, robot: usize, kind: &str, now_ms: i64) -> bool {
        self.media
            .get(media_id)
            .is_some_and(|m| m.robot == robot && m.kind == kind && now_ms - m.created_ms < MEDIA_LIFETIME_MS)
    }
}

/// `abcd…`: enough to tell robots apart in the inbox without showing the key.
fn label(key: &str) -> String {
    let mut label: String = key.chars().take(4).collect();
    label.push('…');
    label
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(window: RobotWindow) -> RobotState {
        let robots = [WecomRobot::new("key-one"), WecomRobot { key: "key-two".into(), status: RobotStatus::Disabled }];
        RobotState::new(&robots, 2, window)
    }

    #[test]
    fn keys_and_labels() {
        let s = state(RobotWindow::Sliding);
        assert_eq!(s.check_key(Some("key-one")), KeyCheck::Active(0));
        assert_eq!(s.check_key(Some("key-two")), KeyCheck::Refused(93004));
        assert_eq!(s.check_key(Some("nope")), KeyCheck::Refused(93000));
        assert_eq!(s.check_key(None), KeyCheck::Refused(93000));
        assert_eq!(&*s.label(0), "key-…");
        assert_eq!(label("机器人钥匙很长"), "机器人钥…");
    }

    #[test]
    fn sliding_and_fixed_minutes() {
        let s = state(RobotWindow::Sliding);
        let mut l = RobotLedger::default();
        assert!(l.admit(&s, 0, 59_000) && l.admit(&s, 0, 59_500));
        assert!(!l.admit(&s, 0, 60_500), "sliding: both are within 60 s");
        assert!(l.admit(&s, 1, 60_500), "other robot");
        assert!(l.admit(&s, 0, 119_000), "the first left the window");

        let s = state(RobotWindow::Fixed);
        let mut l = RobotLedger::default();
        assert!(l.admit(&s, 0, 59_000) && l.admit(&s, 0, 59_500));
        assert!(!l.admit(&s, 0, 59_900));
        assert!(l.admit(&s, 0, 60_000), "fixed: a new calendar minute");
    }

    #[test]
    fn media_belong_to_one_robot_kind_and_three_days() {
        let mut l = RobotLedger::default();
        l.store_media("m1".into(), StoredMedia { robot: 0, kind: "file", created_ms: 0 });
        assert!(l.media_usable("m1", 0, "file", 1_000));
        assert!(!l.media_usable("m1", 1, "file", 1_000));
        assert!(!l.media_usable("m1", 0, "voice", 1_000));
        assert!(!l.media_usable("m1", 0, "file", MEDIA_LIFETIME_MS));
        assert!(!l.media_usable("m2", 0, "file", 0));
    }
}
