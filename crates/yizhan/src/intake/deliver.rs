//! From one route and the alerts it took to the [`MessageRequest`]s that deliver them, one per
//! channel of the route: the same requests a client would `POST /v1/messages`, so they go
//! through the gateway's validation, planning (overflow rules included) and store unchanged.
//!
//! * WeCom application and robot channels get the route's kind: markdown, text, or a template
//!   card (the template's output parsed as a card). A robot's `mentions` are appended to
//!   markdown as `<@userid>` (robots mention in markdown only that way).
//! * Getui channels get a notification: the title template, and the text (the route's template
//!   when the kind is text, else the built-in text), cut to Getui's 50 and 256 characters.
//! * Recipient strings that are templates are rendered once per alert (`labels` are that
//!   alert's); each result is split at `,`, `|` and spaces. Severity extras are added for every
//!   severity among the alerts.
//! * With a repeat window, WeCom application messages carry the duplicate check over it, so an
//!   identical notification inside the window is suppressed (`suppressed_duplicate`).

use yizhan_getui::push::{ClickType, Notification as GetuiNotification};
use yizhan_wecom::RobotMessage;
use yizhan_wecom::message::Message as WecomMessage;
use yizhan_wecom::message::template_card::TemplateCard;

use super::payload::{Alert, Payload};
use super::route::{MessageKind, Route, Target};
use super::template::Templates;
use super::template::builtin;
use super::template::context::TemplateData;
use crate::config::{ChannelConfig, Config};
use crate::gateway::model::GetuiContent;
use crate::gateway::{Content, MessageRequest, Options, To};

/// Getui's longest notification title, in characters.
const GETUI_TITLE_CHARS: usize = 50;
/// Getui's longest notification body, in characters.
const GETUI_BODY_CHARS: usize = 256;
/// What stands in for a recipient template (or a message) that renders empty when checking the
/// configuration.
const PROBE_RECIPIENT: &str = "probe";

/// Rendering for real, or for `yizhan config check` (recipient templates that render empty
/// stand for one recipient: the samples do not have the labels a route's templates expect).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// An arriving notification.
    Send,
    /// Checking the configuration with the built-in samples.
    Check,
}

/// One message of a route: which channel entry made it, and the request.
#[derive(Debug, Clone)]
pub struct Message {
    /// The key path of the route's channel entry (`routes[0].channels[1]`).
    pub target_at: String,
    /// The request, as `POST /v1/messages` takes it.
    pub request: MessageRequest,
}

/// Why a route could not render a notification: the key path of what failed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderError {
    /// The key path, e.g. `routes[0].template`.
    pub at: String,
    /// What went wrong.
    pub message: String,
}

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// The messages of `route` for `alerts` of `payload`, one per channel entry.
pub fn render(
    route: &Route,
    payload: &Payload,
    alerts: &[&Alert],
    templates: &Templates,
    config: &Config,
    mode: Mode,
) -> Result<Vec<Message>, RenderError> {
    let settings = &route.settings;
    // Where a problem of the message template is reported: where it was set, else the route.
    let template_at = if settings.template_at.is_empty() { route.at.clone() } else { settings.template_at.clone() };
    let data = TemplateData::new(payload, alerts, &route.name, &settings.locale).to_value();
    let render = |name: &str, at: &str| {
        templates.render(name, &data).map(|text| tidy(&text)).map_err(|e| RenderError {
            at: if at.is_empty() { route.at.clone() } else { at.to_owned() },
            message: format!("template error: {e}"),
        })
    };
    let mut wecom_text = None;
    let mut messages = Vec::with_capacity(route.targets.len());
    for target in &route.targets {
        let channel = config.channel(&target.channel);
        if channel.is_none() && mode == Mode::Check {
            // An unknown or unusable channel is reported by itself.
            continue;
        }
        let mut to = recipients(target, route, payload, alerts, templates, mode)?;
        let kind = channel.map(ChannelConfig::channel_kind);
        let is_robot = kind.is_some_and(|k| k.posts_to_its_group());
        if !is_robot && is_empty(&to) {
            return Err(RenderError {
                at: format!("{}.to", target.at),
                message: "no recipients for this notification: every recipient template rendered empty \
                          (give a fallback with `default(\"…\")` or add a fixed recipient)"
                    .to_owned(),
            });
        }
        let content = match kind {
            Some(k) if k.alerts_as_notification() => {
                let title = render(&settings.title, &route.at)?;
                let text = match settings.kind {
                    MessageKind::Text => {
                        wecom(&mut wecom_text, mode, &template_at, || render(&settings.template, &template_at))?
                    }
                    _ => render(builtin::TEXT, &template_at)?,
                };
                let title = first_line(&title).unwrap_or(&route.name);
                let notification = GetuiNotification::new(
                    cut(title, GETUI_TITLE_CHARS),
                    cut(&text, GETUI_BODY_CHARS),
                    ClickType::Startapp,
                );
                Content::Getui(Box::new(GetuiContent {
                    notification: Some(notification),
                    transmission: None,
                    push_channel: None,
                    settings: None,
                    group_name: None,
                }))
            }
            _ => {
                let text = wecom(&mut wecom_text, mode, &template_at, || render(&settings.template, &template_at))?;
                wecom_content(settings.kind, &text, is_robot, &mut to)
                    .map_err(|message| RenderError { at: template_at.clone(), message })?
            }
        };
        let mut options = Options { overflow: settings.overflow, ..Options::default() };
        if let (Some(window), true) = (settings.repeat_window_secs, kind.is_some_and(|k| k.drops_repeats())) {
            options.dedupe = true;
            options.duplicate_check_interval = Some(window);
        }
        let request = MessageRequest { channel: target.channel.clone(), to, content, options };
        messages.push(Message { target_at: target.at.clone(), request });
    }
    Ok(messages)
}

