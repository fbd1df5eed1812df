//! What `yizhan send` asks of a provider, besides the planning and execution the gateway uses:
//! which flags its channels take ([`flags`]), the content and recipients its own flags describe,
//! media uploaded before a direct send names it, and the printed result. Each provider's part
//! is its `cli` module (`providers::wecom_app::cli`, …); this module dispatches by kind, so
//! `commands/send` names no provider.

pub(crate) mod flags;

use serde_json::{Map, Value, json};

use super::{
    AnyClient, ChannelKind, Delivered, Failed, dingtalk_robot, email, feishu_bot, getui, wecom_app, wecom_robot,
};
use crate::cli::SendArgs;
use crate::commands::send::request::Parts;
use crate::config::ChannelConfig;
use crate::exit::UsageError;
use crate::gateway::Plan;

/// Media named in the request instead of a file or URL: the content that names it and, once
/// uploaded, its media_id.
#[derive(Debug)]
pub(crate) struct Media {
    /// The request's `content`.
    pub(crate) content: Value,
    /// The uploaded media's id (`None` in a dry run, and for inline images).
    pub(crate) media_id: Option<String>,
}

/// The content of a media flag for a direct send through `channel`: uploaded first (a dry run
/// names the upload instead). `None` when no media flag was given or the provider takes none.
pub(crate) async fn media(
    channel: &ChannelConfig,
    client: &AnyClient,
    args: &SendArgs,
) -> anyhow::Result<Option<Media>> {
    match (channel, client) {
        (ChannelConfig::WecomApp(app), AnyClient::WecomApp(c)) => wecom_app::cli::media(app, c, args).await,
        (ChannelConfig::WecomRobot(bot), AnyClient::WecomRobot(c)) => wecom_robot::cli::media(bot, c, args).await,
        (ChannelConfig::Getui(_), AnyClient::Getui(_))
        | (ChannelConfig::DingtalkRobot(_), AnyClient::DingtalkRobot(_))
        | (ChannelConfig::FeishuBot(_), AnyClient::FeishuBot(_))
        | (ChannelConfig::Email(_), AnyClient::Email(_)) => Ok(None),
        _ => anyhow::bail!("channel {:?} has a client of another kind", channel.name()),
    }
}

/// Prints the result of a direct send through `channel` (with `--json-output` as JSON), or
/// the provider's hint for a failure; a failure is returned for the exit code.
pub(crate) fn print(
    channel: &ChannelConfig,
    plan: &Plan,
    sent: Result<Vec<Delivered>, Failed>,
    media_id: Option<&str>,
    json_output: bool,
) -> anyhow::Result<()> {
    match (channel, sent) {
        (ChannelConfig::WecomApp(_), Ok(done)) => wecom_app::cli::print(plan, &done, media_id, json_output),
        (ChannelConfig::WecomRobot(bot), Ok(_)) => wecom_robot::cli::print(bot, plan, media_id, json_output),
        (ChannelConfig::Getui(_), Ok(done)) => getui::cli::print(&done, json_output),
        (ChannelConfig::DingtalkRobot(bot), Ok(_)) => dingtalk_robot::cli::print(bot, plan, json_output),
        (ChannelConfig::FeishuBot(bot), Ok(_)) => feishu_bot::cli::print(bot, plan, json_output),
        (ChannelConfig::Email(_), Ok(done)) => email::cli::print(plan, &done, json_output),
        (channel, Err(failed)) => {
            match channel.channel_kind() {
                ChannelKind::WecomRobot => wecom_robot::cli::hint(&failed),
                ChannelKind::DingtalkRobot => dingtalk_robot::cli::hint(&failed),
                ChannelKind::FeishuBot => feishu_bot::cli::hint(&failed),
                ChannelKind::Email => email::cli::hint(&failed),
                ChannelKind::WecomApp | ChannelKind::Getui => {}
            }
            Err(anyhow::Error::new(failed).context(format!("sending through {:?}", channel.name())))
        }
    }
}

