//! Golden robot bodies: every webhook msgtype is built through the typed API, serialized and
//! compared (as `serde_json::Value`) with a fixture written by hand from WeCom's documentation
//! (群机器人配置说明); each fixture decodes back into an equal message that validates. Response and
//! error bodies decode.

use std::path::Path;

use serde_json::Value;
use yizhan_core::FailureKind;
use yizhan_wecom::api::{Envelope, webhook_send, webhook_upload_media};
use yizhan_wecom::errcode;
use yizhan_wecom::message::template_card::{
    CardAction, CardImage, DescColor, EmphasisContent, HorizontalContent, Jump, LinkType, MainTitle, NewsNotice,
    QuoteArea, Source, TextNotice, VerticalContent,
};
use yizhan_wecom::robot::{RobotArticle, RobotMessage, RobotText};

const ICON: &str = "https://wework.qpic.cn/wwpic/252813_jOfDHtcISzuodLa_1629280209/0";
const OPEN: &str = "https://work.weixin.qq.com/?from=openApi";

fn fixture_text(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/wecom").join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fixture(name: &str) -> Value {
    serde_json::from_str(&fixture_text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn assert_golden(name: &str, message: &RobotMessage) {
    let expected = fixture(name);
    assert_eq!(serde_json::to_value(message).expect("serializes"), expected, "{name}: differs from the fixture");
    let decoded: RobotMessage = serde_json::from_value(expected).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(&decoded, message, "{name}: fixture does not decode into the same message");
    assert_eq!(message.validate(), Ok(()), "{name}: the golden message must be valid");
}

fn s(v: &str) -> Option<String> {
    Some(v.to_owned())
}

fn source(desc_color: Option<DescColor>) -> Option<Source> {
    Some(Source { icon_url: s(ICON), desc: s("企业微信"), desc_color })
}

fn main_title() -> Option<MainTitle> {
    Some(MainTitle {
        desc: s("您的好友正在邀请您加入企业微信"), ..MainTitle::new("欢迎使用企业微信")
    })
}

#[test]
fn text_with_mentions() {
    let text = RobotText::new("广州今日天气：29度，大部分多云，降雨概率：60%")
        .mention(["wangqing", "@all"])
        .mention_mobile(["13800001111", "@all"]);
    assert_golden("robot.text.request.json", &text.into());
}

#[test]
fn markdown_and_markdown_v2() {
    let content = "实时新增用户反馈<font color=\"warning\">132例</font>，请相关同事注意。\n\
                   >类型:<font color=\"comment\">用户反馈</font>\n\
                   >普通用户反馈:<font color=\"comment\">117例</font>\n\
                   >VIP用户反馈:<font color=\"comment\">15例</font>";
    assert_golden("robot.markdown.request.json", &RobotMessage::markdown(content));
    let v2 = "# 一、标题\n## 二级标题\n*斜体* **加粗**\n- 列表 1\n  - 列表 1.1\n> 引用\n>> 二级引用\n\
              [这是一个链接](https://work.weixin.qq.com/api/doc)\n---\n`inline code`\n```\ncode block\n```\n\
              | 姓名 | 文化衫尺寸 |\n| :--- | :---: |\n| 张三 | S |\n| 李四 | M |";
    assert_golden("robot.markdown_v2.request.json", &RobotMessage::markdown_v2(v2));
}

#[test]
fn image_carries_base64_and_md5_of_the_raw_bytes() {
    assert_golden("robot.image.request.json", &RobotMessage::image_from_bytes(b"\x89PNG\r\n\x1a\n"));
}

#[test]
fn news_file_and_voice() {
    let first = RobotArticle {
        description: s("今年中秋节公司有豪礼相送"),
        picurl: s("http://res.mail.qq.com/node/ww/wwopenmng/images/independent/doc/test_pic_msg1.png"),
        ..RobotArticle::new("中秋节礼品领取", "https://www.qq.com")
    };
    let second = RobotArticle::new("只有标题和链接", "https://work.weixin.qq.com");
    assert_golden("robot.news.request.json", &RobotMessage::news([first, second]));
    assert_golden("robot.file.request.json", &RobotMessage::file("3a8asd892asd8asd"));
    assert_golden("robot.voice.request.json", &RobotMessage::voice("MEDIA_ID"));
}

#[test]
fn template_card_text_notice() {
    let card = TextNotice {
        source: source(Some(DescColor::Grey)),
        main_title: main_title(),
        emphasis_content: Some(EmphasisContent { title: s("100"), desc: s("数据含义") }),
        quote_area: Some(QuoteArea {
            r#type: Some(LinkType::Url),
            url: s(OPEN),
            title: s("引用文本标题"),
            quote_text: s("Jack：企业微信真的很好用~\nBalian：超级好的一款软件！"),
            ..Default::default()
        }),
        sub_title_text: s("下载企业微信还能抢红包！"),
        horizontal_content_list: vec![
            HorizontalContent::text("邀请人", "张三"),
            HorizontalContent::url("企微官网", "点击访问", OPEN),
        ],
        jump_list: vec![Jump::url("企业微信官网", OPEN)],
        card_action: Some(CardAction::url(OPEN)),
        ..Default::default()
    };
    assert_golden("robot.template_card.request.json", &RobotMessage::template_card(card));
}

#[test]
fn template_card_news_notice() {
    let card = NewsNotice {
        source: source(None),
        main_title: main_title(),
        card_image: Some(CardImage {
            aspect_ratio: Some(2.25),
            ..CardImage::new("https://wework.qpic.cn/wwpic/354393_4zpkKXd7SrGMvfg_1629280616/0")
        }),
        vertical_content_list: vec![VerticalContent::new("惊喜红包等你来拿", "下载企业微信还能抢红包！")],
        jump_list: vec![Jump::url("企业微信官网", OPEN)],
        card_action: Some(CardAction::url(OPEN)),
        ..Default::default()
    };
    assert_golden("robot.template_card.news_notice.request.json", &RobotMessage::template_card(card));
}

#[test]
fn responses_and_errors_decode() {
    let ok: Envelope<webhook_send::Response> = serde_json::from_str(&fixture_text("robot.response.json")).expect("ok");
    assert_eq!((ok.errcode, ok.errmsg.as_str()), (0, "ok"));
    let upload: Envelope<webhook_upload_media::Response> =
        serde_json::from_str(&fixture_text("robot.upload_media.response.json")).expect("upload");
    assert_eq!(upload.body.kind, "file");
    assert_eq!(upload.body.media_id, "1G6nrLmr5EC3MMb_-zK1dDdzmd0p7cNliYu9V5w7o8K0");
    assert_eq!(upload.body.created_at, 1_380_000_000);
    for (name, code, kind) in [
        ("robot.error-93000.json", 93000, FailureKind::Permanent),
        ("robot.error-45009.json", 45009, errcode::classify(45009).expect("classified")),
    ] {
        let e: Envelope<webhook_send::Response> = serde_json::from_str(&fixture_text(name)).expect(name);
        assert_eq!(e.errcode, code);
        assert_eq!(errcode::classify_webhook(e.errcode), Some(kind), "{name}");
    }
}
