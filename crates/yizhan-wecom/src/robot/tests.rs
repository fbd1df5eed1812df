//! Validation of robot messages: each rule names its field and limit.

use crate::message::template_card::{
    Action, ActionMenu, Button, ButtonInteraction, CardAction, CardImage, NewsNotice, TextNotice,
};

use super::*;

fn field(message: &RobotMessage) -> String {
    message.validate().map_err(|e| e.field).err().unwrap_or_default()
}

fn problem(message: &RobotMessage) -> String {
    message.validate().map_err(|e| e.problem).err().unwrap_or_default()
}

fn notice() -> TextNotice {
    TextNotice::new("Build failed", CardAction::url("https://ci.example.com/812"))
}

#[test]
fn text_content_and_mentions() {
    assert!(RobotMessage::text("hi").validate().is_ok());
    assert_eq!(field(&RobotMessage::text("")), "text.content");
    assert!(RobotMessage::text("a".repeat(limits::TEXT_CONTENT_BYTES)).validate().is_ok());
    let long = RobotMessage::text("字".repeat(683));
    assert_eq!(problem(&long), "is 2049 bytes; the limit is 2048 bytes (UTF-8)");
    let ok = RobotText::new("x").mention(["alice", "@all"]).mention_mobile(["13800138000", "@all"]);
    assert!(RobotMessage::from(ok).validate().is_ok());
    let bad = RobotMessage::from(RobotText::new("x").mention(["alice", "bob smith"]));
    assert_eq!(field(&bad), "text.mentioned_list[1]");
    let bad = RobotMessage::from(RobotText::new("x").mention_mobile(["138-0013"]));
    assert_eq!(field(&bad), "text.mentioned_mobile_list[0]");
    assert!(problem(&bad).contains("@all"));
}

#[test]
fn markdown_over_4096_bytes_is_an_error_not_a_split() {
    assert!(RobotMessage::markdown("m".repeat(4096)).validate().is_ok());
    let e = RobotMessage::markdown("m".repeat(4097)).validate().expect_err("too long");
    assert_eq!(e.to_string(), "markdown.content: is 4097 bytes; the limit is 4096 bytes (UTF-8)");
    let e = RobotMessage::markdown_v2("表".repeat(1366)).validate().expect_err("too long");
    assert_eq!(
        (e.field.as_str(), e.problem.as_str()),
        ("markdown_v2.content", "is 4098 bytes; the limit is 4096 bytes (UTF-8)")
    );
    assert_eq!(field(&RobotMessage::markdown_v2(" ")), "markdown_v2.content");
}

#[test]
fn image_from_bytes_computes_base64_and_md5_of_the_raw_bytes() {
    let message = RobotMessage::image_from_bytes(b"hello");
    let RobotMessage::Image { image } = &message else { panic!("not an image") };
    assert_eq!(image.base64, "aGVsbG8=");
    assert_eq!(image.md5, "5d41402abc4b2a76b9719d911017c592");
    assert!(message.validate().is_ok());
    assert!(!format!("{message:?}").contains("aGVsbG8="), "Debug shows the size, not the data");

    let wrong = RobotImage { md5: "0".repeat(32), ..image.clone() };
    let e = RobotMessage::from(wrong).validate().expect_err("md5 mismatch");
    assert_eq!(e.field, "image.md5");
    assert!(e.problem.contains("5d41402abc4b2a76b9719d911017c592"), "{e}");
    let upper = RobotImage { md5: image.md5.to_uppercase(), ..image.clone() };
    assert!(RobotMessage::from(upper).validate().is_ok());
    let garbage = RobotImage { base64: "not base64!".into(), md5: image.md5.clone() };
    assert_eq!(field(&garbage.into()), "image.base64");
    let big = RobotMessage::image_from_bytes(&vec![7u8; limits::IMAGE_BYTES + 1]);
    assert!(problem(&big).contains("the limit is 2097152 bytes"), "{}", problem(&big));
    assert!(RobotMessage::image_from_bytes(&vec![7u8; limits::IMAGE_BYTES]).validate().is_ok());
}

#[test]
fn news_articles() {
    let article = || RobotArticle::new("Release", "https://example.com/r");
    assert!(RobotMessage::news([article()]).validate().is_ok());
    assert_eq!(problem(&RobotMessage::news([])), "has 0 items; it must have 1 to 8");
    assert_eq!(field(&RobotMessage::news(vec![article(); 9])), "news.articles");
    let mut long = article();
    long.title = "t".repeat(129);
    assert_eq!(field(&RobotMessage::news([article(), long])), "news.articles[1].title");
    let mut desc = article();
    desc.description = Some("d".repeat(513));
    assert_eq!(field(&RobotMessage::news([desc])), "news.articles[0].description");
    assert_eq!(field(&RobotMessage::news([RobotArticle::new("t", "ftp://x")])), "news.articles[0].url");
    assert_eq!(field(&RobotMessage::news([RobotArticle::new("t", "")])), "news.articles[0].url");
}

#[test]
fn media_ids_are_required() {
    assert!(RobotMessage::file("m1").validate().is_ok());
    assert_eq!(field(&RobotMessage::file("")), "file.media_id");
    assert_eq!(field(&RobotMessage::voice(" ")), "voice.media_id");
}

#[test]
fn only_notice_cards_without_callbacks() {
    assert!(RobotMessage::template_card(notice()).validate().is_ok());
    let image = CardImage { url: "https://example.com/a.png".into(), aspect_ratio: None };
    let news = NewsNotice::new("Weekly", image, CardAction::url("https://example.com"));
    assert!(RobotMessage::template_card(news).validate().is_ok());

    let buttons = ButtonInteraction::new("Approve?", "task-1", [Button::callback("Yes", "yes")]);
    let e = RobotMessage::template_card(buttons).validate().expect_err("interaction card");
    assert_eq!(e.field, "template_card.card_type");
    assert!(e.problem.starts_with("is button_interaction; group robots send only text_notice and news_notice"));

    let mut menu = notice();
    menu.action_menu = Some(ActionMenu { desc: None, action_list: vec![Action::new("Mute", "mute")] });
    menu.task_id = Some("task-1".into());
    assert_eq!(field(&RobotMessage::template_card(menu)), "template_card.action_menu");
    let mut task = notice();
    task.task_id = Some("task-1".into());
    assert_eq!(field(&RobotMessage::template_card(task)), "template_card.task_id");
    let mut no_action = notice();
    no_action.card_action = None;
    assert_eq!(field(&RobotMessage::template_card(no_action)), "template_card.card_action");
}

#[test]
fn wire_shape_and_names() {
    let value = serde_json::to_value(RobotMessage::markdown_v2("# t")).expect("serializes");
    assert_eq!(value, serde_json::json!({"msgtype": "markdown_v2", "markdown_v2": {"content": "# t"}}));
    let text = serde_json::to_value(RobotMessage::text("x")).expect("serializes");
    assert_eq!(text, serde_json::json!({"msgtype": "text", "text": {"content": "x"}}), "empty lists omitted");
    for (message, name) in [
        (RobotMessage::text("x"), "text"),
        (RobotMessage::markdown("x"), "markdown"),
        (RobotMessage::file("m"), "file"),
        (RobotMessage::voice("m"), "voice"),
        (RobotMessage::template_card(notice()), "template_card"),
    ] {
        assert_eq!(message.msgtype(), name);
        assert_eq!(serde_json::to_value(&message).expect("serializes")["msgtype"], name);
    }
}
