//! Listing, filters and cursor paging.

use std::collections::BTreeSet;

use yizhan_store::{ListFilter, MAX_PAGE, MessageStatus, StoreError};

use super::{Backend, T0, message};

/// Stores `n` messages; message `i` is created at `T0 + i / 3` (ties on purpose) on channel
/// `ops` (even) or `app` (odd). Returns their ids in creation order.
async fn seed(b: &Backend, n: i64) -> Vec<yizhan_core::MessageId> {
    let mut msgs = Vec::new();
    for i in 0..n {
        let mut m = message(if i % 2 == 0 { "ops" } else { "app" }, 1);
        m.created_at_ms = T0 + i / 3;
        m.send_at_ms = m.created_at_ms;
        msgs.push(m);
    }
    let ids = msgs.iter().map(|m| m.id).collect();
    for chunk in msgs.chunks(250) {
        b.store.accept_batch(chunk.to_vec()).await.expect("seed messages");
    }
    ids
}

pub async fn list_filters(b: Backend) -> anyhow::Result<()> {
    let ids = seed(&b, 30).await;
    b.store.cancel(ids[0], T0).await?;
    b.store.cancel(ids[1], T0).await?;
    let all = b.store.list(&ListFilter::default()).await?;
    assert_eq!(all.items.len(), 30);
    assert!(all.next_cursor.is_none());
    assert_eq!(all.items[0].id, ids[29], "newest first");
    assert!(all.items.windows(2).all(|w| (w[0].created_at_ms, w[0].id) > (w[1].created_at_ms, w[1].id)));
    let ops = b.store.list(&ListFilter { channel: Some("ops".to_owned()), ..ListFilter::default() }).await?;
    assert_eq!(ops.items.len(), 15);
    assert!(ops.items.iter().all(|m| m.channel == "ops"));
    let cancelled = ListFilter { status: Some(MessageStatus::Cancelled), ..ListFilter::default() };
    let cancelled = b.store.list(&cancelled).await?;
    assert_eq!(cancelled.items.iter().map(|m| m.id).collect::<BTreeSet<_>>(), BTreeSet::from([ids[0], ids[1]]));
    let both =
        ListFilter { status: Some(MessageStatus::Cancelled), channel: Some("app".to_owned()), ..ListFilter::default() };
    assert_eq!(b.store.list(&both).await?.items.len(), 1);
    // since is inclusive, until exclusive: created_at in [T0 + 2, T0 + 5) is messages 6..15.
    let window = ListFilter { since_ms: Some(T0 + 2), until_ms: Some(T0 + 5), ..ListFilter::default() };
    let window = b.store.list(&window).await?;
    assert_eq!(window.items.iter().map(|m| m.id).collect::<BTreeSet<_>>(), ids[6..15].iter().copied().collect());
    let bad = ListFilter { cursor: Some("garbage".to_owned()), ..ListFilter::default() };
    assert!(matches!(b.store.list(&bad).await.expect_err("expected an error"), StoreError::Invalid(_)));
    let huge = ListFilter { limit: Some(10_000), ..ListFilter::default() };
    assert_eq!(huge.page_size(), MAX_PAGE);
    Ok(())
}

