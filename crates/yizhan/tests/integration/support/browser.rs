//! Headless Chromium driven over WebDriver: Debian's `chromium` and `chromium-driver`, a
//! chromedriver started on a free loopback port, and a fantoccini client of it. Killed when
//! dropped.
//!
//! Not installed: the test skips with a printed reason, unless `CI=true`, when it fails
//! (`.ci/run` installs both).

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use yizhan_test_kit::emulator::free_port;
use yizhan_test_kit::wait;

use super::console::assert_no_secret;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long a page may take to show what a test waits for.
pub(crate) const PATIENCE: Duration = Duration::from_secs(20);

/// A browser session.
pub(crate) struct Browser {
    /// The WebDriver client.
    pub(crate) client: Client,
    _driver: tokio::process::Child,
}

impl Browser {
    /// Starts chromedriver and a headless Chromium asking for `language` pages; `None` (after
    /// printing why) when they are not installed and `CI` is not `true`.
    pub(crate) async fn start(language: &str) -> Option<Browser> {
        if !Path::new(CHROMIUM).is_file() || !Path::new(CHROMEDRIVER).is_file() {
            let why = "chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)";
            assert!(!yizhan_test_kit::ci(), "{why} and CI=true");
            eprintln!("skipping: {why}");
            return None;
        }
        let port = free_port();
        let driver = tokio::process::Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("chromedriver starts");
        let url = format!("http://127.0.0.1:{port}");
        let http = reqwest::Client::new();
        wait::for_state("chromedriver to be ready", PATIENCE, async || {
            match http.get(format!("{url}/status")).send().await {
                Ok(r) => {
                    let status: serde_json::Value = r.json().await.map_err(|e| e.to_string())?;
                    if status["value"]["ready"] == true { Ok(()) } else { Err(status.to_string()) }
                }
                Err(e) => Err(e.to_string()),
            }
        })
        .await;
        let capabilities = json!({
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                // --no-sandbox: CI runs as root, where Chromium's sandbox cannot start.
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--window-size=1280,900", format!("--lang={language}"), "--no-first-run",
                         "--disable-extensions", "--disable-background-networking"],
                "prefs": {"intl.accept_languages": language},
            }
        });
        let serde_json::Value::Object(capabilities) = capabilities else { unreachable!("an object") };
        let client = ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(capabilities)
            .connect(&url)
            .await
            .expect("a Chromium session");
        Some(Browser { client, _driver: driver })
    }

    /// Goes to `url` and returns the page, checked for secrets.
    pub(crate) async fn visit(&self, url: &str) -> String {
        self.client.goto(url).await.expect("navigation");
        self.checked_source().await
    }

    /// The current page, checked for secrets.
    pub(crate) async fn checked_source(&self) -> String {
        let url = self.client.current_url().await.expect("url");
        let source = self.client.source().await.expect("page source");
        assert_no_secret(url.as_str(), &source);
        source
    }

    /// Waits for an element matching `css` (at most [`PATIENCE`]).
    pub(crate) async fn wait_for(&self, css: &str) -> fantoccini::elements::Element {
        self.client.wait().at_most(PATIENCE).for_element(Locator::Css(css)).await.unwrap_or_else(|e| {
            panic!("no {css} within {PATIENCE:?}: {e}");
        })
    }

    /// The text of the element matching `css`, read again if the page replaced it meanwhile (a
    /// live refresh swaps parts of the page in).
    pub(crate) async fn text(&self, css: &str) -> String {
        wait::for_state(&format!("the text of {css}"), PATIENCE, async || {
            let element = self.client.find(Locator::Css(css)).await.map_err(|e| e.to_string())?;
            element.text().await.map_err(|e| e.to_string())
        })
        .await
    }

    /// Waits until the attribute `name` of the element matching `css` is `value` (the page
    /// updates itself: no reload).
    pub(crate) async fn wait_for_attr(&self, css: &str, name: &str, value: &str) {
        wait::for_state(&format!("{css} to have {name}={value}"), PATIENCE, async || {
            let element = self.client.find(Locator::Css(css)).await.map_err(|e| e.to_string())?;
            let found = element.attr(name).await.map_err(|e| e.to_string())?;
            if found.as_deref() == Some(value) { Ok(()) } else { Err(format!("{found:?}")) }
        })
        .await;
    }

    /// Clicks the element matching `css`.
    pub(crate) async fn click(&self, css: &str) {
        self.wait_for(css).await.click().await.unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Types `text` into the field matching `css`.
    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        self.wait_for(css).await.send_keys(text).await.unwrap_or_else(|e| panic!("type into {css}: {e}"));
    }

    /// With `YIZHAN_CONSOLE_SCREENSHOTS=1`, saves the page as `docs/console/<name>.png`.
    pub(crate) async fn screenshot(&self, name: &str) {
        if std::env::var("YIZHAN_CONSOLE_SCREENSHOTS").is_ok_and(|v| v == "1") {
            let png = self.client.screenshot().await.expect("screenshot");
            let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/console");
            std::fs::create_dir_all(&dir).expect("docs/console");
            std::fs::write(dir.join(format!("{name}.png")), png).expect("screenshot written");
        }
    }

    /// Ends the browser session.
    pub(crate) async fn close(self) {
        self.client.close().await.expect("session closed");
    }
}
