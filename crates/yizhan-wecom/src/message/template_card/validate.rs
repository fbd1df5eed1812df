//! Validation of template cards: required blocks per card type, item counts, key and option-id
//! sizes and uniqueness, link targets, and the `task_id` syntax. Every error names the JSON path
//! under `template_card`. Recommended character counts are display hints and are not checked.

use super::{
    ActionMenu, Button, ButtonInteraction, ButtonType, CardAction, HorizontalContent, HorizontalType, Jump, LinkType,
    MultipleInteraction, NewsNotice, QuoteArea, SubmitButton, TextNotice, VerticalContent, VoteInteraction,
};
use crate::message::check::{at, is_set, item, opt_max_bytes, required_max_bytes, required_when, unique};
use crate::message::limits;
use crate::validate::{self, ValidationError};

const ROOT: &str = "template_card";

/// `template_card.<name>`
fn path(name: &str) -> String {
    at(ROOT, name)
}

pub(super) fn text_notice(c: &TextNotice) -> Result<(), ValidationError> {
    header(c.action_menu.as_ref(), c.task_id.as_deref(), None)?;
    if !is_set(c.main_title.as_ref().and_then(|t| t.title.as_deref())) && !is_set(c.sub_title_text.as_deref()) {
        return Err(ValidationError::new(
            path("main_title.title"),
            "is required for text_notice unless sub_title_text is set",
        ));
    }
    quote_area(c.quote_area.as_ref())?;
    horizontal_list(&c.horizontal_content_list)?;
    jump_list(&c.jump_list)?;
    notice_card_action(c.card_action.as_ref(), "text_notice")
}