/// The WeCom message text, rendered once for every WeCom channel of the route. Empty output is
/// an error when a notification arrives; not when checking (a route's template may expect
/// another source than a sample's).
fn wecom(
    cache: &mut Option<String>,
    mode: Mode,
    at: &str,
    render: impl FnOnce() -> Result<String, RenderError>,
) -> Result<String, RenderError> {
    if let Some(text) = cache {
        return Ok(text.clone());
    }
    let mut text = render()?;
    if text.is_empty() {
        if mode == Mode::Send {
            return Err(RenderError { at: at.to_owned(), message: "the template rendered nothing".to_owned() });
        }
        PROBE_RECIPIENT.clone_into(&mut text);
    }
    *cache = Some(text.clone());
    Ok(text)
}

/// The content of `kind` for a WeCom application (or robot) from the rendered `text`.
fn wecom_content(kind: MessageKind, text: &str, is_robot: bool, to: &mut To) -> Result<Content, String> {
    Ok(match kind {
        MessageKind::Text => Content::Text(text.to_owned()),
        MessageKind::Markdown if is_robot && !to.mentions.is_empty() => {
            let mentions: Vec<String> = std::mem::take(&mut to.mentions).iter().map(|m| format!("<@{m}>")).collect();
            Content::Markdown(format!("{text}\n{}", mentions.join(" ")))
        }
        MessageKind::Markdown => Content::Markdown(text.to_owned()),
        MessageKind::TemplateCard => {
            let card: TemplateCard = serde_json::from_str(text)
                .map_err(|e| format!("the template's output is not a WeCom template card: {e}"))?;
            if is_robot {
                Content::WecomRobot(RobotMessage::template_card(card))
            } else {
                Content::Wecom(WecomMessage::template_card(card))
            }
        }
    })
}

/// The recipients of `target` for `alerts`: fixed ones, rendered templates and severity extras.
fn recipients(
    target: &Target,
    route: &Route,
    payload: &Payload,
    alerts: &[&Alert],
    templates: &Templates,
    mode: Mode,
) -> Result<To, RenderError> {
    let mut to = expand(&target.to, &format!("{}.to", target.at), route, payload, alerts, templates, mode)?;
    let label = &route.settings.severity_label;
    let mut seen = Vec::new();
    for alert in alerts {
        let Some(severity) = alert.labels.get(label) else { continue };
        if seen.contains(&severity) {
            continue;
        }
        seen.push(severity);
        if let Some(extra) = target.severity.get(severity) {
            let at = format!("{}.severity.{severity}", target.at);
            merge(&mut to, expand(extra, &at, route, payload, alerts, templates, mode)?);
        }
    }
    Ok(to)
}

