//! `yizhan channels check` of a `wecom_app` channel: fetch a token, verify the agent id, and
//! explain a failure (the code's meaning, what to do, else WeCom's own message and link).

use std::time::Instant;

use yizhan_wecom::WecomClient;

use crate::config::WecomAppConfig;
use crate::providers::CheckFailure;

/// Fetches a token, then verifies the agent id with a `message/send` that names no recipient:
/// WeCom refuses it with 82001 (no recipient) when the agent id belongs to the secret's
/// application and with 40056 (invalid agentid) when it does not. Nothing can be delivered: the
/// body has no recipient. (That WeCom checks the agent id before the recipients is how the
/// reference lists the checks; any other answer is reported as not verified.)
pub async fn check(client: Option<&WecomClient>, app: &WecomAppConfig) -> Result<String, CheckFailure> {
    let started = Instant::now();
    let Some(client) = client else { return Err(CheckFailure::no_client(&app.name)) };
    client.access_token().await.map_err(|e| wecom_failure(&e, app))?;
    let token_ms = started.elapsed().as_millis();
    let probe =
        serde_json::json!({"agentid": app.agent_id, "msgtype": "text", "text": {"content": "yizhan channels check"}});
    let probe = yizhan_wecom::PreparedSend { body: probe.to_string().into_bytes().into(), resend_is_safe: false };
    match client.send_prepared(&probe).await {
        Err(e) if e.code() == Some(NO_RECIPIENT) => {
            Ok(format!("token fetched in {token_ms} ms, agent_id {} accepted", app.agent_id))
        }
        Ok(_) => Ok(format!("token fetched in {token_ms} ms, agent_id {} accepted", app.agent_id)),
        Err(e) if e.code().is_some_and(|c| yizhan_wecom::errcode::remedy(c).is_some()) => Err(wecom_failure(&e, app)),
        Err(e) => Ok(format!("token fetched in {token_ms} ms; agent_id {} not verified: {e}", app.agent_id)),
    }
}

/// WeCom's "no recipient" (touser, toparty and totag all empty).
const NO_RECIPIENT: i64 = 82001;

/// A WeCom failure explained: the code's meaning, what to do, and WeCom's own message and link
/// when yizhan has no advice for the code.
fn wecom_failure(e: &yizhan_wecom::Error, app: &WecomAppConfig) -> CheckFailure {
    let mut explanation = Vec::new();
    if let Some(code) = e.code() {
        if let Some(meaning) = yizhan_wecom::errcode::describe(code) {
            explanation.push(format!("errcode {code}: {meaning}"));
        }
        match yizhan_wecom::errcode::remedy(code) {
            Some(remedy) => explanation.push(format!("fix: {remedy}")),
            None => {
                let said = e.provider_message().unwrap_or("(no message)");
                explanation.push(format!("WeCom said: {said}"));
                if !said.contains("more info at") {
                    explanation.push(format!("more info at https://open.work.weixin.qq.com/devtool/query?e={code}"));
                }
            }
        }
        if code == 60020 {
            let ip = e.provider_message().and_then(yizhan_wecom::errcode::caller_ip);
            explanation.push(format!(
                "WeCom saw this machine as {}: add that address to the app's 企业可信IP \
                 (应用管理 → {} → 企业可信IP), or send through a proxy whose IP is listed",
                ip.unwrap_or("(no IP reported)"),
                app.agent_id
            ));
        }
    }
    CheckFailure { kind: e.kind(), text: e.to_string(), explanation }
}
