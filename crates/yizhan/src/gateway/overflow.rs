//! Text over a provider's byte limit: split it into numbered parts, truncate it with a marker,
//! or refuse it — pure functions, no I/O.
//!
//! * [`split()`] cuts at line ends where it can, else at character boundaries (never inside a
//!   UTF-8 sequence), and prefixes every part with its number, `(1/3) `. The number is counted
//!   inside the limit, so every part, prefix included, fits. Removing the prefixes and joining
//!   the parts gives the original text back ([`unnumber`] removes one prefix).
//! * [`truncate()`] keeps the longest prefix that fits together with [`TRUNCATION_MARKER`].
//!
//! Limits are UTF-8 bytes (WeCom counts bytes); each provider names its own
//! ([`crate::providers::ChannelKind::text_limit`]; sources in `docs/shaping.md`, "Overflow").
//!
//! ```
//! use yizhan::gateway::overflow::{split, unnumber};
//! let parts = split("line one\nline two\n", 16);
//! assert_eq!(parts, ["(1/2) line one\n", "(2/2) line two\n"]);
//! assert!(parts.iter().all(|p| p.len() <= 16));
//! assert_eq!(parts.iter().map(|p| unnumber(p)).collect::<String>(), "line one\nline two\n");
//! ```

/// Appended to truncated text.
pub const TRUNCATION_MARKER: &str = "…";
/// The smallest limit [`split()`] accepts: room for a prefix of up to 4-digit numbers and a
/// 4-byte character.
pub const MIN_SPLIT_LIMIT: usize = 16;

/// Splits `text` into parts of at most `limit` bytes each, numbered `(i/n) `. Text that fits is
/// returned whole, unnumbered.
///
/// # Panics
/// If `limit` is below [`MIN_SPLIT_LIMIT`].
pub fn split(text: &str, limit: usize) -> Vec<String> {
    assert!(limit >= MIN_SPLIT_LIMIT, "a split limit of {limit} bytes leaves no room for text");
    if text.len() <= limit {
        return vec![text.to_owned()];
    }
    // The prefix of part i of n is at most `(n/n) `: find the digit count that holds n.
    let mut digits = 1;
    loop {
        let budget = limit - (2 * digits + 4);
        let chunks = chunks(text, budget);
        let n = chunks.len();
        if n.to_string().len() <= digits {
            return chunks.iter().enumerate().map(|(i, c)| format!("({}/{n}) {c}", i + 1)).collect();
        }
        digits += 1;
    }
}

/// `part` without its `(i/n) ` prefix (unchanged if it has none).
pub fn unnumber(part: &str) -> &str {
    let Some(rest) = part.strip_prefix('(') else { return part };
    let Some(close) = rest.find(") ") else { return part };
    let label = &rest[..close];
    let numbered = label.split_once('/').is_some_and(|(i, n)| {
        !i.is_empty() && !n.is_empty() && i.bytes().all(|b| b.is_ascii_digit()) && n.bytes().all(|b| b.is_ascii_digit())
    });
    if numbered { &rest[close + 2..] } else { part }
}

/// `text` cut to at most `limit` bytes, ending with [`TRUNCATION_MARKER`] when it was cut.
pub fn truncate(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_owned();
    }
    let keep = floor_char_boundary(text, limit.saturating_sub(TRUNCATION_MARKER.len()));
    format!("{}{TRUNCATION_MARKER}", &text[..keep])
}

/// Consecutive pieces of `text` of at most `budget` bytes, cut after a newline when one falls in
/// the second half of the piece, else at the last character boundary.
fn chunks(text: &str, budget: usize) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        if rest.len() <= budget {
            out.push(rest);
            break;
        }
        // Budgets are at least 4 bytes, so at least one character always fits.
        let end = floor_char_boundary(rest, budget).max(rest.chars().next().map_or(0, char::len_utf8));
        let cut = match rest[..end].rfind('\n') {
            Some(nl) if nl + 1 > end / 2 => nl + 1,
            _ => end,
        };
        out.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    out
}

/// The largest character boundary of `text` at or below `at`.
fn floor_char_boundary(text: &str, at: usize) -> usize {
    if at >= text.len() {
        return text.len();
    }
    let mut i = at;
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn rejoin(parts: &[String]) -> String {
        if parts.len() == 1 {
            return parts[0].clone();
        }
        parts.iter().map(|p| unnumber(p)).collect()
    }

    #[test]
    fn text_that_fits_is_left_alone() {
        assert_eq!(split("short", 16), ["short"]);
        assert_eq!(truncate("short", 16), "short");
    }

    #[test]
    fn lines_are_kept_whole_when_they_fit() {
        let text = "alpha\nbravo\ncharlie\ndelta\n";
        let parts = split(text, 20);
        assert!(parts.iter().all(|p| p.ends_with('\n')), "{parts:?}");
        assert_eq!(rejoin(&parts), text);
    }

    #[test]
    fn long_lines_are_cut_between_characters() {
        let text = "磁盘已满".repeat(40);
        let parts = split(&text, 2048 / 64);
        assert!(parts.len() > 1);
        assert!(parts.iter().all(|p| p.len() <= 32));
        assert_eq!(rejoin(&parts), text);
    }

    #[test]
    fn numbering_is_counted_inside_the_limit_even_with_two_digit_counts() {
        let text = "x".repeat(500);
        let parts = split(&text, 20);
        assert!(parts.len() >= 10);
        assert!(parts[0].starts_with(&format!("(1/{}) ", parts.len())));
        assert!(parts.iter().all(|p| p.len() <= 20), "{parts:?}");
        assert_eq!(rejoin(&parts), text);
    }

    #[test]
    fn truncation_ends_with_the_marker_within_the_limit() {
        let cut = truncate(&"磁".repeat(1000), 2048);
        assert!(cut.len() <= 2048 && cut.ends_with(TRUNCATION_MARKER));
        assert!(cut.trim_end_matches(TRUNCATION_MARKER).chars().all(|c| c == '磁'));
    }

    #[test]
    fn unnumber_leaves_text_without_a_prefix() {
        assert_eq!(unnumber("(a/b) x"), "(a/b) x");
        assert_eq!(unnumber("(1/2) x"), "x");
        assert_eq!(unnumber("plain"), "plain");
    }

    proptest! {
        #[test]
        fn parts_fit_and_rejoin_to_the_original(text in "(\\PC|\n){0,600}", limit in 16usize..200) {
            let parts = split(&text, limit);
            for p in &parts {
                prop_assert!(p.len() <= limit, "{} > {limit}", p.len());
                prop_assert!(std::str::from_utf8(p.as_bytes()).is_ok());
            }
            if parts.len() > 1 {
                for (i, p) in parts.iter().enumerate() {
                    let prefix = format!("({}/{}) ", i + 1, parts.len());
                    prop_assert!(p.starts_with(&prefix));
                    prop_assert!(p.len() > prefix.len(), "an empty part");
                }
            }
            prop_assert_eq!(rejoin(&parts), text);
        }

        #[test]
        fn truncation_is_a_prefix_within_the_limit(text in "\\PC{0,300}", limit in 4usize..200) {
            let cut = truncate(&text, limit);
            prop_assert!(cut.len() <= limit);
            let kept = if text.len() <= limit { cut.as_str() } else { cut.strip_suffix(TRUNCATION_MARKER).unwrap() };
            prop_assert!(text.starts_with(kept));
        }
    }
}
