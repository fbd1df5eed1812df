//! The console's two languages: 中文 when the browser prefers Chinese (`Accept-Language`),
//! English otherwise. Every string of every page is in the one table below.

use axum::http::{HeaderMap, header};

/// A page language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    /// 简体中文.
    Zh,
    /// English.
    En,
}

impl Lang {
    /// The language the request prefers: the highest-weighted `zh*` or `en*` range of
    /// `Accept-Language` (RFC 9110, 12.5.4); English when neither is asked for.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Lang {
        let accept = headers.get(header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok()).unwrap_or_default();
        Lang::from_accept_language(accept)
    }

    fn from_accept_language(accept: &str) -> Lang {
        let mut best: Option<(f32, Lang)> = None;
        for range in accept.split(',') {
            let mut parts = range.split(';');
            let tag = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.trim().strip_prefix("q="))
                .find_map(|q| q.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            let lang = match tag.split('-').next() {
                Some("zh") => Lang::Zh,
                Some("en") => Lang::En,
                _ => continue,
            };
            // The first of equal weights wins, as the browser listed them.
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::En, |(_, l)| l)
    }

    /// The `lang` attribute of the page.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// A message, dispatch, attempt or recipient status/outcome as a word; unknown ones as sent.
    pub(crate) fn status(self, status: &str) -> String {
        let zh = match status {
            "accepted" => "已接收",
            "scheduled" => "已排期",
            "dispatching" => "发送中",
            "pending" => "待发送",
            "in_flight" => "发送中",
            "retrying" | "retry" => "重试中",
            "deferred" => "限流等待",
            "delivered" => "已送达",
            "partially_delivered" => "部分送达",
            "dead" => "失败",
            "suppressed_duplicate" => "重复已抑制",
            "cancelled" => "已取消",
            "recalled" => "已撤回",
            "expired" => "已过期",
            "offline" => "离线存储",
            "invalid" => "无效",
            "unlicensed" => "未授权",
            "ignored" => "被忽略",
            "failed" => "失败",
            other => return other.replace('_', " "),
        };
        match self {
            Lang::Zh => zh.to_owned(),
            Lang::En => status.replace('_', " "),
        }
    }

    /// The label of a recipient field of the send form.
    pub(crate) fn recipient_field(self, field: &str) -> &'static str {
        let (en, zh) = match field {
            "users" => ("Users (WeCom user ids)", "成员（企业微信 userid）"),
            "parties" => ("Departments (WeCom party ids)", "部门（partyid）"),
            "tags" => ("Tags (WeCom tag ids)", "标签（tagid）"),
            "cids" => ("Getui cids", "个推 cid"),
            "aliases" => ("Getui aliases", "个推别名"),
            _ => ("Robot mentions (user ids or @all)", "机器人 @ 提醒（userid 或 @all）"),
        };
        self.pick(en, zh)
    }

    /// The name of a content format of the send form.
    pub(crate) fn format(self, format: &str) -> &'static str {
        let (en, zh) = match format {
            "markdown" => ("Markdown", "Markdown"),
            "card" => ("Text card (title, description, link)", "文本卡片（标题、描述、链接）"),
            "notification" => ("Getui notification (title, body)", "个推通知（标题、正文）"),
            "json" => ("Content as JSON (template card, news, …)", "JSON 内容（模板卡片、图文等）"),
            _ => ("Text", "文本"),
        };
        self.pick(en, zh)
    }

    fn pick(self, en: &'static str, zh: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }
}

/// Declares the string keys and their English and Chinese text.
macro_rules! texts {
    ($($key:ident => $en:literal, $zh:literal;)+) => {
        /// A string of the console.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(crate) enum T { $($key,)+ }

        impl T {
            #[cfg(test)]
            const ALL: &'static [T] = &[$(T::$key,)+];
        }

        impl Lang {
            /// The text of `key` in this language.
            pub(crate) fn t(self, key: T) -> &'static str {
                match key {
                    $(T::$key => self.pick($en, $zh),)+
                }
            }
        }
    };
}

