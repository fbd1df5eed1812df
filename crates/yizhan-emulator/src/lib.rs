//! An offline, stateful emulator of the WeCom (企业微信) server API, the Getui (个推) push
//! REST API v2 and the DingTalk (钉钉) and Feishu/Lark (飞书) custom group bots, with fault
//! injection.
//!
//! It implements the providers as their public documentation describes them (WeCom's
//! `developer.work.weixin.qq.com`, Getui's REST v2 docs, and for the group bots
//! `docs/dingtalk-feishu.md`) and is deliberately independent of the
//! yizhan client crates, so it can serve as their test oracle. All share one server, one inbox
//! and the same fault knobs.
//!
//! | endpoint | what is emulated |
//! |---|---|
//! | `GET /cgi-bin/gettoken` | emulated: per-app tokens, reuse while valid, expiry |
//! | `POST /cgi-bin/message/send` | emulated: every msgtype, recipients, per-member limits, duplicate check, media ids |
//! | `POST /cgi-bin/message/recall`, `update_template_card`, `get_statistics`, `/cgi-bin/appchat/*` | emulated: windows, single-use codes, chats and their limits |
//! | `POST /cgi-bin/webhook/send`, `/cgi-bin/webhook/upload_media` | group robots: eight msgtypes, 20/min per robot, per-robot media |
//! | `POST /cgi-bin/media/upload`, `/cgi-bin/media/uploadimg` | emulated: multipart, types, sizes, 3-day media per corp |
//! | `/v2/{appId}/auth`, `/push/*`, `/task/*`, `/user/*`, `/report/*` | Getui: auth, pushes, request_id dedupe, quotas, schedules, aliases, tags, reports |
//! | `POST /robot/send?access_token=…` | DingTalk custom robots: five msgtypes, `at`, 加签/keyword/IP security, 20/min then a 10-min throttle |
//! | `POST /open-apis/bot/v2/hook/{hook}` | Feishu/Lark custom bots: five msg_types, signature/keyword/IP security, 5/s and 100/min |
//! | callbacks to the app | card clicks (`POST /__emulator/click`, [`EmulatorHandle::click`]) delivered encrypted to a configured `callback_url`, retried like WeCom |
//! | `/__emulator/*` | control API (see [`control`](crate#control-api)) |
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use yizhan_emulator::{Emulator, EmulatorConfig};
//!
//! let emulator = Emulator::spawn(EmulatorConfig::default()).await?;
//! let base_url = emulator.base_url(); // point the client here
//! // ... send something ...
//! assert!(emulator.inbox().iter().all(|d| d.provider == "wecom"));
//! emulator.fail_next(1, -1); // the next provider call answers "system busy"
//! emulator.shutdown().await;
//! # Ok(())
//! # }
//! ```
//!
//! # Defaults
//!
//! [`EmulatorConfig::default()`] is the demo set that `yizhan emulator` prints at start: WeCom
//! app `wwyizhandemo` / `1000002` / `yizhan-demo-secret` and robot `yizhan-demo-robot-key`; Getui
//! app `yizhandemo` / `yizhan-demo-appkey` / `yizhan-demo-master`; DingTalk robot
//! [`DEFAULT_DINGTALK_ACCESS_TOKEN`] with 加签 secret [`DEFAULT_DINGTALK_SECRET`]; Feishu bot
//! [`DEFAULT_FEISHU_HOOK`] with signing secret [`DEFAULT_FEISHU_SECRET`].
//!
//! # Control API
//!
//! `GET /__emulator/inbox`, `GET /__emulator/stats`, `GET /__emulator/response_codes`,
//! `GET /__emulator/media`, `POST /__emulator/reset`, `POST /__emulator/faults` and `POST /__emulator/click`; the crate README has the details and
//! the table of error codes chosen where the reference is unconfirmed.

mod config;
mod control;
mod cut_proxy;
mod dingtalk;
mod faults;
mod feishu;
mod getui;
mod group_bot;
mod handle;
mod inbox;
mod provider;
mod query;
mod server;
mod state;
mod wecom;

pub use config::{
    ConfigError, DEFAULT_AGENT_ID, DEFAULT_CALLBACK_TOKEN, DEFAULT_CORP_ID, DEFAULT_ENCODING_AES_KEY, DEFAULT_SECRET,
    DuplicateAnswer, EmulatorConfig, WecomApp, WecomConfig,
};
pub use cut_proxy::CutProxy;
pub use dingtalk::config::{
    DEFAULT_DINGTALK_ACCESS_TOKEN, DEFAULT_DINGTALK_SECRET, DingtalkConfig, DingtalkKeywordMatch, DingtalkRobot,
    DingtalkRobotStatus,
};
pub use faults::RandomFaults;
pub use feishu::config::{DEFAULT_FEISHU_HOOK, DEFAULT_FEISHU_SECRET, FeishuBot, FeishuConfig};
pub use getui::config::{
    CidConfig, CidStatus, DEFAULT_GETUI_APP_ID, DEFAULT_GETUI_APP_KEY, DEFAULT_GETUI_MASTER_SECRET, DedupeAnswer,
    GetuiApp, GetuiConfig, MAX_CIDS_PER_ALIAS, PhoneType,
};
pub use handle::EmulatorHandle;
pub use inbox::{Delivery, INBOX_CAPACITY, Stats};
pub use server::{Emulator, run};
pub use wecom::click::{Click, ClickError, ClickOutcome, Selection};
pub use wecom::delivery::CallbackAttempt;
pub use wecom::ledger::ResponseCodeRecord;
pub use wecom::media::{MEDIA_LIFETIME, MediaRecord};
pub use wecom::robot::config::{DEFAULT_ROBOT_KEY, DEFAULT_ROBOT_PER_MINUTE, RobotStatus, RobotWindow, WecomRobot};
