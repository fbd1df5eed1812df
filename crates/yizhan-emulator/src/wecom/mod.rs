//! The emulated WeCom (企业微信) application API.
//!
//! | endpoint | module |
//! |---|---|
//! | `GET /cgi-bin/gettoken` | [`gettoken`] |
//! | `POST /cgi-bin/message/send` | [`message_send`] |
//! | `POST /cgi-bin/message/recall` | [`recall`] |
//! | `POST /cgi-bin/message/update_template_card` | [`card_update`] |
//! | `POST /cgi-bin/message/get_statistics` | [`statistics`] |
//! | `POST /cgi-bin/appchat/create`, `update`, `GET appchat/get` | [`appchat`] |
//! | `POST /cgi-bin/appchat/send` | [`appchat_send`] |
//! | `POST /cgi-bin/webhook/send`, `POST /cgi-bin/webhook/upload_media` | [`robot`] (group robots) |
//! | `POST /cgi-bin/media/upload`, `POST /cgi-bin/media/uploadimg` | [`media_upload`] (store: [`media`]) |
//! | callbacks to the app (`POST /__emulator/click`) | [`click`], [`delivery`], [`callback_crypto`] |
//!
//! All answer HTTP 200 with `{"errcode":N,"errmsg":"..."}` for business errors, as WeCom does.

mod appchat;
mod appchat_send;
pub(crate) mod callback_crypto;
mod card_update;
pub(crate) mod click;
pub(crate) mod delivery;
mod directory;
mod directory_api;
mod errmsg;
mod gettoken;
mod history;
pub(crate) mod ledger;
pub(crate) mod media;
mod media_upload;
mod message_send;
mod multipart;
mod recall;
mod request;
pub(crate) mod robot;
mod statistics;
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
use appchat::Chats;
use appchat_send::ChatWindows;
use callback_crypto::aes_key;
use delivery::CallbackPolicy;
use directory::Directory;
use errmsg::Rejection;
use history::History;
use ledger::{Limits, ResponseCodeRecord, SendLedger};
use media::{MediaRecord, MediaStore};
use request::Method::{Get, Post};
use request::json_route;
use robot::RobotState;
use token::TokenStore;

