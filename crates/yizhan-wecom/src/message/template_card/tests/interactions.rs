//! button_interaction, vote_interaction and multiple_interaction rules, and error wording.

use super::super::*;
use super::{long, run};

pub(super) fn button_interaction() -> ButtonInteraction {
    ButtonInteraction {
        button_selection: Some(ButtonSelection::new(
            "btn_question_key1",
            [SelectOption::new("btn_selection_id1", "100分"), SelectOption::new("btn_selection_id2", "101分")],
        )),
        ..ButtonInteraction::new(
            "欢迎使用企业微信",
            "task-btn",
            [
                Button { style: Some(4), ..Button::callback("按钮1", "BUTTONKEYONE") },
                Button::url("官网", "https://work.weixin.qq.com"),
            ],
        )
    }
}

#[test]
fn button_interaction_rules() {
    run(
        &button_interaction(),
        &[
            ("no task_id", |c| c.task_id = None, Some("template_card.task_id")),
            ("no buttons", |c| c.button_list.clear(), Some("template_card.button_list")),
            ("6 buttons", |c| c.button_list.resize_with(6, || Button::url("t", "https://u")), None),
            (
                "7 buttons",
                |c| c.button_list.resize_with(7, || Button::url("t", "https://u")),
                Some("template_card.button_list"),
            ),
            ("callback without key", |c| c.button_list[0].key = None, Some("template_card.button_list[0].key")),
            (
                "explicit type 0 without key",
                |c| c.button_list[0] = Button { r#type: Some(ButtonType::Callback), ..Button::callback("t", "") },
                Some("template_card.button_list[0].key"),
            ),
            ("url button without url", |c| c.button_list[1].url = None, Some("template_card.button_list[1].url")),
            ("url button needs no key", |c| c.button_list[1].key = None, None),
            (
                "duplicate keys",
                |c| c.button_list[1] = Button::callback("b", "BUTTONKEYONE"),
                Some("template_card.button_list[1].key"),
            ),
            ("1025-byte key", |c| c.button_list[0].key = Some(long(1025)), Some("template_card.button_list[0].key")),
            ("1024-byte key", |c| c.button_list[0].key = Some(long(1024)), None),
            ("style 5", |c| c.button_list[0].style = Some(5), Some("template_card.button_list[0].style")),
            ("style 0", |c| c.button_list[0].style = Some(0), Some("template_card.button_list[0].style")),
            ("empty button text", |c| c.button_list[1].text.clear(), Some("template_card.button_list[1].text")),
            ("no selection", |c| c.button_selection = None, None),
            (
                "selection without question_key",
                |c| c.button_selection.as_mut().expect("set").question_key.clear(),
                Some("template_card.button_selection.question_key"),
            ),
            (
                "selection without options",
                |c| c.button_selection.as_mut().expect("set").option_list.clear(),
                Some("template_card.button_selection.option_list"),
            ),
            (
                "11 selection options",
                |c| {
                    c.button_selection.as_mut().expect("set").option_list =
                        (0..11).map(|i| SelectOption::new(i.to_string(), "t")).collect()
                },
                Some("template_card.button_selection.option_list"),
            ),
            (
                "duplicate option ids",
                |c| c.button_selection.as_mut().expect("set").option_list[1].id = "btn_selection_id1".into(),
                Some("template_card.button_selection.option_list[1].id"),
            ),
            (
                "129-byte option id",
                |c| c.button_selection.as_mut().expect("set").option_list[0].id = long(129),
                Some("template_card.button_selection.option_list[0].id"),
            ),
            (
                "empty option text",
                |c| c.button_selection.as_mut().expect("set").option_list[0].text.clear(),
                Some("template_card.button_selection.option_list[0].text"),
            ),
            ("optional card_action", |c| c.card_action = Some(CardAction::url("https://u")), None),
            (
                "card_action mini-program without appid",
                |c| c.card_action = Some(CardAction { r#type: Some(LinkType::Miniprogram), ..Default::default() }),
                Some("template_card.card_action.appid"),
            ),
            (
                "action_menu without actions",
                |c| c.action_menu = Some(ActionMenu::default()),
                Some("template_card.action_menu.action_list"),
            ),
        ],
    );
}

pub(super) fn vote_interaction() -> VoteInteraction {
    let options = [CheckboxOption::new("option_id1", "选项1", true), CheckboxOption::new("option_id2", "选项2", false)];
    VoteInteraction::new("投票", "task-vote", Checkbox::new("question_key1", options), SubmitButton::new("提交", "key"))
}

#[test]
fn vote_interaction_rules() {
    let twenty = |c: &mut VoteInteraction| {
        c.checkbox.as_mut().expect("set").option_list =
            (0..20).map(|i| CheckboxOption::new(i.to_string(), "t", false)).collect();
    };
    run(
        &vote_interaction(),
        &[
            ("no task_id", |c| c.task_id = None, Some("template_card.task_id")),
            ("no checkbox", |c| c.checkbox = None, Some("template_card.checkbox")),
            (
                "no question_key",
                |c| c.checkbox.as_mut().expect("set").question_key.clear(),
                Some("template_card.checkbox.question_key"),
            ),
            (
                "1025-byte question_key",
                |c| c.checkbox.as_mut().expect("set").question_key = long(1025),
                Some("template_card.checkbox.question_key"),
            ),
            (
                "no options",
                |c| c.checkbox.as_mut().expect("set").option_list.clear(),
                Some("template_card.checkbox.option_list"),
            ),
            ("20 options", twenty, None),
            (
                "21 options",
                |c| {
                    c.checkbox.as_mut().expect("set").option_list =
                        (0..21).map(|i| CheckboxOption::new(i.to_string(), "t", false)).collect()
                },
                Some("template_card.checkbox.option_list"),
            ),
            (
                "duplicate ids",
                |c| c.checkbox.as_mut().expect("set").option_list[1].id = "option_id1".into(),
                Some("template_card.checkbox.option_list[1].id"),
            ),
            (
                "empty id",
                |c| c.checkbox.as_mut().expect("set").option_list[0].id.clear(),
                Some("template_card.checkbox.option_list[0].id"),
            ),
            (
                "empty text",
                |c| c.checkbox.as_mut().expect("set").option_list[1].text.clear(),
                Some("template_card.checkbox.option_list[1].text"),
            ),
            ("multi mode", |c| c.checkbox.as_mut().expect("set").mode = Some(CheckboxMode::Multiple), None),
            ("no submit_button", |c| c.submit_button = None, Some("template_card.submit_button")),
            (
                "submit without key",
                |c| c.submit_button.as_mut().expect("set").key.clear(),
                Some("template_card.submit_button.key"),
            ),
            ("submit with default text", |c| c.submit_button.as_mut().expect("set").text = None, None),
        ],
    );
}

pub(super) fn multiple_interaction() -> MultipleInteraction {
    let select = |key: &str, ids: [&str; 2]| SelectList::new(key, ids.map(|id| SelectOption::new(id, "选项")));
    MultipleInteraction::new(
        "多项选择",
        "task-multi",
        [
            select("question_key1", ["selection_id1", "selection_id2"]),
            select("question_key2", ["selection_id3", "selection_id4"]),
        ],
        SubmitButton::new("提交", "key"),
    )
}

#[test]
fn multiple_interaction_rules() {
    run(
        &multiple_interaction(),
        &[
            ("no task_id", |c| c.task_id = None, Some("template_card.task_id")),
            ("no select_list", |c| c.select_list.clear(), Some("template_card.select_list")),
            (
                "3 selects",
                |c| c.select_list.push(SelectList::new("question_key3", [SelectOption::new("x", "y")])),
                None,
            ),
            ("4 selects", |c| c.select_list.resize(4, c.select_list[0].clone()), Some("template_card.select_list")),
            (
                "select without options",
                |c| c.select_list[1].option_list.clear(),
                Some("template_card.select_list[1].option_list"),
            ),
            (
                "11 options",
                |c| c.select_list[0].option_list = (0..11).map(|i| SelectOption::new(i.to_string(), "t")).collect(),
                Some("template_card.select_list[0].option_list"),
            ),
            (
                "10 options",
                |c| c.select_list[0].option_list = (0..10).map(|i| SelectOption::new(i.to_string(), "t")).collect(),
                None,
            ),
            (
                "duplicate id within a question",
                |c| c.select_list[0].option_list[1].id = "selection_id1".into(),
                Some("template_card.select_list[0].option_list[1].id"),
            ),
            ("same id in two questions", |c| c.select_list[1].option_list[0].id = "selection_id1".into(), None),
            (
                "duplicate question_key",
                |c| c.select_list[1].question_key = "question_key1".into(),
                Some("template_card.select_list[1].question_key"),
            ),
            (
                "empty question_key",
                |c| c.select_list[0].question_key.clear(),
                Some("template_card.select_list[0].question_key"),
            ),
            ("no submit_button", |c| c.submit_button = None, Some("template_card.submit_button")),
        ],
    );
}
#[test]
fn errors_name_the_limit() {
    let mut card = button_interaction();
    card.button_list.resize_with(7, || Button::url("t", "https://u"));
    let e = TemplateCard::from(card).validate().expect_err("7 buttons");
    assert_eq!(e.to_string(), "template_card.button_list: has 7 items; it must have 1 to 6");
    let mut card = super::notices::text_notice();
    card.task_id = Some(long(129));
    let e = TemplateCard::from(card).validate().expect_err("long task id");
    assert_eq!(e.problem, "is 129 bytes; the limit is 128 bytes (UTF-8)");
    let mut card = vote_interaction();
    card.checkbox.as_mut().expect("set").option_list[1].id = "option_id1".into();
    let e = TemplateCard::from(card).validate().expect_err("duplicate id");
    assert!(e.problem.contains("\"option_id1\" repeats item [0]"), "{e}");
}
