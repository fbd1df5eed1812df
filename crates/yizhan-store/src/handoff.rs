//! The hot path: a message accepted by this instance is leased to its worker in the same
//! transaction that makes it durable, and handed to that worker in memory once committed, so
//! new work is never found again by a claim query.
//!
//! A running worker registers a [`Handoff`] with its store ([`crate::Store::hand_off`]). From then
//! on every accept group decides, **before** its transaction begins, which of its dispatches take
//! the hot path ([`Handoff::plan`]), and reserves a slot of the bounded queue for each: so nothing
//! leased is ever left without a place in memory. Those dispatches are written `in_flight` under
//! the worker's lease owner, a fresh token and a lease of the worker's length; after COMMIT they
//! are queued ([`Reservation::deliver`]); if the transaction fails the slots are given back.
//!
//! Only work that is due at once and that no claim query needs to see takes this path: not a
//! scheduled send, not an ordered dispatch waiting for its predecessor, not a message already
//! expired, and not a dispatch whose coalesce key has a leader in memory within its window (it
//! stays in the store, where that leader merges it). When the queue is full the rest stays in the
//! store as well, and the worker is told to claim it ([`Handoff::take_left_behind`]).
//!
//! Crash safety is the claim path's: a dispatch in the queue holds a lease like any claim, the
//! worker renews it ([`Handoff::queued_claims`]), and if the process dies the lease expires and
//! a claim of any instance takes the dispatch over. See `docs/architecture.md`, "Hot path".

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use crate::{ClaimToken, ClaimedDispatch, MessageStatus, NewDispatch, NewMessage};

/// The registration point of a store: the handoff of the worker running on it, if any. Shared by
/// every clone of the [`crate::Store`] and by its writer tasks.
#[derive(Debug, Clone, Default)]
pub(crate) struct HandoffSlot(Arc<Mutex<Option<Handoff>>>);

impl HandoffSlot {
    /// The registered handoff if its worker still takes work.
    pub(crate) fn current(&self) -> Option<Handoff> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner).clone().filter(Handoff::is_open)
    }

    /// Registers `handoff` unless an open one is registered already.
    pub(crate) fn register(&self, handoff: &Handoff) -> bool {
        let mut slot = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if slot.as_ref().is_some_and(Handoff::is_open) {
            return false;
        }
        *slot = Some(handoff.clone());
        true
    }
}

/// A worker's in-memory queue of dispatches leased to it at accept time. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Handoff {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    owner: String,
    lease_ms: i64,
    capacity: usize,
    coalesce_window_ms: Option<i64>,
    state: Mutex<State>,
    /// Fires when dispatches were queued or work was left in the store.
    ready: Notify,
    /// Fires when the last reservation was delivered or given back.
    settled: Notify,
}

#[derive(Debug, Default)]
struct State {
    open: bool,
    /// Slots reserved by accept groups whose transactions have not ended yet.
    reserved: usize,
    queue: VecDeque<Handed>,
    /// Coalescing leaders in memory: (channel, key) → until when identical dispatches stay in
    /// the store for them, and whether any did.
    leaders: HashMap<(String, String), Leader>,
    /// Due work was committed to the store instead of the queue since the worker last asked.
    left_behind: bool,
}

#[derive(Debug, Clone, Copy)]
struct Leader {
    until_ms: i64,
    followers: bool,
}

/// A dispatch handed over in memory.
#[derive(Debug, Clone)]
pub struct Handed {
    /// The dispatch, claimed for the worker that registered the handoff.
    pub dispatch: ClaimedDispatch,
    /// Its message has dispatches ordered after this one (due once it is delivered, claimed
    /// from the store).
    pub has_successors: bool,
}

