//! Alert cards (`alert_cards`, [`crate::AlertCard`]): read, insert once, save as a
//! compare-and-set on the revision, and claim the due ones under a lease.

/// The columns of `alert_cards`, in the order [`cards!`]'s INSERT binds them: first those a
/// save writes ([`bind_changing!`]), then the fixed ones.
macro_rules! card_columns {
    () => {
        "generation, task_id, message_id, previous_message_id, card_sent_at_ms, send_code_used, response_code, \
         response_code_at_ms, state, acknowledged_by, silence_id, silence_ends_at_ms, data, due_at_ms, \
         lease_until_ms, card_key, channel, route, group_key, api_key, revision, created_at_ms, updated_at_ms"
    };
}
pub(crate) use card_columns;

/// `$query` with the 15 columns a save writes bound from `$card`, in [`card_columns!`] order.
macro_rules! bind_changing {
    ($query:expr, $card:expr) => {
        $query
            .bind($card.generation)
            .bind(&$card.task_id)
            .bind(&$card.message_id)
            .bind(&$card.previous_message_id)
            .bind($card.card_sent_at_ms)
            .bind($card.send_code_used)
            .bind(&$card.response_code)
            .bind($card.response_code_at_ms)
            .bind(&$card.state)
            .bind(&$card.acknowledged_by)
            .bind(&$card.silence_id)
            .bind($card.silence_ends_at_ms)
            .bind(&$card.data)
            .bind($card.due_at_ms)
            .bind($card.lease_until_ms)
    };
}
pub(crate) use bind_changing;

/// The alert card methods of `$store` (see [`crate::sql`]).
macro_rules! cards {
    ($store:ident, $db:ty, $skip:literal) => {
        impl $store {
            /// The card of `card_key`, if any.
            pub(crate) async fn alert_card(&self, card_key: &str) -> Result<Option<$crate::AlertCard>, $crate::StoreError> {
                let row = sqlx::query(concat!("SELECT ", $crate::sql::cards::card_columns!(), " FROM alert_cards WHERE card_key = $1"))
                    .bind(card_key)
                    .fetch_optional(&self.pool)
                    .await?;
                row.as_ref().map(Self::alert_card_of).transpose()
            }

            /// Inserts `card` unless a card with its key exists; whether it was inserted.
            pub(crate) async fn insert_alert_card(&self, card: &$crate::AlertCard) -> Result<bool, $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let insert = sqlx::query(concat!(
                    "INSERT INTO alert_cards (",
                    $crate::sql::cards::card_columns!(),
                    ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, \
                       $20, $21, $22, $23) ON CONFLICT (card_key) DO NOTHING"
                ));
                let inserted = $crate::sql::cards::bind_changing!(insert, card)
                .bind(&card.card_key)
                .bind(&card.channel)
                .bind(&card.route)
                .bind(&card.group_key)
                .bind(&card.api_key)
                .bind(card.revision)
                .bind(card.created_at_ms)
                .bind(card.updated_at_ms)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(inserted == 1)
            }

            /// Writes `card` if the stored revision is still `card.revision` (the stored one
            /// then becomes one more); whether it was written.
            pub(crate) async fn save_alert_card(&self, card: &$crate::AlertCard, now_ms: i64) -> Result<bool, $crate::StoreError> {
                let mut tx = self.begin_write().await?;
                let save = sqlx::query(
                    "UPDATE alert_cards SET generation = $1, task_id = $2, message_id = $3, previous_message_id = $4, \
                       card_sent_at_ms = $5, send_code_used = $6, response_code = $7, response_code_at_ms = $8, \
                       state = $9, acknowledged_by = $10, silence_id = $11, silence_ends_at_ms = $12, data = $13, \
                       due_at_ms = $14, lease_until_ms = $15, revision = revision + 1, updated_at_ms = $16 \
                     WHERE card_key = $17 AND revision = $18",
                );
                let saved = $crate::sql::cards::bind_changing!(save, card)
                .bind(now_ms)
                .bind(&card.card_key)
                .bind(card.revision)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                tx.commit().await?;
                Ok(saved == 1)
            }

            /// Leases up to `limit` cards due by `now_ms` (and not leased, or with an expired
            /// lease) until `now_ms + lease_ms`; each claim is a write, so its revision grows.
            pub(crate) async fn claim_alert_cards(
                &self,
                now_ms: i64,
                lease_ms: i64,
                limit: usize,
            ) -> Result<Vec<$crate::AlertCard>, $crate::StoreError> {
                if limit == 0 {
                    return Ok(Vec::new());
                }
                let mut tx = self.begin_write().await?;
                let rows = sqlx::query(concat!(
                    "UPDATE alert_cards SET lease_until_ms = $1, revision = revision + 1, updated_at_ms = $2 \
                     WHERE card_key IN (SELECT card_key FROM alert_cards \
                                        WHERE due_at_ms <= $2 AND (lease_until_ms IS NULL OR lease_until_ms <= $2) \
                                        ORDER BY due_at_ms, card_key LIMIT $3 ",
                    $skip,
                    ") RETURNING ",
                    $crate::sql::cards::card_columns!()
                ))
                .bind(now_ms.saturating_add(lease_ms))
                .bind(now_ms)
                .bind(i64::try_from(limit).unwrap_or(i64::MAX))
                .fetch_all(&mut *tx)
                .await?;
                tx.commit().await?;
                let mut cards = rows.iter().map(Self::alert_card_of).collect::<Result<Vec<_>, _>>()?;
                cards.sort_by_key(|c| (c.due_at_ms, c.card_key.clone()));
                Ok(cards)
            }

            fn alert_card_of(r: &<$db as sqlx::Database>::Row) -> Result<$crate::AlertCard, $crate::StoreError> {
                use sqlx::Row as _;
                Ok($crate::AlertCard {
                    card_key: r.try_get("card_key")?,
                    channel: r.try_get("channel")?,
                    route: r.try_get("route")?,
                    group_key: r.try_get("group_key")?,
                    api_key: r.try_get("api_key")?,
                    generation: r.try_get("generation")?,
                    task_id: r.try_get("task_id")?,
                    message_id: r.try_get("message_id")?,
                    previous_message_id: r.try_get("previous_message_id")?,
                    card_sent_at_ms: r.try_get("card_sent_at_ms")?,
                    send_code_used: r.try_get("send_code_used")?,
                    response_code: r.try_get("response_code")?,
                    response_code_at_ms: r.try_get("response_code_at_ms")?,
                    state: r.try_get("state")?,
                    acknowledged_by: r.try_get("acknowledged_by")?,
                    silence_id: r.try_get("silence_id")?,
                    silence_ends_at_ms: r.try_get("silence_ends_at_ms")?,
                    data: r.try_get("data")?,
                    due_at_ms: r.try_get("due_at_ms")?,
                    lease_until_ms: r.try_get("lease_until_ms")?,
                    revision: r.try_get("revision")?,
                    created_at_ms: r.try_get("created_at_ms")?,
                    updated_at_ms: r.try_get("updated_at_ms")?,
                })
            }
        }
    };
}
pub(crate) use cards;
