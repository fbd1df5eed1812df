//! [`AudienceShape`]: the audience each endpoint requires (one cid for single push, `"all"` for
//! `/push/all`, none for `/push/list/message`, …), checked on top of [`Audience::validate`].

use super::Audience;
use crate::validate::ValidationError;

/// The audience an endpoint requires, checked on top of [`Audience::validate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AudienceShape {
    /// `{"cid": [one]}`: `/push/single/cid` and each batch item.
    OneCid,
    /// `{"alias": [one]}`: `/push/single/alias` and each batch item.
    OneAlias,
    /// `{"cid": [1..=1000]}`: `/push/list/cid`.
    Cids,
    /// `{"alias": [1..=1000]}`: `/push/list/alias`.
    Aliases,
    /// `{"tag": […]}`: `/push/tag`.
    Tag,
    /// `{"fast_custom_tag": …}`: `/push/fast_custom_tag`.
    FastCustomTag,
    /// `"all"`: `/push/all`.
    All,
    /// No audience at all: `/push/list/message`.
    Absent,
}

impl AudienceShape {
    /// Fails unless `audience` has this shape; the error names `audience`.
    pub fn check(self, audience: Option<&Audience>) -> Result<(), ValidationError> {
        let ok = match (self, audience) {
            (AudienceShape::Absent, None) => true,
            (AudienceShape::OneCid, Some(Audience::Cid(c))) => c.len() == 1,
            (AudienceShape::OneAlias, Some(Audience::Alias { alias, .. })) => alias.len() == 1,
            (AudienceShape::Cids, Some(Audience::Cid(_)))
            | (AudienceShape::Aliases, Some(Audience::Alias { .. }))
            | (AudienceShape::Tag, Some(Audience::Tag(_)))
            | (AudienceShape::FastCustomTag, Some(Audience::FastCustomTag(_)))
            | (AudienceShape::All, Some(Audience::All)) => true,
            _ => false,
        };
        if ok {
            return Ok(());
        }
        let want = match self {
            AudienceShape::OneCid => "exactly one cid: {\"cid\": [\"<cid>\"]}",
            AudienceShape::OneAlias => "exactly one alias: {\"alias\": [\"<alias>\"]}",
            AudienceShape::Cids => "a cid list: {\"cid\": [...]}",
            AudienceShape::Aliases => "an alias list: {\"alias\": [...]}",
            AudienceShape::Tag => "tag conditions: {\"tag\": [...]}",
            AudienceShape::FastCustomTag => "one fast custom tag: {\"fast_custom_tag\": \"<tag>\"}",
            AudienceShape::All => "the string \"all\"",
            AudienceShape::Absent => "absent (the audience is given to /push/list/cid or /push/list/alias)",
        };
        let got = audience.map_or_else(|| "none".to_owned(), |a| format!("{} with {} item(s)", a.kind(), a.len()));
        Err(ValidationError::new("audience", format_args!("is {got}; this endpoint needs {want}")))
    }
}
