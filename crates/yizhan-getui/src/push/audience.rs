//! `audience`: who a push goes to (Getui REST v2 docs: push API). There is no default
//! (docs/getui-client.md, mistake 13): an audience is always chosen explicitly, and `"all"` is a
//! variant you have to name.
//!
//! | variant | JSON |
//! |---|---|
//! | [`Audience::Cid`] | `{"cid": ["c1", …]}` |
//! | [`Audience::Alias`] | `{"alias": ["a1", …], "alias_type": "…"}` (`alias_type` optional) |
//! | [`Audience::Tag`] | `{"tag": [{"key": …, "values": […], "opt_type": "and"}]}` |
//! | [`Audience::FastCustomTag`] | `{"fast_custom_tag": "t"}` |
//! | [`Audience::All`] | `"all"` (the bare string) |

use std::fmt;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};

use super::limits::{ALIAS_MAX, AUDIENCE_MAX, CID_MAX, TAG_MAX};
use crate::validate::{self as v, ValidationError};

/// The target of a push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Audience {
    /// Client ids. Single push takes exactly one; list push up to 1000.
    Cid(Vec<String>),
    /// Aliases, optionally of one alias type. Single push takes exactly one; list push up to 1000.
    Alias {
        /// The aliases.
        alias: Vec<String>,
        /// The alias type (Java SDK 1.0.0.16+); omitted when `None`.
        alias_type: Option<String>,
    },
    /// Tag conditions: different keys are ANDed, values within a key use `opt_type`.
    Tag(Vec<Condition>),
    /// One custom tag, for `/push/fast_custom_tag`.
    FastCustomTag(String),
    /// Every user of the app, for `/push/all`: serialized as the bare string `"all"`.
    All,
}

impl Audience {
    /// One client id (single push).
    pub fn cid(cid: impl Into<String>) -> Self {
        Audience::Cid(vec![cid.into()])
    }

    /// Several client ids (list push).
    pub fn cids<S: Into<String>>(cids: impl IntoIterator<Item = S>) -> Self {
        Audience::Cid(cids.into_iter().map(Into::into).collect())
    }

    /// One alias of the default alias type (single push).
    pub fn alias(alias: impl Into<String>) -> Self {
        Audience::Alias { alias: vec![alias.into()], alias_type: None }
    }

    /// Several aliases of the default alias type (list push).
    pub fn aliases<S: Into<String>>(aliases: impl IntoIterator<Item = S>) -> Self {
        Audience::Alias { alias: aliases.into_iter().map(Into::into).collect(), alias_type: None }
    }

    /// The JSON key of this audience (`all` for [`Audience::All`]).
    pub fn kind(&self) -> &'static str {
        match self {
            Audience::Cid(_) => "cid",
            Audience::Alias { .. } => "alias",
            Audience::Tag(_) => "tag",
            Audience::FastCustomTag(_) => "fast_custom_tag",
            Audience::All => "all",
        }
    }

    /// Checks counts, duplicates and the form of every id; errors name `audience.<key>[i]`.
    pub fn validate(&self) -> Result<(), ValidationError> {
        match self {
            Audience::Cid(cids) => validate_ids("audience.cid", cids, CID_MAX),
            Audience::Alias { alias, alias_type } => {
                validate_ids("audience.alias", alias, ALIAS_MAX)?;
                alias_type.as_deref().map_or(Ok(()), |t| v::identifier("audience.alias_type", t, ALIAS_MAX))
            }
            Audience::Tag(conditions) => {
                v::count("audience.tag", conditions.len(), 1, usize::MAX)?;
                conditions.iter().enumerate().try_for_each(|(i, c)| c.validate(&v::item("audience.tag", i)))
            }
            Audience::FastCustomTag(tag) => custom_tag("audience.fast_custom_tag", tag),
            Audience::All => Ok(()),
        }
    }
}

/// A list of ids: 1 to [`AUDIENCE_MAX`], each a valid identifier of at most `max` characters,
/// no duplicates (Getui answers 20001 `contains duplicate …`).
pub(crate) fn validate_ids(path: &str, ids: &[String], max: usize) -> Result<(), ValidationError> {
    v::count(path, ids.len(), 1, AUDIENCE_MAX)?;
    for (i, id) in ids.iter().enumerate() {
        v::identifier(&v::item(path, i), id, max)?;
    }
    v::unique(path, ids.iter().map(String::as_str))
}

/// One custom tag: not blank, at most [`TAG_MAX`] characters, no spaces (Getui REST v2 docs: user
/// API).
pub(crate) fn custom_tag(field: &str, tag: &str) -> Result<(), ValidationError> {
    v::identifier(field, tag, TAG_MAX)
}

