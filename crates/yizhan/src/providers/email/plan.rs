//! Planning a request for an `email` channel: one `email.smtp_send` per address of
//! `to.emails`, each body the formatted MIME message to that address (so each recipient's
//! outcome and retries are its own, and nobody sees the other addresses).
//!
//! | content | email |
//! |---|---|
//! | `email` | subject, `text`, `markdown` (HTML with the markdown as text alternative) or `html` (with `text`), attachments |
//! | `text` | text; the subject is its first line |
//! | `markdown` | HTML with the markdown as text alternative; the subject is its first line without marks |
//! | `card` | subject = title; the description and a link to the URL, as markdown |
//! | `news` | subject = the first title; the articles as a markdown list of links |

use base64::Engine as _;
use yizhan_email::{Attachment, Body, Email};

use crate::config::EmailConfig;
use crate::gateway::model::EmailContent;
use crate::gateway::plan::{reject_recipients, unsupported_content};
use crate::gateway::{ApiError, Content, MessageRequest, PlannedDispatch};
use crate::providers::endpoint;

const CONTENT: &str = "email, text, markdown, card or news";
/// The longest subject taken from a first line, in characters.
const SUBJECT_CHARS: usize = 120;
/// Addresses one message may name.
pub const MAX_RECIPIENTS: usize = 1000;
/// The most bytes one message may store over all its recipients' copies (64 MiB).
pub const MAX_STORED_BYTES: usize = 64 * 1024 * 1024;

/// One `email.smtp_send` per address of `to.emails`.
pub fn dispatches(request: &MessageRequest, mail: &EmailConfig) -> Result<Vec<PlannedDispatch>, ApiError> {
    reject_recipients(request, &mail.name, "email", &["emails"])?;
    let addresses = addresses(&request.to.emails)?;
    let email = compose(request, mail)?;
    let mut planned = Vec::with_capacity(addresses.len());
    let mut stored = 0usize;
    for (i, address) in addresses {
        let mime = email.clone().to(address.clone()).format().map_err(|e| field_error(e, i))?;
        stored += mime.len();
        if stored > MAX_STORED_BYTES {
            return Err(ApiError::validation(
                "to.emails",
                format_args!(
                    "{} copies of a {}-byte message exceed the {MAX_STORED_BYTES} bytes one message may store; send \
                     large attachments to fewer addresses per message",
                    request.to.emails.len(),
                    mime.len()
                ),
            ));
        }
        planned.push(PlannedDispatch {
            endpoint: endpoint::EMAIL_SMTP_SEND,
            body: mime,
            dedupe_id: None,
            recipients: vec![address],
            after: None,
        });
    }
    Ok(planned)
}