pub async fn list_by_recipient_and_text(b: Backend) -> anyhow::Result<()> {
    let mut alert = message("ops", 1);
    alert.request = serde_json::json!({"channel": "ops", "content": {"text": "DISK full on db-3 (100%_used)"}});
    alert.dispatches[0].recipients = vec!["user:Alice".to_owned()];
    let mut other = message("ops", 1);
    other.request = serde_json::json!({"channel": "ops", "content": {"text": "deploy 磁盘 done"}});
    other.dispatches[0].recipients = vec!["user:bob".to_owned()];
    let (alert_id, other_id) = (alert.id, other.id);
    b.store.accept_batch(vec![alert, other]).await?;
    let ids = |page: yizhan_store::Page| page.items.into_iter().map(|m| m.id).collect::<Vec<_>>();
    let by = |recipient: Option<&str>, text: Option<&str>| ListFilter {
        recipient: recipient.map(str::to_owned),
        text: text.map(str::to_owned),
        ..ListFilter::default()
    };
    assert_eq!(ids(b.store.list(&by(Some("alice"), None)).await?), vec![alert_id], "recipient, any case");
    assert_eq!(ids(b.store.list(&by(Some("user:bob"), None)).await?), vec![other_id]);
    assert_eq!(ids(b.store.list(&by(None, Some("disk FULL"))).await?), vec![alert_id], "text, any case");
    assert_eq!(ids(b.store.list(&by(None, Some("磁盘"))).await?), vec![other_id]);
    // LIKE wildcards in the filter are literal.
    assert_eq!(ids(b.store.list(&by(None, Some("100%_used"))).await?), vec![alert_id]);
    assert!(ids(b.store.list(&by(None, Some("100%used"))).await?).is_empty());
    assert!(ids(b.store.list(&by(None, Some("d_sk"))).await?).is_empty());
    assert!(ids(b.store.list(&by(Some("alice"), Some("deploy"))).await?).is_empty(), "combined with AND");
    assert_eq!(ids(b.store.list(&by(Some("  "), None)).await?).len(), 2, "blank means no filter");
    Ok(())
}

pub async fn activity_per_channel(b: Backend) -> anyhow::Result<()> {
    let mut msgs = Vec::new();
    for (channel, at) in [("ops", T0), ("ops", T0 + 60_001), ("ops", T0 + 60_002), ("app", T0), ("ops", T0 - 1)] {
        let mut m = message(channel, 1);
        m.created_at_ms = at;
        m.send_at_ms = at;
        msgs.push(m);
    }
    let ids: Vec<_> = msgs.iter().map(|m| m.id).collect();
    b.store.accept_batch(msgs).await?;
    b.store.cancel(ids[0], T0).await?;
    b.store.cancel(ids[4], T0).await?;
    let ops = b.store.activity("ops", T0, 60_000).await?;
    assert_eq!(ops.counts.get("accepted"), Some(&2));
    assert_eq!(ops.counts.get("cancelled"), Some(&2), "all time, before the window too");
    assert_eq!(
        ops.buckets,
        vec![(0, "cancelled".to_owned(), 1), (1, "accepted".to_owned(), 2)],
        "per minute since T0, by status"
    );
    assert_eq!(ops.oldest_waiting, Some((ids[1], T0 + 60_001)), "cancelled ones do not wait");
    let app = b.store.activity("app", T0, 60_000).await?;
    assert_eq!(app.counts.values().sum::<i64>(), 1);
    assert_eq!(app.oldest_waiting.map(|(id, _)| id), Some(ids[3]));
    let none = b.store.activity("nobody", T0, 60_000).await?;
    assert!(none.counts.is_empty() && none.buckets.is_empty() && none.oldest_waiting.is_none());
    Ok(())
}

pub async fn cursor_paging_over_1000_messages(b: Backend) -> anyhow::Result<()> {
    let ids = seed(&b, 1000).await;
    for (limit, channel, want) in [(37, None, 1000), (500, None, 1000), (100, Some("app"), 500)] {
        let mut filter =
            ListFilter { limit: Some(limit), channel: channel.map(str::to_owned), ..ListFilter::default() };
        let mut seen = Vec::new();
        let mut pages = 0;
        loop {
            let page = b.store.list(&filter).await?;
            pages += 1;
            assert!(page.items.len() <= limit);
            seen.extend(page.items.iter().map(|m| (m.created_at_ms, m.id)));
            match page.next_cursor {
                Some(c) => filter.cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), want, "limit {limit}: no gaps");
        assert_eq!(seen.iter().collect::<BTreeSet<_>>().len(), want, "limit {limit}: no duplicates");
        assert!(seen.windows(2).all(|w| w[0] > w[1]), "limit {limit}: strictly newest first");
        assert_eq!(pages, want.div_ceil(limit).max(1));
    }
    assert_eq!(ids.len(), 1000);
    Ok(())
}
