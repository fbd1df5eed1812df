//! Retention: finished messages, with everything recorded about them, and finished callback
//! forwards are deleted once they are older than the retention period, a small batch per
//! transaction, so the outbox does not grow forever (`docs/gateway.md`, "Retention").
//!
//! A message goes only when it is finished ([`MessageStatus::is_final`](crate::MessageStatus))
//! and none of its dispatches, nor any dispatch merged into one of them, is still waiting or
//! in flight. Its age is `updated_at_ms`: when it last changed, which for a finished message is
//! when it finished. The rows go children first (attempts, recipient outcomes, coalescing
//! memberships, dispatches, then the messages), so every deleted row is counted.
//!
//! The SQL is written once here; each backend supplies its placeholders and the way it passes
//! the batch's message ids (SQLite: a JSON array read with `json_each`, PostgreSQL: a `text[]`).

/// The finished message statuses as an SQL list. The partial index `messages_finished` has the
/// same list (SQLite uses a partial index only for a query that repeats its condition).
pub(crate) const FINISHED: &str =
    "('delivered', 'partially_delivered', 'dead', 'suppressed_duplicate', 'cancelled', 'recalled', 'expired')";

/// Dispatch statuses that still have work ahead: waiting to be claimed, or claimed.
const BUSY: &str = "('pending', 'in_flight', 'retrying', 'deferred')";

/// Finished callback forwards (the partial index `callback_forwards_finished` repeats it).
const FORWARDS_FINISHED: &str = "('delivered', 'dead')";

/// What one [`crate::Store::purge`] deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Purged {
    /// Messages deleted.
    pub messages: u64,
    /// Callback forwards deleted.
    pub forwards: u64,
    /// Alert cards deleted (resolved, nothing left to do, unchanged since the cutoff).
    pub cards: u64,
    /// Every row deleted: the messages and forwards, and the messages' dispatches, attempts,
    /// recipient outcomes and coalescing memberships.
    pub rows: u64,
}

impl Purged {
    /// Adds another batch's counts.
    pub fn add(&mut self, other: Purged) {
        self.messages += other.messages;
        self.forwards += other.forwards;
        self.cards += other.cards;
        self.rows += other.rows;
    }
}

/// How a backend writes what the statements need.
pub(crate) struct Dialect {
    /// The first parameter.
    pub(crate) first: &'static str,
    /// The second parameter.
    pub(crate) second: &'static str,
    /// A subquery yielding the batch's message ids from the first parameter.
    pub(crate) ids: &'static str,
    /// Appended to the re-check of the batch (PostgreSQL locks the message rows).
    pub(crate) lock: &'static str,
    /// Whether the batch is locked and re-checked before it is deleted (PostgreSQL: another
    /// instance may replay one of its messages meanwhile; SQLite holds the write lock from
    /// `BEGIN IMMEDIATE`, so its candidates cannot change).
    pub(crate) recheck: bool,
    /// Whether to name the partial indexes (`INDEXED BY`, SQLite): without statistics SQLite
    /// prefers `messages_status_created` and sorts every finished message on each batch.
    pub(crate) index_hints: bool,
}

impl Dialect {
    /// SQLite: ids bound as a JSON array, the write lock held from `BEGIN IMMEDIATE` (the batch
    /// cannot change before it is deleted), the partial indexes named.
    pub(crate) const SQLITE: Dialect = Dialect {
        first: "?1",
        second: "?2",
        ids: "SELECT value FROM json_each(?1)",
        lock: "",
        recheck: false,
        index_hints: true,
    };
    /// PostgreSQL: ids bound as a JSON array; the batch's dispatch rows locked before its message
    /// rows (the lock order of every other transaction), and the batch re-checked, since another
    /// instance may have replayed one of its messages meanwhile.
    pub(crate) const POSTGRES: Dialect = Dialect {
        first: "$1",
        second: "$2",
        ids: "SELECT json_array_elements_text($1::json)",
        lock: " ORDER BY m.id FOR UPDATE OF m",
        recheck: true,
        index_hints: false,
    };
}

