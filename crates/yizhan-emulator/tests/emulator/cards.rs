//! Template cards: response codes for interactive cards and notice cards with an action menu.

use serde_json::{Value, json};

use crate::support::{Env, assert_error, typed};

fn button_card() -> Value {
    json!({"card_type": "button_interaction", "task_id": "task-42", "main_title": {"title": "Approve?"},
        "button_list": [{"text": "Yes", "style": 1, "key": "yes"}, {"text": "No", "style": 2, "key": "no"}]})
}

#[tokio::test]
async fn interactive_cards_get_a_recorded_response_code() {
    let env = Env::new().await;
    let token = env.token().await;
    let v = env.send(&token, &typed("template_card", button_card())).await;
    assert_eq!(v["errcode"], 0, "{v}");
    let code = v["response_code"].as_str().unwrap();
    assert!(code.len() >= 20);
    let issued = env.emu.response_codes();
    assert_eq!(issued.len(), 1);
    assert_eq!(issued[0].response_code, code);
    assert_eq!(issued[0].msgid, v["msgid"].as_str().unwrap());
    assert_eq!((issued[0].card_type.as_str(), issued[0].task_id.as_deref()), ("button_interaction", Some("task-42")));
    assert_eq!(env.emu.inbox()[0].content["card_type"], "button_interaction");
    let again = env.send(&token, &typed("template_card", button_card())).await;
    assert_ne!(again["response_code"], code, "a fresh code per message");
}

#[tokio::test]
async fn notice_cards_get_a_code_only_with_an_action_menu() {
    let env = Env::new().await;
    let token = env.token().await;
    let mut notice = json!({"card_type": "text_notice", "main_title": {"title": "Build failed"},
        "card_action": {"type": 1, "url": "https://example.invalid"}});
    let v = env.send(&token, &typed("template_card", notice.clone())).await;
    assert_eq!(v["errcode"], 0, "{v}");
    assert!(v.get("response_code").is_none());
    notice["action_menu"] = json!({"desc": "more", "action_list": [{"text": "Mute", "key": "mute"}]});
    assert_error(&env.send(&token, &typed("template_card", notice.clone())).await, 40063);
    notice["task_id"] = json!("notice-1");
    let v = env.send(&token, &typed("template_card", notice)).await;
    assert!(v["response_code"].as_str().is_some(), "{v}");
}

#[tokio::test]
async fn interactive_card_errors() {
    let env = Env::new().await;
    let token = env.token().await;
    let mut card = button_card();
    card.as_object_mut().unwrap().remove("task_id");
    assert_error(&env.send(&token, &typed("template_card", card)).await, 40063);
    let vote = json!({"card_type": "vote_interaction", "task_id": "t",
        "checkbox": {"question_key": "q", "option_list": [{"id": "a", "text": "A"}]}});
    assert_error(&env.send(&token, &typed("template_card", vote)).await, 40063);
    let multi = json!({"card_type": "multiple_interaction", "task_id": "t", "submit_button": {"key": "s"},
        "select_list": [{"question_key": "q", "option_list": []}]});
    assert_error(&env.send(&token, &typed("template_card", multi)).await, 40063);
    assert!(env.emu.response_codes().is_empty());
}
