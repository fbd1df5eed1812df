//! Which `yizhan send` flags apply to which providers: one table, used for local sends and
//! for sends through a gateway alike, so a flag is refused the same way wherever it is given.

use super::super::ChannelKind;
use crate::cli::SendArgs;
use crate::exit::UsageError;

/// A WeCom application (`wecom_app`).
const APP: u8 = 1;
/// A WeCom group robot (`wecom_robot`).
const ROBOT: u8 = 2;
/// A Getui app (`getui`).
const GETUI: u8 = 4;
/// A DingTalk robot (`dingtalk_robot`).
const DINGTALK: u8 = 8;
/// A Feishu or Lark bot (`feishu_bot`).
const FEISHU: u8 = 16;
/// An SMTP server (`email`).
const EMAIL: u8 = 32;

/// The bit of a channel kind.
fn kind_bits(kind: ChannelKind) -> u8 {
    match kind {
        ChannelKind::WecomApp => APP,
        ChannelKind::WecomRobot => ROBOT,
        ChannelKind::Getui => GETUI,
        ChannelKind::DingtalkRobot => DINGTALK,
        ChannelKind::FeishuBot => FEISHU,
        ChannelKind::Email => EMAIL,
    }
}

/// "wecom_app, wecom_robot and dingtalk_robot", for a refusal.
fn kind_names(bits: u8) -> String {
    let names: Vec<&str> =
        ChannelKind::ALL.into_iter().filter(|kind| bits & kind_bits(*kind) != 0).map(ChannelKind::name).collect();
    match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.concat(),
    }
}

/// Every flag that applies to some kinds only: its name, the kinds that take it, whether it was
/// given.
fn table(args: &SendArgs) -> [(&'static str, u8, bool); 24] {
    let (c, g) = (&args.content, &args.getui);
    [
        ("--to", APP | EMAIL, !args.to.is_empty()),
        ("--party", APP, !args.party.is_empty()),
        ("--tag", APP | GETUI, !args.tag.is_empty()),
        ("--cid", GETUI, !args.cid.is_empty()),
        ("--alias", GETUI, !args.alias.is_empty()),
        ("--all", GETUI, args.all),
        ("--mention", ROBOT | DINGTALK | FEISHU, !args.mention.is_empty()),
        ("--mention-mobile", ROBOT | DINGTALK, !args.mention_mobile.is_empty()),
        ("--text", APP | ROBOT | DINGTALK | FEISHU | EMAIL, c.text.is_some()),
        ("--markdown", APP | ROBOT | DINGTALK | FEISHU | EMAIL, c.markdown.is_some()),
        ("--markdown-v2", ROBOT, c.markdown_v2.is_some()),
        ("--textcard", APP, c.textcard.is_some()),
        ("--json", APP, c.json.is_some()),
        ("--image", APP | ROBOT, c.image.is_some()),
        ("--file", APP | ROBOT, c.file.is_some()),
        ("--subject", EMAIL, args.subject.is_some()),
        ("--attach", EMAIL, !args.attach.is_empty()),
        ("--voice", APP | ROBOT, c.voice.is_some()),
        ("--video", APP, c.video.is_some()),
        ("--safe", APP, args.safe),
        ("--dedupe", APP, args.dedupe.is_some()),
        ("--title", GETUI, g.title.is_some() || g.body.is_some()),
        ("--click", GETUI, g.click.is_some()),
        ("--transmission", GETUI, g.transmission.is_some() || g.request_id.is_some()),
    ]
}

/// Refuses the first flag given that channels of `kind` do not take, naming the kinds that do.
pub(crate) fn check(args: &SendArgs, channel: &str, kind: ChannelKind) -> Result<(), UsageError> {
    let bits = kind_bits(kind);
    match table(args).into_iter().find(|(_, takes, used)| *used && takes & bits == 0) {
        Some((flag, takes, _)) => {
            let flag = match flag {
                "--title" if args.getui.title.is_none() => "--body",
                "--transmission" if args.getui.transmission.is_none() => "--request-id",
                other => other,
            };
            let mut message =
                format!("{flag} is for {} channels; {channel:?} is a {} channel", kind_names(takes), kind.name());
            if [ROBOT, DINGTALK, FEISHU].contains(&bits)
                && ["--to", "--party", "--tag", "--cid", "--alias", "--all"].contains(&flag)
            {
                message.push_str(" (a robot always posts to its group)");
            }
            Err(UsageError(message))
        }
        None => Ok(()),
    }
}
