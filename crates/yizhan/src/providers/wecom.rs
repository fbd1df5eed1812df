//! What the two WeCom providers (`wecom_app`, `wecom_robot`) share: media references, client
//! errors as API refusals or classified failures.

use yizhan_wecom::Error;

use super::outcome::Failed;
use crate::gateway::model::MediaRef;
use crate::gateway::plan::invalid;
use crate::gateway::{ApiError, MessageRequest};

/// The `media_id` of a media reference; URLs are not supported yet.
pub(super) fn media_id(media: &MediaRef, key: &str) -> Result<String, ApiError> {
    match (&media.media_id, &media.url) {
        (Some(id), None) => Ok(id.clone()),
        (None, Some(_)) => Err(ApiError::validation(
            format!("content.{key}.url"),
            "media URLs are not yet supported by the gateway: upload the media and give media_id",
        )),
        _ => Err(ApiError::validation(format!("content.{key}"), "give exactly one of media_id and url")),
    }
}

/// A client-side refusal of a prepared WeCom request as a 422 naming the request field.
pub(super) fn wecom_error(error: &Error, request: &MessageRequest) -> ApiError {
    match error {
        Error::Invalid(e) => invalid(&e.field, &e.problem, request),
        other => ApiError::internal(format!("cannot prepare the WeCom request: {other}")),
    }
}

/// `value` as the JSON body of a dispatch.
pub(super) fn to_json<T: serde::Serialize>(value: &T) -> Result<Vec<u8>, ApiError> {
    serde_json::to_vec(value).map_err(|e| ApiError::internal(format!("cannot serialize the provider body: {e}")))
}

/// A failed WeCom call, classified.
pub(super) fn wecom_failure(e: Error) -> Failed {
    let failed = Failed {
        kind: e.kind(),
        code: e.code(),
        message: e.provider_message().map_or_else(|| e.to_string(), str::to_owned),
        ambiguous: e.is_ambiguous(),
    };
    crate::worker::local::or_local(failed, &e)
}
