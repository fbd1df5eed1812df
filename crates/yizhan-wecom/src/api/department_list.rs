//! `GET /cgi-bin/department/list?access_token=TOKEN[&id=ID]` — the departments the app can see
//! (all of them without `id`, else that department and those under it); docs/wecom-client.md,
//! "Directory".

use serde::{Deserialize, Serialize};

/// The endpoint path.
pub const PATH: &str = "/cgi-bin/department/list";
/// The endpoint method.
pub const METHOD: super::Method = super::Method::Get;

/// One department.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Department {
    /// Its id (the root is 1).
    #[serde(default)]
    pub id: i64,
    /// Its name.
    #[serde(default)]
    pub name: String,
    /// The parent's id (0 for the root).
    #[serde(default)]
    pub parentid: i64,
}

/// The answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Response {
    /// The departments.
    #[serde(default)]
    pub department: Vec<Department>,
}
