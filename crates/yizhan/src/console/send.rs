//! `/console/send`: compose a message to one of the key's channels (recipients of every kind,
//! text, markdown, a text card, a Getui notification, or any content as JSON, e.g. a WeCom
//! template card), dry-run it to see the exact provider bodies, or send it and watch it live on
//! its page. The form becomes the same request as `POST /v1/messages` and goes through the
//! same checks.

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use maud::{Markup, html};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};
use yizhan_store::Idempotency;

use super::form::{Form, list};
use super::i18n::{Lang, T};
use super::layout::{self, Nav, Page};
use super::markdown;
use super::session::{Session, SignedIn, random_token};
use super::view;
use crate::gateway::MessageRequest;
use crate::server::Ctx;
use crate::server::dry_run::DryRun;
use crate::server::messages::{Submitted, accept_as};

/// The recipient fields: form name and `to` field.
const RECIPIENTS: [&str; 6] = ["users", "parties", "tags", "cids", "aliases", "mentions"];
/// The content formats of the form.
const FORMATS: [&str; 5] = ["text", "markdown", "card", "notification", "json"];

/// `GET /console/send`.
pub(crate) async fn page(State(ctx): State<Ctx>, signed: SignedIn) -> Response {
    let form = Form::parse(&Bytes::new());
    render(&ctx, &signed, &form, None, None, StatusCode::OK)
}

/// `POST /console/send`: `intent=dry_run` shows the plan, `intent=send` stores it and goes to
/// the message's page.
pub(crate) async fn submit(State(ctx): State<Ctx>, signed: SignedIn, body: Bytes) -> Response {
    let SignedIn { session, lang } = &signed;
    let form = Form::parse(&body);
    if let Some(refused) = form.csrf_refusal(session, *lang) {
        return refused;
    }
    let request = match request_of(&form) {
        Ok(r) => r,
        Err(e) => return render(&ctx, &signed, &form, None, Some(&e), StatusCode::UNPROCESSABLE_ENTITY),
    };
    let dry_run = form.get("intent") != Some("send");
    // The form's own idempotency key: sending the same form twice (a double click, a reload)
    // stores one message.
    let idempotency = form.get("idempotency_key").filter(|_| !dry_run).map(|key| Idempotency {
        key: format!("console:{key}"),
        body_sha256: hex::encode(Sha256::digest(serde_json::to_vec(&request).unwrap_or_default())),
    });
    match accept_as(&ctx, &session.caller, request, idempotency, dry_run).await {
        Ok(Submitted::Planned(plan)) => render(&ctx, &signed, &form, Some(&plan), None, StatusCode::OK),
        Ok(Submitted::Accepted(accepted)) => {
            Redirect::to(&format!("/console/messages/{}", accepted.id)).into_response()
        }
        Err(e) => {
            let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
            render(&ctx, &signed, &form, None, Some(&e.message), status)
        }
    }
}

/// The API request the form describes; a message naming the field when it cannot be one.
fn request_of(form: &Form) -> Result<MessageRequest, String> {
    let mut to = Map::new();
    for field in RECIPIENTS {
        let values = list(form.get(field));
        if !values.is_empty() {
            to.insert(field.to_owned(), json!(values));
        }
    }
    if form.get("all").is_some() {
        to.insert("all".to_owned(), Value::Bool(true));
    }
    let text = form.get("text").unwrap_or_default();
    let title = form.get("title").unwrap_or_default();
    let content = match form.get("format").unwrap_or("text") {
        "markdown" => json!({"markdown": text}),
        "card" => json!({"card": {"title": title, "description": text, "url": form.get("url").unwrap_or_default()}}),
        "notification" => {
            json!({"getui": {"notification": {"title": title, "body": text, "click_type": "startapp"}}})
        }
        "json" => serde_json::from_str::<Value>(form.get("json").unwrap_or("{}"))
            .map_err(|e| format!("content (JSON): {e}"))?,
        _ => json!({"text": text}),
    };
    let request = json!({"channel": form.get("channel").unwrap_or_default(), "to": to, "content": content});
    serde_path_to_error::deserialize(request).map_err(|e| format!("{}: {}", e.path(), e.inner()))
}

fn render(
    ctx: &Ctx,
    signed: &SignedIn,
    form: &Form,
    plan: Option<&DryRun>,
    error: Option<&str>,
    status: StatusCode,
) -> Response {
    let SignedIn { session, lang } = signed;
    let page = Page { lang: *lang, title: lang.t(T::Send), nav: Nav::Send, session: Some(session), live: None };
    let body = html! {
        h1 { (lang.t(T::Send)) }
        (layout::error_box(error))
        (compose(ctx, *lang, session, form))
        @if let Some(plan) = plan {
            @if form.get("format") == Some("markdown") {
                section #preview aria-labelledby="preview-title" {
                    h2 #preview-title { (lang.t(T::MarkdownPreview)) }
                    (markdown::preview(form.get("text").unwrap_or_default()))
                }
            }
            (planned(*lang, plan))
        }
    };
    layout::render_with(&page, status, body)
}