pub(super) fn news_notice(c: &NewsNotice) -> Result<(), ValidationError> {
    header(c.action_menu.as_ref(), c.task_id.as_deref(), None)?;
    let title = c.main_title.as_ref().and_then(|t| t.title.as_deref());
    required_when(&path("main_title.title"), title, "for news_notice")?;
    quote_area(c.quote_area.as_ref())?;
    if c.card_image.is_none() && c.image_text_area.is_none() {
        return Err(ValidationError::new(path("card_image"), "or image_text_area is required for news_notice"));
    }
    if let Some(image) = &c.card_image {
        validate::required(&path("card_image.url"), &image.url)?;
        if let Some(ratio) = image.aspect_ratio
            && !(limits::MIN_ASPECT_RATIO..=limits::MAX_ASPECT_RATIO).contains(&ratio)
        {
            return Err(ValidationError::new(
                path("card_image.aspect_ratio"),
                format_args!(
                    "is {ratio}; it must be from {} to {}",
                    limits::MIN_ASPECT_RATIO,
                    limits::MAX_ASPECT_RATIO
                ),
            ));
        }
    }
    if let Some(area) = &c.image_text_area {
        validate::required(&path("image_text_area.image_url"), &area.image_url)?;
        link(&path("image_text_area"), area.r#type, area.url.as_deref(), area.appid.as_deref())?;
    }
    vertical_list(&c.vertical_content_list)?;
    horizontal_list(&c.horizontal_content_list)?;
    jump_list(&c.jump_list)?;
    notice_card_action(c.card_action.as_ref(), "news_notice")
}

pub(super) fn button_interaction(c: &ButtonInteraction) -> Result<(), ValidationError> {
    header(c.action_menu.as_ref(), c.task_id.as_deref(), Some("button_interaction"))?;
    quote_area(c.quote_area.as_ref())?;
    horizontal_list(&c.horizontal_content_list)?;
    if let Some(action) = &c.card_action {
        card_action(action)?;
    }
    if let Some(selection) = &c.button_selection {
        let options: Vec<_> = selection.option_list.iter().map(|o| (o.id.as_str(), o.text.as_str())).collect();
        question(&path("button_selection"), &selection.question_key, &options, limits::MAX_SELECT_OPTIONS)?;
    }
    button_list(&c.button_list)
}

pub(super) fn vote_interaction(c: &VoteInteraction) -> Result<(), ValidationError> {
    header(None, c.task_id.as_deref(), Some("vote_interaction"))?;
    let Some(checkbox) = &c.checkbox else {
        return Err(ValidationError::new(path("checkbox"), "is required for vote_interaction"));
    };
    let options: Vec<_> = checkbox.option_list.iter().map(|o| (o.id.as_str(), o.text.as_str())).collect();
    question(&path("checkbox"), &checkbox.question_key, &options, limits::MAX_CHECKBOX_OPTIONS)?;
    submit_button(c.submit_button.as_ref(), "vote_interaction")
}

pub(super) fn multiple_interaction(c: &MultipleInteraction) -> Result<(), ValidationError> {
    header(None, c.task_id.as_deref(), Some("multiple_interaction"))?;
    validate::count(&path("select_list"), c.select_list.len(), 1, limits::MAX_SELECTS)?;
    for (i, select) in c.select_list.iter().enumerate() {
        let options: Vec<_> = select.option_list.iter().map(|o| (o.id.as_str(), o.text.as_str())).collect();
        question(&item(ROOT, "select_list", i), &select.question_key, &options, limits::MAX_SELECT_OPTIONS)?;
    }
    unique(
        c.select_list.iter().map(|s| s.question_key.as_str()),
        |i| at(&item(ROOT, "select_list", i), "question_key"),
        "among the select_list questions",
    )?;
    submit_button(c.submit_button.as_ref(), "multiple_interaction")
}

/// `action_menu` and `task_id`; `required_for` names the card type when `task_id` is always required.
fn header(menu: Option<&ActionMenu>, task_id: Option<&str>, required_for: Option<&str>) -> Result<(), ValidationError> {
    if let Some(menu) = menu {
        let p = path("action_menu");
        validate::count(&at(&p, "action_list"), menu.action_list.len(), 1, limits::MAX_ACTIONS)?;
        for (i, action) in menu.action_list.iter().enumerate() {
            let ip = item(&p, "action_list", i);
            validate::required(&at(&ip, "text"), &action.text)?;
            required_max_bytes(&at(&ip, "key"), &action.key, limits::KEY_BYTES)?;
        }
        let keys = menu.action_list.iter().map(|a| a.key.as_str());
        unique(keys, |i| at(&item(&p, "action_list", i), "key"), "within the menu")?;
    }
    let field = path("task_id");
    match (task_id, required_for, menu) {
        (Some(id), _, _) => task_id_syntax(&field, id),
        (None, Some(card), _) => Err(ValidationError::new(field, format_args!("is required for {card}"))),
        (None, None, Some(_)) => Err(ValidationError::new(field, "is required when action_menu is set")),
        (None, None, None) => Ok(()),
    }
}

/// Non-empty, at most 128 bytes of `[0-9A-Za-z_\-@]`.
fn task_id_syntax(field: &str, id: &str) -> Result<(), ValidationError> {
    required_max_bytes(field, id, limits::TASK_ID_BYTES)?;
    if let Some(bad) = id.chars().find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '@'))) {
        return Err(ValidationError::new(
            field,
            format_args!("contains {bad:?}; only letters, digits, '_', '-' and '@' are allowed"),
        ));
    }
    Ok(())
}

/// A link target: `type` 1 needs `url`, `type` 2 needs `appid`.
fn link(prefix: &str, kind: Option<LinkType>, url: Option<&str>, appid: Option<&str>) -> Result<(), ValidationError> {
    match kind {
        Some(LinkType::Url) => required_when(&at(prefix, "url"), url, "when type is 1 (url)"),
        Some(LinkType::Miniprogram) => required_when(&at(prefix, "appid"), appid, "when type is 2 (mini-program)"),
        Some(LinkType::NoLink) | None => Ok(()),
    }
}

