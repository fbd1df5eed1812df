//! Golden requests: every msgtype and every template card type is built through the typed API,
//! serialized, and compared (as `serde_json::Value`) with a fixture written by hand from the
//! reference doc shapes; each fixture must also decode back into an equal request.

use std::path::Path;

use serde_json::Value;
use yizhan_wecom::api::message_send::Request;
use yizhan_wecom::message::template_card::{
    Action, ActionMenu, Button, ButtonInteraction, ButtonSelection, ButtonType, CardAction, CardImage, Checkbox,
    CheckboxMode, CheckboxOption, DescColor, EmphasisContent, HorizontalContent, ImageTextArea, Jump, LinkType,
    MainTitle, MultipleInteraction, NewsNotice, QuoteArea, SelectList, SelectOption, Source, SubmitButton, TextNotice,
    VerticalContent, VoteInteraction,
};
use yizhan_wecom::message::{ContentItem, Message, MiniprogramNotice, MpNewsArticle, NewsArticle, TextCard, Video};
use yizhan_wecom::recipients::Recipients;

const AGENT: i64 = 1_000_002;
const OPTION_KEYS: [&str; 4] = ["safe", "enable_id_trans", "enable_duplicate_check", "duplicate_check_interval"];
const ICON: &str = "https://wework.qpic.cn/wwpic/252813_jOfDHtcISzuodLa_1629280209/0";
const WORK: &str = "https://work.weixin.qq.com";
const APPID: &str = "wx123123123123123";

