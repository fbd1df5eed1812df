//! A small `multipart/form-data` reader for fully buffered bodies (RFC 7578).
//!
//! Tolerant like a real server: the boundary comes from the `Content-Type` header, or, when the
//! header is missing or not multipart, from the body's first line (`--boundary`); line breaks
//! may be CRLF or bare LF; `filename` may be quoted (with backslash escapes) or bare, and
//! `filename*=UTF-8''…` (RFC 5987) wins over `filename`.

/// One part of a multipart body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part<'a> {
    /// The `name` parameter of `Content-Disposition`.
    pub(crate) name: Option<String>,
    /// The file name, when the part is a file.
    pub(crate) filename: Option<String>,
    /// The part's `Content-Type`.
    pub(crate) content_type: Option<String>,
    /// The content.
    pub(crate) data: &'a [u8],
}

/// The parts of `body`, or `None` when it is not a readable multipart body.
pub(crate) fn parse<'a>(content_type: Option<&str>, body: &'a [u8]) -> Option<Vec<Part<'a>>> {
    let boundary = content_type.and_then(boundary_param).or_else(|| sniff_boundary(body))?;
    let delimiter = [b"--", boundary.as_bytes()].concat();
    let mut rest = &body[find(body, &delimiter)? + delimiter.len()..];
    let mut parts = Vec::new();
    loop {
        if rest.starts_with(b"--") {
            return Some(parts);
        }
        rest = skip_line_break(rest)?;
        let (headers, after_headers) = split_headers(rest)?;
        // The part's data ends at the line break before the next delimiter.
        let end = find(after_headers, &delimiter)?;
        let data = trim_line_break(&after_headers[..end]);
        parts.push(part(headers, data));
        rest = &after_headers[end + delimiter.len()..];
    }
}

/// The first part named `name`.
pub(crate) fn find_part<'p, 'a>(parts: &'p [Part<'a>], name: &str) -> Option<&'p Part<'a>> {
    parts.iter().find(|p| p.name.as_deref() == Some(name))
}

fn boundary_param(content_type: &str) -> Option<String> {
    let (essence, params) = content_type.split_once(';')?;
    if !essence.trim().eq_ignore_ascii_case("multipart/form-data") {
        return None;
    }
    params_of(params)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
        .filter(|b| !b.is_empty())
}

fn sniff_boundary(body: &[u8]) -> Option<String> {
    let line = body.split(|b| *b == b'\n').next()?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    let boundary = line.strip_prefix(b"--")?;
    (!boundary.is_empty() && boundary.len() <= 200).then(|| String::from_utf8_lossy(boundary).into_owned())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    let first = *needle.first()?;
    let mut from = 0;
    while let Some(offset) = haystack.get(from..)?.iter().position(|b| *b == first) {
        let at = from + offset;
        if haystack.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

fn skip_line_break(s: &[u8]) -> Option<&[u8]> {
    s.strip_prefix(b"\r\n").or_else(|| s.strip_prefix(b"\n"))
}

fn trim_line_break(s: &[u8]) -> &[u8] {
    s.strip_suffix(b"\r\n").or_else(|| s.strip_suffix(b"\n")).unwrap_or(s)
}

/// Splits the header block (up to the empty line) from the data.
fn split_headers(s: &[u8]) -> Option<(&[u8], &[u8])> {
    if let Some(data) = skip_line_break(s) {
        return Some((&[], data)); // no headers at all
    }
    let crlf = find(s, b"\r\n\r\n").map(|i| (i, 4));
    let lf = find(s, b"\n\n").map(|i| (i, 2));
    let (at, len) = match (crlf, lf) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b)?,
    };
    Some((&s[..at], &s[at + len..]))
}

