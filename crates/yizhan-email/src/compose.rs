//! Composing an email: addresses, subject, a text or markdown body (markdown goes out as HTML
//! with the markdown kept as the text alternative), attachments, formatted as one MIME message
//! (RFC 5322 with MIME; non-ASCII headers as RFC 2047 encoded words) by lettre's builder.

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message, MultiPart, SinglePart};
use pulldown_cmark::{Event, Options, Parser};

use crate::Error;

/// The largest formatted message, in bytes (10 MiB): beyond common submission limits
/// (`docs/email.md`, "Limits"), refused before sending.
pub const MAX_MESSAGE_BYTES: usize = 10 * 1024 * 1024;

/// The longest subject, in characters.
pub const MAX_SUBJECT_CHARS: usize = 998;

/// The body of an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Body {
    /// Plain text only.
    Text(String),
    /// Markdown: sent as HTML (rendered) with the markdown itself as the text alternative.
    Markdown(String),
    /// HTML as given, with an optional text alternative.
    Html {
        /// The HTML.
        html: String,
        /// The text alternative, if any.
        text: Option<String>,
    },
}

impl Body {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Body {
        Body::Text(text.into())
    }

    /// Markdown, rendered to HTML when formatted.
    pub fn markdown(markdown: impl Into<String>) -> Body {
        Body::Markdown(markdown.into())
    }
}

/// A file attached to an email.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attachment {
    /// The file name shown to the reader.
    pub filename: String,
    /// Its MIME type, e.g. `application/pdf`.
    pub content_type: String,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// One email, before formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    from: String,
    reply_to: Option<String>,
    to: Vec<String>,
    subject: String,
    body: Body,
    attachments: Vec<Attachment>,
}

impl Email {
    /// An email from `from` (`ops@example.com` or `Ops <ops@example.com>`) with `subject` and
    /// `body`, to nobody yet.
    pub fn new(from: impl Into<String>, subject: impl Into<String>, body: Body) -> Email {
        Email {
            from: from.into(),
            reply_to: None,
            to: Vec::new(),
            subject: subject.into(),
            body,
            attachments: Vec::new(),
        }
    }

    /// Adds a `To:` recipient.
    pub fn to(mut self, address: impl Into<String>) -> Email {
        self.to.push(address.into());
        self
    }

    /// Sets `Reply-To:`.
    pub fn reply_to(mut self, address: impl Into<String>) -> Email {
        self.reply_to = Some(address.into());
        self
    }

    /// Adds an attachment.
    pub fn attach(mut self, attachment: Attachment) -> Email {
        self.attachments.push(attachment);
        self
    }

    /// The formatted MIME message (with `Date` and `Message-ID`), or the first invalid field.
    pub fn format(&self) -> Result<Vec<u8>, Error> {
        let mut builder =
            Message::builder().from(mailbox("from", &self.from)?).subject(subject(&self.subject)?).message_id(None);
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(mailbox("reply_to", reply_to)?);
        }
        if self.to.is_empty() {
            return Err(Error::invalid("to", "names no recipient"));
        }
        for (i, to) in self.to.iter().enumerate() {
            builder = builder.to(mailbox(&format!("to[{i}]"), to)?);
        }
        let body = match &self.body {
            Body::Text(text) => MultiPart::mixed().singlepart(SinglePart::plain(text.clone())),
            Body::Markdown(markdown) => MultiPart::mixed()
                .multipart(MultiPart::alternative_plain_html(markdown.clone(), render_markdown(markdown))),
            Body::Html { html, text: Some(text) } => {
                MultiPart::mixed().multipart(MultiPart::alternative_plain_html(text.clone(), html.clone()))
            }
            Body::Html { html, text: None } => MultiPart::mixed().singlepart(SinglePart::html(html.clone())),
        };
        let mut body = body;
        for (i, a) in self.attachments.iter().enumerate() {
            let content_type = ContentType::parse(&a.content_type).map_err(|_| {
                Error::invalid(format!("attachments[{i}].content_type"), "is not a MIME type such as application/pdf")
            })?;
            if a.filename.trim().is_empty() || a.filename.contains(['/', '\\', '\r', '\n']) {
                return Err(Error::invalid(
                    format!("attachments[{i}].filename"),
                    "must be a file name without path separators or line breaks",
                ));
            }
            body = body
                .singlepart(lettre::message::Attachment::new(a.filename.clone()).body(a.bytes.clone(), content_type));
        }
        let message = builder.multipart(body).map_err(|e| Error::invalid("message", e.to_string()))?;
        let formatted = message.formatted();
        if formatted.len() > MAX_MESSAGE_BYTES {
            return Err(Error::invalid(
                "message",
                format!("is {} bytes formatted; the limit is {MAX_MESSAGE_BYTES}", formatted.len()),
            ));
        }
        Ok(formatted)
    }
}

