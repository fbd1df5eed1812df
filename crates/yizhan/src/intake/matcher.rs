//! Label matchers in Alertmanager's syntax: `name="value"`, `name!="value"`, `name=~"regex"`,
//! `name!~"regex"`, the value quoted (`\"`, `\\` and `\n` escapes) or bare.
//!
//! As in Alertmanager, a regular expression is anchored at both ends (`=~"web-.*"` matches
//! `web-1`, not `my-web-1`), and a label an alert does not have has the empty value (so
//! `team!="db"` matches an alert without `team`, and `team=""` matches only such alerts).

use std::collections::BTreeMap;

/// How a matcher compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `=`
    Equal,
    /// `!=`
    NotEqual,
    /// `=~`
    Regex,
    /// `!~`
    NotRegex,
}

impl Op {
    /// As written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Equal => "=",
            Op::NotEqual => "!=",
            Op::Regex => "=~",
            Op::NotRegex => "!~",
        }
    }
}

/// One parsed matcher.
#[derive(Debug, Clone)]
pub struct Matcher {
    /// The label name.
    pub name: String,
    /// The comparison.
    pub op: Op,
    /// The value or the regular expression, unquoted.
    pub value: String,
    regex: Option<regex::Regex>,
}

impl Matcher {
    /// Parses `text`; the error says what is wrong.
    pub fn parse(text: &str) -> Result<Matcher, String> {
        let text = text.trim();
        let end = text.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == ':')).unwrap_or(text.len());
        let name = &text[..end];
        if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!(
                "{text:?}: a matcher is a label name, an operator (=, !=, =~ or !~) and a value, e.g. severity=\"critical\""
            ));
        }
        let rest = text[end..].trim_start();
        let (op, rest) = [("=~", Op::Regex), ("!~", Op::NotRegex), ("!=", Op::NotEqual), ("=", Op::Equal)]
            .iter()
            .find_map(|(s, op)| rest.strip_prefix(s).map(|r| (*op, r)))
            .ok_or_else(|| format!("{text:?}: expected =, !=, =~ or !~ after the label name {name:?}"))?;
        let value = unquote(rest.trim()).map_err(|why| format!("{text:?}: {why}"))?;
        let regex = match op {
            Op::Regex | Op::NotRegex => Some(
                regex::Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("{text:?}: not a regular expression: {}", last_line(&e.to_string())))?,
            ),
            Op::Equal | Op::NotEqual => None,
        };
        Ok(Matcher { name: name.to_owned(), op, value, regex })
    }

    /// Whether `labels` match (a missing label is the empty string).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.matches_value(labels.get(&self.name).map_or("", String::as_str))
    }

    /// Whether the label value `value` matches.
    pub fn matches_value(&self, value: &str) -> bool {
        match (self.op, &self.regex) {
            (Op::Equal, _) => value == self.value,
            (Op::NotEqual, _) => value != self.value,
            (Op::Regex, Some(re)) => re.is_match(value),
            (Op::NotRegex, Some(re)) => !re.is_match(value),
            (Op::Regex | Op::NotRegex, None) => false,
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{:?}", self.name, self.op.as_str(), self.value)
    }
}

/// The last line of a multi-line regex error (the one that says what is wrong).
fn last_line(text: &str) -> &str {
    let line = text.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or(text);
    line.trim().trim_start_matches("error: ")
}

/// A bare value as is; a `"…"` value without its quotes and with `\"`, `\\`, `\n` unescaped.
fn unquote(value: &str) -> Result<String, String> {
    let Some(inner) = value.strip_prefix('"') else {
        if value.contains('"') {
            return Err("a value with a quote must be quoted as a whole".to_owned());
        }
        return Ok(value.to_owned());
    };
    let Some(inner) = inner.strip_suffix('"') else { return Err("the value's closing quote is missing".to_owned()) };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some(e @ ('"' | '\\')) => out.push(e),
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return Err("the value ends with a lone backslash".to_owned()),
            },
            '"' => return Err("a quote inside the value must be written \\\"".to_owned()),
            c => out.push(c),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn the_four_operators_with_alertmanager_semantics() {
        let web = labels(&[("instance", "web-1"), ("severity", "critical")]);
        let m = |s: &str| Matcher::parse(s).unwrap();
        assert!(m(r#"severity="critical""#).matches(&web));
        assert!(m("severity = critical").matches(&web));
        assert!(!m(r#"severity!="critical""#).matches(&web));
        assert!(m(r#"instance=~"web-.*""#).matches(&web));
        assert!(!m(r#"instance=~"web""#).matches(&web), "regular expressions are anchored");
        assert!(!m(r#"instance=~"eb-1""#).matches(&web), "anchored at the start too");
        assert!(m(r#"instance!~"db-.*|cache-.*""#).matches(&web));
        assert!(m(r#"team!="db""#).matches(&web), "a missing label is empty");
        assert!(m(r#"team="""#).matches(&web));
        assert!(!m(r#"team=~".+""#).matches(&web));
        assert_eq!(m(r#"a="say \"hi\"\n""#).value, "say \"hi\"\n");
        assert_eq!(m(r#"severity=~"critical|warning""#).to_string(), r#"severity=~"critical|warning""#);
    }

    #[test]
    fn mistakes_are_explained() {
        for (bad, says) in [
            ("severity", "expected =, !=, =~ or !~"),
            ("=critical", "a matcher is a label name"),
            (r#"severity=~"(crit""#, "not a regular expression"),
            (r#"severity="crit"#, "closing quote"),
            (r#"severity=cr"it"#, "must be quoted"),
        ] {
            let e = Matcher::parse(bad).unwrap_err();
            assert!(e.contains(says), "{bad}: {e}");
        }
    }
}
