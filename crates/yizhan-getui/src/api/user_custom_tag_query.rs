//! `GET /user/custom_tag/cid/{cid}` — the custom tags of one cid (Getui REST v2 docs: user API).
//!
//! Per the doc mirror the list holds **one** element with the tags separated by spaces
//! (`{"<cid>": ["tag1 tag2"]}`); it may also hold several. [`Response::tags`] handles both.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Method;

/// The endpoint path.
pub const PATH: &str = "/user/custom_tag/cid/{cid}";
/// The endpoint method.
pub const METHOD: Method = Method::Get;

/// The `data`: `{cid: [tags…]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Response(pub BTreeMap<String, Vec<String>>);

impl Response {
    /// The tags of `cid`, each element split on whitespace; empty if the cid is absent.
    pub fn tags(&self, cid: &str) -> Vec<&str> {
        self.0.get(cid).into_iter().flatten().flat_map(|s| s.split_whitespace()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_split_one_joined_element_or_several() {
        let r: Response = serde_json::from_str(r#"{"c1":["vip 北京  beta"],"c2":["a","b c"],"c3":[]}"#).unwrap();
        assert_eq!(r.tags("c1"), ["vip", "北京", "beta"]);
        assert_eq!(r.tags("c2"), ["a", "b", "c"]);
        assert!(r.tags("c3").is_empty());
        assert!(r.tags("nobody").is_empty());
    }
}
