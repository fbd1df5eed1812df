//! Where a key is written: the line and column of every key path (`channels[1].agent_id`),
//! from the TOML parser's spans, and the nearest valid key for a misspelt one.

use std::collections::HashMap;

use toml::de::{DeTable, DeValue};

/// Line and column (1-based) of every key path of a document.
#[derive(Debug, Default)]
pub(super) struct Locator {
    spots: HashMap<String, (usize, usize)>,
}

impl Locator {
    /// Indexes `text`; an unparsable text indexes nothing.
    pub(super) fn new(text: &str) -> Locator {
        let mut locator = Locator::default();
        if let Ok(root) = DeTable::parse(text) {
            locator.walk(text, "", root.get_ref());
        }
        locator
    }

    fn walk(&mut self, text: &str, prefix: &str, table: &DeTable<'_>) {
        for (key, value) in table {
            let path = join(prefix, key.get_ref());
            self.spots.insert(path.clone(), line_column(text, key.span().start));
            self.walk_value(text, &path, value.get_ref());
        }
    }

    fn walk_value(&mut self, text: &str, path: &str, value: &DeValue<'_>) {
        match value {
            DeValue::Table(table) => self.walk(text, path, table),
            DeValue::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    let item_path = format!("{path}[{i}]");
                    self.spots.insert(item_path.clone(), line_column(text, item.span().start));
                    self.walk_value(text, &item_path, item.get_ref());
                }
            }
            _ => {}
        }
    }

    /// Where `path` is written, or its nearest written ancestor (a missing key is reported
    /// where its table starts).
    pub(super) fn find(&self, path: &str) -> Option<(usize, usize)> {
        let mut path = path;
        loop {
            if let Some(spot) = self.spots.get(path) {
                return Some(*spot);
            }
            path = &path[..path.rfind(['.', '['])?];
        }
    }
}

/// `prefix.key`, or `key` at the top.
pub(super) fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_owned() } else { format!("{prefix}.{key}") }
}

/// 1-based line and column (in characters) of byte `offset` of `text`.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The candidate closest to `typed`, if it is close enough to be a likely typo.
pub(super) fn nearest<'a>(typed: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(typed, c), c))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_tables_and_arrays_of_tables_are_located() {
        let text = "[store]\nurl = \"x\"\n\n[[channels]]\nname = \"a\"\n\n[[channels]]\nname = \"b\"\nagnet_id = 1\n";
        let at = Locator::new(text);
        assert_eq!(at.find("store.url"), Some((2, 1)));
        assert_eq!(at.find("channels[1].agnet_id"), Some((9, 1)));
        assert_eq!(at.find("channels[1].corp_id").map(|(line, _)| line), at.find("channels[1]").map(|(l, _)| l));
        assert_eq!(nearest("agnet_id", ["name", "agent_id", "corp_id"]), Some("agent_id"));
        assert_eq!(nearest("zzz", ["name", "agent_id"]), None);
    }
}
