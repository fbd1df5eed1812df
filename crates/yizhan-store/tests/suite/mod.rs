//! The shared storage test suite: every test is an async fn taking a fresh [`Backend`], and
//! [`storage_suite!`] turns the whole list into `#[tokio::test]`s for one backend.
//!
//! Each backend has one `storage_suite!` invocation with its own opener (`tests/sqlite.rs`,
//! `tests/postgres.rs`). An opener returns a `Backend` or an `Option<Backend>`; `None` skips
//! the test (PostgreSQL unreachable outside CI).

#![allow(dead_code, unreachable_pub)]

pub mod accept;
pub mod cards;
pub mod claim;
pub mod coalesce;
pub mod events;
pub mod forward;
pub mod handoff;
pub mod lease;
pub mod list;
pub mod manage;
pub mod order;
pub mod postgres;
pub mod quota;
pub mod repeat;
pub mod retention;
pub mod upgrade;

use yizhan_core::MessageId;
use yizhan_store::{
    AttemptError, ClaimedDispatch, DispatchResult, Handles, Idempotency, NewDispatch, NewMessage, Store,
};

/// A fixed "now" for tests: 2023-11-14T22:13:20Z.
pub const T0: i64 = 1_700_000_000_000;
/// A lease long enough that tests never lose it by accident.
pub const LEASE: i64 = 60_000;

/// A store under test, and how to open it again (for durability tests).
pub struct Backend {
    /// The open store.
    pub store: Store,
    /// The URL to reopen the same data, if the backend survives a reopen.
    pub reopen_url: Option<String>,
    /// Keeps a temporary SQLite file (and its directory) alive for the test's duration.
    pub _dir: Option<yizhan_test_kit::sqlite::TempSqlite>,
    /// Keeps a temporary PostgreSQL database alive for the test's duration (dropped after).
    pub _db: Option<postgres::TempDatabase>,
}

/// What an opener returns: a backend, or maybe one (`None` skips the test).
pub trait Opened {
    /// The backend, if there is one.
    fn backend(self) -> Option<Backend>;
}

impl Opened for Backend {
    fn backend(self) -> Option<Backend> {
        Some(self)
    }
}

impl Opened for Option<Backend> {
    fn backend(self) -> Option<Backend> {
        self
    }
}

impl Backend {
    /// Closes the store and opens the same data again (file-backed stores only).
    pub async fn reopen(&mut self) -> bool {
        let Some(url) = self.reopen_url.clone() else { return false };
        self.store.close().await;
        self.store = Store::open(&url).await.expect("reopen the store");
        true
    }
}

/// An in-memory SQLite store.
pub async fn sqlite_memory() -> Backend {
    let store = Store::open("sqlite::memory:").await.expect("open sqlite::memory:");
    Backend { store, reopen_url: None, _dir: None, _db: None }
}

/// A SQLite store in a fresh temporary file.
pub async fn sqlite_file() -> Backend {
    let dir = yizhan_test_kit::sqlite::TempSqlite::new();
    let url = dir.url();
    let store = Store::open(&url).await.expect("open sqlite file");
    Backend { store, reopen_url: Some(url), _dir: Some(dir), _db: None }
}

/// A message with `n` dispatches, due at `T0`, whose bodies include non-UTF-8 bytes.
pub fn message(channel: &str, n: usize) -> NewMessage {
    let id = MessageId::new();
    NewMessage {
        id,
        channel: channel.to_owned(),
        api_key: Some("ci".to_owned()),
        request: serde_json::json!({"channel": channel, "content": {"text": "disk full"}}),
        idempotency: None,
        send_at_ms: T0,
        expires_at_ms: None,
        created_at_ms: T0,
        dispatches: (0..n)
            .map(|i| NewDispatch {
                coalesce_key: None,
                body: format!("{{\"touser\":\"u{i}\",\"id\":\"{id}\"}}\u{0}\u{ff}").into_bytes(),
                endpoint: "wecom.message_send".to_owned(),
                dedupe_id: Some(format!("{id}-{i}")),
                recipients: vec![format!("u{i}"), "bob".to_owned()],
                after_seq: None,
                duplicate: None,
                resend_safe: false,
            })
            .collect(),
    }
}

/// The same message with an idempotency key and body hash.
pub fn with_key(mut m: NewMessage, key: &str, hash: &str) -> NewMessage {
    m.idempotency = Some(Idempotency { key: key.to_owned(), body_sha256: hash.to_owned() });
    m
}

/// A transient error.
pub fn transient() -> AttemptError {
    AttemptError { kind: "transient".to_owned(), code: Some(-1), message: "system busy".to_owned(), ambiguous: false }
}

