//! A preview of WeCom's markdown subset (docs/console.md, "Markdown preview": headings
//! `#`…`######`, `**bold**`, `[links](https://…)`, `` `code` ``, `> quotes` and
//! `<font color="info|comment|warning">`, nothing else): the text is escaped first, then only
//! those forms become HTML, so a preview can never inject markup.

use std::sync::LazyLock;

use maud::{Markup, PreEscaped, html};
use regex::Regex;

#[allow(clippy::expect_used)]
fn regex(pattern: &str) -> Regex {
    Regex::new(pattern).expect("a valid pattern")
}

static BOLD: LazyLock<Regex> = LazyLock::new(|| regex(r"\*\*(.+?)\*\*"));
static CODE: LazyLock<Regex> = LazyLock::new(|| regex(r"`([^`]+)`"));
static LINK: LazyLock<Regex> = LazyLock::new(|| regex(r"\[([^\]]+)\]\((https?://[^\s)&]+(?:&amp;[^\s)&]+)*)\)"));
static FONT: LazyLock<Regex> =
    LazyLock::new(|| regex(r"&lt;font color=&quot;(info|comment|warning)&quot;&gt;(.*?)&lt;/font&gt;"));

/// The HTML of `text` as WeCom would render its markdown.
pub(crate) fn preview(text: &str) -> Markup {
    let mut out = String::new();
    for line in text.lines() {
        let escaped = maud::html! { (line) }.into_string();
        let (tag, rest) = block(&escaped);
        let inline = FONT.replace_all(rest, r#"<span class="md-$1">$2</span>"#);
        let inline = CODE.replace_all(&inline, "<code>$1</code>");
        let inline = BOLD.replace_all(&inline, "<strong>$1</strong>");
        let inline = LINK.replace_all(&inline, r#"<a href="$2" rel="noreferrer">$1</a>"#);
        out.push_str(&format!("<{tag}>{inline}</{tag}>"));
    }
    html! { div.md-preview { (PreEscaped(out)) } }
}

/// The block element of an (escaped) line and the rest of it.
fn block(line: &str) -> (&'static str, &str) {
    const HEADINGS: [&str; 6] = ["h1", "h2", "h3", "h4", "h5", "h6"];
    let hashes = line.bytes().take_while(|b| *b == b'#').count();
    if (1..=6).contains(&hashes) && line[hashes..].starts_with(' ') {
        return (HEADINGS[hashes - 1], line[hashes..].trim_start());
    }
    if let Some(quote) = line.strip_prefix("&gt; ") {
        return ("blockquote", quote);
    }
    ("p", line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_only_the_wecom_subset_and_escapes_the_rest() {
        let html = preview(
            "## 告警\n**db-3** disk <font color=\"warning\">98%</font>\n> see [runbook](https://x.example/a?b=1&c=2)\n`df -h` <script>alert(1)</script>",
        )
        .into_string();
        assert!(html.contains("<h2>告警</h2>"), "{html}");
        assert!(html.contains("<strong>db-3</strong>"));
        assert!(html.contains(r#"<span class="md-warning">98%</span>"#));
        assert!(
            html.contains(
                r#"<blockquote>see <a href="https://x.example/a?b=1&amp;c=2" rel="noreferrer">runbook</a></blockquote>"#
            ),
            "{html}"
        );
        assert!(html.contains("<code>df -h</code>"));
        assert!(html.contains("&lt;script&gt;") && !html.contains("<script>"));
        let hostile = preview("[x](javascript:alert(1)) <font color=\"red\" onclick=\"x\">y</font>").into_string();
        assert!(!hostile.contains("href") && !hostile.contains("<font") && !hostile.contains("<span"), "{hostile}");
    }
}