/// `to` with every template string rendered per alert and split into recipients.
fn expand(
    to: &To,
    at: &str,
    route: &Route,
    payload: &Payload,
    alerts: &[&Alert],
    templates: &Templates,
    mode: Mode,
) -> Result<To, RenderError> {
    let mut out = to.clone();
    let lists = recipient_lists(to);
    for ((field, entries), (_, target)) in lists.into_iter().zip(recipient_lists_mut(&mut out)) {
        target.clear();
        for (i, entry) in entries.iter().enumerate() {
            if !is_template(entry) {
                push_unique(target, entry.clone());
                continue;
            }
            let name = format!("{at}.{field}[{i}]");
            let mut rendered_any = false;
            for alert in alerts {
                let ctx = serde_json::json!({
                    "labels": alert.labels, "annotations": alert.annotations, "status": alert.status.as_str(),
                    "route": route.name, "source": payload.source.as_str(), "body": payload.body,
                });
                let text = templates
                    .render(&name, &minijinja::Value::from(minijinja::value::Serde(&ctx)))
                    .map_err(|e| RenderError { at: name.clone(), message: format!("template error: {e}") })?;
                for one in text.split([',', '|']).flat_map(str::split_whitespace) {
                    rendered_any = true;
                    push_unique(target, one.to_owned());
                }
            }
            if !rendered_any && mode == Mode::Check {
                push_unique(target, PROBE_RECIPIENT.to_owned());
            }
        }
    }
    Ok(out)
}

fn push_unique(list: &mut Vec<String>, value: String) {
    if !list.contains(&value) {
        list.push(value);
    }
}

/// Adds `extra`'s recipients to `to`.
fn merge(to: &mut To, extra: To) {
    for ((_, from), (_, into)) in recipient_lists(&extra).into_iter().zip(recipient_lists_mut(to)) {
        from.iter().for_each(|r| push_unique(into, r.clone()));
    }
    to.all |= extra.all;
    if to.chatid.is_none() {
        to.chatid = extra.chatid;
    }
    to.tag_conditions.extend(extra.tag_conditions);
}

/// Whether `to` names nobody.
fn is_empty(to: &To) -> bool {
    recipient_lists(to).iter().all(|(_, l)| l.is_empty())
        && !to.all
        && to.chatid.is_none()
        && to.tag_conditions.is_empty()
}

/// Whether a recipient string is a template (`{{ … }}` or `{% … %}`).
pub fn is_template(text: &str) -> bool {
    text.contains("{{") || text.contains("{%")
}

/// The string lists of `to` that may hold templates, with their field names.
pub fn recipient_lists(to: &To) -> [(&'static str, &Vec<String>); 7] {
    [
        ("users", &to.users),
        ("parties", &to.parties),
        ("tags", &to.tags),
        ("cids", &to.cids),
        ("aliases", &to.aliases),
        ("mentions", &to.mentions),
        ("mention_mobiles", &to.mention_mobiles),
    ]
}

fn recipient_lists_mut(to: &mut To) -> [(&'static str, &mut Vec<String>); 7] {
    [
        ("users", &mut to.users),
        ("parties", &mut to.parties),
        ("tags", &mut to.tags),
        ("cids", &mut to.cids),
        ("aliases", &mut to.aliases),
        ("mentions", &mut to.mentions),
        ("mention_mobiles", &mut to.mention_mobiles),
    ]
}

/// Rendered text tidied: lines without trailing spaces, at most one blank line in a row, no
/// blank lines at either end.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = 0;
    for line in text.trim().lines().map(str::trim_end) {
        blank = if line.is_empty() { blank + 1 } else { 0 };
        if blank <= 1 {
            out.push_str(line);
            out.push('\n');
        }
    }
    out.trim_end().to_owned()
}

fn first_line(text: &str) -> Option<&str> {
    text.lines().map(str::trim).find(|l| !l.is_empty())
}

/// `text` cut to `max` characters, ending with `…` when cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut out: String = text.chars().take(max - 1).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tidy_keeps_one_blank_line() {
        assert_eq!(tidy("\n\n# a  \n\n\n\nb\n\n"), "# a\n\nb");
    }

    #[test]
    fn cut_counts_characters() {
        assert_eq!(cut("告警告警", 4), "告警告警");
        assert_eq!(cut("告警告警告", 4), "告警告…");
    }
}