fn card_action(action: &CardAction) -> Result<(), ValidationError> {
    link(&path("card_action"), action.r#type, action.url.as_deref(), action.appid.as_deref())
}

/// Notices must have a `card_action` that is a link.
fn notice_card_action(action: Option<&CardAction>, card: &str) -> Result<(), ValidationError> {
    let Some(action) = action else {
        return Err(ValidationError::new(path("card_action"), format_args!("is required for {card}")));
    };
    if !matches!(action.r#type, Some(LinkType::Url | LinkType::Miniprogram)) {
        return Err(ValidationError::new(
            path("card_action.type"),
            format_args!("must be 1 (url) or 2 (mini-program) for {card}"),
        ));
    }
    card_action(action)
}

fn quote_area(quote: Option<&QuoteArea>) -> Result<(), ValidationError> {
    quote.map_or(Ok(()), |q| link(&path("quote_area"), q.r#type, q.url.as_deref(), q.appid.as_deref()))
}

fn horizontal_list(list: &[HorizontalContent]) -> Result<(), ValidationError> {
    const NAME: &str = "horizontal_content_list";
    validate::count(&path(NAME), list.len(), 0, limits::MAX_HORIZONTAL_CONTENTS)?;
    list.iter().enumerate().try_for_each(|(i, line)| {
        let p = item(ROOT, NAME, i);
        validate::required(&at(&p, "keyname"), &line.keyname)?;
        match line.r#type {
            Some(HorizontalType::Url) => required_when(&at(&p, "url"), line.url.as_deref(), "when type is 1 (url)"),
            Some(HorizontalType::Attachment) => {
                required_when(&at(&p, "media_id"), line.media_id.as_deref(), "when type is 2 (attachment)")
            }
            Some(HorizontalType::Member) => {
                required_when(&at(&p, "userid"), line.userid.as_deref(), "when type is 3 (member)")
            }
            Some(HorizontalType::Text) | None => Ok(()),
        }
    })
}

fn jump_list(list: &[Jump]) -> Result<(), ValidationError> {
    validate::count(&path("jump_list"), list.len(), 0, limits::MAX_JUMPS)?;
    list.iter().enumerate().try_for_each(|(i, jump)| {
        let p = item(ROOT, "jump_list", i);
        validate::required(&at(&p, "title"), &jump.title)?;
        link(&p, jump.r#type, jump.url.as_deref(), jump.appid.as_deref())
    })
}

fn vertical_list(list: &[VerticalContent]) -> Result<(), ValidationError> {
    validate::count(&path("vertical_content_list"), list.len(), 0, limits::MAX_VERTICAL_CONTENTS)?;
    list.iter()
        .enumerate()
        .try_for_each(|(i, v)| validate::required(&at(&item(ROOT, "vertical_content_list", i), "title"), &v.title))
}

/// A question: its key, 1–`max` options with required, unique ids and texts.
fn question(p: &str, question_key: &str, options: &[(&str, &str)], max: usize) -> Result<(), ValidationError> {
    required_max_bytes(&at(p, "question_key"), question_key, limits::KEY_BYTES)?;
    validate::count(&at(p, "option_list"), options.len(), 1, max)?;
    for (i, (id, text)) in options.iter().enumerate() {
        let ip = item(p, "option_list", i);
        required_max_bytes(&at(&ip, "id"), id, limits::OPTION_ID_BYTES)?;
        validate::required(&at(&ip, "text"), text)?;
    }
    unique(options.iter().map(|(id, _)| *id), |i| at(&item(p, "option_list", i), "id"), "within the question")
}

fn button_list(list: &[Button]) -> Result<(), ValidationError> {
    const NAME: &str = "button_list";
    validate::count(&path(NAME), list.len(), 1, limits::MAX_BUTTONS)?;
    for (i, button) in list.iter().enumerate() {
        let p = item(ROOT, NAME, i);
        validate::required(&at(&p, "text"), &button.text)?;
        if let Some(style) = button.style
            && !(1..=limits::MAX_BUTTON_STYLE).contains(&style)
        {
            let max = limits::MAX_BUTTON_STYLE;
            return Err(ValidationError::new(at(&p, "style"), format_args!("is {style}; it must be 1 to {max}")));
        }
        match button.r#type {
            Some(ButtonType::Url) => required_when(&at(&p, "url"), button.url.as_deref(), "when type is 1 (url)")?,
            Some(ButtonType::Callback) | None => {
                required_when(&at(&p, "key"), button.key.as_deref(), "for a callback button (type 0, the default)")?
            }
        }
        opt_max_bytes(&at(&p, "key"), button.key.as_deref(), limits::KEY_BYTES)?;
    }
    let keys = list.iter().map(|b| b.key.as_deref().unwrap_or_default());
    unique(keys, |i| at(&item(ROOT, NAME, i), "key"), "among the buttons")
}

fn submit_button(button: Option<&SubmitButton>, card: &str) -> Result<(), ValidationError> {
    let Some(button) = button else {
        return Err(ValidationError::new(path("submit_button"), format_args!("is required for {card}")));
    };
    required_max_bytes(&path("submit_button.key"), &button.key, limits::KEY_BYTES)
}
