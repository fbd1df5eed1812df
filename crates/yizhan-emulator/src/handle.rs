//! [`EmulatorHandle`]: the in-process remote control of a spawned emulator.

use std::io;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use crate::inbox::{Delivery, Stats};
use crate::state::AppState;
use crate::wecom::click::{self, Click, ClickError, ClickOutcome};
use crate::wecom::ledger::ResponseCodeRecord;
use crate::wecom::media::MediaRecord;

/// A running emulator: its address, what it received, and its fault knobs. Cheap to clone.
///
/// Fault knobs count calls to provider endpoints (gettoken included, the control API never) and
/// are cumulative; [`EmulatorHandle::reset`] disarms them.
#[derive(Debug, Clone)]
pub struct EmulatorHandle {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    base_url: String,
    state: Arc<AppState>,
    stop: Mutex<Option<oneshot::Sender<()>>>,
    task: Mutex<Option<JoinHandle<io::Result<()>>>>,
}

impl EmulatorHandle {
    pub(crate) fn new(
        base_url: String,
        state: Arc<AppState>,
        stop: oneshot::Sender<()>,
        task: JoinHandle<io::Result<()>>,
    ) -> Self {
        let inner = Inner { base_url, state, stop: Mutex::new(Some(stop)), task: Mutex::new(Some(task)) };
        Self { inner: Arc::new(inner) }
    }

    fn state(&self) -> &AppState {
        &self.inner.state
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash: the base URL to give a client.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    /// Everything received so far, one entry per recipient, oldest first (at most
    /// [`INBOX_CAPACITY`](crate::INBOX_CAPACITY) entries). Scheduled Getui pushes whose time has
    /// come (by the emulator's clock) are delivered first.
    pub fn inbox(&self) -> Vec<Delivery> {
        self.state().deliver_due();
        self.state().inbox.deliveries()
    }

    /// Call and delivery counters (after delivering due scheduled Getui pushes).
    pub fn stats(&self) -> Stats {
        self.state().deliver_due();
        self.state().inbox.stats()
    }

    /// Template-card response codes issued so far, oldest first.
    pub fn response_codes(&self) -> Vec<ResponseCodeRecord> {
        self.state().wecom.response_codes()
    }

    /// Temporary media stored by `media/upload` since start or the last reset, oldest first
    /// (expired ones included until the store needs room).
    pub fn media(&self) -> Vec<MediaRecord> {
        self.state().wecom.media()
    }

    /// A member clicks a sent template card: the encrypted `template_card_event` (or
    /// `template_card_menu_event` for an `action_menu` key) with a new response code is POSTed
    /// to the app's `callback_url`, retried until HTTP 200 (at most `callback_attempts` times,
    /// `callback_timeout_ms` each). Same as `POST /__emulator/click`.
    ///
    /// ```no_run
    /// # async fn demo(emulator: yizhan_emulator::EmulatorHandle, msgid: String) {
    /// use yizhan_emulator::Click;
    ///
    /// let outcome = emulator.click(Click::msgid(msgid, "alice", "approve")).await.expect("card found");
    /// assert!(outcome.delivered, "{:?}", outcome.attempts);
    /// # }
    /// ```
    pub async fn click(&self, click: Click) -> Result<ClickOutcome, ClickError> {
        click::click(self.state(), click).await
    }

    /// Clears the inbox, the counters, all tokens (old ones become unknown: WeCom 40014, Getui
    /// 10001), the per-member windows, the duplicate memory, the response codes, the uploaded
    /// media, every fault,
    /// and the Getui tasks, schedules, request_ids and quotas; the Getui registry (aliases, tags)
    /// returns to its configuration.
    pub fn reset(&self) {
        self.state().reset();
    }

    /// The next `n` provider calls (any endpoint, gettoken and Getui `/auth` included) answer
    /// `errcode` with a realistic `errmsg`, e.g. `fail_next(2, -1)` for "system busy" twice. A
    /// Getui call answers `{"code":errcode,"msg":…}` with the HTTP status Getui documents for that
    /// code (e.g. 30019 → 403; 301 → a redirect to this emulator; codes outside the table → HTTP
    /// 500). A DingTalk robot call answers `{"errcode":errcode,"errmsg":…}`, a Feishu bot call
    /// `{"code":errcode,"data":{},"msg":…}`, both with HTTP 200.
    pub fn fail_next(&self, n: u32, errcode: i64) {
        self.state().faults.fail_next(None, n, errcode);
    }

    /// The next `n` calls to `path` (e.g. `"/cgi-bin/message/send"`) answer `errcode`. For Getui,
    /// `path` may be the full path (`"/v2/yizhandemo/push/single/cid"`) or the part after the
    /// appId (`"/push/single/cid"`, any app); both are matched against the raw request path.
    pub fn fail_next_on(&self, path: &str, n: u32, errcode: i64) {
        self.state().faults.fail_next(Some(path), n, errcode);
    }

    /// Expires every token issued so far: WeCom tokens answer 42001 and gettoken issues new
    /// ones; Getui tokens answer 401/10001 and `/auth` issues new ones.
    pub fn expire_tokens(&self) {
        self.state().expire_tokens();
    }

    /// The next `n` Getui calls answer code 301 (HTTP 200) with
    /// `{"host_list":[{"domain_list":domains,"priority_gap":30}],"domain_hash":"<32 hex>"}` and
    /// are not processed. WeCom calls are not affected.
    pub fn redirect_next(&self, n: u32, domains: Vec<String>) {
        self.state().faults.redirect(n, domains);
    }

    /// Delays every provider response (WeCom and Getui) by `delay` after the request was
    /// handled (so a client timeout leaves an accepted message behind). `Duration::ZERO` turns
    /// the delay off.
    pub fn set_delay(&self, delay: Duration) {
        self.state().faults.set_delay(delay);
    }

    /// The next `n` provider calls are read and then answered by closing the connection without
    /// a response; the request is not processed. The client sees a transport error.
    pub fn drop_next_connections(&self, n: u32) {
        self.state().faults.drop_connections(n);
    }

    /// Turns probabilistic and periodic faults on for every following provider call (`None`
    /// turns them off): "system busy", lost answers, resets, token expiry every N calls and
    /// rate-limit bursts, drawn from an RNG seeded with [`RandomFaults::seed`](crate::RandomFaults).
    /// Scripted faults armed by the other methods are consumed first.
    pub fn random_faults(&self, faults: Option<crate::RandomFaults>) {
        self.state().faults.set_random(faults);
    }

    /// The next `n` provider calls answer HTTP 500 with an HTML body (not processed).
    pub fn http_500_next(&self, n: u32) {
        self.state().faults.http_500(n);
    }

    /// Stops the server (graceful: in-flight requests finish) and waits for it. Idempotent.
    pub async fn shutdown(&self) {
        let stop = self.inner.stop.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(stop) = stop {
            let _ = stop.send(());
        }
        let task = self.inner.task.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(task) = task
            && let Ok(Err(e)) = task.await
        {
            tracing::warn!("emulator server stopped with an error: {e}");
        }
    }
}