fn fixture(name: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wecom").join(name);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Serializes `request`, compares it with the fixture, decodes the fixture back, and validates.
fn assert_golden(name: &str, request: &Request) {
    let expected = fixture(name);
    let actual = serde_json::to_value(request).expect("request serializes");
    assert_eq!(actual, expected, "{name}: serialized request differs from the fixture");
    let decoded: Request = serde_json::from_value(expected).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(&decoded, request, "{name}: fixture does not decode into the same request");
    assert_eq!(request.validate(), Ok(()), "{name}: the golden request must be valid");
}

fn users(ids: &[&str]) -> Recipients {
    Recipients::users(ids.iter().copied())
}

fn to(users: &[&str], parties: &[&str], tags: &[&str]) -> Recipients {
    let owned = |l: &[&str]| l.iter().map(|s| (*s).to_owned()).collect();
    Recipients { users: owned(users), parties: owned(parties), tags: owned(tags) }
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn zhangsan(message: Message) -> Request {
    Request::new(AGENT, &users(&["zhangsan"]), message)
}

#[test]
fn text_with_every_option_set() {
    let content = "你的快递已到，请携带工卡前往邮件中心领取。\n出发前可查看<a href=\"https://work.weixin.qq.com\">邮件中心视频实况</a>，聪明避开排队。";
    let mut request = Request::new(AGENT, &to(&["zhangsan", "lisi"], &["1", "2"], &["3"]), Message::text(content));
    request.safe = Some(1);
    request.enable_id_trans = Some(1);
    request.enable_duplicate_check = Some(1);
    request.duplicate_check_interval = Some(1800);
    assert_golden("message_send.text.request.json", &request);
    assert!(request.is_deduplicated());
}

#[test]
fn a_request_without_options_sends_none_of_them() {
    let request =
        Request::new(AGENT, &Recipients::all(), Message::image("1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0"));
    assert_golden("message_send.image.request.json", &request);
    let value = serde_json::to_value(&request).expect("serializes");
    let object = value.as_object().expect("an object");
    for key in OPTION_KEYS.iter().chain(&["toparty", "totag"]) {
        assert!(!object.contains_key(*key), "{key} must be omitted when unset: {value}");
    }
}

#[test]
fn voice_file_and_video() {
    assert_golden(
        "message_send.voice.request.json",
        &zhangsan(Message::voice("2vvS4kUUXuHK9YBx8cOqd2aWBPpD-P1E2vW3jNJ7q5Qk")),
    );
    assert_golden(
        "message_send.file.request.json",
        &zhangsan(Message::file("1Yv-zXfHjSjU-7LH-GwtYqDGS-zz6w22KmWAT5COgP7o")),
    );
    let video = Video {
        title: s("季度例会回放"),
        description: s("2024 年第三季度全员例会录像"),
        ..Video::new("3Yv-zXfHjSjU-7LH-GwtYqDGS-zz6w22KmWAT5COgP7o")
    };
    let request = Request::new(AGENT, &to(&["zhangsan"], &["5"], &[]), video.into());
    assert_golden("message_send.video.request.json", &request);
}

#[test]
fn textcard() {
    let description = "<div class=\"gray\">2016年9月26日</div> <div class=\"normal\">恭喜你抽中iPhone 7一台，领奖码：xxxx</div><div class=\"highlight\">请于2016年10月10日前联系行政同事领取</div>";
    let card = TextCard {
        btntxt: s("更多"),
        ..TextCard::new("领奖通知", description, "https://work.weixin.qq.com/prize?code=xxxx")
    };
    let request = Request::new(AGENT, &to(&["zhangsan", "lisi"], &[], &["7"]), card.into());
    assert_golden("message_send.textcard.request.json", &request);
}

#[test]
fn news_and_mpnews() {
    let first = NewsArticle {
        description: s("今年中秋节公司有豪礼相送"),
        picurl: s("http://res.mail.qq.com/node/ww/wwopenmng/images/independent/doc/test_pic_msg1.png"),
        ..NewsArticle::url("中秋节礼品领取", "https://work.weixin.qq.com/gift")
    };
    let second = NewsArticle::miniprogram("在小程序里领取", APPID, "pages/index?userid=zhangsan&orderid=123123123");
    assert_golden("message_send.news.request.json", &zhangsan(Message::news([first, second])));

    let article = MpNewsArticle {
        author: s("Author"),
        content_source_url: s("https://work.weixin.qq.com/source"),
        digest: s("Digest description"),
        ..MpNewsArticle::new("Title", "2-G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0", "<p>Content</p>")
    };
    let mut request = zhangsan(Message::mpnews([article]));
    request.safe = Some(2);
    assert_golden("message_send.mpnews.request.json", &request);
}

#[test]
fn markdown() {
    let content = "您的会议室已经预定，稍后会同步到`邮箱`\n>**事项详情**\n>事　项：<font color=\"info\">开会</font>\n>组织者：@miglioguan\n>\n>会议室：<font color=\"info\">广州TIT 1楼 301</font>\n>日　期：<font color=\"warning\">2018年5月18日</font>\n>时　间：<font color=\"comment\">上午9:00-11:00</font>\n>\n>请准时参加会议。\n>\n>如需修改会议信息，请点击：[修改会议信息](https://work.weixin.qq.com)";
    assert_golden("message_send.markdown.request.json", &zhangsan(Message::markdown(content)));
}

#[test]
fn miniprogram_notice() {
    let notice = MiniprogramNotice {
        page: s("pages/index?userid=zhangsan&orderid=123123123"),
        description: s("4月27日 16:16"),
        emphasis_first_item: Some(true),
        content_item: vec![
            ContentItem::new("会议室", "402"),
            ContentItem::new("会议地点", "广州TIT-402会议室"),
            ContentItem::new("会议时间", "2018年8月1日 09:00-09:30"),
            ContentItem::new("参与人员", "周剑轩"),
        ],
        ..MiniprogramNotice::new(APPID, "会议室预订成功通知")
    };
    let mut request = Request::new(AGENT, &to(&["zhangsan", "lisi"], &["1", "2"], &["1", "2"]), notice.into());
    request.enable_id_trans = Some(0);
    assert_golden("message_send.miniprogram_notice.request.json", &request);
}

fn source(desc_color: Option<DescColor>) -> Option<Source> {
    Some(Source { icon_url: s(ICON), desc: s("企业微信"), desc_color })
}

fn main_title() -> Option<MainTitle> {
    Some(MainTitle {
        desc: s("您的好友正在邀请您加入企业微信"), ..MainTitle::new("欢迎使用企业微信")
    })
}

fn menu(desc: &str, actions: &[(&str, &str)]) -> Option<ActionMenu> {
    Some(ActionMenu::new(desc, actions.iter().map(|(text, key)| Action::new(*text, *key))))
}

fn quote(kind: LinkType) -> QuoteArea {
    QuoteArea {
        r#type: Some(kind),
        title: s("企业微信的引用样式"),
        quote_text: s("企业微信真好用呀真好用"),
        ..Default::default()
    }
}

#[test]
fn template_card_text_notice() {
    let card = TextNotice {
        source: source(Some(DescColor::Black)),
        action_menu: menu("消息气泡副交互辅助文本说明", &[("接收推送", "action_key1"), ("不再推送", "action_key2")]),
        task_id: s("task_id_text_notice_001"),
        main_title: main_title(),
        emphasis_content: Some(EmphasisContent { title: s("100"), desc: s("核心数据") }),
        quote_area: Some(QuoteArea { url: s(WORK), ..quote(LinkType::Url) }),
        sub_title_text: s("下载企业微信还能抢红包！"),
        horizontal_content_list: vec![
            HorizontalContent::text("邀请人", "张三"),
            HorizontalContent::url("企业微信官网", "点击访问", WORK),
            HorizontalContent::attachment(
                "企业微信下载",
                "企业微信.apk",
                "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0",
            ),
            HorizontalContent::member("员工信息", "点击查看", "zhangsan"),
        ],
        jump_list: vec![Jump::url("企业微信官网", WORK), Jump::miniprogram("跳转小程序", APPID, "/index.html")],
        card_action: Some(CardAction { url: s(WORK), ..CardAction::miniprogram(APPID, "/index.html") }),
    };
    let mut request = Request::new(AGENT, &to(&["zhangsan", "lisi"], &["1"], &[]), Message::template_card(card));
    request.enable_id_trans = Some(0);
    request.enable_duplicate_check = Some(0);
    request.duplicate_check_interval = Some(1800);
    assert!(request.message.expects_response_code());
    assert_golden("message_send.template_card.text_notice.request.json", &request);
}

#[test]
fn template_card_news_notice() {
    let card = NewsNotice {
        source: source(Some(DescColor::Grey)),
        action_menu: menu("卡片副交互辅助文本说明", &[("接收推送", "action_key1"), ("不再推送", "action_key2")]),
        task_id: s("task_id_news_notice_001"),
        main_title: main_title(),
        quote_area: Some(QuoteArea { appid: s(APPID), pagepath: s("/index.html"), ..quote(LinkType::Miniprogram) }),
        image_text_area: Some(ImageTextArea {
            r#type: Some(LinkType::Url),
            url: s(WORK),
            title: s("欢迎使用企业微信"),
            desc: s("您的好友正在邀请您加入企业微信"),
            ..ImageTextArea::new(
                "https://img.iplaysoft.com/wp-content/uploads/2019/free-images/free_stock_photo_2x.jpg",
            )
        }),
        card_image: Some(CardImage {
            aspect_ratio: Some(2.25),
            ..CardImage::new("https://wework.qpic.cn/wwpic/354393_4zpkKXd7SrGMvfg_1629280616/0")
        }),
        vertical_content_list: vec![VerticalContent::new("惊喜红包等你来拿", "下载企业微信还能抢红包！")],
        horizontal_content_list: vec![
            HorizontalContent::text("邀请人", "张三"),
            HorizontalContent::url("企业微信官网", "点击访问", WORK),
        ],
        jump_list: vec![Jump::url("企业微信官网", WORK)],
        card_action: Some(CardAction::url(WORK)),
    };
    assert_golden("message_send.template_card.news_notice.request.json", &zhangsan(Message::template_card(card)));
}

#[test]
fn template_card_button_interaction() {
    let card = ButtonInteraction {
        source: source(Some(DescColor::Red)),
        action_menu: menu("卡片副交互辅助文本说明", &[("接收推送", "action_key1")]),
        main_title: main_title(),
        quote_area: Some(quote(LinkType::NoLink)),
        sub_title_text: s("下载企业微信还能抢红包！"),
        horizontal_content_list: vec![HorizontalContent::text("邀请人", "张三")],
        card_action: Some(CardAction::url(WORK)),
        task_id: s("task_id_button_001"),
        button_selection: Some(ButtonSelection {
            title: s("企业微信评分"),
            selected_id: s("btn_selection_id1"),
            ..ButtonSelection::new(
                "btn_question_key1",
                [SelectOption::new("btn_selection_id1", "100分"), SelectOption::new("btn_selection_id2", "101分")],
            )
        }),
        button_list: vec![
            Button { style: Some(4), ..Button::callback("按钮1", "BUTTONKEYONE") },
            Button {
                r#type: Some(ButtonType::Callback), style: Some(1), ..Button::callback("按钮2", "BUTTONKEYTWO")
            },
            Button { style: Some(2), ..Button::url("官网", WORK) },
        ],
        replace_text: None,
    };
    assert_golden(
        "message_send.template_card.button_interaction.request.json",
        &zhangsan(Message::template_card(card)),
    );
}

#[test]
fn template_card_vote_interaction() {
    let checkbox = Checkbox {
        mode: Some(CheckboxMode::Multiple),
        ..Checkbox::new(
            "question_key1",
            [
                CheckboxOption::new("option_id1", "选择题选项1", true),
                CheckboxOption::new("option_id2", "选择题选项2", false),
            ],
        )
    };
    let card = VoteInteraction {
        source: source(None),
        main_title: main_title(),
        ..VoteInteraction::new(
            "欢迎使用企业微信",
            "task_id_vote_001",
            checkbox,
            SubmitButton::new("提交", "submit_key"),
        )
    };
    assert_golden("message_send.template_card.vote_interaction.request.json", &zhangsan(Message::template_card(card)));
}

#[test]
fn template_card_multiple_interaction() {
    let select = |n: usize, options: [usize; 2]| SelectList {
        title: Some(format!("选择器标签{n}")),
        selected_id: Some(format!("selection_id{}", options[0])),
        ..SelectList::new(
            format!("question_key{n}"),
            options.map(|i| SelectOption::new(format!("selection_id{i}"), format!("选择器选项{i}"))),
        )
    };
    let card = MultipleInteraction {
        source: source(Some(DescColor::Green)),
        main_title: main_title(),
        ..MultipleInteraction::new(
            "欢迎使用企业微信",
            "task_id_multiple_001",
            [select(1, [1, 2]), select(2, [3, 4])],
            SubmitButton::new("提交", "submit_key"),
        )
    };
    assert_golden(
        "message_send.template_card.multiple_interaction.request.json",
        &zhangsan(Message::template_card(card)),
    );
}

#[test]
fn every_msgtype_and_card_type_has_a_fixture() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wecom");
    let names = [
        "text",
        "image",
        "voice",
        "video",
        "file",
        "textcard",
        "news",
        "mpnews",
        "markdown",
        "miniprogram_notice",
        "template_card.text_notice",
        "template_card.news_notice",
        "template_card.button_interaction",
        "template_card.vote_interaction",
        "template_card.multiple_interaction",
    ];
    for name in names {
        let file = dir.join(format!("message_send.{name}.request.json"));
        let value = fixture(&format!("message_send.{name}.request.json"));
        let msgtype = name.split('.').next().unwrap_or_default();
        assert_eq!(value["msgtype"], msgtype, "{}", file.display());
        if let Some(card_type) = name.strip_prefix("template_card.") {
            assert_eq!(value["template_card"]["card_type"], card_type, "{}", file.display());
        }
    }
}
