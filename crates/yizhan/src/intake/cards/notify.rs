//! An arriving notification for a group that has (or gets) a card.
//!
//! The group's first notification sends the card with the notification's other messages
//! ([`Noted::First`]: the card's row is inserted just before the message is stored, due in a
//! minute, so a card whose message never got stored is sent again by [`super::update`]).
//! A later notification that changes what the card shows records it and makes the card due
//! at once ([`Noted::Queued`]); the update itself is queued by [`super::update::CardUpdater`].
//! A repeat with nothing changed is not sent again inside the route's `repeat_window`; after
//! it (a reminder, Alertmanager's `repeat_interval`) a new card continues the old one. Without
//! a `repeat_window` an unchanged repeat never sends anything.

use yizhan_store::{AlertCard, Store, StoreError};
use yizhan_wecom::message::Message as WecomMessage;

use super::render::{self, CardView};
use super::{CardData, card_key, sha256_hex, task_id};
use crate::gateway::{Content, MessageRequest};
use crate::intake::Routed;
use crate::intake::deliver::Message;

/// How long a first card's row waits before [`super::update`] checks that its message was
/// stored.
const FIRST_CHECK_MS: i64 = 60_000;
/// Writers that collide on a card retry this often at most.
const SAVE_TRIES: usize = 8;

/// What a notification does to its group's card.
#[derive(Debug)]
pub enum Noted {
    /// The group's first card: the request to store with the notification's other messages,
    /// and the row to insert before (its `message_id` is set to the stored message's id).
    First {
        /// The card message.
        request: Box<MessageRequest>,
        /// The row.
        card: Box<AlertCard>,
    },
    /// The card will be updated (or continued) by the card updater.
    Queued {
        /// The card's message.
        message_id: String,
    },
    /// A repeat inside the repeat window: nothing sent.
    Unchanged {
        /// The card's message.
        message_id: String,
    },
}

/// Why a notification could not be noted.
#[derive(Debug, thiserror::Error)]
pub enum NoteError {
    /// The route's template did not make a template card (a configuration error).
    #[error("{0}")]
    Card(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Notes `message` (the route's template card for `routed`'s group on one channel).
pub async fn note(
    store: &Store,
    routed: &Routed<'_>,
    message: &Message,
    api_key: Option<&str>,
    now_ms: i64,
) -> Result<Noted, NoteError> {
    let Content::Wecom(wecom) = &message.request.content else {
        return Err(NoteError::Card("the route's template did not make a WeCom template card".to_owned()));
    };
    let WecomMessage::TemplateCard { template_card } = wecom else {
        return Err(NoteError::Card("the route's template did not make a WeCom template card".to_owned()));
    };
    let settings = &routed.route.settings;
    let channel = &message.request.channel;
    let key = card_key(&routed.group, channel);
    let base = render::base_of(template_card);
    let state = if routed.firing { "firing" } else { "resolved" };
    let digest = sha256_hex(&format!("{state}\u{1f}{base}"));
    for _ in 0..SAVE_TRIES {
        let Some(mut card) = store.alert_card(&key).await? else {
            return first(routed, message, api_key, key, base, digest, now_ms);
        };
        let mut data = CardData::read(&card.data);
        if data.digest == digest && card.state == state {
            let window_ms = settings.repeat_window_secs.map(|s| i64::from(s) * 1000);
            match window_ms {
                Some(window) if routed.firing && now_ms - data.notified_at_ms >= window => data.remind = true,
                _ => return Ok(Noted::Unchanged { message_id: card.message_id }),
            }
        }
        if !routed.firing && card.state != "resolved" {
            data.resolved_at_ms = Some(now_ms);
        } else if routed.firing {
            data.resolved_at_ms = None;
        }
        data.base = base.clone();
        data.digest.clone_from(&digest);
        data.notified_at_ms = now_ms;
        data.to = message.request.to.clone();
        data.labels.clone_from(&routed.labels);
        data.language = settings.locale.language.as_str().to_owned();
        data.time_zone.clone_from(&settings.locale.zone_name);
        data.alertmanager_url.clone_from(&settings.alertmanager_url);
        state.clone_into(&mut card.state);
        card.data = data.write();
        card.due_at_ms = Some(now_ms);
        if store.save_alert_card(&card, now_ms).await? {
            return Ok(Noted::Queued { message_id: card.message_id });
        }
    }
    Err(NoteError::Store(StoreError::Conflict(format!("the card of group {} kept changing", routed.group))))
}

/// The group's first card.
fn first(
    routed: &Routed<'_>,
    message: &Message,
    api_key: Option<&str>,
    key: String,
    base: serde_json::Value,
    digest: String,
    now_ms: i64,
) -> Result<Noted, NoteError> {
    let settings = &routed.route.settings;
    let resolved_at_ms = (!routed.firing).then_some(now_ms);
    let data = CardData {
        base,
        digest,
        notified_at_ms: now_ms,
        to: message.request.to.clone(),
        labels: routed.labels.clone(),
        language: settings.locale.language.as_str().to_owned(),
        time_zone: settings.locale.zone_name.clone(),
        alertmanager_url: settings.alertmanager_url.clone(),
        resolved_at_ms,
        ..CardData::default()
    };
    let task = task_id(&key, 1);
    // `replace_text` is for updates only: a group resolved at its first notification gets its
    // card with buttons, greyed out by the card updater with the send's code.
    let view = CardView { language: &data.language, time_zone: &data.time_zone, ..CardView::default() };
    let card = render::card(&data.base, &task, &view).map_err(NoteError::Card)?;
    let mut request = message.request.clone();
    request.content = Content::Wecom(WecomMessage::template_card(card));
    request.options.dedupe = false;
    request.options.duplicate_check_interval = None;
    let mut row = AlertCard {
        card_key: key,
        channel: message.request.channel.clone(),
        route: routed.route.name.clone(),
        group_key: routed.group.key.clone(),
        api_key: api_key.map(str::to_owned),
        generation: 1,
        task_id: task,
        message_id: String::new(),
        previous_message_id: None,
        card_sent_at_ms: now_ms,
        send_code_used: false,
        response_code: None,
        response_code_at_ms: None,
        state: if routed.firing { "firing" } else { "resolved" }.to_owned(),
        acknowledged_by: None,
        silence_id: None,
        silence_ends_at_ms: None,
        data: String::new(),
        due_at_ms: Some(if routed.firing { now_ms + FIRST_CHECK_MS } else { now_ms }),
        lease_until_ms: None,
        revision: 0,
        created_at_ms: now_ms,
        updated_at_ms: now_ms,
    };
    let shown = super::update::view_key(&view, &data);
    let mut data = data;
    data.shown = shown;
    row.data = data.write();
    Ok(Noted::First { request: Box::new(request), card: Box::new(row) })
}