texts! {
    Actions => "Actions", "操作";
    Admin => "admin", "管理员";
    Any => "Any", "全部";
    ApiKey => "API key", "API 密钥";
    AttemptLog => "Attempts", "尝试记录";
    Attempts => "Attempts", "尝试次数";
    Back => "Back", "返回";
    BackToConsole => "Back to the console", "返回控制台";
    CancelMessage => "Cancel", "取消发送";
    Cancelled => "Cancelled (or recalled, if it had been sent meanwhile).", "已取消（若期间已发出则已撤回）。";
    Channel => "Channel", "通道";
    ChannelHealth => "Channel health", "通道健康";
    ChartDay => "Messages per 15 minutes, last day, by status", "最近一天每 15 分钟消息数（按状态）";
    ChartHour => "Messages per minute, last hour, by status", "最近一小时每分钟消息数（按状态）";
    ChartRange => "Chart range", "图表范围";
    ConfirmCancel => "Cancel this message before it is sent?", "在发送前取消这条消息？";
    ConfirmRecall => "Recall (WeCom) or revoke (Getui) this delivered message from its recipients?", "从接收者处撤回（企业微信）或撤销（个推）这条已送达的消息？";
    ConfirmRetry => "Send the provider calls that failed again, with the same bodies?", "用相同的请求体重新发送失败的调用？";
    ContentJson => "Content as JSON (for the JSON format)", "JSON 内容（用于 JSON 格式）";
    Created => "Accepted", "接收时间";
    CsrfRefused => "Refused: this form was not sent from this console page (its CSRF token is missing or wrong). Reload the page and try again.", "已拒绝：此表单不是从本控制台页面提交的（CSRF 令牌缺失或错误）。请刷新页面后重试。";
    DeadHelp => "Messages none of whose recipients was reached. Tick the ones to send again.", "没有任何接收者收到的消息。勾选要重新发送的消息。";
    DeadLetters => "Dead letters", "死信";
    Detail => "Detail", "详情";
    DryRun => "Dry run", "试运行";
    DryRunResult => "Dry run: what would be sent (nothing was stored or sent)", "试运行：将要发送的内容（未存储、未发送）";
    DueAt => "Due at", "计划发送";
    Everyone => "Everyone (@all)", "全员（@all）";
    Filter => "Filter", "筛选";
    FirstPage => "First page", "第一页";
    Format => "Format", "格式";
    GroupFailed => "failed", "失败";
    GroupReached => "delivered", "已送达";
    GroupStopped => "cancelled or recalled", "已取消或撤回";
    GroupWaiting => "waiting", "等待中";
    KeyRequired => "Enter an API key.", "请输入 API 密钥。";
    LastDay => "Last day", "最近一天";
    LastError => "Last error", "最近错误";
    LastHour => "Last hour", "最近一小时";
    LastSuccess => "Last success", "最近成功";
    Link => "Link (text card)", "链接（文本卡片）";
    MarkdownPreview => "How WeCom shows it", "企业微信中的显示效果";
    Message => "Message", "消息";
    Messages => "Messages", "消息";
    Navigation => "Console", "控制台";
    NextAttempt => "Next attempt", "下次尝试";
    NextPage => "Next page", "下一页";
    NoAttempts => "Not attempted yet.", "尚未尝试。";
    NoDeadLetters => "No dead letters.", "没有死信。";
    NoMessages => "No messages match.", "没有符合条件的消息。";
    NotCounted => "not counted", "不计次";
    OldestWaiting => "oldest waiting", "最久等待";
    NothingSelected => "Nothing was selected.", "未选择任何消息。";
    Outcome => "Outcome", "结果";
    Outcomes => "Recipients", "接收者结果";
    Overview => "Overview", "概览";
    Pages => "Pages", "分页";
    ProviderBody => "Provider request body", "服务商请求体";
    ProviderCall => "Provider call", "服务商调用";
    QuotaUse => "Quota use", "配额使用";
    Recall => "Recall", "撤回";
    Recalled => "Recalled.", "已撤回。";
    Recipient => "Recipient", "接收者";
    Recipients => "Recipients", "接收者";
    RecipientsHelp => "Separate several with commas. Which fields a channel takes depends on its kind.", "多个用逗号分隔。可用字段取决于通道类型。";
    Refused => "Refused", "已拒绝";
    Request => "Request", "请求";
    Retried => "Sent again", "已重新发送";
    Retry => "Retry", "重试";
    RetrySelected => "Retry selected", "重试所选";
    Select => "Select", "选择";
    SelectAll => "Select all on this page", "全选本页";
    Send => "Send", "发送";
    SignIn => "Sign in", "登录";
    SignInHelp => "Sign in with an API key of this gateway. You see and do what the key may.", "使用本网关的 API 密钥登录。您能查看和操作的范围与该密钥相同。";
    SignOut => "Sign out", "退出";
    SignedInAs => "Key:", "密钥：";
    Since => "From", "开始时间";
    SkipToContent => "Skip to content", "跳到正文";
    Status => "Status", "状态";
    SubmittedBy => "API key", "API 密钥";
    Text => "Text", "正文";
    TextSearch => "Text", "文本搜索";
    Title => "Title (card, notification)", "标题（卡片、通知）";
    TokenAge => "Token age", "令牌时长";
    TooManySelected => "Too many selected", "选择过多";
    UnknownAction => "Unknown action.", "未知操作。";
    UnknownKey => "This API key is not known to the gateway.", "网关不认识这个 API 密钥。";
    Until => "Until", "结束时间";
    Updated => "Updated", "更新时间";
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_picks_the_preferred_of_zh_and_en() {
        assert_eq!(Lang::from_accept_language("zh-CN,zh;q=0.9,en;q=0.8"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("en-US,en;q=0.9,zh-CN;q=0.8"), Lang::En);
        assert_eq!(Lang::from_accept_language("de-DE, zh-TW;q=0.5"), Lang::Zh);
        assert_eq!(Lang::from_accept_language("fr"), Lang::En);
        assert_eq!(Lang::from_accept_language(""), Lang::En);
        assert_eq!(Lang::from_accept_language("zh;q=0, en;q=0.1"), Lang::En);
        assert_eq!(Lang::from_accept_language("ZH-hans"), Lang::Zh);
    }

    #[test]
    fn every_string_exists_in_both_languages() {
        for key in T::ALL {
            let (en, zh) = (Lang::En.t(*key), Lang::Zh.t(*key));
            assert!(!en.is_empty() && !zh.is_empty(), "{key:?}");
            assert!(en.is_ascii(), "{key:?}: English text");
            assert!(!zh.is_ascii() || zh == en, "{key:?}: Chinese text");
        }
        assert_eq!(Lang::Zh.status("delivered"), "已送达");
        assert_eq!(Lang::En.status("partially_delivered"), "partially delivered");
        assert_eq!(Lang::Zh.status("successed_online"), "successed online");
    }
}