/// The MIME type of a file called `filename`, from its extension; `application/octet-stream`
/// when unknown.
pub fn guess_content_type(filename: &str) -> String {
    mime_guess::from_path(filename).first_or_octet_stream().essence_str().to_owned()
}

/// The bare address of a mailbox such as `"Ops <ops@example.com>"` (for the envelope), or an
/// error naming `field`.
pub fn address_of(field: &str, value: &str) -> Result<String, Error> {
    Ok(mailbox(field, value)?.email.to_string())
}

/// `value` as a mailbox, or an error naming `field`.
fn mailbox(field: &str, value: &str) -> Result<Mailbox, Error> {
    value.parse().map_err(|_| Error::invalid(field, "is not an email address such as ops@example.com"))
}

/// The subject, refused with a line break or beyond [`MAX_SUBJECT_CHARS`].
fn subject(subject: &str) -> Result<String, Error> {
    if subject.contains(['\r', '\n']) {
        return Err(Error::invalid("subject", "must be one line"));
    }
    let chars = subject.chars().count();
    if chars > MAX_SUBJECT_CHARS {
        return Err(Error::invalid("subject", format!("is {chars} characters; the limit is {MAX_SUBJECT_CHARS}")));
    }
    Ok(subject.to_owned())
}

/// Markdown (CommonMark with tables and strikethrough) as an HTML document. Raw HTML in the
/// markdown is shown as text, not interpreted: alert labels and template values cannot inject
/// markup into the email.
pub fn render_markdown(markdown: &str) -> String {
    let parser =
        Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            other => other,
        });
    let mut html = String::from("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"></head><body>\n");
    pulldown_cmark::html::push_html(&mut html, parser);
    html.push_str("</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders_and_raw_html_stays_text() {
        let html = render_markdown("# Disk\n**db-3** <script>x</script>\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Disk</h1>"), "{html}");
        assert!(html.contains("<strong>db-3</strong>"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn fields_are_named_when_invalid() {
        let bad = |e: Email| match e.format() {
            Err(Error::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(bad(Email::new("not an address", "s", Body::text("t")).to("a@example.com")), "from");
        assert_eq!(bad(Email::new("o@example.com", "s", Body::text("t")).to("a@example.com").to("b@")), "to[1]");
        assert_eq!(bad(Email::new("o@example.com", "s\nBcc: x", Body::text("t")).to("a@example.com")), "subject");
        assert_eq!(bad(Email::new("o@example.com", "s", Body::text("t"))), "to");
        let attachment = Attachment { filename: "../x".into(), content_type: "text/plain".into(), bytes: vec![] };
        assert_eq!(
            bad(Email::new("o@example.com", "s", Body::text("t")).to("a@example.com").attach(attachment)),
            "attachments[0].filename"
        );
    }

    #[test]
    fn a_utf8_subject_is_encoded_and_parts_are_present() {
        let attachment =
            Attachment { filename: "r.txt".into(), content_type: "text/plain".into(), bytes: b"hi".to_vec() };
        let email = Email::new("Ops <o@example.com>", "磁盘已满 db-3", Body::markdown("**full**"))
            .to("a@example.com")
            .reply_to("oncall@example.com")
            .attach(attachment);
        let mime = String::from_utf8(email.format().expect("formats")).expect("ascii");
        assert!(mime.contains("Subject: =?utf-8?"), "{mime}");
        assert!(mime.contains("Reply-To: oncall@example.com"), "{mime}");
        assert!(mime.contains("multipart/alternative"), "{mime}");
        assert!(mime.contains("Content-Disposition: attachment; filename=\"r.txt\""), "{mime}");
        assert!(mime.contains("Message-ID: <"), "{mime}");
    }
}