/// The `content` of the flags only one provider takes (`--markdown-v2`, `--textcard`, `--json`,
/// a Getui notification or transmission); `None` when none of them was given. A `--json` body
/// also names recipients and options in `parts`.
pub(crate) fn content(kind: ChannelKind, args: &SendArgs, parts: &mut Parts) -> anyhow::Result<Option<Value>> {
    let c = &args.content;
    Ok(match kind {
        ChannelKind::WecomRobot => c
            .markdown_v2
            .as_ref()
            .map(|markdown| json!({"wecom_robot": {"msgtype": "markdown_v2", "markdown_v2": {"content": markdown}}})),
        ChannelKind::WecomApp => match (&c.textcard, &c.json) {
            (Some(spec), _) => Some(json!({"wecom": wecom_app::cli::textcard_from_spec(spec)?})),
            (None, Some(path)) => Some(wecom_app::cli::from_json_file(path, parts)?),
            (None, None) => None,
        },
        ChannelKind::DingtalkRobot | ChannelKind::FeishuBot | ChannelKind::Email => None,
        ChannelKind::Getui => {
            let message = serde_json::to_value(getui::cli::push_message(args)?)?;
            Some(
                json!({"getui": {"notification": message.get("notification"), "transmission": message.get("transmission")}}),
            )
        }
    })
}

/// The content a provider composes from several flags at once (an email's subject, body and
/// attachments), taking precedence over plain `--text` / `--markdown`; `None` otherwise.
pub(crate) fn composed(kind: ChannelKind, args: &SendArgs) -> anyhow::Result<Option<Value>> {
    match kind {
        ChannelKind::Email => email::cli::content(args),
        ChannelKind::WecomApp
        | ChannelKind::WecomRobot
        | ChannelKind::Getui
        | ChannelKind::DingtalkRobot
        | ChannelKind::FeishuBot => Ok(None),
    }
}

/// The content flags channels of `kind` take, for "give the content".
pub(crate) fn content_flags(kind: ChannelKind) -> &'static str {
    match kind {
        ChannelKind::WecomRobot => "--text, --markdown or --markdown-v2",
        ChannelKind::Getui => "--title and --body, or --transmission",
        ChannelKind::WecomApp => "--text, --markdown, --textcard or --json",
        ChannelKind::DingtalkRobot | ChannelKind::FeishuBot => "--text or --markdown",
        ChannelKind::Email => "--text or --markdown (with --subject and --attach)",
    }
}

/// The request's `to` from the recipient flags channels of `kind` take.
pub(crate) fn recipients(kind: ChannelKind, args: &SendArgs, to: &mut Map<String, Value>) -> anyhow::Result<()> {
    match kind {
        ChannelKind::Getui => getui::cli::target(args, to),
        ChannelKind::WecomRobot | ChannelKind::DingtalkRobot => {
            list(to, "mentions", &args.mention);
            list(to, "mention_mobiles", &args.mention_mobile);
            Ok(())
        }
        ChannelKind::FeishuBot => {
            list(to, "mentions", &args.mention);
            Ok(())
        }
        ChannelKind::WecomApp => wecom_app::cli::recipients(args, to),
        ChannelKind::Email => {
            list(to, "emails", &args.to);
            Ok(())
        }
    }
}

/// Sets `to[key]` to `values` unless they are empty or `key` is already set.
pub(crate) fn list(to: &mut Map<String, Value>, key: &str, values: &[String]) {
    if !values.is_empty() && !to.contains_key(key) {
        to.insert(key.to_owned(), json!(values));
    }
}

/// The kind a gateway calls its channel, parsed once; an unknown name is a usage error.
pub(crate) fn kind_named(channel: &str, name: &str) -> Result<ChannelKind, UsageError> {
    ChannelKind::parse(name).ok_or_else(|| {
        UsageError(format!("channel {channel:?} is of kind {name:?}, which this yizhan does not know; upgrade it"))
    })
}
