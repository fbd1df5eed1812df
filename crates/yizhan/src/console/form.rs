//! Submitted forms (`application/x-www-form-urlencoded`), repeated fields included (the
//! dead-letter list sends one `id` per ticked row), and their CSRF check.

use axum::body::Bytes;
use axum::http::StatusCode;
use axum::response::Response;

use super::i18n::{Lang, T};
use super::layout;
use super::session::Session;

/// A submitted form.
pub(crate) struct Form {
    fields: Vec<(String, String)>,
}

impl Form {
    /// Parses a form body.
    pub(crate) fn parse(body: &Bytes) -> Form {
        Form { fields: url::form_urlencoded::parse(body).into_owned().collect() }
    }

    /// The first value of `name`, trimmed; `None` if absent or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty())
    }

    /// Every non-blank value of `name`, in order.
    pub(crate) fn all(&self, name: &str) -> Vec<&str> {
        self.fields.iter().filter(|(n, _)| n == name).map(|(_, v)| v.trim()).filter(|v| !v.is_empty()).collect()
    }

    /// The refusal (403, a page saying why) of a form without this session's CSRF token;
    /// `None` when the token is there.
    pub(crate) fn csrf_refusal(&self, session: &Session, lang: Lang) -> Option<Response> {
        (!session.csrf_matches(self.get("csrf")))
            .then(|| layout::refusal(lang, StatusCode::FORBIDDEN, lang.t(T::CsrfRefused)))
    }
}

/// A comma- or newline-separated list field as its trimmed, non-empty items.
pub(crate) fn list(value: Option<&str>) -> Vec<String> {
    value
        .unwrap_or_default()
        .split([',', '\n', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_and_blank_fields() {
        let form = Form::parse(&Bytes::from_static(b"id=a&id=b&id=+&csrf=x&text=%E7%A3%81%E7%9B%98+full&empty="));
        assert_eq!(form.all("id"), vec!["a", "b"]);
        assert_eq!(form.get("text"), Some("磁盘 full"));
        assert_eq!(form.get("empty"), None);
        assert_eq!(form.get("missing"), None);
        assert_eq!(list(Some("alice, bob\ncarol，dave,,")), vec!["alice", "bob", "carol", "dave"]);
        assert!(list(None).is_empty());
    }
}
