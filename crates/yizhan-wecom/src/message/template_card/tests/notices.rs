//! text_notice and news_notice rules.

use super::super::*;
use super::{long, menu, run};

pub(super) fn text_notice() -> TextNotice {
    TextNotice {
        source: Some(Source {
            desc: Some("企业微信".into()),
            desc_color: Some(DescColor::Black),
            ..Default::default()
        }),
        action_menu: Some(menu()),
        task_id: Some("task-1_a@b".into()),
        quote_area: Some(QuoteArea {
            r#type: Some(LinkType::Url),
            url: Some("https://work.weixin.qq.com".into()),
            ..Default::default()
        }),
        horizontal_content_list: vec![
            HorizontalContent::text("邀请人", "张三"),
            HorizontalContent::url("官网", "点击访问", "https://work.weixin.qq.com"),
            HorizontalContent::attachment("下载", "企业微信.apk", "MEDIA"),
            HorizontalContent::member("员工信息", "点击查看", "zhangsan"),
        ],
        jump_list: vec![
            Jump::url("企业微信官网", "https://work.weixin.qq.com"),
            Jump::miniprogram("跳转小程序", "wx123", "/index.html"),
        ],
        ..TextNotice::new("欢迎使用企业微信", CardAction::url("https://work.weixin.qq.com"))
    }
}

