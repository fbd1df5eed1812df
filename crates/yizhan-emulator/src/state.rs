//! The state shared by every request of one emulator instance.

use yizhan_core::Clock;

use crate::config::EmulatorConfig;
use crate::dingtalk::DingtalkState;
use crate::faults::Faults;
use crate::feishu::FeishuState;
use crate::getui::GetuiState;
use crate::inbox::Inbox;
use crate::wecom::WecomState;

/// Everything one emulator instance knows. Each part locks internally and briefly; no lock is
/// ever held across an `.await`. Lock order, where two are held: Getui state, then inbox.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The source of "now" for tokens, windows, schedules and the inbox.
    pub(crate) clock: Clock,
    /// Received messages and call counters.
    pub(crate) inbox: Inbox,
    /// Armed faults and the response delay.
    pub(crate) faults: Faults,
    /// The emulated WeCom corp.
    pub(crate) wecom: WecomState,
    /// The emulated Getui service.
    pub(crate) getui: GetuiState,
    /// The emulated DingTalk custom robots.
    pub(crate) dingtalk: DingtalkState,
    /// The emulated Feishu/Lark custom bots.
    pub(crate) feishu: FeishuState,
}

impl AppState {
    /// Builds the state from an already validated configuration.
    pub(crate) fn new(config: &EmulatorConfig, clock: Clock) -> Self {
        Self {
            clock,
            inbox: Inbox::default(),
            faults: Faults::default(),
            wecom: WecomState::new(&config.wecom),
            getui: GetuiState::new(&config.getui),
            dingtalk: DingtalkState::new(&config.dingtalk),
            feishu: FeishuState::new(&config.feishu),
        }
    }

    /// Sends the scheduled Getui tasks whose time has come (by the clock) into the inbox.
    pub(crate) fn deliver_due(&self) {
        let records = self.getui.deliver_due(self.clock.now_ms());
        if !records.is_empty() {
            self.inbox.record(records);
        }
    }

    /// Expires every WeCom and Getui token issued so far.
    pub(crate) fn expire_tokens(&self) {
        self.wecom.expire_tokens();
        self.getui.expire_tokens();
    }

    /// Forgets everything that happened: inbox, counters, tokens, windows, duplicates, faults,
    /// Getui tasks, request_ids and quotas, the DingTalk and Feishu windows; the Getui registry
    /// returns to its configuration.
    pub(crate) fn reset(&self) {
        self.inbox.reset();
        self.faults.reset();
        self.wecom.reset();
        self.getui.reset();
        self.dingtalk.reset();
        self.feishu.reset();
    }
}
