//! The durable outbox of yizhan.
//!
//! Everything the gateway must not lose lives here: accepted messages, their dispatches (one
//! provider call each, with the exact request body persisted before it is ever sent), every
//! attempt, per-recipient outcomes, provider handles and idempotency keys.
//!
//! Callers see one type, [`Store`], over a backend chosen by URL scheme (the backend types are
//! private to this crate): SQLite (WAL, `synchronous = FULL`, group-committed accepts) for one instance, and
//! PostgreSQL (`FOR UPDATE SKIP LOCKED` claims under a lease, `LISTEN/NOTIFY`
//! wake-ups) for several instances sharing one database. Both have the same methods and pass
//! the same test suite, so the worker and the HTTP API do not care which one runs.
//!
//! | method | does |
//! |---|---|
//! | [`Store::accept`], [`Store::accept_batch`] | store messages durably (group commit), idempotently |
//! | [`Store::claim_due`], [`Store::claim_due_except`] | lease due dispatches to a worker; expire what is past `expires_at` |
//! | [`Store::hand_off`] | the hot path: accepts lease due work to this worker and queue it in memory ([`Handoff`]) |
//! | [`Store::renew_leases`] | extend the leases of sends still running |
//! | [`Store::coalesce`] | merge identical due dispatches into one claimed provider call |
//! | [`Store::complete`], [`Store::complete_unless_duplicate`], [`Store::release`] | record an attempt's result (unless its msgid is another message's), or hand the work back |
//! | [`Store::replace_body`], [`Store::msgid_owner`] | repeats of a provider-deduplicated body ([`DuplicateGuard`]) |
//! | [`Store::message`], [`Store::list`] | read one message with its history; page through messages |
//! | [`Store::activity`] | a channel's counts per status, recent messages per time slot, oldest waiting |
//! | [`Store::idempotency_hash`] | the body hash stored under an idempotency key prefix (keyed batches) |
//! | [`Store::cancel`], [`Store::retry`], [`Store::mark_recalled`] | operator actions |
//! | [`Store::counts`], [`Store::dispatch_counts`] | messages and dispatches per status, for `/metrics` |
//! | [`Store::split_dispatch`], [`Store::sent_since`] | the quota ledger: defer part of a dispatch; recent sends |
//! | [`Store::enqueue_forward`], [`Store::claim_forwards`], [`Store::complete_forward`], [`Store::forward`] | durable callback forwards (`callback_forwards` table) |
//! | [`Store::publish_events`], [`Store::events_after`], [`Store::record_event`] | the event log (`events` table, docs/events.md) |
//! | [`Store::create_webhook`], [`Store::sync_webhooks`], [`Store::webhooks`], [`Store::delete_webhook`], [`Store::queue_webhook_events`] | webhook subscriptions and their cursors (`webhooks` table) |
//! | [`Store::claim_webhook_deliveries`], [`Store::complete_webhook_deliveries`], [`Store::webhook_deliveries`], [`Store::replay_webhook_delivery`] | the webhook delivery queue, ordered per message (`webhook_deliveries`, `webhook_attempts`) |
//! | [`Store::alert_card`], [`Store::insert_alert_card`], [`Store::save_alert_card`], [`Store::claim_alert_cards`] | one WeCom card per alert group (`alert_cards`), written by compare-and-set |
//! | [`Store::purge`] | retention: delete finished messages (and forwards) older than a cutoff, one small batch |
//! | [`Store::due_signal`] | wakes a worker when any instance made work due (PostgreSQL) |
//! | [`Store::migrate`] | applies the embedded migrations explicitly |
//!
//! Schema (`migrations/sqlite/`, twinned in `migrations/postgres/`): `messages` (status, idempotency key unique per API key,
//! schedule, expiry, the accepted request as JSON), `dispatches` (exact body, endpoint, dedupe
//! id, recipients, status, counted attempts, next attempt, lease owner/token/deadline, provider
//! handles, `after_seq` ordering), `attempts` (one row per `complete`, counted or not, with the
//! error) and `recipient_outcomes`; coalescing adds `dispatches.coalesce_key`, `merged_body`,
//! `merged_recipients` and `dispatch_members` (member → leader). A message's status is derived
//! from its dispatches in the same transaction that changes them.
//!
//! ```no_run
//! # async fn demo() -> Result<(), yizhan_store::StoreError> {
//! use yizhan_store::{Store, ListFilter};
//! let store = Store::open("sqlite://yizhan.db").await?;
//! let page = store.list(&ListFilter::default()).await?;
//! println!("{} messages on the first page", page.items.len());
//! # Ok(()) }
//! ```

