//! Media against the emulator: upload, cache, expiry, limits, and URL downloads from a tiny
//! local server on 127.0.0.1 (the only address these tests ever connect to).

use std::convert::Infallible;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use secrecy::SecretString;
use yizhan_core::{Clock, FailureKind, ManualClock, RetryPolicy};
use yizhan_emulator::{Emulator, EmulatorConfig, EmulatorHandle};
use yizhan_wecom::{
    DEFAULT_MEDIA_TTL, Error, MediaCache, MediaFile, MediaSource, MediaType, Message, Recipients, WecomClient,
    WecomClientBuilder,
};

const START_MS: i64 = 1_700_000_000_000;
const UPLOAD: &str = "/cgi-bin/media/upload";
const MIB: usize = 1024 * 1024;

/// A PNG signature plus filler: the emulator judges format by name, but keep it realistic.
fn png(len: usize) -> Bytes {
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.resize(len, 7);
    Bytes::from(bytes)
}

fn image(name: &str, len: usize) -> MediaSource {
    MediaSource::Bytes { filename: name.to_owned(), bytes: png(len) }
}

fn alice() -> Recipients {
    Recipients::users(["alice"])
}

struct Env {
    emu: EmulatorHandle,
    clock: Clock,
    time: Arc<ManualClock>,
}

impl Env {
    async fn new() -> Env {
        let (clock, time) = Clock::manual(START_MS);
        let emu = Emulator::spawn_with_clock(EmulatorConfig::default(), clock.clone()).await.expect("emulator");
        Env { emu, clock, time }
    }

    fn builder(&self) -> WecomClientBuilder {
        let fast =
            RetryPolicy { initial: Duration::from_millis(5), max: Duration::from_millis(20), ..Default::default() };
        WecomClient::builder("wwyizhandemo", 1000002, SecretString::from("yizhan-demo-secret".to_owned()))
            .base_url(self.emu.base_url())
            .clock(self.clock.clone())
            .retry_policy(fast)
    }

    fn client(&self) -> WecomClient {
        self.builder().build().expect("client")
    }
}

#[tokio::test]
async fn upload_and_an_image_message_is_delivered() {
    let env = Env::new().await;
    let client = env.client();
    let receipt = client.send_media(&alice(), MediaType::Image, &image("chart.png", 64)).await.expect("sent");
    let media = env.emu.media();
    assert_eq!(media.len(), 1);
    assert_eq!((media[0].media_type.as_str(), media[0].filename.as_str()), ("image", "chart.png"));
    assert_eq!((media[0].content_type.as_deref(), media[0].size), (Some("image/png"), 64));
    let inbox = env.emu.inbox();
    assert_eq!((inbox[0].recipient.as_str(), inbox[0].msgtype.as_str()), ("alice", "image"));
    assert_eq!(inbox[0].content["media_id"], serde_json::json!(media[0].media_id));
    assert_eq!(inbox[0].msgid, receipt.msgid);
}

#[tokio::test]
async fn upload_media_returns_the_id_and_created_at() {
    let env = Env::new().await;
    let client = env.client();
    let file = MediaFile::new("a.amr", &b"#!AMR\n0123456789"[..]);
    let uploaded = client.upload_media(MediaType::Voice, &file).await.expect("uploaded");
    assert_eq!(uploaded.media_type, "voice");
    assert_eq!(uploaded.created_at, START_MS / 1000);
    client.send_message(&alice(), Message::voice(uploaded.media_id)).await.expect("voice delivered");
    let url = client.upload_image(&MediaFile::new("inline.jpg", png(100))).await.expect("uploadimg");
    assert!(url.starts_with("https://"), "{url}");
}

