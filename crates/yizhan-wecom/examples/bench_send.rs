//! Client benchmark: sends N distinct text messages with [`WecomClient`] to a WeCom server (the
//! emulator in `bench/client.sh`) at each concurrency given, and prints one line per concurrency:
//! `concurrency=C sent=N errors=E secs=S msgs_per_sec=R`.
//!
//! Usage: `bench_send BASE_URL N C1[,C2,...]`. Recipients rotate over users `u0`..`u999`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use yizhan_wecom::{Message, Recipients, WecomClient};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let base = args.next().ok_or("usage: bench_send BASE_URL N C1[,C2,...]")?;
    let n: u64 = args.next().ok_or("N missing")?.parse()?;
    let levels: Vec<u64> =
        args.next().unwrap_or_else(|| "64".to_owned()).split(',').map(str::parse).collect::<Result<_, _>>()?;
    let client =
        WecomClient::builder("wwyizhandemo", 1000002, "yizhan-demo-secret".to_owned().into()).base_url(base).build()?;
    client.access_token().await?; // warm the token cache and the connection pool
    for (round, concurrency) in levels.into_iter().enumerate() {
        let next = Arc::new(AtomicU64::new(0));
        let errors = Arc::new(AtomicU64::new(0));
        let started = Instant::now();
        let workers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (client, next, errors) = (client.clone(), next.clone(), errors.clone());
                tokio::spawn(async move {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= n {
                            break;
                        }
                        let to = Recipients::users([format!("u{}", i % 1000)]);
                        let text = Message::text(format!("client bench {round}-{i}"));
                        if client.send_message(&to, text).await.is_err() {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        for worker in workers {
            worker.await?;
        }
        let secs = started.elapsed().as_secs_f64();
        println!(
            "concurrency={concurrency} sent={n} errors={} secs={secs:.3} msgs_per_sec={:.0}",
            errors.load(Ordering::Relaxed),
            n as f64 / secs
        );
    }
    Ok(())
}
