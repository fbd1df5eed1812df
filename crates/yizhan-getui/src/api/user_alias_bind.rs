//! `POST /user/alias` — bind cids to aliases (Getui REST v2 docs: user API). One cid has one alias
//! (binding a new one replaces the old); one alias has at most 10 cids. Success has no `data`.

use serde::{Deserialize, Serialize};

use super::Method;
use super::common::validate_data_list;
use crate::push::limits::ALIAS_MAX;
use crate::validate::{self as v, ValidationError};

pub use super::common::CidAlias;

/// The endpoint path.
pub const PATH: &str = "/user/alias";
/// The endpoint method.
pub const METHOD: Method = Method::Post;

/// The request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// 1 to 1000 bindings.
    pub data_list: Vec<CidAlias>,
    /// The alias type; omitted when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alias_type: Option<String>,
}

impl Request {
    /// Bindings of the default alias type.
    pub fn new(data_list: Vec<CidAlias>) -> Self {
        Request { data_list, alias_type: None }
    }

    /// Checks the list size, each cid and alias, duplicate cids and the 10-cids-per-alias rule.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_data_list(&self.data_list)?;
        self.alias_type.as_deref().map_or(Ok(()), |t| v::identifier("alias_type", t, ALIAS_MAX))
    }
}

/// The `data`: none.
pub type Response = super::NoData;