#[tokio::test]
async fn the_cache_reuses_the_id_then_uploads_again_after_its_ttl() {
    let env = Env::new().await;
    let client = env.client();
    let source = image("chart.png", 64);
    client.send_media(&alice(), MediaType::Image, &source).await.expect("first");
    client.send_media(&Recipients::users(["bob"]), MediaType::Image, &source).await.expect("second");
    let stats = env.emu.stats();
    assert_eq!((stats.media_uploads, stats.send_calls, stats.delivered), (1, 2, 2), "one upload for two sends");
    let inbox = env.emu.inbox();
    assert_eq!(inbox[0].content["media_id"], inbox[1].content["media_id"]);

    env.time.advance(DEFAULT_MEDIA_TTL);
    client.send_media(&alice(), MediaType::Image, &source).await.expect("after 2.5 days");
    assert_eq!(env.emu.stats().media_uploads, 2, "uploaded again after 2.5 days");
    let inbox = env.emu.inbox();
    assert_ne!(inbox[2].content["media_id"], inbox[0].content["media_id"]);
    // Other content, or the same bytes as a file, are separate entries.
    client.send_media(&alice(), MediaType::File, &image("chart.png", 64)).await.expect("as a file");
    assert_eq!(env.emu.stats().media_uploads, 3);
}

#[tokio::test]
async fn concurrent_sends_of_the_same_content_upload_once() {
    let env = Env::new().await;
    let client = env.client();
    let mut tasks = Vec::new();
    for user in ["alice", "bob", "carol", "dave"] {
        let client = client.clone();
        tasks.push(tokio::spawn(async move {
            client
                .send_media(
                    &Recipients::users([user]),
                    MediaType::Video,
                    &MediaSource::Bytes { filename: "clip.mp4".into(), bytes: Bytes::from_static(b"....ftypisom....") },
                )
                .await
        }));
    }
    for task in tasks {
        task.await.expect("task").expect("sent");
    }
    assert_eq!(env.emu.stats().media_uploads, 1);
}

#[tokio::test]
async fn an_expired_media_id_is_40007_at_the_emulator() {
    let env = Env::new().await;
    let client = env.client();
    let id = client.upload_media(MediaType::Image, &MediaFile::new("a.png", png(32))).await.expect("upload").media_id;
    env.time.advance(Duration::from_secs(3 * 24 * 3600));
    let err = client.send_message(&alice(), Message::image(id)).await.unwrap_err();
    assert_eq!((err.code(), err.kind()), (Some(40007), FailureKind::Permanent), "{err}");
}

#[tokio::test]
async fn send_media_uploads_again_when_a_cached_id_is_refused() {
    let env = Env::new().await;
    let cache = MediaCache::new(Duration::from_secs(10 * 24 * 3600), env.clock.clone());
    let client = env.builder().media_cache(cache.clone()).build().expect("client");
    let source = image("chart.png", 64);
    client.send_media(&alice(), MediaType::Image, &source).await.expect("first");
    env.time.advance(Duration::from_secs(3 * 24 * 3600 + 1));
    client.send_media(&alice(), MediaType::Image, &source).await.expect("recovered from 40007");
    let stats = env.emu.stats();
    assert_eq!((stats.media_uploads, stats.send_calls, stats.delivered), (2, 3, 2));
    assert_eq!(cache.len(), 1);
}

