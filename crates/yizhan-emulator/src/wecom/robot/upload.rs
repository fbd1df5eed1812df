//! `POST /cgi-bin/webhook/upload_media?key=KEY&type=file|voice`, `multipart/form-data` with the
//! file in a part named `media` (WeCom docs: 群机器人配置说明).
//!
//! Checks in order: key and robot state (93000, 93004, 93008), `type` (40005 unless `file` or
//! `voice`), a multipart body with a `media` part (41005), an empty part (44001), the size (5 B
//! to 20 MB for a file, to 2 MB for a voice: 40006), and an AMR header for a voice (40004). The
//! media_id is remembered for 3 days for this robot only; the bytes are not kept. Bodies over
//! [`UPLOAD_BODY_LIMIT`] are refused by the HTTP layer (413) before any check.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequest, Multipart, RawQuery, State};
use axum::http::{HeaderMap, Request, header};
use axum::response::Response;
use bytes::Bytes;
use serde::Serialize;

use super::{KeyCheck, StoredMedia, UPLOAD_PATH};
use crate::inbox::bump;
use crate::provider::{self, Reply};
use crate::query::param;
use crate::state::AppState;
use crate::wecom::errmsg::{Rejection, error_reply};
use crate::wecom::fault_reply;
use crate::wecom::token::random_id;

/// Largest request body of an upload: a 20 MB file and the multipart framing.
pub(crate) const UPLOAD_BODY_LIMIT: usize = 21 * 1024 * 1024;
/// The name of the multipart part that carries the file.
const PART_NAME: &str = "media";
const MIN_BYTES: usize = 5;
const FILE_MAX_BYTES: usize = 20 * 1024 * 1024;
const VOICE_MAX_BYTES: usize = 2 * 1024 * 1024;
/// Length of generated media ids.
const MEDIA_ID_LEN: usize = 64;

#[derive(Serialize)]
struct UploadBody<'a> {
    errcode: i64,
    errmsg: &'a str,
    #[serde(rename = "type")]
    kind: &'a str,
    media_id: &'a str,
    /// A string, as in the documented example.
    created_at: String,
}

/// The axum handler: reads the multipart body, then answers like every provider call.
pub(in crate::wecom) async fn handle(
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    RawQuery(query): RawQuery,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    bump(&state.inbox.robot_upload_calls);
    let ip = peer.ip();
    let media = media_part(&headers, body).await;
    provider::call(
        &state,
        UPLOAD_PATH,
        |code| fault_reply(&state, code, ip),
        || upload(&state, query.as_deref(), media, ip),
    )
    .await
}

/// The bytes of the `media` part, or `None` when the body is not multipart or has no such part.
async fn media_part(headers: &HeaderMap, body: Bytes) -> Option<Bytes> {
    let content_type = headers.get(header::CONTENT_TYPE)?.clone();
    let request =
        Request::builder().header(header::CONTENT_TYPE, content_type).body(axum::body::Body::from(body)).ok()?;
    let mut multipart = Multipart::from_request(request, &()).await.ok()?;
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some(PART_NAME) {
            return field.bytes().await.ok();
        }
    }
    None
}

fn upload(state: &AppState, query: Option<&str>, media: Option<Bytes>, ip: IpAddr) -> Reply {
    let now_ms = state.clock.now_ms();
    let robots = &state.wecom.robots;
    let checked = match robots.check_key(param(query, "key").as_deref()) {
        KeyCheck::Refused(code) => Err(Rejection::new(code)),
        KeyCheck::Active(robot) => check(param(query, "type").as_deref(), media.as_deref()).map(|kind| (robot, kind)),
    };
    let (robot, kind) = match checked {
        Ok(ok) => ok,
        Err(rejection) => return error_reply(&rejection, ip, now_ms.div_euclid(1000)),
    };
    let media_id = random_id(MEDIA_ID_LEN);
    robots.ledger().store_media(media_id.clone(), StoredMedia { robot, kind, created_ms: now_ms });
    let body = UploadBody {
        errcode: 0,
        errmsg: "ok",
        kind,
        media_id: &media_id,
        created_at: now_ms.div_euclid(1000).to_string(),
    };
    Reply::json(true, &body)
}

/// The media kind, after checking the type and the data.
fn check(kind: Option<&str>, media: Option<&[u8]>) -> Result<&'static str, Rejection> {
    let (kind, max) = match kind {
        Some("file") => ("file", FILE_MAX_BYTES),
        Some("voice") => ("voice", VOICE_MAX_BYTES),
        _ => return Err(Rejection::new(40005)),
    };
    let data = media.ok_or_else(|| Rejection::new(41005))?;
    if data.is_empty() {
        return Err(Rejection::new(44001));
    }
    if !(MIN_BYTES..=max).contains(&data.len()) {
        return Err(Rejection::new(40006));
    }
    if kind == "voice" && !data.starts_with(b"#!AMR") {
        return Err(Rejection::new(40004));
    }
    Ok(kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_in_order() {
        let code = |kind, data: Option<&[u8]>| check(kind, data).map_err(|r| r.code);
        assert_eq!(code(Some("image"), Some(b"hello")), Err(40005));
        assert_eq!(code(None, Some(b"hello")), Err(40005));
        assert_eq!(code(Some("file"), None), Err(41005));
        assert_eq!(code(Some("file"), Some(b"")), Err(44001));
        assert_eq!(code(Some("file"), Some(b"four")), Err(40006));
        assert_eq!(code(Some("file"), Some(b"hello")), Ok("file"));
        assert_eq!(code(Some("voice"), Some(b"hello")), Err(40004));
        assert_eq!(code(Some("voice"), Some(b"#!AMR\n")), Ok("voice"));
        assert_eq!(code(Some("voice"), Some(&vec![b'#'; VOICE_MAX_BYTES + 1])), Err(40006));
    }
}
