//! [`CardUpdater`]: the cards that are due, brought up to date.
//!
//! For each claimed card, in order:
//!
//! 1. A silence asked for from the card is created in the route's Alertmanager (API v2). A
//!    failure (Alertmanager down, 5xx) is shown on the card and retried with back-off (1 s
//!    doubling to 5 min); a refusal that cannot succeed (4xx, no `alertmanager_url`, a group
//!    without common labels) is shown and not retried.
//! 2. When what the card should show differs from what was last queued, an update is queued:
//!    a `wecom.update_template_card` message with an unused `response_code` — a click's
//!    (the newest) or the card's send's — younger than [`super::CODE_LIFETIME_MS`]. While the
//!    card's own send is still on its way the card waits for its code (checked every second).
//!    With no code left (each code serves one update), a card older than the lifetime, a
//!    card whose message was never stored or ended unsent, or a reminder, a new card is sent
//!    that says it continues the old one.
//! 3. What was done is written back on the card as it is now (another writer may have changed
//!    it meanwhile, which makes it due again).

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use yizhan_core::{Clock, MessageId};
use yizhan_store::{AcceptOutcome, AlertCard, NewEvent, Store, StoreError, kind};

use super::render::{self, CardView};
use super::{CODE_LIFETIME_MS, CardData, queue, sha256_hex, task_id};
use crate::config::{ChannelConfig, Config};
use crate::intake::silences::{AlertmanagerApi, AlertmanagerError, NewSilence, SilenceMatcher};

/// Cards worked on at once.
const BATCH: usize = 16;
/// How long a claimed card stays leased.
const LEASE_MS: i64 = 60_000;
/// How often a card waiting for its send's response_code looks again.
const WAIT_FOR_SEND_MS: i64 = 1_000;
/// The longest wait between attempts to create a silence.
const MAX_SILENCE_BACKOFF_MS: i64 = 300_000;
/// Writers that collide on a card retry this often at most.
const SAVE_TRIES: usize = 8;

/// Claims due alert cards and brings them up to date. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CardUpdater {
    store: Store,
    config: Arc<Config>,
    clock: Clock,
    poll: Duration,
}

/// What a silence attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Silenced {
    /// Created: its id and end (epoch ms).
    Created(String, i64),
    /// Failed; try again later.
    Retry(String),
    /// Failed for good.
    GaveUp(String),
}

/// What was done to a card, written back on it as it is now.
#[derive(Debug, Default)]
struct Done {
    silenced: Option<(Silenced, String)>,
    used_code: Option<String>,
    used_send_code: bool,
    shown: Option<String>,
    update_message: Option<String>,
    new_card: Option<(String, i64)>,
    next_due_ms: Option<i64>,
}

impl CardUpdater {
    /// An updater of the cards in `store` for the routes and channels of `config`.
    pub fn new(store: Store, config: Arc<Config>, clock: Clock) -> CardUpdater {
        CardUpdater { store, config, clock, poll: Duration::from_millis(250) }
    }

    /// Works until `shutdown` resolves, polling every 250 ms when nothing is due.
    pub async fn run(&self, shutdown: impl Future<Output = ()>) {
        crate::worker::poll::poll_until(shutdown, self.poll, BATCH, "claiming alert cards", || self.run_once()).await;
    }

    /// Claims and works on the cards due now; how many.
    pub async fn run_once(&self) -> Result<usize, StoreError> {
        let claimed = self.store.claim_alert_cards(self.clock.now_ms(), LEASE_MS, BATCH).await?;
        let n = claimed.len();
        for card in claimed {
            let key = card.card_key.clone();
            if let Err(e) = self.work(card).await {
                // The lease runs out and the card is claimed again.
                tracing::error!(card = %key, error = %e, "an alert card could not be updated");
            }
        }
        Ok(n)
    }