/// A plain success without per-recipient outcomes.
pub fn delivered() -> DispatchResult {
    DispatchResult::Delivered {
        handles: Handles { msgid: Some("m1".to_owned()), ..Handles::default() },
        outcomes: vec![],
    }
}

/// Accepts `m` and claims its dispatches at `T0`.
pub async fn accept_and_claim(store: &Store, m: NewMessage) -> Vec<ClaimedDispatch> {
    store.accept(m).await.expect("accept");
    store.claim_due("w1", T0, LEASE, 100).await.expect("claim")
}

/// Declares one `#[tokio::test]` per suite test, each on a fresh backend from `$open`.
#[macro_export]
macro_rules! storage_suite {
    ($open:path) => {
        $crate::storage_suite!(@tests $open;
            accept::accept_then_read_back,
            accept::scheduled_message_is_scheduled,
            accept::batch_is_one_transaction,
            accept::rejects_message_without_dispatches,
            accept::duplicate_id_is_a_conflict,
            accept::idempotent_replay_and_mismatch,
            accept::idempotency_within_one_group,
            accept::group_commit_500_concurrent_accepts_are_durable,
            accept::durable_across_reopen,
            accept::idempotency_hash_by_key_prefix,
            claim::claim_respects_send_at_and_next_attempt,
            claim::two_claimers_never_share_a_dispatch,
            claim::expired_lease_is_reclaimable_and_old_token_conflicts,
            claim::release_makes_due_again_without_an_attempt,
            claim::uncounted_retry_does_not_use_an_attempt,
            claim::dead_records_the_error,
            claim::recipient_outcomes_and_handles,
            claim::expired_messages_are_not_claimed,
            claim::dead_after_an_ambiguous_attempt_stays_unknown,
            handoff::accepted_work_is_leased_and_handed_in_memory,
            handoff::replays_and_repeats_are_settled_before_the_worker_sees_them,
            lease::renewed_lease_is_not_taken_over,
            lease::a_lease_taken_over_is_lost_to_its_first_holder,
            lease::own_sends_are_not_taken_over,
            manage::cancel_before_and_after_sending,
            manage::retry_of_a_dead_message_resends_the_same_bodies,
            manage::mark_recalled_only_after_delivery,
            manage::counts_per_status,
            list::list_filters,
            list::list_by_recipient_and_text,
            list::activity_per_channel,
            list::cursor_paging_over_1000_messages,
            quota::split_dispatch_persists_both_parts,
            quota::sent_since_lists_what_may_have_reached_the_provider,
            cards::alert_cards_are_compare_and_set_and_claimed_when_due,
            cards::retention_deletes_idle_resolved_cards_only,
            forward::forwards_are_claimed_retried_and_delivered,
            forward::an_expired_forward_lease_is_taken_over_and_survives_a_reopen,
            order::ordered_dispatch_waits_for_its_predecessor,
            order::a_waiting_dispatch_gets_the_handles_its_predecessor_recorded,
            order::dead_predecessor_ends_the_chain_unsent,
            order::expiry_and_cancel_end_ordered_dispatches_too,
            order::after_seq_must_name_an_earlier_dispatch,
            coalesce::merged_calls_complete_every_member_with_its_own_outcomes,
            coalesce::retries_resend_the_persisted_merged_body,
            coalesce::merges_stop_at_the_recipient_limit,
            coalesce::members_are_not_cancelled_and_replays_go_alone,
            repeat::identical_bodies_inside_the_window_are_repeats,
            repeat::suppressing_repeats_ignores_dead_ones_and_msgids_have_owners,
            repeat::a_delivery_whose_msgid_another_message_holds_is_not_recorded,
            repeat::statuses_follow_the_recipient_outcomes,
            repeat::every_outcome_name_counts_in_its_class,
            retention::purge_deletes_finished_messages_and_keeps_waiting_ones,
            retention::purge_counts_every_row_and_frees_the_idempotency_key,
            events::a_message_life_is_told_in_order,
            events::cancel_death_replay_and_expiry_are_events,
            events::a_change_that_did_not_commit_leaves_no_event,
            events::readers_resume_by_position_without_gaps,
            events::callbacks_are_events_of_their_own,
        );
    };
    (@tests $open:path; $($module:ident :: $name:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $name() -> anyhow::Result<()> {
                let Some(backend) = $crate::suite::Opened::backend($open().await) else { return Ok(()) };
                $crate::suite::$module::$name(backend).await
            }
        )*
    };
}
