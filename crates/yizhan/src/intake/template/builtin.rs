//! The built-in templates, one per message kind plus the title of push notifications, worded in
//! the route's language through `t` (see [`wording`]). Their output is snapshot-tested.
//!
//! | name | output |
//! |---|---|
//! | `builtin/markdown` | WeCom markdown: status heading, counts, each alert with its labels, times and links |
//! | `builtin/text` | the same as plain text (also the body of Getui notifications) |
//! | `builtin/template_card` | a WeCom `text_notice` template card as JSON |
//! | `builtin/title` | one line: `[告警 2] HighCPU`, the title of Getui notifications |

use std::collections::BTreeMap;

use serde::Deserialize;

/// Every built-in template: name and source.
pub const ALL: &[(&str, &str)] = &[
    (MARKDOWN, include_str!("../builtin/markdown.j2")),
    (TEXT, include_str!("../builtin/text.j2")),
    (TEMPLATE_CARD, include_str!("../builtin/template_card.j2")),
    (TITLE, include_str!("../builtin/title.j2")),
];

/// The built-in markdown template.
pub const MARKDOWN: &str = "builtin/markdown";
/// The built-in text template.
pub const TEXT: &str = "builtin/text";
/// The built-in template card.
pub const TEMPLATE_CARD: &str = "builtin/template_card";
/// The built-in title.
pub const TITLE: &str = "builtin/title";

/// The language of the built-in wording.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    /// Chinese (the default).
    #[default]
    Zh,
    /// English.
    En,
}

impl Language {
    /// `zh` or `en`.
    pub fn as_str(self) -> &'static str {
        match self {
            Language::Zh => "zh",
            Language::En => "en",
        }
    }
}

/// The words of the built-in templates (`t.firing`, …) in `language`.
pub fn wording(language: Language) -> BTreeMap<&'static str, &'static str> {
    const WORDS: &[(&str, &str, &str)] = &[
        ("alert", "告警", "Alert"),
        ("firing", "告警", "FIRING"),
        ("resolved", "已恢复", "RESOLVED"),
        ("n_firing", "条触发中", "firing"),
        ("n_resolved", "条已恢复", "resolved"),
        ("not_listed", "条未列出", "more not listed"),
        ("severity", "级别", "Severity"),
        ("instance", "实例", "Instance"),
        ("started", "开始", "Started"),
        ("ended", "恢复于", "Resolved"),
        ("values", "数值", "Values"),
        ("graph", "查看图表", "Graph"),
        ("silence", "静默", "Silence"),
        ("silence_group", "静默整组", "Silence group"),
        ("runbook", "处理手册", "Runbook"),
        ("dashboard", "仪表盘", "Dashboard"),
        ("panel", "面板", "Panel"),
        ("open", "打开", "Open"),
        ("more", "更多", "more"),
    ];
    WORDS
        .iter()
        .map(|(key, zh, en)| {
            (
                *key,
                match language {
                    Language::Zh => *zh,
                    Language::En => *en,
                },
            )
        })
        .collect()
}
