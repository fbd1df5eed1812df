//! Alert cards: inserted once, saved only as a compare-and-set, claimed when due under a lease.

use yizhan_store::AlertCard;

use super::{Backend, LEASE, T0};

fn card(key: &str) -> AlertCard {
    AlertCard {
        card_key: key.to_owned(),
        channel: "ops".to_owned(),
        route: "ops/db".to_owned(),
        group_key: "{}:{alertname=\"HighCPU\"}".to_owned(),
        api_key: Some("am".to_owned()),
        generation: 1,
        task_id: format!("yzc-{key}-1"),
        message_id: "m1".to_owned(),
        previous_message_id: None,
        card_sent_at_ms: T0,
        send_code_used: false,
        response_code: None,
        response_code_at_ms: None,
        state: "firing".to_owned(),
        acknowledged_by: None,
        silence_id: None,
        silence_ends_at_ms: None,
        data: "{}".to_owned(),
        due_at_ms: None,
        lease_until_ms: None,
        revision: 0,
        created_at_ms: T0,
        updated_at_ms: T0,
    }
}

pub async fn alert_cards_are_compare_and_set_and_claimed_when_due(b: Backend) -> anyhow::Result<()> {
    let first = card("a1");
    assert!(b.store.insert_alert_card(&first).await?);
    assert!(!b.store.insert_alert_card(&card("a1")).await?, "a second insert of the key changes nothing");
    let read = b.store.alert_card("a1").await?.expect("stored");
    assert_eq!(read, first);
    assert!(b.store.alert_card("zz").await?.is_none());

    // Two writers that read revision 0: the first wins, the second must read again.
    let mut acked = read.clone();
    acked.acknowledged_by = Some("alice".to_owned());
    acked.send_code_used = true;
    acked.response_code = Some("code-1".to_owned());
    acked.response_code_at_ms = Some(T0 + 5);
    acked.due_at_ms = Some(T0 + 10);
    assert!(b.store.save_alert_card(&acked, T0 + 5).await?);
    let mut stale = read.clone();
    stale.state = "resolved".to_owned();
    assert!(!b.store.save_alert_card(&stale, T0 + 6).await?, "revision 0 is gone");
    let now = b.store.alert_card("a1").await?.expect("stored");
    assert_eq!((now.revision, now.state.as_str(), now.acknowledged_by.as_deref()), (1, "firing", Some("alice")));
    assert!(now.send_code_used);
    assert_eq!(
        (now.response_code.as_deref(), now.response_code_at_ms, now.updated_at_ms),
        (Some("code-1"), Some(T0 + 5), T0 + 5)
    );

    // Claims: only due cards, once per lease; a claim is a write (the revision moves on).
    assert!(b.store.insert_alert_card(&card("b2")).await?, "never due");
    assert!(b.store.claim_alert_cards(T0 + 9, LEASE, 10).await?.is_empty(), "not due yet");
    let claimed = b.store.claim_alert_cards(T0 + 10, LEASE, 10).await?;
    assert_eq!(claimed.len(), 1);
    assert_eq!((claimed[0].card_key.as_str(), claimed[0].revision), ("a1", 2));
    assert_eq!(claimed[0].lease_until_ms, Some(T0 + 10 + LEASE));
    assert!(!b.store.save_alert_card(&now, T0 + 11).await?, "the claim moved the revision");
    assert!(b.store.claim_alert_cards(T0 + 11, LEASE, 10).await?.is_empty(), "leased");
    let taken_over = b.store.claim_alert_cards(T0 + 10 + LEASE, LEASE, 10).await?;
    assert_eq!(taken_over.len(), 1, "an expired lease is taken over");
    let mut done = taken_over[0].clone();
    done.due_at_ms = None;
    done.lease_until_ms = None;
    assert!(b.store.save_alert_card(&done, T0 + 20 + LEASE).await?);
    assert!(b.store.claim_alert_cards(T0 + 1_000_000_000, LEASE, 10).await?.is_empty(), "nothing due");
    Ok(())
}

pub async fn retention_deletes_idle_resolved_cards_only(b: Backend) -> anyhow::Result<()> {
    let resolved = AlertCard { state: "resolved".to_owned(), ..card("r1") };
    let busy = AlertCard { state: "resolved".to_owned(), due_at_ms: Some(T0), ..card("r2") };
    let recent = AlertCard { state: "resolved".to_owned(), updated_at_ms: T0 + 10, ..card("r3") };
    for c in [&resolved, &busy, &recent, &card("f1")] {
        assert!(b.store.insert_alert_card(c).await?);
    }
    let purged = b.store.purge(T0 + 5, 100).await?;
    assert_eq!((purged.cards, purged.rows), (1, 1));
    assert!(b.store.alert_card("r1").await?.is_none(), "resolved, idle and old");
    for kept in ["r2", "r3", "f1"] {
        assert!(b.store.alert_card(kept).await?.is_some(), "{kept} has work left, is recent or fires");
    }
    Ok(())
}
