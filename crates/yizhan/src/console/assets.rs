//! The console's static files, compiled into the binary: one hand-written stylesheet, one small
//! script, and the vendored htmx (crates/yizhan/assets/console/, with its licence). Each is served
//! under a name holding a hash of its content, so it can be cached for a year and a new build
//! is fetched at once.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One static file.
pub(crate) struct Asset {
    stem: &'static str,
    extension: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
    /// `<stem>.<hash>.<extension>`, computed once.
    name: LazyLock<String>,
}

macro_rules! asset {
    ($stem:literal, $extension:literal, $content_type:literal, $file:literal) => {
        Asset {
            stem: $stem,
            extension: $extension,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../assets/console/", $file)),
            name: LazyLock::new(|| {
                let bytes = include_bytes!(concat!("../../assets/console/", $file));
                format!("{}.{}.{}", $stem, &hex::encode(Sha256::digest(bytes))[..12], $extension)
            }),
        }
    };
}

/// The stylesheet.
pub(crate) static CSS: Asset = asset!("console", "css", "text/css; charset=utf-8", "console.css");
/// The console's own script: live refreshes, select-all, the markdown preview.
pub(crate) static JS: Asset = asset!("console", "js", "text/javascript; charset=utf-8", "console.js");
/// htmx 2.0.11 (0BSD), as published on npm (`htmx.org`, dist/htmx.min.js).
pub(crate) static HTMX: Asset = asset!("htmx", "js", "text/javascript; charset=utf-8", "htmx-2.0.11.min.js");

const ALL: [&Asset; 3] = [&CSS, &JS, &HTMX];

impl Asset {
    /// The URL path that serves it.
    pub(crate) fn url(&self) -> String {
        format!("/console/assets/{}", *self.name)
    }

    fn unhashed(&self) -> String {
        format!("{}.{}", self.stem, self.extension)
    }
}

/// `GET /console/assets/{name}`: a hashed name is cached for a year; an old hash is 404 (the
/// page that asks for it is stale: reload).
pub(crate) async fn serve(Path(name): Path<String>) -> Response {
    match ALL.iter().find(|a| *a.name == name) {
        Some(asset) => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        None if ALL.iter().any(|a| a.unhashed() == name) => {
            (StatusCode::NOT_FOUND, "this asset is served under its content hash; reload the page").into_response()
        }
        None => (StatusCode::NOT_FOUND, "no such asset").into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_hold_the_content_hash() {
        assert!(CSS.url().starts_with("/console/assets/console."));
        assert!(CSS.url().ends_with(".css"));
        assert_ne!(CSS.url(), JS.url());
        assert_eq!(HTMX.url().len(), "/console/assets/htmx.".len() + 12 + ".js".len());
        assert!(HTMX.bytes.len() > 10_000, "the vendored htmx is there");
    }
}
