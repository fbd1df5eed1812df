//! The console's page weight and render time (run by `bench/console.sh`; results in
//! docs/benchmarks.md, "Console").
//!
//! Starts the emulator and a gateway on an in-memory SQLite store in this process, stores ROWS
//! scheduled messages (nothing is sent), then:
//!
//! * **page weight**: the bytes of the messages list as served (HTML of the default 50-row page
//!   and of the ROWS-row page, plus the stylesheet and scripts it loads; no compression);
//! * **render time** of the ROWS-row page in headless Chromium (Debian's `chromium` and
//!   `chromium-driver`): from the first byte of the response to the end of the `load` event
//!   (`PerformanceNavigationTiming.loadEventEnd - responseStart`: parsing, styles, layout and
//!   scripts; the server's time is left out), and to the first contentful paint; RUNS fresh
//!   navigations, the median reported.
//!
//! Usage: `console_bench [ROWS] [RUNS]` (defaults 1000 and 7). Prints one markdown table.

use std::time::Duration;

use fantoccini::{ClientBuilder, Locator};
use serde_json::{Value, json};
use yizhan::config::Config;
use yizhan::server::auth::ApiKeys;

const KEY: &str = "console-bench-key";

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let rows: usize = args.next().map_or(Ok(1000), |a| a.parse())?;
    let runs: usize = args.next().map_or(Ok(7), |a| a.parse())?;

    let emu = yizhan_test_kit::emulator::spawn_default().await;
    let config = format!(
        "[store]\nurl = \"sqlite::memory:\"\n\n[[channels]]\nname = \"ops\"\nkind = \"wecom_app\"\ncorp_id = \"{}\"\n\
         agent_id = {}\nsecret = \"{}\"\nbase_url = \"{}\"\n\n[[api_keys]]\nname = \"bench\"\nsha256 = \"{}\"\nchannels = [\"ops\"]\n",
        yizhan_emulator::DEFAULT_CORP_ID,
        yizhan_emulator::DEFAULT_AGENT_ID,
        yizhan_emulator::DEFAULT_SECRET,
        emu.base_url(),
        ApiKeys::hash(KEY)
    );
    let config = Config::parse(&config, "bench.toml", &Default::default())?;
    let store = yizhan_store::Store::open(&config.store.url).await?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(yizhan::commands::serve::serve(config, store, listener, axum::Router::new(), std::future::pending()));

    // ROWS messages, scheduled far ahead so that the list is all that changes nothing.
    let http = reqwest::Client::new();
    for chunk in (0..rows).collect::<Vec<_>>().chunks(1000) {
        let messages: Vec<Value> = chunk
            .iter()
            .map(|i| {
                json!({"channel": "ops", "to": {"users": [format!("user{i}")]},
                            "content": {"text": format!("disk full on db-{i}")},
                            "options": {"send_at": "2099-01-01T00:00:00Z"}})
            })
            .collect();
        let answer = http
            .post(format!("{base}/v1/messages:batch"))
            .bearer_auth(KEY)
            .json(&json!({"messages": messages}))
            .send()
            .await?;
        anyhow::ensure!(answer.status() == 202, "seeding: {}", answer.text().await?);
    }

    let driver_port = yizhan_test_kit::emulator::free_port();
    let _driver = tokio::process::Command::new("/usr/bin/chromedriver")
        .arg(format!("--port={driver_port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let driver = format!("http://127.0.0.1:{driver_port}");
    yizhan_test_kit::wait::for_state("chromedriver", Duration::from_secs(20), async || {
        http.get(format!("{driver}/status")).send().await.map(drop).map_err(|e| e.to_string())
    })
    .await;
    let Value::Object(capabilities) = json!({"goog:chromeOptions": {"binary": "/usr/bin/chromium",
        "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900",
                 "--lang=en-US", "--disable-extensions", "--disable-background-networking"]}})
    else {
        unreachable!("an object")
    };
    let browser = ClientBuilder::rustls()?.capabilities(capabilities).connect(&driver).await?;
    browser.goto(&format!("{base}/console/sign-in")).await?;
    browser.find(Locator::Css("#key")).await?.send_keys(KEY).await?;
    browser.find(Locator::Css("form.card button")).await?.click().await?;
    browser.wait().at_most(Duration::from_secs(20)).for_element(Locator::Css("form.sign-out")).await?;

    // Page weight: what the browser downloads for the list (its cookie, read back from it).
    let cookie = browser.get_named_cookie("yz_session").await?;
    let session = format!("yz_session={}", cookie.value());
    let get = |path: String| {
        let (http, session) = (http.clone(), session.clone());
        async move { anyhow::Ok(http.get(path).header("cookie", session).send().await?.bytes().await?) }
    };
    let small = get(format!("{base}/console/messages")).await?;
    let large = get(format!("{base}/console/messages?limit={rows}")).await?;
    let page = String::from_utf8_lossy(&small).into_owned();
    let mut assets = 0;
    for prefix in ["/console/assets/console.", "/console/assets/htmx."] {
        for (at, _) in page.match_indices(prefix) {
            let url = page[at..].split('"').next().unwrap_or_default();
            assets += get(format!("{base}{url}")).await?.len();
        }
    }
    anyhow::ensure!(
        String::from_utf8_lossy(&large).matches("<tr data-id=").count() == rows,
        "the page has {rows} rows"
    );

    let (mut loaded, mut painted) = (Vec::new(), Vec::new());
    for _ in 0..runs {
        browser.goto(&format!("{base}/console/messages?limit={rows}")).await?;
        let timing = browser
            .execute(
                "const n = performance.getEntriesByType('navigation')[0];
                 const p = performance.getEntriesByName('first-contentful-paint')[0];
                 return {rows: document.querySelectorAll('table.messages tbody tr').length,
                         load: n.loadEventEnd - n.responseStart, paint: p ? p.startTime - n.responseStart : null};",
                vec![],
            )
            .await?;
        anyhow::ensure!(timing["rows"] == rows, "rendered {} rows", timing["rows"]);
        loaded.push(timing["load"].as_f64().unwrap_or(f64::NAN));
        painted.push(timing["paint"].as_f64().unwrap_or(f64::NAN));
    }
    browser.close().await?;
    let kb = |n: usize| n as f64 / 1000.0;
    println!("| measure | value | target |");
    println!("|---|---|---|");
    println!(
        "| messages list, 50 rows: HTML + CSS + JS | {:.1} kB ({:.1} + {:.1}) | < 150 kB |",
        kb(small.len() + assets),
        kb(small.len()),
        kb(assets)
    );
    println!(
        "| messages list, {rows} rows: HTML + CSS + JS | {:.1} kB ({:.1} + {:.1}) | — |",
        kb(large.len() + assets),
        kb(large.len()),
        kb(assets)
    );
    println!(
        "| {rows} rows: first byte → load end, median of {runs} (ms) | {:.1} (runs: {:?}) | < 200 ms |",
        median(loaded.clone()),
        loaded
    );
    println!("| {rows} rows: first byte → first contentful paint, median (ms) | {:.1} | — |", median(painted));
    Ok(())
}
