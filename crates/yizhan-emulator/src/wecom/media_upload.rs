//! `POST /cgi-bin/media/upload?access_token=TOKEN&type=TYPE` and
//! `POST /cgi-bin/media/uploadimg?access_token=TOKEN` (WeCom docs: 上传临时素材, 上传图片).
//!
//! The body is read raw and parsed as `multipart/form-data` ([`super::multipart`]; the boundary
//! is sniffed from the body when the header lacks it). The file is the part named `media`.
//!
//! media/upload checks, in order: token (41001, 40014, 42001) → `type` missing or not
//! image/voice/video/file (40005) → no readable `media` part, or an empty one (44001) → file
//! name missing, or an image not `.jpg`/`.jpeg`/`.png`, a voice not `.amr`, a video not `.mp4`
//! (40004) → 5 bytes or less (40006) → image over 10 MiB (40009), video over 10 MiB (40011),
//! voice over 2 MiB or file over 20 MiB (45001). Success stores the media for the corp for 3
//! days and answers `{"errcode":0,"errmsg":"","type","media_id","created_at":"<secs>"}`
//! (`created_at` a string, as in the documented example).
//!
//! media/uploadimg: token → `media` part (44001) → name not JPG/PNG (40004) → under 5 bytes
//! (40006) → over 2 MiB (40009); success answers a fake permanent `url`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, RawQuery, State};
use axum::http::{HeaderMap, header};
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::errmsg::{Rejection, error_reply};
use super::media::MediaRecord;
use super::multipart::{self, Part};
use super::request::authorize;
use super::token::random_id;
use super::{MEDIA_UPLOAD_PATH, MEDIA_UPLOADIMG_PATH, fault_reply};
use crate::inbox::bump;
use crate::provider::{self, Reply};
use crate::query::param;
use crate::state::AppState;

const MIB: u64 = 1024 * 1024;
/// Uploads must be larger than this.
const MIN_EXCLUSIVE_BYTES: u64 = 5;
/// uploadimg accepts 5 B to 2 MiB.
const UPLOADIMG_MAX_BYTES: u64 = 2 * MIB;

#[derive(Serialize)]
struct UploadBody<'a> {
    errcode: i64,
    errmsg: &'a str,
    #[serde(rename = "type")]
    media_type: &'a str,
    media_id: &'a str,
    created_at: String,
}

#[derive(Serialize)]
struct UploadImgBody<'a> {
    errcode: i64,
    errmsg: &'a str,
    url: &'a str,
}

/// The media/upload handler.
pub(super) async fn upload(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    bump(&state.inbox.media_uploads);
    serve(&state, MEDIA_UPLOAD_PATH, peer.ip(), query.as_deref(), &headers, &body, store).await
}

/// The media/uploadimg handler.
pub(super) async fn uploadimg(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    bump(&state.inbox.uploadimg_calls);
    serve(&state, MEDIA_UPLOADIMG_PATH, peer.ip(), query.as_deref(), &headers, &body, image_url).await
}

/// An upload endpoint: reads the query, the Content-Type and the raw body.
type Upload = fn(&AppState, Option<&str>, Option<&str>, &[u8], i64) -> Result<Reply, Rejection>;

/// Runs an upload endpoint as a provider call (faults, delay, error counting).
async fn serve(
    state: &AppState,
    path: &'static str,
    ip: IpAddr,
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    endpoint: Upload,
) -> Response {
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    provider::call(
        state,
        path,
        |code| fault_reply(state, code, ip),
        || {
            answer(state, ip, |now_ms| match super::request::untrusted(state, query, now_ms, ip) {
                Some(rejection) => Err(rejection),
                None => endpoint(state, query, content_type, body, now_ms),
            })
        },
    )
    .await
}

