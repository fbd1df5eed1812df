//! The emulated WeCom (企业微信) application API.
//!
//! | endpoint | module |
//! |---|---|
//! | `GET /cgi-bin/gettoken` | [`gettoken`] |
//! | `POST /cgi-bin/message/send` | [`message_send`] |
//! | callbacks to the app (`POST /__emulator/click`) | [`click`], [`delivery`], [`callback_crypto`] |
//!
//! Both endpoints answer HTTP 200 with `{"errcode":N,"errmsg":"..."}` for business errors, as
//! WeCom does.

pub(crate) mod callback_crypto;
pub(crate) mod click;
pub(crate) mod delivery;
mod directory;
mod errmsg;
mod gettoken;
pub(crate) mod ledger;
mod message_send;
mod template_card;
mod token;
mod validate;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::routing::{get, post};

use crate::config::WecomConfig;
use crate::provider::Reply;
use crate::state::AppState;
use callback_crypto::aes_key;
use delivery::CallbackPolicy;
use directory::Directory;
use errmsg::Rejection;
use ledger::{Limits, ResponseCodeRecord, SendLedger};
use token::TokenStore;

/// Path of the token endpoint.
pub(crate) const GETTOKEN_PATH: &str = "/cgi-bin/gettoken";
/// Path of the app-message endpoint.
pub(crate) const SEND_PATH: &str = "/cgi-bin/message/send";

/// One configured app.
#[derive(Debug)]
struct App {
    corp_id: String,
    agent_id: i64,
    secret: String,
    /// The agent id as text, shared by every inbox record of the app.
    label: Arc<str>,
    /// Where and how card clicks are called back.
    callback: AppCallback,
}

/// The callback configuration of one app; the receive id is the corp id.
#[derive(Debug)]
struct AppCallback {
    url: Option<String>,
    token: String,
    key: [u8; 32],
}

/// The emulated corp: apps, directory, tokens and the send-side memory.
#[derive(Debug)]
pub(crate) struct WecomState {
    apps: Vec<App>,
    directory: Directory,
    tokens: TokenStore,
    ledger: Mutex<SendLedger>,
    limits: Limits,
    callback_policy: CallbackPolicy,
}

impl WecomState {
    /// Builds the corp from its configuration.
    pub(crate) fn new(config: &WecomConfig) -> Self {
        let apps = config
            .apps
            .iter()
            .map(|a| App {
                corp_id: a.corp_id.clone(),
                agent_id: a.agent_id,
                secret: a.secret.clone(),
                label: a.agent_id.to_string().into(),
                callback: AppCallback {
                    url: a.callback_url.clone(),
                    token: a.callback_token.clone(),
                    // The configuration was validated: the key decodes.
                    key: aes_key(&a.callback_encoding_aes_key).unwrap_or_default(),
                },
            })
            .collect();
        Self {
            apps,
            directory: Directory::new(config),
            tokens: TokenStore::new(config.token_lifetime_secs),
            ledger: Mutex::default(),
            limits: Limits { per_minute: config.per_member_per_minute, per_hour: config.per_member_per_hour },
            callback_policy: CallbackPolicy {
                timeout: std::time::Duration::from_millis(config.callback_timeout_ms),
                attempts: config.callback_attempts,
            },
        }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, SendLedger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Expires every issued token (they answer 42001 from now on).
    pub(crate) fn expire_tokens(&self) {
        self.tokens.expire_all();
    }

    /// Issued response codes, oldest first.
    pub(crate) fn response_codes(&self) -> Vec<ResponseCodeRecord> {
        self.ledger().response_codes()
    }

    /// Forgets tokens, windows, duplicates and response codes.
    pub(crate) fn reset(&self) {
        self.tokens.reset();
        *self.ledger() = SendLedger::default();
    }
}

/// The WeCom routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(GETTOKEN_PATH, get(gettoken::handle).post(gettoken::handle))
        .route(SEND_PATH, post(message_send::handle))
}

/// The answer to an injected `fail_next` errcode.
fn fault_reply(state: &AppState, code: i64, ip: IpAddr) -> Reply {
    errmsg::error_reply(&Rejection::new(code), ip, state.clock.now_secs())
}
