//! One reader of the event log per process, fanning new events out to live subscribers.
//!
//! The hub's poller publishes committed events (gives them positions), reads those after the
//! last position it handed out, and offers each to every subscriber whose filter it passes,
//! with `try_send` into the subscriber's bounded buffer ([`BUFFER`] events). It never waits for
//! a subscriber: one whose buffer is full is cut off and marked behind, and its stream tells the
//! client the position to resume from (`Last-Event-ID`), which the log then serves. The worker
//! and the accept path do not know the hub exists.
//!
//! A subscriber first subscribes, then reads the log from its resume position up to the end
//! ([`crate::server`]'s `GET /v1/events`), then takes live events whose position is past the
//! last one it sent: the hub's start position is read before the first subscription returns,
//! so nothing published between the backlog read and the live events is missed.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::sync::{Notify, mpsc};
use yizhan_store::{EventFilter, EventRecord, Store, StoreError};

/// Events a subscriber may have waiting before it is cut off as behind (by default).
pub const BUFFER: usize = 1024;
/// Events published and read per poll.
const PAGE: i64 = 500;

/// The fan-out of new events to live subscribers. Cheap to clone; the poller ends when the
/// last clone is dropped.
#[derive(Clone)]
pub struct EventHub {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for EventHub {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventHub").field("subscribers", &self.subscribers()).finish_non_exhaustive()
    }
}

struct Inner {
    store: Store,
    poll: Duration,
    buffer: usize,
    subs: Mutex<Vec<Subscriber>>,
    started: tokio::sync::Mutex<bool>,
    closed: AtomicBool,
    wake: Notify,
    fell_behind: AtomicU64,
    delivered: AtomicU64,
}

struct Subscriber {
    filter: EventFilter,
    tx: mpsc::Sender<EventRecord>,
    behind: Arc<AtomicBool>,
}

/// A live subscription: new events passing its filter, in position order. When the channel
/// closes with [`Subscription::fell_behind`] set, the hub cut it off for not keeping up.
#[derive(Debug)]
pub struct Subscription {
    /// New events.
    pub events: mpsc::Receiver<EventRecord>,
    behind: Arc<AtomicBool>,
}

impl Subscription {
    /// Whether the hub cut this subscription off because its buffer was full.
    pub fn fell_behind(&self) -> bool {
        self.behind.load(Ordering::Acquire)
    }
}

impl EventHub {
    /// A hub reading `store`, polling every 100 ms (and when [`EventHub::wake`] is called). Its
    /// poller starts with the first subscription.
    pub fn new(store: Store) -> EventHub {
        EventHub::with_limits(store, Duration::from_millis(100), BUFFER)
    }

    /// [`EventHub::new`] with another poll interval and per-subscriber buffer.
    pub fn with_limits(store: Store, poll: Duration, buffer: usize) -> EventHub {
        EventHub {
            inner: Arc::new(Inner {
                store,
                poll,
                buffer: buffer.max(1),
                subs: Mutex::new(Vec::new()),
                started: tokio::sync::Mutex::new(false),
                closed: AtomicBool::new(false),
                wake: Notify::new(),
                fell_behind: AtomicU64::new(0),
                delivered: AtomicU64::new(0),
            }),
        }
    }

    /// Subscribes to new events passing `filter`.
    pub async fn subscribe(&self, filter: EventFilter) -> Result<Subscription, StoreError> {
        self.start().await?;
        let (tx, events) = mpsc::channel(self.inner.buffer);
        let behind = Arc::new(AtomicBool::new(false));
        let mut subs = self.lock();
        if !self.inner.closed.load(Ordering::Acquire) {
            subs.push(Subscriber { filter, tx, behind: behind.clone() });
        }
        Ok(Subscription { events, behind })
    }

    /// Ends every subscription, now and later (the server is shutting down: open streams
    /// would otherwise keep their connections, and the shutdown, waiting forever).
    pub fn close(&self) {
        let mut subs = self.lock();
        self.inner.closed.store(true, Ordering::Release);
        subs.clear();
    }

    /// Polls at once (after a change that wrote events).
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    /// Live subscribers now.
    pub fn subscribers(&self) -> usize {
        self.lock().iter().filter(|s| !s.tx.is_closed()).count()
    }

    /// Subscribers cut off for falling behind, since start.
    pub fn fell_behind(&self) -> u64 {
        self.inner.fell_behind.load(Ordering::Relaxed)
    }

    /// Events handed to subscribers, since start.
    pub fn delivered(&self) -> u64 {
        self.inner.delivered.load(Ordering::Relaxed)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Subscriber>> {
        self.inner.subs.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts the poller once, from the position published now.
    async fn start(&self) -> Result<(), StoreError> {
        let mut started = self.inner.started.lock().await;
        if *started {
            return Ok(());
        }
        while self.inner.store.publish_events(PAGE).await? > 0 {}
        let from = self.inner.store.last_event_pos().await?;
        tokio::spawn(run(Arc::downgrade(&self.inner), from));
        *started = true;
        Ok(())
    }
}

/// The poller: runs until the hub is dropped.
async fn run(hub: Weak<Inner>, mut after: i64) {
    let everything = EventFilter::default();
    loop {
        let Some(inner) = hub.upgrade() else { return };
        let page = match publish_and_read(&inner.store, after, &everything).await {
            Ok(page) => page,
            Err(e) => {
                tracing::warn!(error = %e, "reading the event log failed");
                Vec::new()
            }
        };
        if let Some(last) = page.last() {
            after = last.id;
            fan_out(&inner, page);
            continue;
        }
        let poll = inner.poll;
        let woken = async { inner.wake.notified().await };
        tokio::select! {
            () = woken => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}

async fn publish_and_read(store: &Store, after: i64, filter: &EventFilter) -> Result<Vec<EventRecord>, StoreError> {
    store.publish_events(PAGE).await?;
    store.events_after(after, PAGE, filter).await
}

/// Offers every event to every subscriber it passes, never waiting: a full buffer cuts the
/// subscriber off (behind), a closed one is dropped.
fn fan_out(inner: &Inner, page: Vec<EventRecord>) {
    let mut subs = inner.subs.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for event in page {
        subs.retain(|s| {
            if !s.filter.matches(&event) {
                return !s.tx.is_closed();
            }
            match s.tx.try_send(event.clone()) {
                Ok(()) => {
                    inner.delivered.fetch_add(1, Ordering::Relaxed);
                    true
                }
                Err(mpsc::error::TrySendError::Full(_)) => {
                    s.behind.store(true, Ordering::Release);
                    inner.fell_behind.fetch_add(1, Ordering::Relaxed);
                    false
                }
                Err(mpsc::error::TrySendError::Closed(_)) => false,
            }
        });
    }
}
