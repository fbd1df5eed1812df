//! A click on an alert card (a decrypted `template_card_event`): the click's `response_code`
//! is kept for the next update of the card, and what the button asks for is recorded on the
//! card, which becomes due at once. The callback is answered as soon as this is stored; the
//! card update and the silence are done by [`super::update::CardUpdater`], never inline
//! (WeCom waits 5 seconds for the answer).
//!
//! Acknowledge records the first user who clicked it and emits `alert.acknowledged`. Silence
//! 1h / 24h asks for a silence unless one is being created or is still active.

use yizhan_store::{NewEvent, Store, StoreError, kind};

use super::{ACK_KEY, CardData, SILENCE_1H_KEY, SILENCE_24H_KEY, SilenceRequest, parse_task_id};

/// Writers that collide on a card retry this often at most.
const SAVE_TRIES: usize = 8;

/// One click as the callback carries it.
#[derive(Debug, Clone, Copy)]
pub struct Click<'a> {
    /// The channel whose callback URL received it.
    pub channel: &'a str,
    /// `FromUserName`: the clicking member.
    pub user: &'a str,
    /// `EventKey`: the button's key.
    pub key: &'a str,
    /// `TaskId`.
    pub task_id: &'a str,
    /// `ResponseCode`: one update of the card, 72 hours.
    pub response_code: &'a str,
}

/// What a click did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clicked {
    /// Not a card of an alert group (another card of the application).
    NotAnAlertCard,
    /// Recorded; the card is due.
    Recorded,
}

/// Records `click` on its card.
pub async fn record(store: &Store, click: Click<'_>, now_ms: i64) -> Result<Clicked, StoreError> {
    let Some((key, generation)) = parse_task_id(click.task_id) else { return Ok(Clicked::NotAnAlertCard) };
    for _ in 0..SAVE_TRIES {
        let Some(mut card) = store.alert_card(key).await? else { return Ok(Clicked::NotAnAlertCard) };
        if card.channel != click.channel {
            return Ok(Clicked::NotAnAlertCard);
        }
        let mut data = CardData::read(&card.data);
        // A code of an earlier card updates only that card, which the gateway no longer shows.
        if generation == card.generation && !click.response_code.is_empty() {
            card.response_code = Some(click.response_code.to_owned());
            card.response_code_at_ms = Some(now_ms);
        }
        let mut acknowledged = false;
        match click.key {
            ACK_KEY if card.acknowledged_by.is_none() => {
                card.acknowledged_by = Some(click.user.to_owned());
                acknowledged = true;
            }
            SILENCE_1H_KEY | SILENCE_24H_KEY => {
                let secs = if click.key == SILENCE_1H_KEY { 3600 } else { 24 * 3600 };
                let active = card.silence_ends_at_ms.is_some_and(|ends| ends > now_ms);
                if data.silence_request.is_none() && !active {
                    data.silence_request =
                        Some(SilenceRequest { user: click.user.to_owned(), secs, at_ms: now_ms, retry_at_ms: now_ms });
                    data.silence_error = None;
                    data.silence_attempts = 0;
                    card.silence_id = None;
                    card.silence_ends_at_ms = None;
                }
            }
            _ => {}
        }
        card.data = data.write();
        card.due_at_ms = Some(now_ms);
        if !store.save_alert_card(&card, now_ms).await? {
            continue;
        }
        if acknowledged {
            let event = NewEvent {
                kind: kind::ALERT_ACKNOWLEDGED,
                message_id: crate::intake::cards::update::message_id(&card.message_id),
                channel: card.channel.clone(),
                at_ms: now_ms,
                data: serde_json::json!({"route": card.route, "group_key": card.group_key, "user": click.user}),
            };
            store.record_event(event).await?;
        }
        return Ok(Clicked::Recorded);
    }
    Err(StoreError::Conflict(format!("the card of task {} kept changing", click.task_id)))
}
