//! `POST /user/custom_tag/cid/{cid}` — **replace** the custom tags of one cid (Getui REST v2 docs:
//! user API). Once a day per cid; ≤ 100 tags, each ≤ 32 characters without spaces, ≤ 512 characters
//! in total. Success has no `data`.

use serde::{Deserialize, Serialize};

use super::Method;
use crate::push::custom_tag;
use crate::validate::{self as v, ValidationError};

/// The endpoint path.
pub const PATH: &str = "/user/custom_tag/cid/{cid}";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

/// Most tags per cid.
pub const MAX_TAGS: usize = 100;
/// Most characters of all tags together.
pub const MAX_TOTAL_CHARS: usize = 512;

/// The request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// The complete new tag set.
    pub custom_tag: Vec<String>,
}

impl Request {
    /// Replaces the tags with `tags`.
    pub fn new<S: Into<String>>(tags: impl IntoIterator<Item = S>) -> Self {
        Request { custom_tag: tags.into_iter().map(Into::into).collect() }
    }

    /// Checks the count, each tag, duplicates and the total length.
    pub fn validate(&self) -> Result<(), ValidationError> {
        v::count("custom_tag", self.custom_tag.len(), 1, MAX_TAGS)?;
        for (i, tag) in self.custom_tag.iter().enumerate() {
            custom_tag(&v::item("custom_tag", i), tag)?;
        }
        v::unique("custom_tag", self.custom_tag.iter().map(String::as_str))?;
        let total: usize = self.custom_tag.iter().map(|t| t.chars().count()).sum();
        if total > MAX_TOTAL_CHARS {
            return Err(ValidationError::new(
                "custom_tag",
                format_args!("totals {total} characters; the limit is {MAX_TOTAL_CHARS} characters"),
            ));
        }
        Ok(())
    }
}

/// The `data`: none.
pub type Response = super::NoData;