    async fn work(&self, claimed: AlertCard) -> Result<(), StoreError> {
        let now = self.clock.now_ms();
        let mut card = claimed.clone();
        let mut data = CardData::read(&card.data);
        let mut done = Done::default();
        if let Some(request) = data.silence_request.clone() {
            if request.retry_at_ms > now {
                done.next_due_ms = Some(request.retry_at_ms);
            } else {
                let outcome = self.silence(&card, &data, &request.user, request.secs).await;
                done.silenced = Some((outcome, request.user));
                apply_silence(&mut card, &mut data, &done, now);
            }
        }
        let wanted = shown_key(&card, &data);
        let message = match MessageId::parse(&card.message_id) {
            Some(id) => self.store.message(id).await?,
            None => None,
        };
        if wanted == data.shown && !data.remind && message.is_some() {
            return self.write_back(&claimed, done, now).await;
        }
        let Some(app) = self.config.channel(&card.channel).and_then(ChannelConfig::wecom_app) else {
            tracing::error!(card = %card.card_key, channel = %card.channel, "the channel of an alert card is not configured");
            return self.write_back(&claimed, done, now).await;
        };
        let send = message.as_ref().and_then(|m| m.dispatches.first());
        let send_code = send.and_then(|d| d.handles.response_code.clone());
        let sending = message.as_ref().is_some_and(|m| !m.status.is_final()) && send_code.is_none();
        let click_code = card
            .response_code
            .clone()
            .filter(|_| card.response_code_at_ms.is_some_and(|at| now - at < CODE_LIFETIME_MS));
        let young = now - card.card_sent_at_ms < CODE_LIFETIME_MS;
        let code = match (data.remind || message.is_none(), click_code, send_code) {
            (true, _, _) => None,
            (false, Some(code), _) => Some((code, false)),
            (false, None, Some(code)) if !card.send_code_used && young => Some((code, true)),
            (false, None, None) if !card.send_code_used && young && sending => {
                done.next_due_ms = Some(now + WAIT_FOR_SEND_MS);
                return self.write_back(&claimed, done, now).await;
            }
            _ => None,
        };
        let api_key = card.api_key.as_deref();
        match code {
            Some((code, from_send)) => {
                let rendered = render::card(&data.base, &card.task_id, &view(&card, &data));
                let message = rendered.map_err(StoreError::Invalid).and_then(|c| {
                    queue::update(&card.channel, app.agent_id, &code, c, api_key, now)
                        .map_err(|e| StoreError::Invalid(e.message))
                })?;
                let outcome = self.store.accept(message).await?;
                done.used_code = Some(code);
                done.used_send_code = from_send;
                if let AcceptOutcome::Accepted(id) = outcome {
                    done.shown = Some(wanted);
                    done.update_message = Some(id.to_string());
                } else {
                    // The code served an update before (a redo after a crash): look again.
                    done.next_due_ms = Some(now);
                }
            }
            None => {
                let generation = card.generation + 1;
                let task = task_id(&card.card_key, generation);
                let mut next = card.clone();
                next.generation = generation;
                // `replace_text` is for updates only: a resolved group's new card is sent with
                // its buttons and greyed out by the next update (with its own send's code).
                let sent = CardView { resolved_at_ms: None, ..view(&next, &data) };
                let rendered = render::card(&data.base, &task, &sent).map_err(StoreError::Invalid)?;
                let message = queue::new_card(&self.config, &card.channel, &data.to, rendered, api_key, now)
                    .map_err(|e| StoreError::Invalid(format!("{}: {}", e.field.unwrap_or_default(), e.message)))?;
                let id = self.store.accept(message).await?.id();
                done.shown = Some(view_key(&sent, &data));
                if sent.resolved_at_ms != view(&next, &data).resolved_at_ms {
                    done.next_due_ms = Some(now);
                }
                done.new_card = Some((id.to_string(), generation));
            }
        }
        self.write_back(&claimed, done, now).await
    }

    /// Creates the silence asked for from `card`.
    async fn silence(&self, card: &AlertCard, data: &CardData, user: &str, secs: u64) -> Silenced {
        let Some(url) = data.alertmanager_url.as_deref() else {
            return Silenced::GaveUp(format!("route {} has no alertmanager_url", card.route));
        };
        if data.labels.is_empty() {
            return Silenced::GaveUp("the group's alerts share no label to silence them by".to_owned());
        }
        let api = match AlertmanagerApi::new(url) {
            Ok(api) => api,
            Err(e) => return Silenced::GaveUp(e.to_string()),
        };
        let comment = format!("silenced from WeCom by {user} (yizhan route {})", card.route);
        let silence =
            NewSilence::lasting(SilenceMatcher::for_labels(&data.labels), Duration::from_secs(secs), user, comment);
        match api.create_silence(&silence).await {
            Ok(id) => Silenced::Created(id, silence.ends_at.as_millisecond()),
            Err(e @ AlertmanagerError::Refused { status, .. }) if (400..500).contains(&status) => {
                Silenced::GaveUp(e.to_string())
            }
            Err(e) => Silenced::Retry(e.to_string()),
        }
    }