#[test]
fn text_notice_rules() {
    run(
        &text_notice(),
        &[
            ("no card_action", |c| c.card_action = None, Some("template_card.card_action")),
            (
                "card_action without type",
                |c| c.card_action = Some(CardAction::default()),
                Some("template_card.card_action.type"),
            ),
            (
                "card_action type 0",
                |c| c.card_action = Some(CardAction { r#type: Some(LinkType::NoLink), ..Default::default() }),
                Some("template_card.card_action.type"),
            ),
            (
                "card_action url missing",
                |c| c.card_action = Some(CardAction { url: None, ..CardAction::url("") }),
                Some("template_card.card_action.url"),
            ),
            ("card_action mini-program", |c| c.card_action = Some(CardAction::miniprogram("wx1", "p")), None),
            (
                "card_action mini-program without appid",
                |c| c.card_action = Some(CardAction { appid: None, ..CardAction::miniprogram("wx1", "p") }),
                Some("template_card.card_action.appid"),
            ),
            (
                "sub_title_text instead of main_title",
                |c| (c.main_title, c.sub_title_text) = (None, Some("副标题".into())),
                None,
            ),
            ("neither main_title nor sub_title_text", |c| c.main_title = None, Some("template_card.main_title.title")),
            (
                "main_title without title",
                |c| c.main_title = Some(MainTitle::default()),
                Some("template_card.main_title.title"),
            ),
            ("a long title is only a recommendation", |c| c.main_title = Some(MainTitle::new("字".repeat(100))), None),
            ("action_menu without task_id", |c| c.task_id = None, Some("template_card.task_id")),
            ("neither action_menu nor task_id", |c| (c.action_menu, c.task_id) = (None, None), None),
            (
                "empty action_list",
                |c| c.action_menu = Some(ActionMenu::new("d", [])),
                Some("template_card.action_menu.action_list"),
            ),
            (
                "4 actions",
                |c| c.action_menu = Some(ActionMenu::new("d", ["a", "b", "c", "d"].map(|k| Action::new(k, k)))),
                Some("template_card.action_menu.action_list"),
            ),
            (
                "duplicate action keys",
                |c| c.action_menu = Some(ActionMenu::new("d", [Action::new("x", "K"), Action::new("y", "K")])),
                Some("template_card.action_menu.action_list[1].key"),
            ),
            (
                "1025-byte action key",
                |c| c.action_menu = Some(ActionMenu::new("d", [Action::new("x", long(1025))])),
                Some("template_card.action_menu.action_list[0].key"),
            ),
            ("task_id with a space", |c| c.task_id = Some("task 1".into()), Some("template_card.task_id")),
            ("task_id with CJK", |c| c.task_id = Some("任务".into()), Some("template_card.task_id")),
            ("128-byte task_id", |c| c.task_id = Some(long(128)), None),
            ("129-byte task_id", |c| c.task_id = Some(long(129)), Some("template_card.task_id")),
            ("empty task_id", |c| c.task_id = Some(String::new()), Some("template_card.task_id")),
            (
                "quote_area url missing",
                |c| c.quote_area = Some(QuoteArea { r#type: Some(LinkType::Url), ..Default::default() }),
                Some("template_card.quote_area.url"),
            ),
            ("6 horizontal lines", |c| c.horizontal_content_list.resize(6, HorizontalContent::text("k", "v")), None),
            (
                "7 horizontal lines",
                |c| c.horizontal_content_list.resize(7, HorizontalContent::text("k", "v")),
                Some("template_card.horizontal_content_list"),
            ),
            (
                "empty keyname",
                |c| c.horizontal_content_list[0].keyname.clear(),
                Some("template_card.horizontal_content_list[0].keyname"),
            ),
            (
                "url line without url",
                |c| c.horizontal_content_list[1].url = None,
                Some("template_card.horizontal_content_list[1].url"),
            ),
            (
                "attachment without media_id",
                |c| c.horizontal_content_list[2].media_id = None,
                Some("template_card.horizontal_content_list[2].media_id"),
            ),
            (
                "member without userid",
                |c| c.horizontal_content_list[3].userid = None,
                Some("template_card.horizontal_content_list[3].userid"),
            ),
            ("4 jumps", |c| c.jump_list.resize(4, Jump::url("t", "https://u")), Some("template_card.jump_list")),
            ("jump without title", |c| c.jump_list[0].title.clear(), Some("template_card.jump_list[0].title")),
            (
                "mini-program jump without appid",
                |c| c.jump_list[1].appid = None,
                Some("template_card.jump_list[1].appid"),
            ),
            ("url jump without url", |c| c.jump_list[0].url = None, Some("template_card.jump_list[0].url")),
        ],
    );
}

pub(super) fn news_notice() -> NewsNotice {
    NewsNotice {
        action_menu: Some(menu()),
        task_id: Some("task-news".into()),
        image_text_area: Some(ImageTextArea {
            r#type: Some(LinkType::Url),
            url: Some("https://work.weixin.qq.com".into()),
            ..ImageTextArea::new("https://example.com/a.jpg")
        }),
        vertical_content_list: vec![VerticalContent::new("惊喜红包等你来拿", "下载企业微信还能抢红包！")],
        ..NewsNotice::new("欢迎使用企业微信", CardImage::new("https://example.com/b.jpg"), CardAction::url("https://u"))
    }
}

#[test]
fn news_notice_rules() {
    run(
        &news_notice(),
        &[
            ("no main_title", |c| c.main_title = None, Some("template_card.main_title.title")),
            (
                "sub_title is not enough",
                |c| c.main_title = Some(MainTitle { title: None, desc: Some("d".into()) }),
                Some("template_card.main_title.title"),
            ),
            ("no image at all", |c| (c.card_image, c.image_text_area) = (None, None), Some("template_card.card_image")),
            ("image_text_area only", |c| c.card_image = None, None),
            ("card_image only", |c| c.image_text_area = None, None),
            (
                "card_image without url",
                |c| c.card_image = Some(CardImage::new("")),
                Some("template_card.card_image.url"),
            ),
            (
                "aspect ratio 1.3",
                |c| c.card_image = Some(CardImage { aspect_ratio: Some(1.3), ..CardImage::new("u") }),
                None,
            ),
            (
                "aspect ratio 2.25",
                |c| c.card_image = Some(CardImage { aspect_ratio: Some(2.25), ..CardImage::new("u") }),
                None,
            ),
            (
                "aspect ratio 2.26",
                |c| c.card_image = Some(CardImage { aspect_ratio: Some(2.26), ..CardImage::new("u") }),
                Some("template_card.card_image.aspect_ratio"),
            ),
            (
                "aspect ratio 1.29",
                |c| c.card_image = Some(CardImage { aspect_ratio: Some(1.29), ..CardImage::new("u") }),
                Some("template_card.card_image.aspect_ratio"),
            ),
            (
                "aspect ratio NaN",
                |c| c.card_image = Some(CardImage { aspect_ratio: Some(f64::NAN), ..CardImage::new("u") }),
                Some("template_card.card_image.aspect_ratio"),
            ),
            (
                "image_text_area without image_url",
                |c| c.image_text_area = Some(ImageTextArea::new("")),
                Some("template_card.image_text_area.image_url"),
            ),
            (
                "image_text_area url missing",
                |c| c.image_text_area = Some(ImageTextArea { r#type: Some(LinkType::Url), ..ImageTextArea::new("i") }),
                Some("template_card.image_text_area.url"),
            ),
            (
                "image_text_area appid missing",
                |c| {
                    c.image_text_area =
                        Some(ImageTextArea { r#type: Some(LinkType::Miniprogram), ..ImageTextArea::new("i") })
                },
                Some("template_card.image_text_area.appid"),
            ),
            ("4 vertical entries", |c| c.vertical_content_list.resize(4, VerticalContent::new("t", "d")), None),
            (
                "5 vertical entries",
                |c| c.vertical_content_list.resize(5, VerticalContent::new("t", "d")),
                Some("template_card.vertical_content_list"),
            ),
            (
                "vertical without title",
                |c| c.vertical_content_list[0].title.clear(),
                Some("template_card.vertical_content_list[0].title"),
            ),
            ("no card_action", |c| c.card_action = None, Some("template_card.card_action")),
            ("action_menu without task_id", |c| c.task_id = None, Some("template_card.task_id")),
            (
                "7 horizontal lines",
                |c| c.horizontal_content_list.resize(7, HorizontalContent::text("k", "v")),
                Some("template_card.horizontal_content_list"),
            ),
        ],
    );
}
