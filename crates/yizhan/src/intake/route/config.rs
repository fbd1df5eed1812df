//! `[[routes]]` as written in `yizhan.toml` (see `docs/alerts.md` for the reference).
//!
//! ```toml
//! [[routes]]
//! name = "ops"                      # POST /v1/intake/alertmanager/ops
//! kind = "markdown"                 # markdown (default), text or template_card
//! language = "zh"                   # built-in wording: zh (default) or en
//! time_zone = "Asia/Shanghai"
//! [[routes.channels]]
//! channel = "ops"
//! to = { users = ["{{ labels.owner | default('oncall') }}"] }
//! severity.critical = { tags = ["1"] }
//!
//! [[routes.routes]]                 # children: first match, unless `continue = true`
//! matchers = ['team="db"']
//! ```

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::gateway::{Overflow, To};
use crate::intake::template::builtin::Language;

/// One route, top-level or a child.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// The name: top-level routes are addressed by it in the intake URLs; a child's is shown
    /// as `parent/child` (default: its position).
    #[serde(default)]
    pub name: Option<String>,
    /// Alertmanager-style matchers on the alert's labels and on `status` (`firing`/`resolved`),
    /// all of which must match.
    #[serde(default)]
    pub matchers: Vec<String>,
    /// After this route matched, keep trying its later siblings.
    #[serde(default, rename = "continue")]
    pub continue_matching: bool,
    /// Where messages go; a child without channels uses its parent's.
    #[serde(default)]
    pub channels: Vec<TargetConfig>,
    /// The message kind (inherited; default markdown).
    #[serde(default)]
    pub kind: Option<MessageKind>,
    /// An inline template for the message (inherited while the kind stays the same).
    #[serde(default)]
    pub template: Option<String>,
    /// A template file, relative to the configuration file.
    #[serde(default)]
    pub template_file: Option<String>,
    /// The title of push notifications (Getui), inline (inherited; default built-in).
    #[serde(default)]
    pub title_template: Option<String>,
    /// The built-in templates' language (inherited; default zh).
    #[serde(default)]
    pub language: Option<Language>,
    /// IANA time zone of the times shown (inherited; default Asia/Shanghai).
    #[serde(default)]
    pub time_zone: Option<String>,
    /// The label whose value selects `channels[].severity` extras (inherited; default `severity`).
    #[serde(default)]
    pub severity_label: Option<String>,
    /// Suppress an identical message within this window, e.g. `"4h"` (WeCom application
    /// channels: the duplicate check, at most 4h). Inherited; default off.
    #[serde(default)]
    pub repeat_window: Option<String>,
    /// The Alertmanager API for silences (inherited).
    #[serde(default)]
    pub alertmanager_url: Option<String>,
    /// Text over a provider limit: split (default), truncate or reject (inherited).
    #[serde(default)]
    pub overflow: Option<Overflow>,
    /// Child routes.
    #[serde(default)]
    pub routes: Vec<RouteConfig>,
}

/// One `[[routes.channels]]` entry: a channel and whom to reach through it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetConfig {
    /// The configured channel's name.
    pub channel: String,
    /// Recipients, as in the API's `to`; every string may be a template rendered per alert
    /// (`{{ labels.owner }}`): a result with `,`, `|` or spaces is several recipients, an empty
    /// one none.
    #[serde(default)]
    pub to: To,
    /// Extra recipients by the value of the severity label, e.g. `critical = { tags = ["1"] }`.
    #[serde(default)]
    pub severity: BTreeMap<String, To>,
}

/// What kind of message a route sends to WeCom channels (Getui channels always get a
/// notification: `title_template` and the text).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    /// WeCom markdown.
    #[default]
    Markdown,
    /// Plain text.
    Text,
    /// A WeCom template card (the template writes its JSON).
    TemplateCard,
}

impl MessageKind {
    /// The built-in template of this kind.
    pub fn builtin(self) -> &'static str {
        use crate::intake::template::builtin;
        match self {
            MessageKind::Markdown => builtin::MARKDOWN,
            MessageKind::Text => builtin::TEXT,
            MessageKind::TemplateCard => builtin::TEMPLATE_CARD,
        }
    }
}
