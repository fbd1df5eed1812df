//! Checks of `template_card` messages (WeCom docs: 发送应用消息, template cards) and who gets a
//! `response_code`.
//!
//! Missing required fields answer 40063; wrong types, unknown card types, malformed `task_id`s
//! and lists longer than documented answer 40035. Display lengths ("建议不超过") are not enforced.

use serde_json::{Map, Value};

use super::errmsg::Rejection;
use super::validate::{invalid, required, string};

/// What the sender needs to know about a checked card.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Card {
    /// `card_type` of the card.
    pub(crate) card_type: String,
    /// `task_id` of the card, when present.
    pub(crate) task_id: Option<String>,
    /// True for interaction cards and for notice cards with an `action_menu`.
    pub(crate) response_code: bool,
}

/// Checks a `template_card` object.
pub(crate) fn check(card: &Map<String, Value>) -> Result<Card, Rejection> {
    let card_type = required(card, "card_type")?;
    let task_id = string(card, "task_id")?.filter(|t| !t.is_empty());
    if let Some(task_id) = task_id
        && (task_id.len() > 128 || !task_id.bytes().all(|b| b.is_ascii_alphanumeric() || b"_-@".contains(&b)))
    {
        return Err(invalid("task_id"));
    }
    let has_menu = match object(card, "action_menu")? {
        Some(menu) => {
            for action in items(menu, "action_list", 1, 3)? {
                required(action, "text")?;
                required(action, "key")?;
            }
            true
        }
        None => false,
    };
    let needs_task_id = has_menu || card_type.ends_with("_interaction");
    if needs_task_id && task_id.is_none() {
        return Err(missing("task_id"));
    }
    common_lists(card)?;
    let card_action = object(card, "card_action")?;
    if let Some(action) = card_action {
        check_action(action)?;
    }
    let main_title = object(card, "main_title")?.map(|t| string(t, "title")).transpose()?.flatten();
    let interactive = match card_type {
        "text_notice" => {
            card_action.ok_or_else(|| missing("card_action"))?;
            if main_title.is_none_or(str::is_empty) && string(card, "sub_title_text")?.is_none_or(str::is_empty) {
                return Err(missing("main_title.title"));
            }
            false
        }
        "news_notice" => {
            card_action.ok_or_else(|| missing("card_action"))?;
            if main_title.is_none_or(str::is_empty) {
                return Err(missing("main_title.title"));
            }
            match (object(card, "card_image")?, object(card, "image_text_area")?) {
                (Some(image), _) => {
                    required(image, "url")?;
                }
                (None, Some(area)) => {
                    required(area, "image_url")?;
                }
                (None, None) => return Err(missing("card_image")),
            }
            false
        }
        "button_interaction" => {
            for button in items(card, "button_list", 1, 6)? {
                required(button, "text")?;
                match button.get("type").and_then(Value::as_i64).unwrap_or(0) {
                    1 => {
                        required(button, "url")?;
                    }
                    _ => {
                        required(button, "key")?;
                    }
                }
            }
            if let Some(selection) = object(card, "button_selection")? {
                required(selection, "question_key")?;
                options(selection, 10)?;
            }
            true
        }
        "vote_interaction" => {
            let checkbox = object(card, "checkbox")?.ok_or_else(|| missing("checkbox"))?;
            required(checkbox, "question_key")?;
            options(checkbox, 20)?;
            submit_button(card)?;
            true
        }
        "multiple_interaction" => {
            for select in items(card, "select_list", 1, 3)? {
                required(select, "question_key")?;
                options(select, 10)?;
            }
            submit_button(card)?;
            true
        }
        _ => return Err(invalid("card_type")),
    };
    Ok(Card {
        card_type: card_type.to_owned(),
        task_id: task_id.map(str::to_owned),
        response_code: interactive || has_menu,
    })
}

static NO_ITEMS: Vec<Value> = Vec::new();

fn missing(field: &str) -> Rejection {
    Rejection::with_text(40063, format!("some parameters are empty, {field} missing"))
}

fn object<'a>(map: &'a Map<String, Value>, key: &str) -> Result<Option<&'a Map<String, Value>>, Rejection> {
    match map.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(invalid(key)),
    }
}

