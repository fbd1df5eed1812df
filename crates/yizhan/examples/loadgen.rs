//! Load generator for `yizhan serve` (used by `bench/gateway.sh` and `bench/footprint.sh`).
//!
//! * `loadgen closed BASE KEY N CONCURRENCY` — N distinct WeCom text messages POSTed to
//!   `/v1/messages` by CONCURRENCY tasks as fast as answers come back.
//! * `loadgen open BASE KEY RATE SECS` — open loop: request i is due at `i / RATE` seconds and its
//!   latency counts from that due time (no coordinated omission).
//! * `loadgen schedule BASE KEY N SEND_AT` — N messages with `options.send_at` in batches of 1000.
//!
//! In `closed` and `open`, BASE may list several gateways separated by commas (instances sharing one store): request `i`
//! goes to the `i`-th modulo their number.
//!
//! Every mode prints one line: `sent=… accepted=… refused=… secs=… accepted_per_sec=… p50_ms=… p99_ms=…`.
//! Recipients rotate over users `u0`..`u999`; the channel is `ops`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::Mutex;

fn body(i: u64, tag: &str) -> String {
    format!(r#"{{"channel":"ops","to":{{"users":["u{}"]}},"content":{{"text":"load {tag} {i}"}}}}"#, i % 1000)
}

struct Tally {
    accepted: AtomicU64,
    refused: AtomicU64,
    latencies: Mutex<Vec<Duration>>,
}

impl Tally {
    fn new() -> Arc<Tally> {
        Arc::new(Tally { accepted: AtomicU64::new(0), refused: AtomicU64::new(0), latencies: Mutex::new(Vec::new()) })
    }

    async fn post(&self, http: &reqwest::Client, url: &str, key: &str, body: String, due: Instant) {
        let answer = http.post(url).bearer_auth(key).header("content-type", "application/json").body(body).send().await;
        let latency = due.elapsed();
        match answer {
            Ok(r) if r.status() == reqwest::StatusCode::ACCEPTED => {
                let _ = r.bytes().await;
                self.accepted.fetch_add(1, Ordering::Relaxed);
            }
            Ok(r) => {
                let status = r.status();
                let text = r.text().await.unwrap_or_default();
                if self.refused.fetch_add(1, Ordering::Relaxed) < 3 {
                    eprintln!("refused: {status} {text}");
                }
            }
            Err(e) => {
                if self.refused.fetch_add(1, Ordering::Relaxed) < 3 {
                    eprintln!("error: {e}");
                }
            }
        }
        self.latencies.lock().await.push(latency);
    }

    async fn report(&self, sent: u64, started: Instant) {
        let secs = started.elapsed().as_secs_f64();
        let mut lat = self.latencies.lock().await;
        lat.sort_unstable();
        let pct = |p: f64| lat.get(((lat.len() as f64 * p) as usize).min(lat.len().saturating_sub(1))).copied();
        let ms = |d: Option<Duration>| d.map_or(f64::NAN, |d| d.as_secs_f64() * 1000.0);
        let accepted = self.accepted.load(Ordering::Relaxed);
        println!(
            "sent={sent} accepted={accepted} refused={} secs={secs:.3} accepted_per_sec={:.0} p50_ms={:.3} p99_ms={:.3}",
            self.refused.load(Ordering::Relaxed),
            accepted as f64 / secs,
            ms(pct(0.50)),
            ms(pct(0.99)),
        );
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: loadgen closed|open|schedule BASE KEY ...";
    let (mode, base, key) = match args.as_slice() {
        [m, b, k, ..] => (m.as_str(), b.trim_end_matches('/').to_owned(), k.clone()),
        _ => return Err(usage.into()),
    };
    let num = |i: usize| -> Result<u64, Box<dyn std::error::Error>> { Ok(args.get(i).ok_or(usage)?.parse::<u64>()?) };
    let http = reqwest::Client::builder().pool_max_idle_per_host(1024).build()?;
    let urls: Arc<Vec<String>> =
        Arc::new(base.split(',').map(|b| format!("{}/v1/messages", b.trim_end_matches('/'))).collect());
    let url_of = |i: u64| urls[(i % urls.len() as u64) as usize].clone();
    let tally = Tally::new();
    let tag = format!("{}", std::process::id());
    match mode {
        "closed" => {
            let (n, concurrency) = (num(3)?, num(4)?);
            let next = Arc::new(AtomicU64::new(0));
            let started = Instant::now();
            let tasks: Vec<_> = (0..concurrency)
                .map(|_| {
                    let (http, urls, key, tally, next, tag) =
                        (http.clone(), urls.clone(), key.clone(), tally.clone(), next.clone(), tag.clone());
                    tokio::spawn(async move {
                        loop {
                            let i = next.fetch_add(1, Ordering::Relaxed);
                            if i >= n {
                                break;
                            }
                            let url = &urls[(i % urls.len() as u64) as usize];
                            tally.post(&http, url, &key, body(i, &tag), Instant::now()).await;
                        }
                    })
                })
                .collect();
            for t in tasks {
                t.await?;
            }
            tally.report(n, started).await;
        }
        "open" => {
            let (rate, secs) = (num(3)?, num(4)?);
            let n = rate * secs;
            let started = Instant::now();
            let mut tasks = Vec::with_capacity(n as usize);
            for i in 0..n {
                let due = started + Duration::from_secs_f64(i as f64 / rate as f64);
                tokio::time::sleep_until(due.into()).await;
                let (http, url, key, tally, tag) = (http.clone(), url_of(i), key.clone(), tally.clone(), tag.clone());
                tasks.push(tokio::spawn(async move { tally.post(&http, &url, &key, body(i, &tag), due).await }));
            }
            for t in tasks {
                t.await?;
            }
            tally.report(n, started).await;
        }
        "schedule" => {
            let n = num(3)?;
            let send_at = args.get(4).ok_or(usage)?;
            let batch_url = format!("{base}/v1/messages:batch");
            let started = Instant::now();
            let mut i = 0;
            while i < n {
                let items: Vec<String> = (i..(i + 1000).min(n))
                    .map(|j| {
                        format!(
                            r#"{{"channel":"ops","to":{{"users":["u{}"]}},"content":{{"text":"later {tag} {j}"}},"options":{{"send_at":"{send_at}"}}}}"#,
                            j % 1000
                        )
                    })
                    .collect();
                let payload = format!(r#"{{"messages":[{}]}}"#, items.join(","));
                let r = http
                    .post(&batch_url)
                    .bearer_auth(&key)
                    .header("content-type", "application/json")
                    .body(payload)
                    .send()
                    .await?;
                let status = r.status();
                let text = r.text().await?;
                let ok = text.matches("\"accepted\":{").count() as u64;
                tally.accepted.fetch_add(ok, Ordering::Relaxed);
                if !status.is_success() || ok != (i + 1000).min(n) - i {
                    return Err(format!("batch at {i}: {status} {}", &text[..text.len().min(300)]).into());
                }
                i += 1000;
            }
            tally.report(n, started).await;
        }
        _ => return Err(usage.into()),
    }
    Ok(())
}
