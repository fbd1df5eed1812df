//! The state shared by every request of one emulator instance.

use yizhan_core::Clock;

use crate::config::EmulatorConfig;
use crate::faults::Faults;
use crate::inbox::Inbox;
use crate::wecom::WecomState;

/// Everything one emulator instance knows. Each part locks internally and briefly; no lock is
/// ever held across an `.await`.
#[derive(Debug)]
pub(crate) struct AppState {
    /// The source of "now" for tokens, windows and the inbox.
    pub(crate) clock: Clock,
    /// Received messages and call counters.
    pub(crate) inbox: Inbox,
    /// Armed faults and the response delay.
    pub(crate) faults: Faults,
    /// The emulated WeCom corp.
    pub(crate) wecom: WecomState,
}

impl AppState {
    /// Builds the state from an already validated configuration.
    pub(crate) fn new(config: &EmulatorConfig, clock: Clock) -> Self {
        Self { clock, inbox: Inbox::default(), faults: Faults::default(), wecom: WecomState::new(&config.wecom) }
    }

    /// Forgets everything that happened: inbox, counters, tokens, windows, duplicates, faults.
    pub(crate) fn reset(&self) {
        self.inbox.reset();
        self.faults.reset();
        self.wecom.reset();
    }
}