/// The distinct addresses (compared without case), each with its index in `to.emails`.
fn addresses(emails: &[String]) -> Result<Vec<(usize, String)>, ApiError> {
    if emails.is_empty() {
        return Err(ApiError::validation("to.emails", "names no address; an email channel needs at least one"));
    }
    if emails.len() > MAX_RECIPIENTS {
        return Err(ApiError::validation(
            "to.emails",
            format_args!("has {} addresses; the limit is {MAX_RECIPIENTS} per message", emails.len()),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(emails.len());
    for (i, e) in emails.iter().enumerate() {
        let address = yizhan_email::compose::address_of("to", e.trim()).map_err(|_| {
            ApiError::validation(format!("to.emails[{i}]"), "is not an email address such as alice@example.com")
        })?;
        if seen.insert(address.to_lowercase()) {
            out.push((i, address));
        }
    }
    Ok(out)
}

/// The email of `request` from the channel's sender, to nobody yet.
fn compose(request: &MessageRequest, mail: &EmailConfig) -> Result<Email, ApiError> {
    let (subject, body, attachments) = match &request.content {
        Content::Email(e) => (e.subject.clone(), body(e)?, attachments(e)?),
        Content::Text(text) => (subject_of(text), Body::text(text.clone()), Vec::new()),
        Content::Markdown(markdown) => (subject_of(markdown), Body::markdown(markdown.clone()), Vec::new()),
        Content::Card(card) => {
            let button = card.button_text.as_deref().unwrap_or("详情");
            (
                card.title.clone(),
                Body::markdown(format!("{}\n\n[{button}]({})", card.description, card.url)),
                Vec::new(),
            )
        }
        Content::News(news) => {
            let subject = news.articles.first().map(|a| a.title.clone()).unwrap_or_default();
            let list: Vec<String> = news
                .articles
                .iter()
                .map(|a| match &a.description {
                    Some(d) => format!("* [{}]({}): {d}", a.title, a.url),
                    None => format!("* [{}]({})", a.title, a.url),
                })
                .collect();
            (subject, Body::markdown(list.join("\n")), Vec::new())
        }
        other => return Err(unsupported_content(other, &mail.name, "email", CONTENT)),
    };
    let mut email = Email::new(mail.from.clone(), subject, body);
    if let Some(reply_to) = &mail.reply_to {
        email = email.reply_to(reply_to.clone());
    }
    Ok(attachments.into_iter().fold(email, Email::attach))
}

/// The body of `email` content: exactly one of text, markdown and html (html may bring text).
fn body(e: &EmailContent) -> Result<Body, ApiError> {
    match (&e.text, &e.markdown, &e.html) {
        (Some(text), None, None) => Ok(Body::text(text.clone())),
        (None, Some(markdown), None) => Ok(Body::markdown(markdown.clone())),
        (text, None, Some(html)) => Ok(Body::Html { html: html.clone(), text: text.clone() }),
        (None, None, None) => Err(ApiError::validation("content.email", "needs one of text, markdown or html")),
        _ => Err(ApiError::validation(
            "content.email.markdown",
            "goes alone: give text, markdown or html (html may come with text as its alternative)",
        )),
    }
}

/// The attachments of `email` content, decoded.
fn attachments(e: &EmailContent) -> Result<Vec<Attachment>, ApiError> {
    let engine = base64::engine::general_purpose::STANDARD;
    e.attachments
        .iter()
        .enumerate()
        .map(|(i, a)| {
            let bytes = engine.decode(a.content_base64.as_bytes()).map_err(|err| {
                ApiError::validation(
                    format!("content.email.attachments[{i}].content_base64"),
                    format_args!("is not Base64 (standard alphabet, padded): {err}"),
                )
            })?;
            let content_type =
                a.content_type.clone().unwrap_or_else(|| yizhan_email::compose::guess_content_type(&a.filename));
            Ok(Attachment { filename: a.filename.clone(), content_type, bytes })
        })
        .collect()
}

/// A crate error as a 422 naming the request field; `i` is the address's index in `to.emails`.
fn field_error(e: yizhan_email::Error, i: usize) -> ApiError {
    match e {
        yizhan_email::Error::Invalid { field, problem } => {
            let field = match field.as_str() {
                f if f.starts_with("to") => format!("to.emails[{i}]"),
                "from" | "reply_to" => format!("channel.{field}"),
                "message" => "content".to_owned(),
                f => format!("content.email.{f}"),
            };
            ApiError::validation(field, problem)
        }
        other => ApiError::internal(format!("cannot format the email: {other}")),
    }
}

/// A subject from the first non-empty line of a text or markdown body, without heading, quote
/// or list marks, at most [`SUBJECT_CHARS`] characters.
fn subject_of(body: &str) -> String {
    let first = body.lines().map(|l| l.trim_start_matches(['#', '>', '-', '*', ' ']).trim()).find(|l| !l.is_empty());
    first.unwrap_or("(no subject)").chars().take(SUBJECT_CHARS).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked_and_deduplicated_without_case() {
        let got = addresses(&["a@example.com".into(), "A@Example.com".into(), "b@example.com".into()]).expect("ok");
        assert_eq!(got, vec![(0, "a@example.com".to_owned()), (2, "b@example.com".to_owned())]);
        let e = addresses(&["a@example.com".into(), "nope".into()]).expect_err("invalid");
        assert_eq!(e.field.as_deref(), Some("to.emails[1]"));
        assert_eq!(addresses(&[]).expect_err("empty").field.as_deref(), Some("to.emails"));
    }

    #[test]
    fn subjects_come_from_the_first_line_without_marks() {
        assert_eq!(subject_of("\n## Disk full\nbody"), "Disk full");
        assert_eq!(subject_of(""), "(no subject)");
        assert_eq!(subject_of(&"字".repeat(500)).chars().count(), SUBJECT_CHARS);
    }
}