impl Handoff {
    /// A handoff for the worker `owner`: leases of `lease_ms`, at most `capacity` dispatches
    /// queued (or reserved), coalescing leaders holding their key for `coalesce_window_ms`
    /// (`None`: the worker does not coalesce, keys are ignored).
    pub fn new(owner: &str, lease_ms: i64, capacity: usize, coalesce_window_ms: Option<i64>) -> Handoff {
        Handoff {
            inner: Arc::new(Inner {
                owner: owner.to_owned(),
                lease_ms,
                capacity,
                coalesce_window_ms,
                state: Mutex::new(State { open: true, ..State::default() }),
                ready: Notify::new(),
                settled: Notify::new(),
            }),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn is_open(&self) -> bool {
        self.state().open
    }

    /// The lease owner written on handed dispatches.
    pub fn owner(&self) -> &str {
        &self.inner.owner
    }

    /// The next queued dispatch, if any; taking it frees its slot.
    pub fn pop(&self) -> Option<Handed> {
        self.state().queue.pop_front()
    }

    /// How many dispatches wait in the queue.
    pub fn queued(&self) -> usize {
        self.state().queue.len()
    }

    /// The claims of the dispatches still queued (leased, not yet taken by the worker): their
    /// leases must be renewed, and a claim must not take them over.
    pub fn queued_claims(&self) -> Vec<ClaimToken> {
        self.state().queue.iter().map(|h| h.dispatch.claim.clone()).collect()
    }

    /// Whether due work went to the store instead of the queue since the last call.
    pub fn take_left_behind(&self) -> bool {
        std::mem::take(&mut self.state().left_behind)
    }

    /// Resolves when dispatches were queued or due work was left in the store (a permit is
    /// kept if nobody waits, so nothing is missed between two waits).
    pub async fn ready(&self) {
        self.inner.ready.notified().await;
    }

    /// Whether an identical dispatch (same channel and coalesce key) stayed in the store for
    /// `leader`, a handed dispatch with that key, during its window (which must be over): only
    /// then can a merge find anything this instance accepted. Forgets the leader.
    pub fn take_followers(&self, leader: &ClaimedDispatch) -> bool {
        let (Some(window), Some(key)) = (self.inner.coalesce_window_ms, leader.coalesce_key.as_ref()) else {
            return false;
        };
        let slot = (leader.channel.clone(), key.clone());
        let until_ms = leader.created_at_ms.saturating_add(window);
        let mut state = self.state();
        match state.leaders.get(&slot) {
            Some(l) if l.until_ms == until_ms => state.leaders.remove(&slot).is_some_and(|l| l.followers),
            _ => false,
        }
    }

    /// Stops taking work: later accepts leave everything in the store. Waits until the
    /// reservations of transactions in progress are delivered or given back, then returns what
    /// is still queued (the caller releases it).
    pub async fn close(&self) -> Vec<Handed> {
        self.state().open = false;
        loop {
            let settled = self.inner.settled.notified();
            tokio::pin!(settled);
            settled.as_mut().enable();
            {
                let mut state = self.state();
                if state.reserved == 0 {
                    return state.queue.drain(..).collect();
                }
            }
            settled.await;
        }
    }

    /// Decides which dispatches of `batches` take the hot path, reserving their slots; see the
    /// module docs. The plan's picks are `(batch, message, dispatch)` positions.
    pub(crate) fn plan(&self, batches: &[&[NewMessage]]) -> Reservation {
        let mut picks = Vec::new();
        let mut state = self.state();
        if !state.open {
            return Reservation { handoff: None, picks, reserved: 0 };
        }
        let now = batches.iter().flat_map(|b| b.iter()).map(|m| m.created_at_ms).max().unwrap_or(0);
        // A leader forgotten by its worker (made a repeat, or released) ages out after a lease.
        let lease_ms = self.inner.lease_ms;
        state.leaders.retain(|_, l| l.until_ms.saturating_add(lease_ms) > now);
        let mut room = self.inner.capacity.saturating_sub(state.reserved + state.queue.len());
        let mut left_behind = false;
        for (b, batch) in batches.iter().enumerate() {
            for (m, msg) in batch.iter().enumerate() {
                for (d, dispatch) in msg.dispatches.iter().enumerate() {
                    if !due_at_once(msg, dispatch) {
                        continue;
                    }
                    let key = self.inner.coalesce_window_ms.zip(dispatch.coalesce_key.as_ref());
                    if let Some((_, key)) = key
                        && let Some(leader) = state.leaders.get_mut(&(msg.channel.clone(), key.clone()))
                        && leader.until_ms > msg.created_at_ms
                    {
                        leader.followers = true;
                        left_behind = true;
                        continue;
                    }
                    if room == 0 {
                        left_behind = true;
                        continue;
                    }
                    room -= 1;
                    picks.push((b, m, d));
                    if let Some((window, key)) = key {
                        let until_ms = msg.created_at_ms.saturating_add(window);
                        state.leaders.insert((msg.channel.clone(), key.clone()), Leader { until_ms, followers: false });
                    }
                }
            }
        }
        state.left_behind |= left_behind;
        state.reserved += picks.len();
        drop(state);
        if left_behind {
            self.inner.ready.notify_one();
        }
        Reservation { handoff: Some(self.clone()), reserved: picks.len(), picks }
    }
}

/// Due as soon as it is stored, and visible to no claim query's special rules: not scheduled,
/// not waiting for a predecessor, not expired already.
fn due_at_once(msg: &NewMessage, dispatch: &NewDispatch) -> bool {
    msg.send_at_ms <= msg.created_at_ms
        && dispatch.after_seq.is_none()
        && msg.expires_at_ms.is_none_or(|e| e > msg.created_at_ms)
}

/// The slots an accept group reserved, and which dispatches they are for. Delivered after
/// COMMIT; dropped undelivered (the transaction failed), the slots are given back.
#[derive(Debug)]
pub(crate) struct Reservation {
    handoff: Option<Handoff>,
    picks: Vec<(usize, usize, usize)>,
    reserved: usize,
}

impl Reservation {
    /// No handoff registered: nothing takes the hot path.
    pub(crate) fn none() -> Reservation {
        Reservation { handoff: None, picks: Vec::new(), reserved: 0 }
    }

    /// Whether dispatch `d` of message `m` of batch `b` takes the hot path.
    pub(crate) fn is_hot(&self, b: usize, m: usize, d: usize) -> bool {
        self.picks.binary_search(&(b, m, d)).is_ok()
    }

    /// Whether any dispatch takes the hot path.
    pub(crate) fn is_empty(&self) -> bool {
        self.picks.is_empty()
    }

    /// The lease owner to write on hot dispatches.
    pub(crate) fn owner(&self) -> &str {
        self.handoff.as_ref().map_or("", |h| h.inner.owner.as_str())
    }

    /// When the lease of a hot dispatch of a message accepted at `created_at_ms` ends.
    pub(crate) fn lease_until(&self, created_at_ms: i64) -> i64 {
        created_at_ms.saturating_add(self.handoff.as_ref().map_or(0, |h| h.inner.lease_ms))
    }

    /// Queues the committed hot dispatches (fewer than planned when some messages were not
    /// stored: idempotent replays) and gives back the slots they do not use.
    pub(crate) fn deliver(mut self, handed: Vec<Handed>) {
        let Some(handoff) = self.handoff.take() else { return };
        let count = handed.len();
        let mut state = handoff.state();
        state.reserved = state.reserved.saturating_sub(self.reserved);
        state.queue.extend(handed);
        let settled = state.reserved == 0;
        drop(state);
        self.reserved = 0;
        if count > 0 {
            handoff.inner.ready.notify_one();
        }
        if settled {
            handoff.inner.settled.notify_waiters();
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(handoff) = self.handoff.take() {
            let mut state = handoff.state();
            state.reserved = state.reserved.saturating_sub(self.reserved);
            let settled = state.reserved == 0;
            drop(state);
            if settled {
                handoff.inner.settled.notify_waiters();
            }
        }
    }
}

/// The status a new message is stored with: `dispatching` once one of its dispatches is leased
/// (what [`crate::status::derive`] makes of an `in_flight` dispatch), else `scheduled` or
/// `accepted`.
pub(crate) fn initial_status(scheduled: bool, leased: bool) -> MessageStatus {
    match (leased, scheduled) {
        (true, _) => MessageStatus::Dispatching,
        (false, true) => MessageStatus::Scheduled,
        (false, false) => MessageStatus::Accepted,
    }
}

/// A fresh random lease token (32 lower-case hex digits, as the claim queries write).
pub(crate) fn lease_token() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// The claim of dispatch `seq` of `msg`, written with row id `id` under `token` until
/// `lease_until_ms`, as a claim query would have returned it.
pub(crate) fn claimed(msg: &NewMessage, seq: usize, id: i64, token: String, lease_until_ms: i64) -> Option<Handed> {
    let d = msg.dispatches.get(seq)?;
    let dispatch = ClaimedDispatch {
        claim: ClaimToken { dispatch_id: id, token },
        message_id: msg.id,
        channel: msg.channel.clone(),
        seq: i64::try_from(seq).unwrap_or(i64::MAX),
        endpoint: d.endpoint.clone(),
        body: d.body.clone(),
        dedupe_id: d.dedupe_id.clone(),
        recipients: d.recipients.clone(),
        attempts: 0,
        lease_until_ms,
        created_at_ms: msg.created_at_ms,
        expires_at_ms: msg.expires_at_ms,
        coalesce_key: d.coalesce_key.clone(),
        merged: false,
        suppress_repeats: d.duplicate.as_ref().is_some_and(|g| g.suppress),
        repeat_of: None,
        resend_safe: d.resend_safe,
        upstream: None,
    };
    let has_successors = msg.dispatches.iter().any(|o| o.after_seq.is_some());
    Some(Handed { dispatch, has_successors })
}

#[cfg(test)]
#[path = "handoff_tests.rs"]
mod tests;