mod card;
mod due;
mod error;
mod event;
mod forward;
mod handoff;
mod model;
mod postgres;
mod purge;
mod record;
mod rows;
mod sql;
mod sqlite;
mod status;
mod webhook;

use std::collections::BTreeMap;

use yizhan_core::MessageId;

pub use card::AlertCard;
pub use due::DueSignal;
pub use error::StoreError;
pub use event::{EventFilter, EventRecord, NewEvent, kind};
pub use forward::{ClaimedForward, ForwardRecord, ForwardResult, NewForward};
use handoff::HandoffSlot;
pub use handoff::{Handed, Handoff};
pub use model::{
    AcceptOutcome, AttemptError, CancelOutcome, ClaimToken, ClaimedDispatch, Coalesced, DispatchPart, DispatchResult,
    DuplicateGuard, Handles, Idempotency, MergedCall, NewDispatch, NewMessage, RecipientOutcome, SentDispatch,
};
pub use postgres::DUE_CHANNEL;
use postgres::PgStore;
pub use purge::Purged;
pub use record::{
    Activity, AttemptRecord, DEFAULT_PAGE, DispatchRecord, ListFilter, MAX_PAGE, MessageRecord, MessageSummary, Page,
};
use sqlite::SqliteStore;
pub use status::{DispatchStatus, MessageStatus, REACHED_OUTCOMES, SUCCESS_OUTCOMES, SUPPRESSED_DUPLICATE};
pub use webhook::{
    ClaimedDelivery, CompletedDelivery, DeliveryCounts, DeliveryNext, DeliveryRecord, QueuedEvent, WebhookAttempt,
    WebhookRecord, WebhookSource,
};

/// How [`Store::open_with_options`] opens a store.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenOptions {
    /// Apply the embedded migrations (PostgreSQL; SQLite always applies them).
    pub migrate: bool,
    /// SQLite: cap the database file at this many KiB (`max_page_count`); past it writes fail as
    /// on a full disk. For tests and for keeping a disk from filling up. `None`: no cap.
    pub sqlite_max_size_kb: Option<u64>,
}

/// The outbox, whatever the backend. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Store {
    backend: Backend,
    /// The worker this store's accepts lease work to in memory ([`Store::hand_off`]).
    handoff: HandoffSlot,
}

/// The backend of a [`Store`].
#[derive(Debug, Clone)]
enum Backend {
    /// SQLite: one process, one file (or memory).
    Sqlite(SqliteStore),
    /// PostgreSQL: several instances on one database.
    Postgres(PgStore),
}

/// Forwards a call to the backend of `self`.
macro_rules! backend {
    ($self:ident . $method:ident ( $($arg:expr),* )) => {
        match &$self.backend {
            Backend::Sqlite(s) => s.$method($($arg),*).await,
            Backend::Postgres(s) => s.$method($($arg),*).await,
        }
    };
}