#[tokio::test]
async fn a_too_large_file_is_refused_before_upload() {
    let env = Env::new().await;
    let client = env.client();
    let err = client.send_media(&alice(), MediaType::Image, &image("big.png", 10 * MIB + 1)).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid(v) if v.field == "media"), "{err}");
    assert!(err.to_string().contains("10 MiB"), "{err}");
    let err = client.upload_media(MediaType::Voice, &MediaFile::new("a.amr", vec![0; 2 * MIB + 1])).await.unwrap_err();
    assert!(err.to_string().contains("2 MiB"), "{err}");
    let err = client.upload_media(MediaType::Image, &MediaFile::new("a.gif", png(64))).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid(v) if v.field == "media.filename"), "{err}");
    let err = client.upload_image(&MediaFile::new("a.png", png(2 * MIB + 1))).await.unwrap_err();
    assert!(err.to_string().contains("2 MiB"), "{err}");

    // A file on disk is measured, not read: a sparse 25 MiB file is refused at once.
    let dir = std::env::temp_dir().join(format!("yizhan-media-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("huge.bin");
    std::fs::File::create(&path).and_then(|f| f.set_len(25 * MIB as u64)).expect("sparse file");
    let err = client.send_media(&alice(), MediaType::File, &MediaSource::Path(path)).await.unwrap_err();
    assert!(err.to_string().contains("20 MiB"), "{err}");
    let err = client.send_media(&alice(), MediaType::File, &MediaSource::Path(dir.join("missing.txt"))).await;
    assert!(matches!(&err, Err(Error::Invalid(v)) if v.field == "path"), "{err:?}");
    let _ = std::fs::remove_dir_all(&dir);
    let stats = env.emu.stats();
    assert_eq!((stats.gettoken_calls, stats.media_uploads, stats.uploadimg_calls), (0, 0, 0));
}

#[tokio::test]
async fn a_local_path_is_uploaded_under_its_file_name() {
    let env = Env::new().await;
    let client = env.client();
    let dir = std::env::temp_dir().join(format!("yizhan-media-path-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("周报.pdf");
    std::fs::write(&path, b"%PDF-1.4 tiny").expect("written");
    client.send_media(&alice(), MediaType::File, &MediaSource::Path(path)).await.expect("sent");
    let _ = std::fs::remove_dir_all(&dir);
    let media = env.emu.media();
    assert_eq!((media[0].filename.as_str(), media[0].content_type.as_deref()), ("周报.pdf", Some("application/pdf")));
}

#[tokio::test]
async fn uploads_share_the_token_refresh_and_retry_loop() {
    let env = Env::new().await;
    let client = env.client();
    client.access_token().await.expect("token");
    env.emu.expire_tokens();
    env.emu.fail_next_on(UPLOAD, 1, -1);
    let file = MediaFile::new("a.png", png(64));
    client.upload_media(MediaType::Image, &file).await.expect("refreshed, retried, uploaded");
    let stats = env.emu.stats();
    assert_eq!(stats.gettoken_calls, 2, "one refresh");
    assert_eq!(stats.media_uploads, 3, "token error, system busy, success — the form rebuilt each time");
    assert_eq!(env.emu.media()[0].size, 64);
}

/// A download server on 127.0.0.1 that counts requests.
struct Files {
    base: String,
    hits: Arc<AtomicUsize>,
}

async fn files() -> Files {
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    let app = Router::new()
        .route("/chart.png", get(|| async { ([(header::CONTENT_TYPE, "image/png")], png(256)) }))
        .route("/avatar", get(|| async { ([(header::CONTENT_TYPE, "image/jpeg")], png(128)) }))
        .route("/big.png", get(|| async { png(3 * MIB) }))
        .route("/stream.png", get(|| async { Body::from_stream(endless()) }))
        .route(
            "/slow.png",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(5)).await;
                png(64)
            }),
        )
        .route("/missing.png", get(|| async { StatusCode::NOT_FOUND }))
        .route("/moved.png", get(|| async { redirect("/chart.png") }))
        .route("/escape.png", get(|| async { redirect("file:///etc/passwd") }))
        .layer(axum::middleware::from_fn(move |req: axum::extract::Request, next: axum::middleware::Next| {
            counted.fetch_add(1, Ordering::SeqCst);
            async move { next.run(req).await }
        }));
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("bind");
    let addr: SocketAddr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, app).await });
    Files { base: format!("http://{addr}"), hits }
}

/// 64 KiB chunks without a Content-Length, far more than any cap.
fn endless() -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> {
    futures_util::stream::iter((0..1024).map(|_| Ok(Bytes::from(vec![1u8; 64 * 1024]))))
}

fn redirect(to: &'static str) -> Response {
    (StatusCode::FOUND, [(header::LOCATION, to)]).into_response()
}

impl Files {
    fn url(&self, path: &str) -> MediaSource {
        MediaSource::Url(format!("{}{path}", self.base))
    }
}

#[tokio::test]
async fn a_url_is_downloaded_when_private_and_http_urls_are_allowed() {
    let env = Env::new().await;
    let files = files().await;
    let client = env.builder().allow_private_urls(true).allow_http_urls(true).build().expect("client");
    client.send_media(&alice(), MediaType::Image, &files.url("/chart.png?sig=abc")).await.expect("sent");
    client.send_media(&alice(), MediaType::Image, &files.url("/avatar")).await.expect("named from the type");
    client.send_media(&alice(), MediaType::Image, &files.url("/moved.png")).await.expect("redirect followed");
    let media = env.emu.media();
    let names: Vec<_> = media.iter().map(|m| (m.filename.as_str(), m.size)).collect();
    assert_eq!(names, [("chart.png", 256), ("avatar.jpg", 128)], "the redirect hit the cache");
    assert_eq!(files.hits.load(Ordering::SeqCst), 4);
    assert_eq!(env.emu.stats().delivered, 3);
}

