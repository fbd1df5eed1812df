//! `yizhan send` through a `dingtalk_robot` channel: the printed result and the hint for a
//! failure. The body is planned by [`super::plan`]; the robot takes `--text` or `--markdown`
//! with `--mention` (user ids, `@all`) and `--mention-mobile`.

use serde::Serialize;

use crate::config::DingtalkRobotConfig;
use crate::gateway::Plan;
use crate::providers::Failed;

/// What a robot send printed with `--json-output`.
#[derive(Debug, Serialize)]
struct Sent<'a> {
    sent: bool,
    msgtype: &'a str,
}

/// Prints what was sent.
pub(crate) fn print(bot: &DingtalkRobotConfig, plan: &Plan, json_output: bool) -> anyhow::Result<()> {
    let body: Option<serde_json::Value> = plan.dispatches.first().and_then(|d| serde_json::from_slice(&d.body).ok());
    let msgtype = body.as_ref().and_then(|b| b.get("msgtype")?.as_str()).unwrap_or("message");
    let sent = Sent { sent: true, msgtype };
    if json_output {
        println!("{}", serde_json::to_string_pretty(&sent)?);
    } else {
        println!("sent: {msgtype} to the group of DingTalk robot {:?}", bot.name);
    }
    Ok(())
}

/// What to do about a failed robot send.
pub(crate) fn hint(failed: &Failed) {
    if let Some(remedy) = failed.code.and_then(|code| yizhan_dingtalk::errcode::remedy(code, &failed.message)) {
        eprintln!("hint: {remedy}");
    }
}
