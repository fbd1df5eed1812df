//! `yizhan send` through a `feishu_bot` channel: the printed result and the hint for a failure.
//! The body is planned by [`super::plan`]; the bot takes `--text` or `--markdown` with
//! `--mention` (open_ids, `@all`).

use crate::config::FeishuBotConfig;
use crate::gateway::Plan;
use crate::providers::Failed;

/// Prints what was sent.
pub(crate) fn print(bot: &FeishuBotConfig, plan: &Plan, json_output: bool) -> anyhow::Result<()> {
    let body: Option<serde_json::Value> = plan.dispatches.first().and_then(|d| serde_json::from_slice(&d.body).ok());
    let msg_type = body.as_ref().and_then(|b| b.get("msg_type")?.as_str()).unwrap_or("message");
    if json_output {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({"sent": true, "msg_type": msg_type}))?);
    } else {
        println!("sent: {msg_type} to the group of Feishu bot {:?}", bot.name);
    }
    Ok(())
}

/// What to do about a failed bot send.
pub(crate) fn hint(failed: &Failed) {
    if let Some(remedy) = failed.code.and_then(yizhan_feishu::errcode::remedy) {
        eprintln!("hint: {remedy}");
    }
}