/// How the values of one [`Condition`] combine.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OptType {
    /// All values must match.
    And,
    /// Any value matches.
    Or,
    /// None of the values may match.
    Not,
}

/// A tag condition: `{"key": …, "values": […], "opt_type": …}` (also used by `/user/count`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Condition {
    /// `phone_type`, `region`, `custom_tag` or `portrait` (see the `KEY_*` constants).
    pub key: String,
    /// The values to match, e.g. `["android"]` or region codes.
    pub values: Vec<String>,
    /// How the values combine.
    pub opt_type: OptType,
}

impl Condition {
    /// `phone_type`: values `android`, `ios`.
    pub const KEY_PHONE_TYPE: &str = "phone_type";
    /// `region`: province/city codes from Getui's `region_code.data`.
    pub const KEY_REGION: &str = "region";
    /// `custom_tag`: tags bound with the user tag APIs.
    pub const KEY_CUSTOM_TAG: &str = "custom_tag";
    /// `portrait`: Getui persona codes.
    pub const KEY_PORTRAIT: &str = "portrait";

    /// A condition on `key`.
    pub fn new<S: Into<String>>(
        key: impl Into<String>,
        values: impl IntoIterator<Item = S>,
        opt_type: OptType,
    ) -> Self {
        Condition { key: key.into(), values: values.into_iter().map(Into::into).collect(), opt_type }
    }

    /// Checks that `key` and every value are set; errors name `path.key` / `path.values[i]`.
    pub fn validate(&self, path: &str) -> Result<(), ValidationError> {
        v::required(&v::at(path, "key"), &self.key)?;
        let values = v::at(path, "values");
        v::count(&values, self.values.len(), 1, usize::MAX)?;
        self.values.iter().enumerate().try_for_each(|(i, value)| v::required(&v::item(&values, i), value))
    }
}

impl Serialize for Audience {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        if let Audience::All = self {
            return serializer.serialize_str("all");
        }
        let mut map = serializer.serialize_map(None)?;
        match self {
            Audience::Cid(cids) => map.serialize_entry("cid", cids)?,
            Audience::Alias { alias, alias_type } => {
                map.serialize_entry("alias", alias)?;
                if let Some(t) = alias_type {
                    map.serialize_entry("alias_type", t)?;
                }
            }
            Audience::Tag(conditions) => map.serialize_entry("tag", conditions)?,
            Audience::FastCustomTag(tag) => map.serialize_entry("fast_custom_tag", tag)?,
            Audience::All => {}
        }
        map.end()
    }
}

/// The object form, every key optional; exactly one target key must be present.
#[derive(Deserialize)]
struct AudienceObject {
    #[serde(default)]
    cid: Option<Vec<String>>,
    #[serde(default)]
    alias: Option<Vec<String>>,
    #[serde(default)]
    alias_type: Option<String>,
    #[serde(default)]
    tag: Option<Vec<Condition>>,
    #[serde(default)]
    fast_custom_tag: Option<String>,
}

struct AudienceVisitor;

impl<'de> Visitor<'de> for AudienceVisitor {
    type Value = Audience;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(r#""all" or an object with one of cid, alias, tag, fast_custom_tag"#)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Audience, E> {
        if v == "all" { Ok(Audience::All) } else { Err(E::invalid_value(de::Unexpected::Str(v), &self)) }
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Audience, A::Error> {
        let o = AudienceObject::deserialize(de::value::MapAccessDeserializer::new(map))?;
        let mut found = Vec::with_capacity(1);
        if let Some(cid) = o.cid {
            found.push(Audience::Cid(cid));
        }
        if let Some(alias) = o.alias {
            found.push(Audience::Alias { alias, alias_type: o.alias_type });
        }
        if let Some(tag) = o.tag {
            found.push(Audience::Tag(tag));
        }
        if let Some(tag) = o.fast_custom_tag {
            found.push(Audience::FastCustomTag(tag));
        }
        match found.len() {
            1 => Ok(found.remove(0)),
            0 => Err(de::Error::custom("audience needs one of cid, alias, tag, fast_custom_tag")),
            _ => Err(de::Error::custom("audience must hold only one of cid, alias, tag, fast_custom_tag")),
        }
    }
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(AudienceVisitor)
    }
}

impl Audience {
    /// The number of cids, aliases or conditions (1 for a fast custom tag and for all).
    pub fn len(&self) -> usize {
        match self {
            Audience::Cid(ids) | Audience::Alias { alias: ids, .. } => ids.len(),
            Audience::Tag(conditions) => conditions.len(),
            Audience::FastCustomTag(_) | Audience::All => 1,
        }
    }

    /// True for an empty cid, alias or condition list.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