#[tokio::test]
async fn the_same_url_is_refused_before_any_connection_without_the_allowances() {
    let env = Env::new().await;
    let files = files().await;
    let strict = env.client();
    let err = strict.send_media(&alice(), MediaType::Image, &files.url("/chart.png")).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid(v) if v.field == "url"), "{err}");
    assert!(err.to_string().contains("allow_http_urls"), "{err}");
    let https_only_private = env.builder().allow_http_urls(true).build().expect("client");
    let err = https_only_private.send_media(&alice(), MediaType::Image, &files.url("/chart.png")).await.unwrap_err();
    assert!(err.to_string().contains("127.0.0.1 is not a public address"), "{err}");
    let localhost = MediaSource::Url(files.base.replace("127.0.0.1", "localhost") + "/chart.png");
    let err = https_only_private.send_media(&alice(), MediaType::Image, &localhost).await.unwrap_err();
    assert!(err.to_string().contains("is not a public address"), "{err}");
    let err = strict.send_media(&alice(), MediaType::Image, &MediaSource::Url("https://[::1]:9/x.png".into())).await;
    assert!(err.unwrap_err().to_string().contains("::1 is not a public address"));
    assert_eq!(files.hits.load(Ordering::SeqCst), 0, "no request reached the server");
    assert_eq!(env.emu.stats().media_uploads, 0);
}

#[tokio::test]
async fn downloads_are_capped_timed_and_checked_at_every_hop() {
    let env = Env::new().await;
    let files = files().await;
    let builder = || env.builder().allow_private_urls(true).allow_http_urls(true);
    let capped = builder().max_download_bytes(MIB as u64).build().expect("client");
    let err = capped.send_media(&alice(), MediaType::Image, &files.url("/big.png")).await.unwrap_err();
    assert!(err.to_string().contains("exceeds the 1 MiB (1048576 bytes) limit for image"), "{err}");
    let err = capped.send_media(&alice(), MediaType::Image, &files.url("/stream.png")).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid(_)) && err.to_string().contains("aborted"), "{err}");
    // Without an explicit cap the media type's limit applies (voice: 2 MiB). The default download
    // timeout leaves a busy machine time to stream 2 MiB; the short one below is for /slow.png.
    let uncapped = builder().build().expect("client");
    let err = uncapped.send_media(&alice(), MediaType::Voice, &files.url("/stream.png")).await.unwrap_err();
    assert!(err.to_string().contains("2 MiB"), "{err}");
    let client = builder().download_timeout(Duration::from_millis(300)).build().expect("client");

    let err = client.send_media(&alice(), MediaType::Image, &files.url("/slow.png")).await.unwrap_err();
    assert!(matches!(&err, Error::Media { transient: true, .. }), "{err}");
    assert_eq!(err.kind(), FailureKind::Transient);
    let err = client.send_media(&alice(), MediaType::Image, &files.url("/missing.png")).await.unwrap_err();
    assert!(matches!(&err, Error::Media { transient: false, .. }) && err.to_string().contains("404"), "{err}");
    let err = client.send_media(&alice(), MediaType::Image, &files.url("/escape.png")).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid(v) if v.problem.contains("\"file\"")), "{err}");
    assert_eq!(env.emu.stats().media_uploads, 0);
}

#[tokio::test]
async fn recipients_are_checked_before_anything_is_fetched() {
    let env = Env::new().await;
    let files = files().await;
    let client = env.builder().allow_private_urls(true).allow_http_urls(true).build().expect("client");
    let err = client.send_media(&Recipients::default(), MediaType::Image, &files.url("/chart.png")).await.unwrap_err();
    assert!(matches!(&err, Error::Invalid(v) if v.field == "touser"), "{err}");
    assert_eq!(files.hits.load(Ordering::SeqCst), 0);
}