/// The objects of list `key`, which must hold `min..=max` of them (`min` 0 = optional).
fn items<'a>(
    map: &'a Map<String, Value>,
    key: &str,
    min: usize,
    max: usize,
) -> Result<Vec<&'a Map<String, Value>>, Rejection> {
    let list = match map.get(key) {
        None | Some(Value::Null) => &NO_ITEMS,
        Some(Value::Array(list)) => list,
        Some(_) => return Err(invalid(key)),
    };
    if list.len() < min {
        return Err(missing(key));
    }
    if list.len() > max {
        return Err(invalid(key));
    }
    list.iter().map(|v| v.as_object().ok_or_else(|| invalid(key))).collect()
}

fn options(map: &Map<String, Value>, max: usize) -> Result<(), Rejection> {
    for option in items(map, "option_list", 1, max)? {
        required(option, "id")?;
        required(option, "text")?;
    }
    Ok(())
}

fn submit_button(card: &Map<String, Value>) -> Result<(), Rejection> {
    let button = object(card, "submit_button")?.ok_or_else(|| missing("submit_button"))?;
    required(button, "key").map(|_| ())
}

fn check_action(action: &Map<String, Value>) -> Result<(), Rejection> {
    match action.get("type").and_then(Value::as_i64).unwrap_or(0) {
        1 => required(action, "url").map(|_| ()),
        2 => required(action, "appid").map(|_| ()),
        _ => Ok(()),
    }
}

fn common_lists(card: &Map<String, Value>) -> Result<(), Rejection> {
    for item in items(card, "horizontal_content_list", 0, 6)? {
        required(item, "keyname")?;
    }
    for item in items(card, "jump_list", 0, 3)? {
        required(item, "title")?;
    }
    for item in items(card, "vertical_content_list", 0, 4)? {
        required(item, "title")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn card(v: Value) -> Result<Card, i64> {
        check(v.as_object().unwrap_or(&Map::new())).map_err(|r| r.code)
    }

    #[test]
    fn notices() {
        let ok =
            json!({"card_type": "text_notice", "main_title": {"title": "t"}, "card_action": {"type": 1, "url": "u"}});
        assert!(!card(ok.clone()).expect("valid").response_code);
        assert_eq!(card(json!({"card_type": "text_notice", "main_title": {"title": "t"}})), Err(40063));
        let mut menu = ok;
        menu["action_menu"] = json!({"desc": "d", "action_list": [{"text": "a", "key": "k"}]});
        assert_eq!(card(menu.clone()), Err(40063), "task_id required with action_menu");
        menu["task_id"] = json!("task-1");
        assert!(card(menu).expect("valid").response_code);
        let news = json!({"card_type": "news_notice", "main_title": {"title": "t"}, "card_action": {"type": 0}});
        assert_eq!(card(news), Err(40063), "needs card_image or image_text_area");
    }

    #[test]
    fn interactions() {
        let button = json!({"card_type": "button_interaction", "task_id": "t1",
            "button_list": [{"text": "ok", "key": "k"}]});
        let c = card(button).expect("valid");
        assert_eq!(
            (c.card_type.as_str(), c.task_id.as_deref(), c.response_code),
            ("button_interaction", Some("t1"), true)
        );
        assert_eq!(
            card(json!({"card_type": "button_interaction", "button_list": [{"text": "ok", "key": "k"}]})),
            Err(40063)
        );
        assert_eq!(card(json!({"card_type": "button_interaction", "task_id": "t", "button_list": []})), Err(40063));
        assert_eq!(
            card(json!({"card_type": "button_interaction", "task_id": "bad id", "button_list": []})),
            Err(40035)
        );
        let vote = json!({"card_type": "vote_interaction", "task_id": "t", "submit_button": {"key": "s"},
            "checkbox": {"question_key": "q", "option_list": [{"id": "a", "text": "A"}]}});
        assert!(card(vote).is_ok());
        let multi = json!({"card_type": "multiple_interaction", "task_id": "t", "submit_button": {"key": "s"},
            "select_list": [{"question_key": "q", "option_list": [{"id": "a", "text": "A"}]}]});
        assert!(card(multi).is_ok());
        assert_eq!(card(json!({"card_type": "nope"})), Err(40035));
        assert_eq!(card(json!({})), Err(40063));
    }
}
