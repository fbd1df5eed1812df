//! `DELETE /user/alias` **with a body** — unbind specific cid/alias pairs (Getui REST v2 docs: user
//! API). Success has no `data`.

use serde::{Deserialize, Serialize};

use super::Method;
use super::common::validate_data_list;
use crate::validate::ValidationError;

pub use super::common::CidAlias;

/// The endpoint path.
pub const PATH: &str = "/user/alias";
/// The endpoint method.
pub const METHOD: Method = Method::Delete;

/// The request body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Request {
    /// 1 to 1000 bindings to remove.
    pub data_list: Vec<CidAlias>,
}

impl Request {
    /// Unbinds `data_list`.
    pub fn new(data_list: Vec<CidAlias>) -> Self {
        Request { data_list }
    }

    /// Checks the list size, each cid and alias, and duplicate cids.
    pub fn validate(&self) -> Result<(), ValidationError> {
        validate_data_list(&self.data_list)
    }
}

/// The `data`: none.
pub type Response = super::NoData;
