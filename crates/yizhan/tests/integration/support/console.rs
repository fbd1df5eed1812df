//! The console without a browser: a client that signs in and keeps the session cookie, the
//! configuration the console tests share, and the check that a page shows no secret.

use std::collections::BTreeMap;

use reqwest::header::{HeaderMap, SET_COOKIE};
use yizhan::server::auth::ApiKeys;

/// The admin key (`admin = true`: every channel) of [`config`].
pub(crate) const ADMIN_KEY: &str = "console-admin-key-3f9c1d";
/// The key of [`config`] limited to channel `ops`.
pub(crate) const OPS_KEY: &str = "console-ops-only-key-7b2e4a";

/// Channels `ops` (WeCom application), `ops-robot` (WeCom robot) and `app` (Getui) on the
/// emulator at `emulator`, the store at `store`, and the keys [`ADMIN_KEY`] and [`OPS_KEY`].
pub(crate) fn config(emulator: &str, store: &str) -> String {
    format!(
        r#"
[store]
url = "{store}"

[[channels]]
name = "ops"
kind = "wecom_app"
corp_id = "{corp}"
agent_id = {agent}
secret = "{secret}"
base_url = "{emulator}"

[[channels]]
name = "ops-robot"
kind = "wecom_robot"
key = "{robot}"
base_url = "{emulator}"

[[channels]]
name = "app"
kind = "getui"
app_id = "{app_id}"
app_key = "{app_key}"
master_secret = "{master}"
base_url = "{emulator}"

[[api_keys]]
name = "admin"
sha256 = "{admin}"
admin = true

[[api_keys]]
name = "ops-only"
sha256 = "{ops}"
channels = ["ops"]
"#,
        corp = yizhan_emulator::DEFAULT_CORP_ID,
        agent = yizhan_emulator::DEFAULT_AGENT_ID,
        secret = yizhan_emulator::DEFAULT_SECRET,
        robot = yizhan_emulator::DEFAULT_ROBOT_KEY,
        app_id = yizhan_emulator::DEFAULT_GETUI_APP_ID,
        app_key = yizhan_emulator::DEFAULT_GETUI_APP_KEY,
        master = yizhan_emulator::DEFAULT_GETUI_MASTER_SECRET,
        admin = ApiKeys::hash(ADMIN_KEY),
        ops = ApiKeys::hash(OPS_KEY),
    )
}

/// Every secret of [`config`]: channel secrets, robot key, Getui key and master secret, and the
/// API keys themselves.
pub(crate) const SECRETS: [&str; 6] = [
    yizhan_emulator::DEFAULT_SECRET,
    yizhan_emulator::DEFAULT_ROBOT_KEY,
    yizhan_emulator::DEFAULT_GETUI_APP_KEY,
    yizhan_emulator::DEFAULT_GETUI_MASTER_SECRET,
    ADMIN_KEY,
    OPS_KEY,
];

/// Fails if `page` (at `path`) contains any of [`SECRETS`].
pub(crate) fn assert_no_secret(path: &str, page: &str) {
    for secret in SECRETS {
        assert!(!page.contains(secret), "{path} shows a secret");
    }
}

/// A signed-in console user (no redirects followed, cookies kept).
pub(crate) struct ConsoleClient {
    base: String,
    http: reqwest::Client,
    cookies: BTreeMap<String, String>,
    /// Extra request headers (e.g. `X-Forwarded-Proto`).
    pub(crate) headers: HeaderMap,
}

/// A response: status, headers, body.
pub(crate) struct Answer {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: String,
}

impl Answer {
    /// The `Location` of a redirect.
    pub(crate) fn location(&self) -> &str {
        self.headers.get("location").and_then(|v| v.to_str().ok()).unwrap_or_default()
    }

    /// The `Set-Cookie` header that sets `name`.
    pub(crate) fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|c| c.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }

    /// The value of the page's first hidden `csrf` field.
    pub(crate) fn csrf(&self) -> String {
        let at = self.body.find(r#"name="csrf" value=""#).expect("a form with a CSRF token")
            + r#"name="csrf" value=""#.len();
        self.body[at..].split('"').next().expect("value").to_owned()
    }
}

impl ConsoleClient {
    /// Not signed in yet.
    pub(crate) fn new(base: &str) -> ConsoleClient {
        let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        ConsoleClient { base: base.to_owned(), http, cookies: BTreeMap::new(), headers: HeaderMap::new() }
    }

    /// Signs in with `key` (the sign-in page, then its form); panics unless it worked.
    pub(crate) async fn signed_in(base: &str, key: &str) -> ConsoleClient {
        let mut client = ConsoleClient::new(base);
        let form = client.get("/console/sign-in").await;
        assert_eq!(form.status, 200);
        let csrf = form.csrf();
        let done = client.post("/console/sign-in", &[("csrf", &csrf), ("key", key), ("next", "/console/")]).await;
        assert_eq!(done.status, 303, "{}", done.body);
        assert!(client.cookies.contains_key("yz_session"), "a session cookie");
        client
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn remember(&mut self, response: reqwest::Response) -> Answer {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        for cookie in headers.get_all(SET_COOKIE).iter().filter_map(|v| v.to_str().ok()) {
            let pair = cookie.split(';').next().unwrap_or_default();
            if let Some((name, value)) = pair.split_once('=') {
                if value.is_empty() || cookie.contains("Max-Age=0") {
                    self.cookies.remove(name);
                } else {
                    self.cookies.insert(name.to_owned(), value.to_owned());
                }
            }
        }
        let body = response.text().await.expect("body");
        Answer { status, headers, body }
    }

    /// `GET path`.
    pub(crate) async fn get(&mut self, path: &str) -> Answer {
        let response = self
            .http
            .get(format!("{}{path}", self.base))
            .headers(self.headers.clone())
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("get");
        self.remember(response).await
    }

    /// `POST path` with a form of `fields`.
    pub(crate) async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .headers(self.headers.clone())
            .header("cookie", self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .expect("post");
        self.remember(response).await
    }
}