fn compose(ctx: &Ctx, lang: Lang, session: &Session, form: &Form) -> Markup {
    let v = |name: &str| form.get(name).unwrap_or_default().to_owned();
    let format = form.get("format").unwrap_or("text");
    let key = form.get("idempotency_key").map_or_else(random_token, str::to_owned);
    html! {
        form.card.compose method="post" action="/console/send" {
            input type="hidden" name="csrf" value=(session.csrf);
            input type="hidden" name="idempotency_key" value=(key);
            div {
                label for="s-channel" { (lang.t(T::Channel)) }
                select #s-channel name="channel" required {
                    @for c in &session.caller.channels {
                        @let kind = ctx.app.config.channel(c).map_or("", |c| c.kind());
                        option value=(c) data-kind=(kind) selected[v("channel") == *c] { (c) " (" (kind) ")" }
                    }
                }
            }
            fieldset {
                legend { (lang.t(T::Recipients)) }
                p.muted { (lang.t(T::RecipientsHelp)) }
                @for field in RECIPIENTS {
                    div {
                        label for={ "s-" (field) } { (lang.recipient_field(field)) }
                        input id={ "s-" (field) } name=(field) value=(v(field));
                    }
                }
                div.check {
                    input #s-all type="checkbox" name="all" value="1" checked[form.get("all").is_some()];
                    label for="s-all" { (lang.t(T::Everyone)) }
                }
            }
            div {
                label for="s-format" { (lang.t(T::Format)) }
                select #s-format name="format" {
                    @for f in FORMATS {
                        option value=(f) selected[format == f] { (lang.format(f)) }
                    }
                }
            }
            div {
                label for="s-title" { (lang.t(T::Title)) }
                input #s-title name="title" value=(v("title"));
            }
            div {
                label for="s-text" { (lang.t(T::Text)) }
                textarea #s-text name="text" rows="5" { (v("text")) }
            }
            div {
                label for="s-url" { (lang.t(T::Link)) }
                input #s-url type="url" name="url" value=(v("url")) placeholder="https://";
            }
            div {
                label for="s-json" { (lang.t(T::ContentJson)) }
                textarea #s-json name="json" rows="6" placeholder=r#"{"wecom": {"msgtype": "template_card", "template_card": {…}}}"# { (v("json")) }
            }
            div.actions {
                button #dry-run type="submit" name="intent" value="dry_run" { (lang.t(T::DryRun)) }
                button #send type="submit" name="intent" value="send" { (lang.t(T::Send)) }
            }
        }
    }
}

fn planned(lang: Lang, plan: &DryRun) -> Markup {
    html! {
        section #plan aria-labelledby="plan-title" {
            h2 #plan-title { (lang.t(T::DryRunResult)) }
            p { (lang.t(T::Recipients)) ": " (plan.recipients.join(", ")) }
            @for d in &plan.dispatches {
                h3 { (lang.t(T::ProviderCall)) " " (d.seq + 1) ": " code { (d.endpoint) } }
                (view::json_block(&serde_json::to_vec(&d.body).unwrap_or_default()))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(body: &'static str) -> Form {
        Form::parse(&Bytes::from_static(body.as_bytes()))
    }

    #[test]
    fn forms_become_api_requests() {
        let r = request_of(&form("channel=ops&users=alice%2C+bob&format=markdown&text=**hi**")).expect("valid");
        assert_eq!(serde_json::to_value(&r).expect("json")["to"], json!({"users": ["alice", "bob"]}));
        assert_eq!(r.content.key(), "markdown");
        let card = request_of(&form("channel=ops&all=1&format=card&title=T&text=D&url=https%3A%2F%2Fx.example"))
            .expect("card");
        assert!(card.to.all);
        assert_eq!(card.content.key(), "card");
        let n = request_of(&form("channel=app&cids=cid-alice&format=notification&title=T&text=B")).expect("getui");
        assert_eq!(n.to.cids, vec!["cid-alice"]);
        assert_eq!(n.content.key(), "getui");
        let raw = request_of(&form("channel=ops-robot&mentions=alice&format=json&json=%7B%22text%22%3A%22hi%22%7D"))
            .expect("json");
        assert_eq!(raw.to.mentions, vec!["alice"]);
        let bad = request_of(&form("channel=ops&format=json&json=%7B%22nope%22%3A1%7D")).expect_err("unknown content");
        assert!(bad.starts_with("content"), "{bad}");
        let broken = request_of(&form("channel=ops&format=json&json=%7B")).expect_err("not JSON");
        assert!(broken.starts_with("content (JSON)"), "{broken}");
    }
}
