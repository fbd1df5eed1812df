//! `POST /auth` and `DELETE /auth/{token}` (Getui REST v2 docs: authentication).
//!
//! `/auth` checks, in order: the per-app sliding minute (401/10003; refused calls do not count),
//! a JSON object body (code 1), `sign`, `timestamp`, `appkey` present (20001 `{param} can not be
//! empty`), `timestamp` a string of digits or a JSON integer (20001 `timestamp is invalid`),
//! `appkey` (20001 `appkey is invalid`), `sign` = lowercase hex SHA-256 of
//! `appkey + timestamp + mastersecret` with the timestamp exactly as sent (20001
//! `sign is invalid`; upper case only with `sign_case_insensitive`), then the skew window
//! (20001 `timestamp is invalid`). Success: `{"expire_time":"<ms>","token":"<64 hex>"}` with
//! `expire_time` a string; earlier tokens stay valid.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::Ctx;
use super::envelope::{Answer, Res};
use super::validate::{self, get, req_str};

/// Lower-case hex of `bytes`.
pub(super) fn hex(bytes: &[u8]) -> String {
    hex::encode(bytes)
}

/// The expected sign: lowercase hex SHA-256 of `appkey + timestamp + master_secret`.
pub(super) fn sign(app_key: &str, timestamp: &str, master_secret: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(app_key.as_bytes());
    hasher.update(timestamp.as_bytes());
    hasher.update(master_secret.as_bytes());
    hex(&hasher.finalize())
}

/// `POST /auth`.
pub(super) fn create(ctx: &Ctx<'_>) -> Res {
    let config = ctx.config();
    if !ctx.getui().tokens.admit_auth(ctx.app, ctx.now_ms, config.auth_per_minute) {
        let msg = format!("auth frequency over limit, max {} per minute", config.auth_per_minute);
        return Err(Answer::error(10003, msg));
    }
    let body = validate::object(ctx.body)?;
    let sign_sent = req_str(&body, "sign")?;
    let timestamp = match get(&body, "timestamp") {
        None => return Err(Answer::empty("timestamp")),
        Some(Value::String(s)) if s.is_empty() => return Err(Answer::empty("timestamp")),
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => n.to_string(),
        Some(_) => return Err(Answer::invalid("timestamp")),
    };
    let app_key = req_str(&body, "appkey")?;
    let millis: i64 = match timestamp.parse() {
        Ok(ms) if timestamp.bytes().all(|b| b.is_ascii_digit()) => ms,
        _ => return Err(Answer::invalid("timestamp")),
    };
    let app = &config.apps[ctx.app];
    if app_key != app.app_key {
        return Err(Answer::invalid("appkey"));
    }
    let expected = sign(app_key, &timestamp, &app.master_secret);
    let sign_ok = sign_sent == expected || (config.sign_case_insensitive && sign_sent.eq_ignore_ascii_case(&expected));
    if !sign_ok {
        return Err(Answer::invalid("sign"));
    }
    if config.auth_timestamp_skew_ms > 0 && (ctx.now_ms - millis).abs() > config.auth_timestamp_skew_ms {
        return Err(Answer::invalid("timestamp"));
    }
    let (token, expires_at_ms) = ctx.getui().tokens.issue(ctx.app, ctx.now_ms);
    Ok(Answer::data(json!({"expire_time": expires_at_ms.to_string(), "token": token})))
}

/// `DELETE /auth/{token}`: revokes that token of this app (unknown tokens too answer success).
pub(super) fn revoke(ctx: &Ctx<'_>) -> Res {
    ctx.getui().tokens.revoke(ctx.param(0), ctx.app);
    Ok(Answer::error(0, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_is_lowercase_sha256_hex() {
        // sha256("abc")
        assert_eq!(sign("a", "b", "c"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
