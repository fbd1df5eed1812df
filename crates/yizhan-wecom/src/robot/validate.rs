//! Validation of [`RobotMessage`]s and uploads before anything is sent. Every error names the
//! JSON path (or the upload argument) and the limit it broke.

use crate::message::check::{at, item, opt_max_bytes, required_max_bytes};
use crate::message::template_card::TemplateCard;
use crate::recipients::is_valid_userid;
use crate::validate::{self, ValidationError};

use super::limits;
use super::message::{RobotImage, RobotMessage, RobotNews, RobotText, is_all, md5_hex};
use super::upload::MediaKind;

/// Checks a whole message.
pub(crate) fn message(message: &RobotMessage) -> Result<(), ValidationError> {
    match message {
        RobotMessage::Text { text: t } => text(t),
        RobotMessage::Markdown { markdown } => {
            required_max_bytes("markdown.content", &markdown.content, limits::MARKDOWN_CONTENT_BYTES)
        }
        RobotMessage::MarkdownV2 { markdown_v2 } => {
            required_max_bytes("markdown_v2.content", &markdown_v2.content, limits::MARKDOWN_CONTENT_BYTES)
        }
        RobotMessage::Image { image: i } => image(i),
        RobotMessage::News { news: n } => news(n),
        RobotMessage::File { file } => validate::required("file.media_id", &file.media_id),
        RobotMessage::Voice { voice } => validate::required("voice.media_id", &voice.media_id),
        RobotMessage::TemplateCard { template_card } => card(template_card),
    }
}

fn text(t: &RobotText) -> Result<(), ValidationError> {
    required_max_bytes("text.content", &t.content, limits::TEXT_CONTENT_BYTES)?;
    for (i, id) in t.mentioned_list.iter().enumerate() {
        if !is_all(id) && !is_valid_userid(id) {
            return Err(ValidationError::new(
                item("text", "mentioned_list", i),
                format_args!("{id:?} is neither \"@all\" nor a user id (1-64 letters, digits, '-', '_', '.', '@')"),
            ));
        }
    }
    for (i, mobile) in t.mentioned_mobile_list.iter().enumerate() {
        if !is_all(mobile) && !is_mobile(mobile) {
            return Err(ValidationError::new(
                item("text", "mentioned_mobile_list", i),
                format_args!(
                    "{mobile:?} is neither \"@all\" nor a mobile number (digits, an optional leading '+', \
                     at most {} characters)",
                    limits::MOBILE_CHARS
                ),
            ));
        }
    }
    Ok(())
}

fn is_mobile(s: &str) -> bool {
    let digits = s.strip_prefix('+').unwrap_or(s);
    !digits.is_empty() && s.len() <= limits::MOBILE_CHARS && digits.bytes().all(|b| b.is_ascii_digit())
}

fn image(i: &RobotImage) -> Result<(), ValidationError> {
    validate::required("image.base64", &i.base64)?;
    validate::required("image.md5", &i.md5)?;
    let Some(raw) = i.decode() else {
        return Err(ValidationError::new("image.base64", "is not valid standard base64 (RFC 4648, with padding)"));
    };
    if raw.len() > limits::IMAGE_BYTES {
        return Err(ValidationError::new(
            "image.base64",
            format_args!("decodes to {} bytes; the limit is {} bytes (2 MB)", raw.len(), limits::IMAGE_BYTES),
        ));
    }
    let expected = md5_hex(&raw);
    if !i.md5.eq_ignore_ascii_case(&expected) {
        return Err(ValidationError::new(
            "image.md5",
            format_args!("is {:?}; the md5 of the decoded image is {expected:?}", i.md5),
        ));
    }
    Ok(())
}