fn answer(state: &AppState, ip: IpAddr, handle: impl FnOnce(i64) -> Result<Reply, Rejection>) -> Reply {
    let now_ms = state.clock.now_ms();
    handle(now_ms).unwrap_or_else(|rejection| error_reply(&rejection, ip, now_ms.div_euclid(1000)))
}

fn store(
    state: &AppState,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Reply, Rejection> {
    let app = &state.wecom.apps[authorize(state, query, now_ms)?];
    let media_type = match param(query, "type").as_deref() {
        Some(t @ ("image" | "voice" | "video" | "file")) => t.to_owned(),
        _ => return Err(Rejection::new(40005)),
    };
    let parts = multipart::parse(content_type, body).unwrap_or_default();
    let part = media_part(&parts)?;
    let filename = part.filename.clone().filter(|f| !f.is_empty()).ok_or_else(|| Rejection::new(40004))?;
    let extensions: &[&str] = match media_type.as_str() {
        "image" => &["jpg", "jpeg", "png"],
        "voice" => &["amr"],
        "video" => &["mp4"],
        _ => &[],
    };
    if !extensions.is_empty() && !extensions.iter().any(|e| has_extension(&filename, e)) {
        return Err(Rejection::new(40004));
    }
    let size = part.data.len() as u64;
    if size <= MIN_EXCLUSIVE_BYTES {
        return Err(Rejection::new(40006));
    }
    let over = match media_type.as_str() {
        "image" => (size > 10 * MIB).then_some(40009),
        "video" => (size > 10 * MIB).then_some(40011),
        "voice" => (size > 2 * MIB).then_some(45001),
        _ => (size > 20 * MIB).then_some(45001),
    };
    if let Some(code) = over {
        return Err(Rejection::new(code));
    }
    let record = MediaRecord {
        media_id: String::new(),
        corp_id: app.corp_id.clone(),
        app: app.label.to_string(),
        media_type,
        filename,
        content_type: part.content_type.clone(),
        size,
        sha256: hex::encode(Sha256::digest(part.data)),
        created_at_ms: 0,
        expires_at_ms: 0,
    };
    let stored = state.wecom.media.store(record, now_ms);
    Ok(Reply::json(
        true,
        &UploadBody {
            errcode: 0,
            errmsg: "",
            media_type: &stored.media_type,
            media_id: &stored.media_id,
            created_at: now_ms.div_euclid(1000).to_string(),
        },
    ))
}

fn image_url(
    state: &AppState,
    query: Option<&str>,
    content_type: Option<&str>,
    body: &[u8],
    now_ms: i64,
) -> Result<Reply, Rejection> {
    authorize(state, query, now_ms)?;
    let parts = multipart::parse(content_type, body).unwrap_or_default();
    let part = media_part(&parts)?;
    let filename = part.filename.as_deref().unwrap_or_default();
    if !["jpg", "jpeg", "png"].iter().any(|e| has_extension(filename, e)) {
        return Err(Rejection::new(40004));
    }
    let size = part.data.len() as u64;
    if size < MIN_EXCLUSIVE_BYTES {
        return Err(Rejection::new(40006));
    }
    if size > UPLOADIMG_MAX_BYTES {
        return Err(Rejection::new(40009));
    }
    let url = format!("https://p.qpic.cn/pic_wework/{}/{}/0", fastrand::u32(1_000_000..u32::MAX), random_id(48));
    Ok(Reply::json(true, &UploadImgBody { errcode: 0, errmsg: "", url: &url }))
}

/// The non-empty `media` part (44001 when missing or empty).
fn media_part<'p, 'a>(parts: &'p [Part<'a>]) -> Result<&'p Part<'a>, Rejection> {
    multipart::find_part(parts, "media").filter(|p| !p.data.is_empty()).ok_or_else(|| Rejection::new(44001))
}

fn has_extension(filename: &str, ext: &str) -> bool {
    filename.rsplit_once('.').is_some_and(|(_, e)| e.eq_ignore_ascii_case(ext))
}
