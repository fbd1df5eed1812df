//! `options.overflow` through planning: split parts become ordered dispatches, truncation keeps
//! one, `reject` names the field, the length and the limit.

use serde_json::json;

use super::super::overflow::unnumber;
use super::{body, try_plan};

fn lines(n: usize) -> String {
    (0..n).map(|i| format!("line {i:04}: disk usage above threshold on db-{i}\n")).collect()
}

#[test]
fn long_app_text_is_split_into_numbered_dispatches_in_order() {
    let text = lines(100);
    assert!(text.len() > 2048);
    let plan = try_plan(json!({"channel": "ops", "to": {"users": ["a", "b"]}, "content": {"text": text}})).unwrap();
    let n = plan.dispatches.len();
    assert!(n >= 3, "{n} parts");
    let mut rejoined = String::new();
    for i in 0..n {
        let b = body(&plan, i);
        let part = b["text"]["content"].as_str().unwrap();
        assert!(part.len() <= 2048, "part {i} is {} bytes", part.len());
        assert!(part.starts_with(&format!("({}/{n}) ", i + 1)), "{part:.20}");
        assert_eq!(b["touser"], "a|b");
        assert_eq!(plan.dispatches[i].recipients, ["user:a", "user:b"]);
        rejoined.push_str(unnumber(part));
    }
    assert_eq!(rejoined, text);
}

#[test]
fn robot_markdown_splits_at_4096_and_mentions_ride_with_the_first_part() {
    let md = lines(200);
    let plan = try_plan(json!({"channel": "bot", "content": {"markdown": md}})).unwrap();
    assert!(plan.dispatches.len() >= 2);
    assert!((0..plan.dispatches.len()).all(|i| body(&plan, i)["markdown"]["content"].as_str().unwrap().len() <= 4096));
    assert!(body(&plan, 0)["markdown"]["content"].as_str().unwrap().len() > 2048, "robot markdown takes 4096");

    let text = lines(100);
    let plan = try_plan(json!({"channel": "bot", "to": {"mentions": ["alice"]}, "content": {"text": text}})).unwrap();
    assert!(plan.dispatches.len() >= 2);
    assert_eq!(body(&plan, 0)["text"]["mentioned_list"], json!(["alice"]));
    assert!(body(&plan, 1)["text"].get("mentioned_list").is_none(), "{}", body(&plan, 1));
}

#[test]
fn truncate_keeps_one_dispatch_within_the_limit() {
    let text = "磁盘已满".repeat(300);
    let plan = try_plan(json!({"channel": "ops", "to": {"users": ["a"]}, "content": {"markdown": text},
        "options": {"overflow": "truncate"}}))
    .unwrap();
    assert_eq!(plan.dispatches.len(), 1);
    let sent = body(&plan, 0)["markdown"]["content"].as_str().unwrap().to_owned();
    assert!(sent.len() <= 2048 && sent.len() > 2000, "{}", sent.len());
    assert!(sent.ends_with('…'));
    assert!(text.starts_with(sent.trim_end_matches('…')));
}

#[test]
fn reject_names_the_field_the_length_and_the_limit() {
    let text = "x".repeat(4097);
    let e = try_plan(json!({"channel": "bot", "content": {"markdown": text}, "options": {"overflow": "reject"}}))
        .unwrap_err();
    let e = serde_json::to_value(&e).unwrap();
    assert_eq!(e["field"], "content.markdown");
    let message = e["message"].as_str().unwrap();
    assert!(message.contains("4097 bytes") && message.contains("4096 bytes"), "{message}");
    // Exactly at the limit is fine in every mode.
    let fits = "x".repeat(4096);
    assert!(
        try_plan(json!({"channel": "bot", "content": {"markdown": fits}, "options": {"overflow": "reject"}})).is_ok()
    );
}