fn news(n: &RobotNews) -> Result<(), ValidationError> {
    validate::count("news.articles", n.articles.len(), 1, limits::MAX_ARTICLES)?;
    for (i, article) in n.articles.iter().enumerate() {
        let path = item("news", "articles", i);
        required_max_bytes(&at(&path, "title"), &article.title, limits::TITLE_BYTES)?;
        opt_max_bytes(&at(&path, "description"), article.description.as_deref(), limits::DESCRIPTION_BYTES)?;
        required_max_bytes(&at(&path, "url"), &article.url, limits::URL_BYTES)?;
        validate::http_url(&at(&path, "url"), &article.url)?;
        opt_max_bytes(&at(&path, "picurl"), article.picurl.as_deref(), limits::URL_BYTES)?;
    }
    Ok(())
}

/// Robots take only the notice cards, and no callbacks: no `action_menu`, no `task_id`.
fn card(card: &TemplateCard) -> Result<(), ValidationError> {
    let (action_menu, task_id) = match card {
        TemplateCard::TextNotice(c) => (c.action_menu.is_some(), c.task_id.is_some()),
        TemplateCard::NewsNotice(c) => (c.action_menu.is_some(), c.task_id.is_some()),
        other => {
            return Err(ValidationError::new(
                "template_card.card_type",
                format_args!(
                    "is {}; group robots send only text_notice and news_notice (interaction cards need an \
                     application's callbacks)",
                    other.card_type()
                ),
            ));
        }
    };
    if action_menu {
        return Err(ValidationError::new(
            "template_card.action_menu",
            "is not supported by group robots (it needs an application's callbacks)",
        ));
    }
    if task_id {
        return Err(ValidationError::new(
            "template_card.task_id",
            "is not supported by group robots (it needs an application's callbacks)",
        ));
    }
    card.validate()
}

/// Checks an upload: a file name WeCom can display and the size limits of `kind`.
pub(crate) fn upload(kind: MediaKind, filename: &str, bytes: &[u8]) -> Result<(), ValidationError> {
    validate::required("filename", filename)?;
    if let Some(bad) = filename.chars().find(|c| c.is_control() || matches!(c, '"' | '/' | '\\')) {
        return Err(ValidationError::new(
            "filename",
            format_args!("contains {bad:?}; control characters, '\"', '/' and '\\' are not allowed"),
        ));
    }
    let (max, label) = match kind {
        MediaKind::File => (limits::FILE_BYTES, "20 MB"),
        MediaKind::Voice => (limits::VOICE_BYTES, "2 MB"),
    };
    let len = bytes.len();
    if !(limits::MEDIA_MIN_BYTES..=max).contains(&len) {
        return Err(ValidationError::new(
            "media",
            format_args!(
                "is {len} bytes; a {} must be {} bytes to {max} bytes ({label})",
                kind.as_str(),
                limits::MEDIA_MIN_BYTES
            ),
        ));
    }
    if kind == MediaKind::Voice && !bytes.starts_with(b"#!AMR") {
        return Err(ValidationError::new("media", "is not an AMR recording (it must start with \"#!AMR\")"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mobiles() {
        assert!(is_mobile("13800138000"));
        assert!(is_mobile("+8613800138000"));
        assert!(!is_mobile("+"));
        assert!(!is_mobile("138 0013"));
        assert!(!is_mobile(&"1".repeat(21)));
    }

    #[test]
    fn uploads_check_name_size_and_voice_format() {
        assert!(upload(MediaKind::File, "a.txt", b"hello").is_ok());
        assert_eq!(upload(MediaKind::File, "a.txt", b"hey").map_err(|e| e.field), Err("media".to_owned()));
        assert!(upload(MediaKind::File, "", b"hello").is_err());
        assert!(upload(MediaKind::File, "a\"b", b"hello").is_err());
        assert!(upload(MediaKind::File, "报告.pdf", b"hello").is_ok());
        assert!(upload(MediaKind::Voice, "v.amr", b"#!AMR\n1234").is_ok());
        let e = upload(MediaKind::Voice, "v.mp3", b"ID3.........").expect_err("not AMR");
        assert!(e.problem.contains("AMR"), "{e}");
        let big = vec![0u8; limits::VOICE_BYTES + 1];
        let e = upload(MediaKind::Voice, "v.amr", &big).expect_err("too big");
        assert!(e.problem.contains("2 MB"), "{e}");
    }
}