    /// Writes `done` on the card as it is now, emitting `alert.silenced` for a new silence.
    async fn write_back(&self, claimed: &AlertCard, done: Done, now: i64) -> Result<(), StoreError> {
        let mut current = claimed.clone();
        for _ in 0..SAVE_TRIES {
            let changed = current.revision != claimed.revision;
            let mut data = CardData::read(&current.data);
            apply_silence(&mut current, &mut data, &done, now);
            if let Some(code) = &done.used_code {
                if current.response_code.as_ref() == Some(code) {
                    current.response_code = None;
                    current.response_code_at_ms = None;
                }
                current.send_code_used |= done.used_send_code;
            }
            if let Some((message_id, generation)) = &done.new_card {
                current.previous_message_id = Some(std::mem::take(&mut current.message_id));
                current.message_id.clone_from(message_id);
                current.generation = *generation;
                current.task_id = task_id(&current.card_key, *generation);
                current.card_sent_at_ms = now;
                current.send_code_used = false;
                current.response_code = None;
                current.response_code_at_ms = None;
                data.remind = false;
            }
            if let Some(shown) = &done.shown {
                data.shown.clone_from(shown);
            }
            if done.update_message.is_some() {
                data.last_update.clone_from(&done.update_message);
            }
            current.data = data.write();
            current.lease_until_ms = None;
            let mut due = if changed { Some(now) } else { done.next_due_ms };
            if let Some(request) = &data.silence_request {
                // A silence still to be created brings the card back when it is to be retried.
                due = Some(due.map_or(request.retry_at_ms, |d| d.min(request.retry_at_ms)));
            }
            current.due_at_ms = due;
            if self.store.save_alert_card(&current, now).await? {
                if let Some((Silenced::Created(id, ends), user)) = &done.silenced {
                    self.silenced_event(&current, id, *ends, user, now).await?;
                }
                return Ok(());
            }
            match self.store.alert_card(&claimed.card_key).await? {
                Some(card) => current = card,
                None => return Ok(()),
            }
        }
        Err(StoreError::Conflict(format!("alert card {} kept changing", claimed.card_key)))
    }

    async fn silenced_event(
        &self,
        card: &AlertCard,
        id: &str,
        ends: i64,
        user: &str,
        now: i64,
    ) -> Result<(), StoreError> {
        let ends_at = jiff::Timestamp::from_millisecond(ends).map(|t| t.to_string()).unwrap_or_default();
        let event = NewEvent {
            kind: kind::ALERT_SILENCED,
            message_id: message_id(&card.message_id),
            channel: card.channel.clone(),
            at_ms: now,
            data: serde_json::json!({"route": card.route, "group_key": card.group_key, "user": user,
                "silence_id": id, "ends_at": ends_at}),
        };
        self.store.record_event(event).await
    }
}

/// The silence outcome of `done` written on `card` and `data` (once: a request already settled
/// on the card is left alone).
fn apply_silence(card: &mut AlertCard, data: &mut CardData, done: &Done, now: i64) {
    let Some((outcome, user)) = &done.silenced else { return };
    let Some(request) = data.silence_request.as_mut() else { return };
    if request.user != *user {
        return;
    }
    match outcome {
        Silenced::Created(id, ends) => {
            card.silence_id = Some(id.clone());
            card.silence_ends_at_ms = Some(*ends);
            data.silenced_by = Some(user.clone());
            data.silence_request = None;
            data.silence_error = None;
        }
        Silenced::Retry(error) => {
            if request.retry_at_ms <= now {
                data.silence_attempts = data.silence_attempts.saturating_add(1);
                let backoff = 1_000_i64.saturating_mul(1 << data.silence_attempts.min(9)).min(MAX_SILENCE_BACKOFF_MS);
                request.retry_at_ms = now + backoff;
            }
            data.silence_error = Some(error.clone());
        }
        Silenced::GaveUp(error) => {
            data.silence_request = None;
            data.silence_error = Some(error.clone());
        }
    }
}

/// What `card` shows, as [`render::card`] takes it.
pub fn view<'a>(card: &'a AlertCard, data: &'a CardData) -> CardView<'a> {
    CardView {
        language: &data.language,
        time_zone: &data.time_zone,
        resolved_at_ms: data.resolved_at_ms.filter(|_| card.state == "resolved"),
        acknowledged_by: card.acknowledged_by.as_deref(),
        silence: match (&card.silence_id, card.silence_ends_at_ms) {
            (Some(id), Some(ends)) => Some((id.as_str(), ends, data.silenced_by.as_deref().unwrap_or_default())),
            _ => None,
        },
        silence_error: data.silence_error.as_deref(),
        silence_retrying: data.silence_request.is_some(),
        continues: card.generation > 1,
    }
}

/// The identity of what `card` should show: the notification and the state lines.
pub(crate) fn shown_key(card: &AlertCard, data: &CardData) -> String {
    view_key(&view(card, data), data)
}

/// The identity of a card shown as `view` for `data`'s notification.
pub(crate) fn view_key(v: &CardView<'_>, data: &CardData) -> String {
    sha256_hex(&format!(
        "{}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{:?}\u{1f}{}",
        data.digest, v.resolved_at_ms, v.acknowledged_by, v.silence, v.silence_error, v.silence_retrying
    ))
}

/// The message id a card's column holds, if it is one.
pub fn message_id(text: &str) -> Option<MessageId> {
    MessageId::parse(text)
}