/// Path of the token endpoint.
pub(crate) const GETTOKEN_PATH: &str = "/cgi-bin/gettoken";
/// Path of the app-message endpoint.
pub(crate) const SEND_PATH: &str = "/cgi-bin/message/send";
/// Path of the recall endpoint.
pub(crate) const RECALL_PATH: &str = "/cgi-bin/message/recall";
/// Path of the template-card update endpoint.
pub(crate) const UPDATE_CARD_PATH: &str = "/cgi-bin/message/update_template_card";
/// Path of the statistics endpoint.
pub(crate) const STATISTICS_PATH: &str = "/cgi-bin/message/get_statistics";
/// Paths of the appchat endpoints.
pub(crate) const APPCHAT_CREATE_PATH: &str = "/cgi-bin/appchat/create";
/// See [`APPCHAT_CREATE_PATH`].
pub(crate) const APPCHAT_UPDATE_PATH: &str = "/cgi-bin/appchat/update";
/// See [`APPCHAT_CREATE_PATH`].
pub(crate) const APPCHAT_GET_PATH: &str = "/cgi-bin/appchat/get";
/// See [`APPCHAT_CREATE_PATH`].
pub(crate) const APPCHAT_SEND_PATH: &str = "/cgi-bin/appchat/send";
/// `department/list`: the departments an application can see.
pub(crate) const DEPARTMENT_LIST_PATH: &str = "/cgi-bin/department/list";
/// `user/list`: the members of one department.
pub(crate) const USER_LIST_PATH: &str = "/cgi-bin/user/list";
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
    /// Where and how card clicks are called back.
    callback: AppCallback,
    /// 企业可信IP (empty: calls from anywhere).
    trusted: Vec<crate::group_bot::Ipv4Net>,
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
    history: Mutex<History>,
    chats: Mutex<Chats>,
    chat_windows: Mutex<ChatWindows>,
    /// The group robots.
    pub(crate) robots: RobotState,
    media: MediaStore,
    callback_policy: CallbackPolicy,
    /// What a suppressed duplicate is answered with (the emulator's documented choice).
    duplicate_answer: crate::config::DuplicateAnswer,
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
                trusted: a.trusted_ips.iter().filter_map(|e| crate::group_bot::Ipv4Net::parse(e)).collect(),
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
            history: Mutex::default(),
            chats: Mutex::default(),
            chat_windows: Mutex::default(),
            robots: RobotState::new(&config.robots, config.robot_per_minute, config.robot_window),
            media: MediaStore::default(),
            callback_policy: CallbackPolicy {
                timeout: std::time::Duration::from_millis(config.callback_timeout_ms),
                attempts: config.callback_attempts,
            },
            duplicate_answer: config.duplicate_answer,
        }
    }

    fn ledger(&self) -> std::sync::MutexGuard<'_, SendLedger> {
        self.ledger.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn history(&self) -> std::sync::MutexGuard<'_, History> {
        self.history.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn chats(&self) -> std::sync::MutexGuard<'_, Chats> {
        self.chats.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn chat_windows(&self) -> std::sync::MutexGuard<'_, ChatWindows> {
        self.chat_windows.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether `ip` may call with app `app`'s token (its 企业可信IP, if any).
    pub(crate) fn trusts(&self, app: usize, ip: std::net::IpAddr) -> bool {
        let trusted = &self.apps[app].trusted;
        trusted.is_empty() || crate::group_bot::allowed(trusted, ip)
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

    /// Forgets tokens, windows, duplicates, response codes, history, chats, robots and media.
    pub(crate) fn reset(&self) {
        self.tokens.reset();
        *self.ledger() = SendLedger::default();
        *self.history() = History::default();
        self.chats().clear();
        *self.chat_windows() = ChatWindows::default();
        self.robots.reset();
        self.media.reset();
    }
}

/// The WeCom routes.
pub(crate) fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(GETTOKEN_PATH, get(gettoken::handle).post(gettoken::handle))
        .route(SEND_PATH, post(message_send::handle))
        .route(RECALL_PATH, json_route(Post, RECALL_PATH, recall::recall))
        .route(UPDATE_CARD_PATH, json_route(Post, UPDATE_CARD_PATH, card_update::update))
        .route(STATISTICS_PATH, json_route(Post, STATISTICS_PATH, statistics::statistics))
        .route(APPCHAT_CREATE_PATH, json_route(Post, APPCHAT_CREATE_PATH, appchat::create))
        .route(APPCHAT_UPDATE_PATH, json_route(Post, APPCHAT_UPDATE_PATH, appchat::update))
        .route(APPCHAT_GET_PATH, json_route(Get, APPCHAT_GET_PATH, appchat::get))
        .route(APPCHAT_SEND_PATH, json_route(Post, APPCHAT_SEND_PATH, appchat_send::send))
        .route(DEPARTMENT_LIST_PATH, json_route(Get, DEPARTMENT_LIST_PATH, directory_api::department_list))
        .route(USER_LIST_PATH, json_route(Get, USER_LIST_PATH, directory_api::user_list))
        .route(robot::SEND_PATH, post(robot::send::handle))
        .route(
            robot::UPLOAD_PATH,
            post(robot::upload::handle).layer(DefaultBodyLimit::max(robot::upload::UPLOAD_BODY_LIMIT)),
        )
        .route(MEDIA_UPLOAD_PATH, post(media_upload::upload).layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT)))
        .route(MEDIA_UPLOADIMG_PATH, post(media_upload::uploadimg).layer(DefaultBodyLimit::max(MEDIA_BODY_LIMIT)))
}

/// The answer to an injected `fail_next` errcode.
fn fault_reply(state: &AppState, code: i64, ip: IpAddr) -> Reply {
    errmsg::error_reply(&Rejection::new(code), ip, state.clock.now_secs())
}
