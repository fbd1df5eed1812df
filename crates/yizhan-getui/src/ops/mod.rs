//! Typed operations on [`GetuiClient`], grouped as in the reference: pushes, tasks, users and
//! reports. Each validates before sending, serializes once (so a retry resends the same bytes
//! and the same `request_id`), and encodes path segments through [`crate::path`].

mod push;
mod reports;
mod tasks;
mod users;

pub use push::ListPush;

use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use yizhan_core::{FailureKind, Provider, SendError};

use crate::api::Method;
use crate::client::{GetuiClient, Resend};
use crate::error::Error;

impl GetuiClient {
    /// Serializes `body` once and sends it.
    pub(crate) async fn send_json<B: Serialize, T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: &B,
        resend: Resend,
    ) -> Result<Option<T>, Error> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            SendError::transport(Provider::Getui, FailureKind::Permanent, format!("cannot serialize request: {e}"))
        })?;
        self.call(method, path, Some(Bytes::from(bytes)), resend).await
    }

    /// Sends a request without a body.
    pub(crate) async fn send_empty<T: DeserializeOwned>(&self, method: Method, path: &str) -> Result<Option<T>, Error> {
        let resend = if method == Method::Get { Resend::Safe } else { Resend::Unsafe };
        self.call(method, path, None, resend).await
    }
}

/// A code-0 answer that should have carried `data` but did not.
pub(crate) fn missing_data(what: &str) -> Error {
    SendError::transport(Provider::Getui, FailureKind::Transient, format!("{what}: answer carried no data"))
        .with_ambiguous(true)
        .into()
}