impl Store {
    /// Opens the store named by `url` and applies its migrations.
    ///
    /// `sqlite://path.db` (created if missing), `sqlite::memory:`, or
    /// `postgres://user@host:port/db` (the database must exist).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, true).await
    }

    /// Opens the store named by `url`; applies the migrations only if `migrate` is true.
    ///
    /// SQLite always applies them (one process owns the file); `migrate = false` matters for
    /// PostgreSQL, where an operator may run `yizhan migrate` once before starting instances.
    pub async fn open_with(url: &str, migrate: bool) -> Result<Store, StoreError> {
        Store::open_with_options(url, &OpenOptions { migrate, sqlite_max_size_kb: None }).await
    }

    /// Opens the store named by `url` with [`OpenOptions`].
    pub async fn open_with_options(url: &str, options: &OpenOptions) -> Result<Store, StoreError> {
        let handoff = HandoffSlot::default();
        if url.starts_with("sqlite:") {
            let backend =
                Backend::Sqlite(SqliteStore::open_capped(url, options.sqlite_max_size_kb, handoff.clone()).await?);
            Ok(Store { backend, handoff })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Store {
                backend: Backend::Postgres(PgStore::open(url, options.migrate, handoff.clone()).await?),
                handoff,
            })
        } else {
            Err(StoreError::Invalid(format!(
                "unsupported store URL scheme in {:?}; expected sqlite:// or postgres://",
                url.split(':').next().unwrap_or_default()
            )))
        }
    }

    /// Applies the embedded migrations of the backend (already done by [`Store::open`]).
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(()),
            Backend::Postgres(s) => s.migrate().await,
        }
    }

    /// The backend's name: `sqlite` or `postgres`.
    pub fn backend(&self) -> &'static str {
        match &self.backend {
            Backend::Sqlite(_) => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// A signal that fires when work became due on any instance sharing this store (PostgreSQL
    /// `LISTEN`); on SQLite one that never fires. Keep polling as well: see [`DueSignal`].
    pub async fn due_signal(&self) -> Result<DueSignal, StoreError> {
        match &self.backend {
            Backend::Sqlite(_) => Ok(DueSignal::never()),
            Backend::Postgres(s) => Ok(DueSignal::postgres(s.listen().await?)),
        }
    }

    /// Registers `handoff`, so that from now on this store's accepts lease the work that is due
    /// at once to its worker in the transaction that stores it and queue it there after COMMIT
    /// (the hot path, see [`Handoff`]). `false` (nothing changes) while another worker's
    /// handoff is registered and open; [`Handoff::close`] ends a registration.
    pub fn hand_off(&self, handoff: &Handoff) -> bool {
        self.handoff.register(handoff)
    }

    /// Whether a worker takes this store's new work in memory ([`Store::hand_off`]): it is then
    /// told by the store itself about accepted work left for its claims, and an accepting
    /// caller need not wake it.
    pub fn hands_off(&self) -> bool {
        self.handoff.current().is_some()
    }

    /// Closes the store's connections.
    pub async fn close(&self) {
        backend!(self.close())
    }

    /// Stores one message; answers only after it is committed (group commit with others).
    pub async fn accept(&self, msg: NewMessage) -> Result<AcceptOutcome, StoreError> {
        let mut out = self.accept_batch(vec![msg]).await?;
        out.pop().ok_or(StoreError::Closed)
    }

    /// Stores several messages in one transaction: all are committed, or none.
    pub async fn accept_batch(&self, msgs: Vec<NewMessage>) -> Result<Vec<AcceptOutcome>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => sql::group::accept(&s.writer, msgs).await,
            Backend::Postgres(s) => sql::group::accept(&s.writer, msgs).await,
        }
    }

    /// One message with its dispatches, attempts, outcomes and handles.
    pub async fn message(&self, id: MessageId) -> Result<Option<MessageRecord>, StoreError> {
        backend!(self.message(id))
    }

    /// The body hash stored with any message of `api_key` whose idempotency key starts with
    /// `key_prefix`, if there is one (how a keyed batch detects reuse with another body).
    pub async fn idempotency_hash(
        &self,
        api_key: Option<&str>,
        key_prefix: &str,
    ) -> Result<Option<String>, StoreError> {
        backend!(self.idempotency_hash(api_key, key_prefix))
    }

    /// A page of messages, newest first; see [`ListFilter`].
    pub async fn list(&self, filter: &ListFilter) -> Result<Page, StoreError> {
        backend!(self.list(filter))
    }

    /// What `channel`'s messages did: counts per status, messages created since `since_ms` per
    /// `bucket_ms` and status, and the oldest still waiting (the console's overview).
    pub async fn activity(&self, channel: &str, since_ms: i64, bucket_ms: i64) -> Result<Activity, StoreError> {
        backend!(self.activity(channel, since_ms, bucket_ms))
    }

    /// Leases up to `limit` due dispatches to `worker` for `lease_ms`.
    ///
    /// Due means waiting (`pending`, `retrying`, `deferred`) with `next_attempt_at <= now`, or
    /// `in_flight` with an expired lease (a crashed or stuck worker). Waiting dispatches of a
    /// message whose `expires_at` has passed are marked `expired` instead of being claimed. An
    /// ordered dispatch (`after_seq`) is due only once its predecessor is `delivered`; one whose
    /// predecessor ended dead / cancelled / expired ends the same way here, unsent. Concurrent
    /// claimers (of any instance) never get the same dispatch.
    pub async fn claim_due(
        &self,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<ClaimedDispatch>, StoreError> {
        backend!(self.claim_due(worker, now_ms, lease_ms, limit, &[]))
    }

    /// [`Store::claim_due`] that never takes over (nor expires) the dispatches in `sending`:
    /// the caller's own sends still in flight, whatever their leases say.
    pub async fn claim_due_except(
        &self,
        worker: &str,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
        sending: &[i64],
    ) -> Result<Vec<ClaimedDispatch>, StoreError> {
        backend!(self.claim_due(worker, now_ms, lease_ms, limit, sending))
    }

    /// Extends the leases of `claims` that still hold their dispatches to at least
    /// `now_ms + lease_ms`, while their sends run; returns the claims that were lost (completed,
    /// released or taken over since). A worker renews its claims every third of the lease.
    pub async fn renew_leases(
        &self,
        claims: &[ClaimToken],
        now_ms: i64,
        lease_ms: i64,
    ) -> Result<Vec<ClaimToken>, StoreError> {
        backend!(self.renew_leases(claims, now_ms, lease_ms))
    }

    /// Records an attempt's result; `Conflict` if the lease was lost.
    pub async fn complete(&self, claim: &ClaimToken, result: DispatchResult, now_ms: i64) -> Result<(), StoreError> {
        self.complete_checked(claim, result, now_ms, false).await?;
        Ok(())
    }

    /// [`Store::complete`] of a delivery whose msgid handle no other message may hold: when a
    /// dispatch of another message holds it already (a provider that answers a suppressed
    /// duplicate with the first request's msgid), nothing is recorded, the lease stays, and that
    /// message is returned. Checked inside the completion's own group transaction, so it costs
    /// no statement of its own on SQLite. A result that is no delivery with a msgid is recorded
    /// as by [`Store::complete`].
    pub async fn complete_unless_duplicate(
        &self,
        claim: &ClaimToken,
        result: DispatchResult,
        now_ms: i64,
    ) -> Result<Option<MessageId>, StoreError> {
        self.complete_checked(claim, result, now_ms, true).await
    }

    /// Queues a completion on the backend's completion writer (see `sql::group::complete`).
    async fn complete_checked(
        &self,
        claim: &ClaimToken,
        result: DispatchResult,
        now_ms: i64,
        unique_msgid: bool,
    ) -> Result<Option<MessageId>, StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => sql::group::complete(&s.writer, claim, result, now_ms, unique_msgid).await,
            Backend::Postgres(s) => sql::group::complete(&s.completer, claim, result, now_ms, unique_msgid).await,
        }
    }

    /// Which of `keys` have dispatches waiting to be sent that a merge could take (pending,
    /// retrying or deferred, due by `now_ms`, never attempted, not merged): one read for a whole
    /// claimed batch, so a claim with nobody to merge with skips [`Store::coalesce`].
    pub async fn waiting_keys(
        &self,
        keys: &[String],
        now_ms: i64,
    ) -> Result<std::collections::HashSet<String>, StoreError> {
        if keys.is_empty() {
            return Ok(std::collections::HashSet::new());
        }
        backend!(self.waiting_keys(keys, now_ms))
    }

    /// Merges due dispatches with the same `key` into the claimed `leader`: first the claims in
    /// `also` (held by the same worker), then waiting unclaimed ones, whose recipients are
    /// disjoint from those already in the call, while it has at most `max_recipients`. `build` makes the
    /// merged call ([`MergedCall`]: its body and whether a resend is safe) from the merged
    /// recipients; the body is persisted on the leader before this returns, so every
    /// attempt sends it unchanged. Members stop being claimable and mirror the leader's
    /// status; [`Store::complete`] of the leader completes them too, each with its own
    /// recipients' outcomes. `None` (nothing written) when nothing could be merged.
    pub async fn coalesce<F>(
        &self,
        leader: &ClaimToken,
        also: &[ClaimToken],
        key: &str,
        max_recipients: usize,
        now_ms: i64,
        build: F,
    ) -> Result<Option<Coalesced>, StoreError>
    where
        F: FnOnce(&[String]) -> Option<MergedCall> + Send,
    {
        backend!(self.coalesce(leader, also, key, max_recipients, now_ms, build))
    }

    /// Replaces the body of a claimed dispatch before it is sent (a repeat made distinct, or a
    /// resend without the provider's duplicate check) and takes it out of the duplicate guard;
    /// `Conflict` if the lease was lost.
    pub async fn replace_body(&self, claim: &ClaimToken, body: &[u8], now_ms: i64) -> Result<(), StoreError> {
        backend!(self.replace_body(claim, body, now_ms))
    }

    /// The message of a dispatch other than `except` whose provider handle is `msgid`: a
    /// provider that answers a suppressed duplicate with the first request's msgid is caught
    /// this way.
    pub async fn msgid_owner(&self, msgid: &str, except: i64) -> Result<Option<MessageId>, StoreError> {
        backend!(self.msgid_owner(msgid, except))
    }

    /// Hands a claimed dispatch back, due at once, attempt not counted.
    pub async fn release(&self, claim: &ClaimToken) -> Result<(), StoreError> {
        backend!(self.release(claim))
    }

    /// Cancels a message if nothing was sent yet.
    pub async fn cancel(&self, id: MessageId, now_ms: i64) -> Result<CancelOutcome, StoreError> {
        backend!(self.cancel(id, now_ms))
    }

    /// Replays a dead message with the same bodies; `false` if there was nothing to replay.
    pub async fn retry(&self, id: MessageId, now_ms: i64) -> Result<bool, StoreError> {
        backend!(self.retry(id, now_ms))
    }

    /// Marks a delivered message as recalled.
    pub async fn mark_recalled(&self, id: MessageId, now_ms: i64) -> Result<(), StoreError> {
        backend!(self.mark_recalled(id, now_ms))
    }

    /// Whether the store answers and holds the outbox schema (for readiness checks: cheap
    /// whatever the size of the outbox, unlike [`Store::counts`]).
    pub async fn ping(&self) -> Result<(), StoreError> {
        backend!(self.ping())
    }

    /// Whether a write can be committed now (SQLite: a 64 KiB scratch row written and deleted,
    /// which fails on a full disk or at the size cap). PostgreSQL: nothing to check here (its
    /// server reports a full disk on every write).
    pub async fn probe_write(&self) -> Result<(), StoreError> {
        match &self.backend {
            Backend::Sqlite(s) => s.probe_write().await,
            Backend::Postgres(_) => Ok(()),
        }
    }

    /// Messages per status.
    pub async fn counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        backend!(self.counts())
    }

    /// Dispatches per status.
    pub async fn dispatch_counts(&self) -> Result<BTreeMap<String, i64>, StoreError> {
        backend!(self.dispatch_counts())
    }

    /// Splits a claimed dispatch: it keeps `keep` and goes on under the same claim, and a new
    /// dispatch with `defer` waits (`deferred`) until `defer_until_ms`. Both bodies are durable
    /// when this returns; `Conflict` if the lease was lost. Returns the new dispatch's id.
    pub async fn split_dispatch(
        &self,
        claim: &ClaimToken,
        keep: DispatchPart,
        defer: DispatchPart,
        defer_until_ms: i64,
        reason: &str,
        now_ms: i64,
    ) -> Result<i64, StoreError> {
        backend!(self.split_dispatch(claim, keep, defer, defer_until_ms, reason, now_ms))
    }

    /// Provider calls made (or possibly made) after `since_ms`, oldest first, to rebuild the
    /// quota ledger after a restart.
    pub async fn sent_since(&self, since_ms: i64) -> Result<Vec<SentDispatch>, StoreError> {
        backend!(self.sent_since(since_ms))
    }

    /// Stores a callback forward, due at once; returns its id.
    pub async fn enqueue_forward(&self, forward: NewForward) -> Result<i64, StoreError> {
        backend!(self.enqueue_forward(forward))
    }

    /// Leases up to `limit` due callback forwards for `lease_ms`.
    pub async fn claim_forwards(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<ClaimedForward>, StoreError> {
        backend!(self.claim_forwards(now_ms, lease_ms, limit))
    }

    /// Records a forward attempt; `Conflict` if the lease was lost.
    pub async fn complete_forward(
        &self,
        id: i64,
        token: &str,
        result: ForwardResult,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        backend!(self.complete_forward(id, token, result, now_ms))
    }

    /// One stored callback forward.
    pub async fn forward(&self, id: i64) -> Result<Option<ForwardRecord>, StoreError> {
        backend!(self.forward(id))
    }

    /// Retention, one batch in one short transaction: deletes up to `limit` finished messages
    /// last changed before `before_ms`, with their dispatches, attempts, recipient outcomes and
    /// coalescing memberships, up to `limit` delivered or dead callback forwards last changed
    /// before it, and up to `limit` alert cards of resolved groups with nothing left to do, last
    /// changed before it. A message some of whose work still waits or is in flight is never deleted.
    /// Call it again while a batch comes back full.
    pub async fn purge(&self, before_ms: i64, limit: usize) -> Result<Purged, StoreError> {
        backend!(self.purge(before_ms, limit))
    }

    /// Publishes committed events (gives them their positions), at most `limit`; returns how
    /// many. Readers call it before [`Store::events_after`]; any instance may, one at a time.
    pub async fn publish_events(&self, limit: i64) -> Result<u64, StoreError> {
        backend!(self.publish_events(limit))
    }

    /// Published events after position `after` (0: from the start) that pass `filter`, oldest
    /// first, at most `limit`.
    pub async fn events_after(
        &self,
        after: i64,
        limit: i64,
        filter: &EventFilter,
    ) -> Result<Vec<EventRecord>, StoreError> {
        backend!(self.events_after(after, limit, filter))
    }

    /// The position of the newest published event (0 if none).
    pub async fn last_event_pos(&self) -> Result<i64, StoreError> {
        backend!(self.last_event_pos())
    }

    /// Stores an event that no message state change causes (a callback, a receipt).
    pub async fn record_event(&self, event: NewEvent) -> Result<(), StoreError> {
        backend!(self.record_event(event))
    }

    /// Stores a new webhook subscription (its cursor is set to the newest published event, so
    /// it is sent what happens from now on); `Conflict` if the id is taken.
    pub async fn create_webhook(&self, hook: &WebhookRecord) -> Result<WebhookRecord, StoreError> {
        backend!(self.create_webhook(hook))
    }

    /// Makes the stored subscriptions of `source` exactly `hooks` (configured subscriptions at
    /// start): new ones start at the newest published event, changed ones keep their cursor and
    /// queue, the others are deleted with their deliveries.
    pub async fn sync_webhooks(&self, source: WebhookSource, hooks: &[WebhookRecord]) -> Result<(), StoreError> {
        backend!(self.sync_webhooks(source, hooks))
    }

    /// Every webhook subscription, oldest first.
    pub async fn webhooks(&self) -> Result<Vec<WebhookRecord>, StoreError> {
        backend!(self.webhooks())
    }

    /// One webhook subscription.
    pub async fn webhook(&self, id: &str) -> Result<Option<WebhookRecord>, StoreError> {
        backend!(self.webhook(id))
    }

    /// Deletes a webhook subscription with its deliveries; `false` if there was none.
    pub async fn delete_webhook(&self, id: &str) -> Result<bool, StoreError> {
        backend!(self.delete_webhook(id))
    }

    /// Moves the cursor of subscription `id` from `from` to `to` and queues a delivery, due at
    /// `now_ms`, for each of `events`, in one transaction; `false` (nothing written) if the
    /// cursor was no longer at `from`.
    pub async fn queue_webhook_events(
        &self,
        id: &str,
        from: i64,
        to: i64,
        events: &[QueuedEvent],
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        backend!(self.queue_webhook_events(id, from, to, events, now_ms))
    }

    /// Leases up to `limit` due webhook deliveries for `lease_ms`; a delivery waits while an
    /// earlier one of the same subscription about the same message is unfinished.
    pub async fn claim_webhook_deliveries(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<ClaimedDelivery>, StoreError> {
        backend!(self.claim_webhook_deliveries(now_ms, lease_ms, limit))
    }

    /// Records the attempts of claimed deliveries and what follows each, in one transaction
    /// (one commit for a whole round of attempts); a delivery whose lease was lost is skipped.
    /// Returns how many were skipped.
    pub async fn complete_webhook_deliveries(
        &self,
        done: &[CompletedDelivery],
        now_ms: i64,
    ) -> Result<usize, StoreError> {
        backend!(self.complete_webhook_deliveries(done, now_ms))
    }

    /// The newest deliveries of a subscription with their attempts, newest first.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: &str,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<DeliveryRecord>, StoreError> {
        backend!(self.webhook_deliveries(webhook_id, before, limit))
    }

    /// Sends a delivered or failed delivery again, now; `NotFound` or `Conflict` (still waiting).
    pub async fn replay_webhook_delivery(
        &self,
        webhook_id: &str,
        delivery_id: i64,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        backend!(self.replay_webhook_delivery(webhook_id, delivery_id, now_ms))
    }

    /// Retention of the event log, one batch: deletes up to `limit` published events older than
    /// `before_ms` that every webhook subscription has passed and no delivery waits for, and up
    /// to `limit` finished webhook deliveries (with their attempts) last changed before it.
    /// Returns the rows deleted; call it again while that is not zero.
    pub async fn purge_events(&self, before_ms: i64, limit: usize) -> Result<u64, StoreError> {
        backend!(self.purge_events(before_ms, i64::try_from(limit).unwrap_or(i64::MAX)))
    }

    /// Webhook deliveries per status, for `/metrics`.
    pub async fn webhook_delivery_counts(&self) -> Result<DeliveryCounts, StoreError> {
        backend!(self.webhook_delivery_counts())
    }

    /// The alert card of `card_key`, if any.
    pub async fn alert_card(&self, card_key: &str) -> Result<Option<AlertCard>, StoreError> {
        backend!(self.alert_card(card_key))
    }

    /// Inserts `card` unless a card with its key exists; whether it was inserted.
    pub async fn insert_alert_card(&self, card: &AlertCard) -> Result<bool, StoreError> {
        backend!(self.insert_alert_card(card))
    }

    /// Writes `card` if the stored revision is still `card.revision` (it then becomes one more);
    /// `false` (nothing written) when another write came first: read it again and redo.
    pub async fn save_alert_card(&self, card: &AlertCard, now_ms: i64) -> Result<bool, StoreError> {
        backend!(self.save_alert_card(card, now_ms))
    }

    /// Leases up to `limit` alert cards due by `now_ms` for `lease_ms` (a lease that ran out is
    /// taken over); the claim is a write, so the cards come back with their new revision.
    pub async fn claim_alert_cards(
        &self,
        now_ms: i64,
        lease_ms: i64,
        limit: usize,
    ) -> Result<Vec<AlertCard>, StoreError> {
        backend!(self.claim_alert_cards(now_ms, lease_ms, limit))
    }
}
