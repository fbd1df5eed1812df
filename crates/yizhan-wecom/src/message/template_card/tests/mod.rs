//! Table tests for template card validation. Each card type starts from a valid, fully featured
//! card; each case mutates one thing and names the field path it must fail on (`None` = must pass).

mod interactions;
mod notices;

use super::*;
use interactions::{button_interaction, multiple_interaction, vote_interaction};
use notices::{news_notice, text_notice};

pub(super) type Case<C> = (&'static str, fn(&mut C), Option<&'static str>);

pub(super) fn run<C: Clone + Into<TemplateCard>>(valid: &C, cases: &[Case<C>]) {
    let card: TemplateCard = valid.clone().into();
    assert_eq!(card.validate(), Ok(()), "the base {} card", card.card_type());
    for (name, mutate, expected) in cases {
        let mut c = valid.clone();
        mutate(&mut c);
        let got = c.into().validate().err();
        assert_eq!(got.as_ref().map(|e| e.field.as_str()), *expected, "case {name:?}: {got:?}");
    }
}

pub(super) fn long(n: usize) -> String {
    "a".repeat(n)
}

pub(super) fn menu() -> ActionMenu {
    ActionMenu::new("卡片副交互辅助文本说明", [Action::new("接收推送", "A"), Action::new("不再推送", "B")])
}
#[test]
fn response_code_cards() {
    let cases: [(TemplateCard, bool); 7] = [
        (text_notice().into(), true),
        (TextNotice { action_menu: None, ..text_notice() }.into(), false),
        (news_notice().into(), true),
        (NewsNotice { action_menu: None, ..news_notice() }.into(), false),
        (ButtonInteraction { action_menu: None, ..button_interaction() }.into(), true),
        (vote_interaction().into(), true),
        (multiple_interaction().into(), true),
    ];
    for (card, expected) in cases {
        assert_eq!(card.expects_response_code(), expected, "{}", card.card_type());
        assert_eq!(crate::message::Message::template_card(card).expects_response_code(), expected);
    }
}

#[test]
fn card_type_is_the_tag() {
    let cards: [TemplateCard; 5] = [
        text_notice().into(),
        news_notice().into(),
        button_interaction().into(),
        vote_interaction().into(),
        multiple_interaction().into(),
    ];
    for card in cards {
        let value = serde_json::to_value(&card).expect("serializes");
        assert_eq!(value["card_type"], card.card_type());
        assert_eq!(serde_json::from_value::<TemplateCard>(value).ok(), Some(card));
    }
}
