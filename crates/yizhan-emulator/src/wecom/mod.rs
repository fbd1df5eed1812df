//! The emulated WeCom (企业微信) application API.
//!
//! | endpoint | module |
//! |---|---|
//! | `GET /cgi-bin/gettoken` | [`gettoken`] |
//! | `POST /cgi-bin/message/send` | [`message_send`] |
//! | `POST /cgi-bin/media/upload`, `POST /cgi-bin/media/uploadimg` | [`media_upload`] (store: [`media`]) |
//!
//! All answer HTTP 200 with `{"errcode":N,"errmsg":"..."}` for business errors, as WeCom does.

mod directory;
mod errmsg;
mod gettoken;
pub(crate) mod ledger;
pub(crate) mod media;
mod media_upload;
mod message_send;
mod multipart;
mod template_card;
mod token;
mod validate;

use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::config::WecomConfig;
use crate::provider::Reply;
use crate::state::AppState;
use directory::Directory;
use errmsg::Rejection;
use ledger::{Limits, ResponseCodeRecord, SendLedger};
use media::{MediaRecord, MediaStore};
use token::{TokenCheck, TokenStore};

/// Path of the token endpoint.
pub(crate) const GETTOKEN_PATH: &str = "/cgi-bin/gettoken";
/// Path of the app-message endpoint.
pub(crate) const SEND_PATH: &str = "/cgi-bin/message/send";
/// Path of the temporary-media upload.
pub(crate) const MEDIA_UPLOAD_PATH: &str = "/cgi-bin/media/upload";
/// Path of the mpnews image upload.
pub(crate) const MEDIA_UPLOADIMG_PATH: &str = "/cgi-bin/media/uploadimg";
/// Largest upload body: a 20 MiB file plus the multipart framing, with room to answer 45001
/// for somewhat larger files instead of HTTP 413.
const MEDIA_BODY_LIMIT: usize = 32 * 1024 * 1024;

/// One configured app.
#[derive(Debug)]
struct App {
    corp_id: String,
    agent_id: i64,
    secret: String,
    /// The agent id as text, shared by every inbox record of the app.
    label: Arc<str>,
}

/// The emulated corp: apps, directory, tokens and the send-side memory.
#[derive(Debug)]
pub(crate) struct WecomState {
    apps: Vec<App>,
    directory: Directory,
    tokens: TokenStore,
    ledger: Mutex<SendLedger>,
    limits: Limits,
    media: MediaStore,
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
            })
            .collect();
        Self {
            apps,
            directory: Directory::new(config),
            tokens: TokenStore::new(config.token_lifetime_secs),
            ledger: Mutex::default(),
            limits: Limits { per_minute: config.per_member_per_minute, per_hour: config.per_member_per_hour },
            media: MediaStore::default(),
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

    /// Uploaded temporary media, oldest first.
    pub(crate) fn media(&self) -> Vec<MediaRecord> {
        self.media.records()
    }

    /// Forgets tokens, windows, duplicates, response codes and media.
    pub(crate) fn reset(&self) {
        self.tokens.reset();
        *self.ledger() = SendLedger::default();
        self.media.reset();
    }
}

/// The app of the request's `access_token`: 41001 when missing, 40014 when never issued,
/// 42001 when expired.
fn authenticate(wecom: &WecomState, query: Option<&str>, now_ms: i64) -> Result<usize, Rejection> {
    let token =
        crate::query::param(query, "access_token").filter(|t| !t.is_empty()).ok_or_else(|| Rejection::new(41001))?;
    match wecom.tokens.check(&token, now_ms) {
        TokenCheck::Valid(app) => Ok(app),
        TokenCheck::Expired => Err(Rejection::new(42001)),
        TokenCheck::Unknown => Err(Rejection::new(40014)),
    }
}

/// The WeCom routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(GETTOKEN_PATH, get(gettoken::handle).post(gettoken::handle))
        .route(SEND_PATH, post(message_send::handle))
        .route(MEDIA_UPLOAD_PATH, post(media_upload::upload).layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT)))
        .route(MEDIA_UPLOADIMG_PATH, post(media_upload::uploadimg).layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT)))
}

/// The answer to an injected `fail_next` errcode.
fn fault_reply(state: &AppState, code: i64, ip: IpAddr) -> Reply {
    errmsg::error_reply(&Rejection::new(code), ip, state.clock.now_secs())
}