/// The statements of one purge transaction.
pub(crate) struct Statements {
    /// Up to `limit` deletable message ids, oldest first (parameters: cutoff, limit).
    pub(crate) candidates: String,
    /// Locks the batch's dispatch rows in id order (parameter: ids), if the batch is re-checked.
    pub(crate) lock_batch: Option<String>,
    /// Which of the batch's ids (first parameter) are still deletable, once locked (parameters:
    /// ids, cutoff).
    pub(crate) recheck: String,
    /// The deletes of the batch's attempts, outcomes, memberships and dispatches (parameter:
    /// ids).
    pub(crate) children: [String; 4],
    /// The delete of the batch's messages, once their children are gone (parameter: ids).
    pub(crate) messages: String,
    /// Deletes up to `limit` finished forwards (parameters: cutoff, limit).
    pub(crate) forwards: String,
    /// Deletes up to `limit` alert cards of resolved groups with nothing left to do (parameters:
    /// cutoff, limit).
    pub(crate) cards: String,
}

impl Statements {
    pub(crate) fn new(d: &Dialect) -> Statements {
        let deletable = |m: &str, cutoff: &str| {
            format!(
                "{m}.status IN {FINISHED} AND {m}.updated_at_ms < {cutoff} \
                 AND NOT EXISTS (SELECT 1 FROM dispatches d WHERE d.message_id = {m}.id AND d.status IN {BUSY}) \
                 AND NOT EXISTS (SELECT 1 FROM dispatches l CROSS JOIN dispatch_members dm CROSS JOIN dispatches x \
                   WHERE l.message_id = {m}.id AND dm.leader_id = l.id AND x.id = dm.member_id \
                   AND x.status IN {BUSY})"
            )
        };
        let hint = |index: &str| if d.index_hints { format!(" INDEXED BY {index}") } else { String::new() };
        let of_batch = format!("SELECT id FROM dispatches WHERE message_id IN ({})", d.ids);
        Statements {
            candidates: format!(
                "SELECT m.id FROM messages m{} WHERE {} ORDER BY m.updated_at_ms, m.id LIMIT {}",
                hint("messages_finished"),
                deletable("m", d.first),
                d.second
            ),
            lock_batch: d
                .recheck
                .then(|| format!("SELECT id FROM dispatches WHERE message_id IN ({}) ORDER BY id FOR UPDATE", d.ids)),
            recheck: format!(
                "SELECT m.id FROM messages m WHERE m.id IN ({}) AND {}{}",
                d.ids,
                deletable("m", d.second),
                d.lock
            ),
            children: [
                format!("DELETE FROM attempts WHERE dispatch_id IN ({of_batch})"),
                format!("DELETE FROM recipient_outcomes WHERE dispatch_id IN ({of_batch})"),
                format!("DELETE FROM dispatch_members WHERE member_id IN ({of_batch}) OR leader_id IN ({of_batch})"),
                format!("DELETE FROM dispatches WHERE message_id IN ({})", d.ids),
            ],
            messages: format!("DELETE FROM messages WHERE id IN ({})", d.ids),
            forwards: format!(
                "DELETE FROM callback_forwards WHERE id IN (SELECT id FROM callback_forwards{} \
                 WHERE status IN {FORWARDS_FINISHED} AND updated_at_ms < {} ORDER BY updated_at_ms, id LIMIT {})",
                hint("callback_forwards_finished"),
                d.first,
                d.second
            ),
            cards: format!(
                "DELETE FROM alert_cards WHERE card_key IN (SELECT card_key FROM alert_cards \
                 WHERE state = 'resolved' AND due_at_ms IS NULL AND updated_at_ms < {} \
                 ORDER BY updated_at_ms, card_key LIMIT {})",
                d.first, d.second
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{FINISHED, FORWARDS_FINISHED};
    use crate::MessageStatus;

    #[test]
    fn finished_lists_every_final_status_and_matches_the_indexes() {
        let finals: Vec<String> =
            MessageStatus::ALL.iter().filter(|s| s.is_final()).map(|s| format!("'{}'", s.as_str())).collect();
        assert_eq!(FINISHED, format!("({})", finals.join(", ")));
        for schema in [
            include_str!("../migrations/sqlite/20261207040000_retention.sql"),
            include_str!("../migrations/postgres/20261207040000_retention.sql"),
        ] {
            assert!(schema.contains(&format!("WHERE status IN {FINISHED}")), "{schema}");
            assert!(schema.contains(&format!("WHERE status IN {FORWARDS_FINISHED}")), "{schema}");
        }
    }
}