fn part<'a>(headers: &[u8], data: &'a [u8]) -> Part<'a> {
    let mut part = Part { name: None, filename: None, content_type: None, data };
    let mut extended_filename = None;
    for line in String::from_utf8_lossy(headers).lines() {
        let Some((key, value)) = line.split_once(':') else { continue };
        let key = key.trim();
        if key.eq_ignore_ascii_case("content-type") {
            part.content_type = Some(value.trim().to_owned());
        } else if key.eq_ignore_ascii_case("content-disposition") {
            let (_, params) = value.split_once(';').unwrap_or((value, ""));
            for (k, v) in params_of(params) {
                match k.to_ascii_lowercase().as_str() {
                    "name" => part.name = Some(v),
                    "filename" => part.filename = Some(v),
                    "filename*" => extended_filename = decode_extended(&v),
                    _ => {}
                }
            }
        }
    }
    if extended_filename.is_some() {
        part.filename = extended_filename;
    }
    part
}

/// `; key=value; key="quoted \" value"` → pairs, keys trimmed, values unquoted.
fn params_of(params: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = params.chars().peekable();
    loop {
        let key: String = chars.by_ref().take_while(|c| *c != '=').collect();
        let key = key.trim_matches(|c: char| c == ';' || c.is_whitespace()).to_owned();
        if key.is_empty() {
            return out;
        }
        while chars.peek().is_some_and(|c| c.is_whitespace()) {
            chars.next();
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => value.extend(chars.next()),
                    '"' => break,
                    c => value.push(c),
                }
            }
            chars.by_ref().take_while(|c| *c != ';').for_each(drop);
        } else {
            value = chars.by_ref().take_while(|c| *c != ';').collect::<String>().trim().to_owned();
        }
        out.push((key, value));
    }
}

/// `UTF-8''%E4%B8%AD.png` → `中.png` (other charsets are read as UTF-8 too).
fn decode_extended(value: &str) -> Option<String> {
    let encoded = value.splitn(3, '\'').nth(2)?;
    let bytes = encoded.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |at: usize| bytes.get(at).and_then(|b| char::from(*b).to_digit(16));
        if bytes[i] == b'%'
            && let (Some(h), Some(l)) = (hex(i + 1), hex(i + 2))
        {
            out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const CT: &str = "multipart/form-data; boundary=XyZ";

    #[test]
    fn reads_a_file_part_and_a_field() {
        let body = b"preamble\r\n--XyZ\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n\
            --XyZ\r\nContent-Disposition: form-data; name=\"media\"; filename=\"a \\\"b\\\".png\"; filelength=6\r\n\
            Content-Type: image/png\r\n\r\n\x89PNG\r\n\r\n--XyZ--\r\n";
        let parts = parse(Some(CT), body).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].data, b"hello");
        let media = find_part(&parts, "media").unwrap();
        assert_eq!(media.filename.as_deref(), Some("a \"b\".png"));
        assert_eq!(media.content_type.as_deref(), Some("image/png"));
        assert_eq!(media.data, b"\x89PNG\r\n", "data keeps its own line breaks");
    }

    #[test]
    fn tolerates_lf_a_missing_header_and_extended_names() {
        let body = b"--b1\nContent-Disposition: form-data; name=media; filename*=UTF-8''%E6%8A%A5%E5%91%8A.pdf; filename=x\n\nPDF!\n--b1--";
        let parts = parse(None, body).unwrap();
        assert_eq!(parts[0].filename.as_deref(), Some("报告.pdf"));
        assert_eq!(parts[0].name.as_deref(), Some("media"));
        assert_eq!(parts[0].data, b"PDF!");
        let parts = parse(Some("application/octet-stream"), body).unwrap();
        assert_eq!(parts.len(), 1);
    }

    #[test]
    fn rejects_what_is_not_multipart() {
        assert_eq!(parse(Some(CT), b"just bytes"), None);
        assert_eq!(parse(None, b"{\"a\":1}"), None);
        assert_eq!(parse(Some(CT), b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated"), None);
        assert_eq!(parse(Some("multipart/form-data; boundary=XyZ"), b"--XyZ--"), Some(vec![]));
    }
}
