//! Table tests for the non-card payloads: each case names the field path it must fail on
//! (`None` = must pass), so every case can fail on its own.

use super::*;

/// (case, message, expected failing field)
type Case = (&'static str, Message, Option<&'static str>);

fn run(cases: Vec<Case>) {
    for (name, message, expected) in cases {
        let got = message.validate().err();
        assert_eq!(got.as_ref().map(|e| e.field.as_str()), expected, "case {name:?}: {got:?}");
    }
}

fn long(n: usize) -> String {
    "a".repeat(n)
}

/// `n` three-byte characters.
fn cjk(n: usize) -> String {
    "字".repeat(n)
}

fn video(title: Option<String>, description: Option<String>) -> Message {
    Message::Video { video: Video { title, description, ..Video::new("MEDIA") } }
}

fn textcard(f: impl FnOnce(&mut TextCard)) -> Message {
    let mut card = TextCard::new("领奖通知", "恭喜你抽中iPhone", "https://example.com/a");
    f(&mut card);
    Message::from(card)
}

#[test]
fn text_and_markdown() {
    run(vec![
        ("text ok", Message::text("hello"), None),
        ("text empty", Message::text(""), Some("text.content")),
        ("text blank", Message::text(" \n"), Some("text.content")),
        ("text 2048 bytes", Message::text(long(2048)), None),
        ("text 2049 bytes", Message::text(long(2049)), Some("text.content")),
        ("text 683 CJK = 2049 bytes", Message::text(cjk(683)), Some("text.content")),
        ("text 682 CJK = 2046 bytes", Message::text(cjk(682)), None),
        ("markdown ok", Message::markdown("**bold**"), None),
        ("markdown empty", Message::markdown(""), Some("markdown.content")),
        ("markdown 2049 bytes", Message::markdown(long(2049)), Some("markdown.content")),
    ]);
    let e = Message::text(cjk(700)).validate().expect_err("too long");
    assert_eq!(e.to_string(), "text.content: is 2100 bytes; the limit is 2048 bytes (UTF-8)");
}

#[test]
fn media_and_video() {
    run(vec![
        ("image ok", Message::image("MEDIA"), None),
        ("image empty", Message::image(""), Some("image.media_id")),
        ("voice empty", Message::voice(" "), Some("voice.media_id")),
        ("file empty", Message::file(""), Some("file.media_id")),
        ("file ok", Message::file("MEDIA"), None),
        ("video empty", Message::video(""), Some("video.media_id")),
        ("video 128-byte title", video(Some(long(128)), None), None),
        ("video 129-byte title", video(Some(long(129)), None), Some("video.title")),
        ("video 43 CJK title", video(Some(cjk(43)), None), Some("video.title")),
        ("video 513-byte description", video(None, Some(long(513))), Some("video.description")),
        ("video 512-byte description", video(None, Some(long(512))), None),
    ]);
}

#[test]
fn textcard_fields() {
    run(vec![
        ("ok", textcard(|_| {}), None),
        ("no title", textcard(|c| c.title.clear()), Some("textcard.title")),
        ("129-byte title", textcard(|c| c.title = long(129)), Some("textcard.title")),
        ("no description", textcard(|c| c.description.clear()), Some("textcard.description")),
        ("513-byte description", textcard(|c| c.description = long(513)), Some("textcard.description")),
        ("no url", textcard(|c| c.url.clear()), Some("textcard.url")),
        ("ftp url", textcard(|c| c.url = "ftp://example.com".into()), Some("textcard.url")),
        ("2049-byte url", textcard(|c| c.url = format!("https://{}", long(2041))), Some("textcard.url")),
        ("4-char btntxt", textcard(|c| c.btntxt = Some("更多详情".into())), None),
        ("5-char btntxt", textcard(|c| c.btntxt = Some("查看更多吧".into())), Some("textcard.btntxt")),
    ]);
    let e = textcard(|c| c.btntxt = Some("查看更多吧".into())).validate().expect_err("5 chars");
    assert!(e.problem.contains("limit is 4 characters"), "{e}");
}

fn news(f: impl FnOnce(&mut Vec<NewsArticle>)) -> Message {
    let mut articles = vec![
        NewsArticle::url("中秋节礼品领取", "https://example.com/gift"),
        NewsArticle::miniprogram("小程序", "wx123", "pages/index"),
        NewsArticle::url("third", "https://example.com/3"),
    ];
    f(&mut articles);
    Message::news(articles)
}

