//! Configuration of the emulated group robots (`[wecom]` → `robots`, `robot_per_minute`,
//! `robot_window`).
//!
//! ```
//! use yizhan_emulator::{EmulatorConfig, RobotStatus, RobotWindow};
//!
//! let config = EmulatorConfig::from_toml(
//!     r#"
//!     [wecom]
//!     robot_window = "fixed"
//!     robots = [{ key = "ops-robot" }, { key = "old-robot", status = "disabled" }]
//!     "#,
//! )
//! .unwrap();
//! assert_eq!(config.wecom.robots[1].status, RobotStatus::Disabled);
//! assert_eq!(config.wecom.robot_window, RobotWindow::Fixed);
//! assert_eq!(config.wecom.robot_per_minute, 20); // untouched default
//! ```

use serde::{Deserialize, Serialize};

/// Webhook key of the demo robot (the emulator's default configuration).
pub const DEFAULT_ROBOT_KEY: &str = "yizhan-demo-robot-key";
/// Messages per robot per minute before 45009 (WeCom docs: 群机器人配置说明).
pub const DEFAULT_ROBOT_PER_MINUTE: u32 = 20;

/// One group robot: the key of its webhook URL and its state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WecomRobot {
    /// The `key=` of the webhook URL. Default: `yizhan-demo-robot-key`.
    pub key: String,
    /// Whether the robot can post. Default: active.
    pub status: RobotStatus,
}

impl Default for WecomRobot {
    fn default() -> Self {
        Self { key: DEFAULT_ROBOT_KEY.to_owned(), status: RobotStatus::Active }
    }
}

impl WecomRobot {
    /// An active robot with webhook `key`.
    pub fn new(key: impl Into<String>) -> Self {
        Self { key: key.into(), status: RobotStatus::Active }
    }
}

/// The state of a robot, and the errcode its webhook answers when it cannot post.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotStatus {
    /// Posts normally.
    #[default]
    Active,
    /// Disabled by an admin: every call answers 93004.
    Disabled,
    /// Removed from its group: every call answers 93008.
    NotInGroup,
}

impl RobotStatus {
    /// The errcode every call answers, `None` when active.
    pub fn errcode(self) -> Option<i64> {
        match self {
            RobotStatus::Active => None,
            RobotStatus::Disabled => Some(93004),
            RobotStatus::NotInGroup => Some(93008),
        }
    }
}

/// How a robot's minute is counted: the reference leaves fixed vs. sliding open (unconfirmed).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RobotWindow {
    /// At most `robot_per_minute` messages in any 60 s (the stricter reading; default).
    #[default]
    Sliding,
    /// At most `robot_per_minute` messages per calendar minute (by the emulator's clock).
    Fixed,
}
