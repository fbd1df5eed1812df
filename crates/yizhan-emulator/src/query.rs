//! A small, allocation-free (unless escaped) reader for URL query parameters, and the
//! percent-decoding of path segments.

use std::borrow::Cow;

/// The first value of parameter `name` in a raw query string, percent-decoded (`+` is a space).
pub(crate) fn param<'a>(query: Option<&'a str>, name: &str) -> Option<Cow<'a, str>> {
    query?.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (decode(key) == name).then(|| decode(value))
    })
}

/// A percent-decoded path segment (`+` stays a plus; invalid UTF-8 is replaced).
pub(crate) fn decode_segment(raw: &str) -> Cow<'_, str> {
    if !raw.contains('%') {
        return Cow::Borrowed(raw);
    }
    percent_decode(raw, false)
}

fn decode(raw: &str) -> Cow<'_, str> {
    if !raw.contains(['%', '+']) {
        return Cow::Borrowed(raw);
    }
    percent_decode(raw, true)
}

fn percent_decode(raw: &str, plus_is_space: bool) -> Cow<'_, str> {
    let spaced = if plus_is_space { Cow::Owned(raw.replace('+', " ")) } else { Cow::Borrowed(raw) };
    Cow::Owned(percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy().into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_and_decodes() {
        let q = Some("corpid=ww1&corpsecret=a%2Bb+c&x&empty=");
        assert_eq!(param(q, "corpid").as_deref(), Some("ww1"));
        assert_eq!(param(q, "corpsecret").as_deref(), Some("a+b c"));
        assert_eq!(param(q, "x").as_deref(), Some(""));
        assert_eq!(param(q, "empty").as_deref(), Some(""));
        assert_eq!(param(q, "missing"), None);
        assert_eq!(param(None, "corpid"), None);
        assert_eq!(param(Some("a=%zz%4"), "a").as_deref(), Some("%zz%4"));
        assert_eq!(param(Some("a=%41"), "a").as_deref(), Some("A"));
    }

    #[test]
    fn decodes_path_segments() {
        assert_eq!(decode_segment("cid-1"), "cid-1");
        assert_eq!(decode_segment("%E5%BC%A0%E4%B8%89"), "张三");
        assert_eq!(decode_segment("a+b%2Cc"), "a+b,c");
    }
}