#[test]
fn news_articles() {
    run(vec![
        ("ok", news(|_| {}), None),
        ("no articles", news(Vec::clear), Some("news.articles")),
        ("8 articles", news(|a| a.resize(8, a[0].clone())), None),
        ("9 articles", news(|a| a.resize(9, a[0].clone())), Some("news.articles")),
        ("empty title", news(|a| a[2].title.clear()), Some("news.articles[2].title")),
        ("129-byte title", news(|a| a[1].title = long(129)), Some("news.articles[1].title")),
        ("513-byte description", news(|a| a[0].description = Some(long(513))), Some("news.articles[0].description")),
        ("no url, no mini-program", news(|a| a[2].url = None), Some("news.articles[2].url")),
        ("appid without pagepath", news(|a| a[1].pagepath = None), Some("news.articles[1].pagepath")),
        ("pagepath without appid", news(|a| a[1].appid = None), Some("news.articles[1].appid")),
        ("url with half a mini-program", news(|a| a[0].appid = Some("wx1".into())), Some("news.articles[0].pagepath")),
        ("129-byte pagepath", news(|a| a[1].pagepath = Some(long(129))), Some("news.articles[1].pagepath")),
        ("2049-byte url", news(|a| a[0].url = Some(long(2049))), Some("news.articles[0].url")),
        ("2049-byte picurl", news(|a| a[0].picurl = Some(long(2049))), Some("news.articles[0].picurl")),
    ]);
}

fn mpnews(f: impl FnOnce(&mut Vec<MpNewsArticle>)) -> Message {
    let mut articles = vec![MpNewsArticle::new("Title", "THUMB", "<p>hi</p>"), MpNewsArticle::new("T2", "THUMB", "c")];
    f(&mut articles);
    Message::mpnews(articles)
}

#[test]
fn mpnews_articles() {
    run(vec![
        ("ok", mpnews(|_| {}), None),
        ("no articles", mpnews(Vec::clear), Some("mpnews.articles")),
        ("9 articles", mpnews(|a| a.resize(9, a[0].clone())), Some("mpnews.articles")),
        ("empty title", mpnews(|a| a[1].title.clear()), Some("mpnews.articles[1].title")),
        ("no thumb", mpnews(|a| a[0].thumb_media_id.clear()), Some("mpnews.articles[0].thumb_media_id")),
        ("no content", mpnews(|a| a[1].content.clear()), Some("mpnews.articles[1].content")),
        ("64-byte author", mpnews(|a| a[0].author = Some(long(64))), None),
        ("65-byte author", mpnews(|a| a[0].author = Some(long(65))), Some("mpnews.articles[0].author")),
        ("666 KiB content", mpnews(|a| a[0].content = long(666 * 1024)), None),
        ("666 KiB + 1 content", mpnews(|a| a[0].content = long(666 * 1024 + 1)), Some("mpnews.articles[0].content")),
        ("513-byte digest", mpnews(|a| a[1].digest = Some(long(513))), Some("mpnews.articles[1].digest")),
    ]);
}

fn notice(f: impl FnOnce(&mut MiniprogramNotice)) -> Message {
    let mut n = MiniprogramNotice::new("wx123123123123123", "会议室预订成功通知");
    n.content_item = vec![ContentItem::new("会议室", "402"), ContentItem::new("会议地点", "广州TIT-402会议室")];
    f(&mut n);
    Message::from(n)
}

#[test]
fn miniprogram_notice() {
    run(vec![
        ("ok", notice(|_| {}), None),
        ("no appid", notice(|n| n.appid.clear()), Some("miniprogram_notice.appid")),
        ("no title", notice(|n| n.title.clear()), Some("miniprogram_notice.title")),
        ("10 items", notice(|n| n.content_item.resize(10, ContentItem::new("k", "v"))), None),
        (
            "11 items",
            notice(|n| n.content_item.resize(11, ContentItem::new("k", "v"))),
            Some("miniprogram_notice.content_item"),
        ),
        ("10-char key", notice(|n| n.content_item[1].key = cjk(10)), None),
        ("11-char key", notice(|n| n.content_item[1].key = cjk(11)), Some("miniprogram_notice.content_item[1].key")),
        (
            "31-char value",
            notice(|n| n.content_item[0].value = cjk(31)),
            Some("miniprogram_notice.content_item[0].value"),
        ),
    ]);
}

#[test]
fn msgtype_matches_the_serialized_tag() {
    let messages = [
        Message::text("t"),
        Message::image("m"),
        Message::voice("m"),
        Message::video("m"),
        Message::file("m"),
        Message::textcard("t", "d", "https://u"),
        Message::news([NewsArticle::url("t", "https://u")]),
        Message::mpnews([MpNewsArticle::new("t", "m", "c")]),
        Message::markdown("m"),
        Message::miniprogram_notice("wx1", "t"),
        Message::template_card(template_card::TextNotice::new("t", template_card::CardAction::url("https://u"))),
    ];
    for message in messages {
        let value = serde_json::to_value(&message).expect("serializes");
        assert_eq!(value["msgtype"], message.msgtype(), "{value}");
        assert!(value.get(message.msgtype()).is_some_and(serde_json::Value::is_object), "{value}");
        assert!(!message.expects_response_code(), "{value}");
    }
}
