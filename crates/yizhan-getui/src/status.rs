//! Server-sent status strings, kept open: an unknown value is preserved verbatim in `Other`
//! instead of failing the whole response (docs/getui-client.md, mistake 10).
//!
//! [`CidStatus`] is the per-cid result of a push (Getui REST v2 docs: push API); [`TaskResults`] is
//! the `{taskid: {cid: status}}` map that single, batch and list pushes return.

use std::collections::BTreeMap;

/// Declares a string enum with an `Other(String)` fallback, `as_str()`, `Display`,
/// `From<&str>`/`From<String>` and string serde.
macro_rules! string_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this client does not know, kept verbatim.
            Other(String),
        }

        impl $name {
            /// The wire string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(other) => other,
                }
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($text => Self::$variant,)+
                    _ => Self::Other(value),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                <String as serde::Deserialize>::deserialize(deserializer).map(Self::from)
            }
        }
    };
}

pub(crate) use string_enum;

string_enum! {
    /// The per-cid outcome of a push (Getui REST v2 docs: push API). The spelling "successed" is
    /// Getui's.
    pub enum CidStatus {
        /// `successed_online`: delivered online through the Getui channel.
        SuccessedOnline => "successed_online",
        /// `successed_offline`: stored offline or handed to a vendor channel.
        SuccessedOffline => "successed_offline",
        /// `successed_ignore`: not sent; the user was inactive for the last 90 days.
        SuccessedIgnore => "successed_ignore",
    }
}

impl CidStatus {
    /// True when Getui took the message for delivery: online, or offline/vendor.
    pub fn is_delivered(&self) -> bool {
        matches!(self, CidStatus::SuccessedOnline | CidStatus::SuccessedOffline)
    }

    /// True for `successed_ignore`: accepted but deliberately not sent (inactive user).
    pub fn is_ignored(&self) -> bool {
        matches!(self, CidStatus::SuccessedIgnore)
    }
}

/// `{taskid: {cid: status}}`, the `data` of single, batch and list pushes.
pub type TaskResults = BTreeMap<String, BTreeMap<String, CidStatus>>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_statuses_round_trip() {
        for (text, status) in [
            ("successed_online", CidStatus::SuccessedOnline),
            ("successed_offline", CidStatus::SuccessedOffline),
            ("successed_ignore", CidStatus::SuccessedIgnore),
        ] {
            let json = format!("{text:?}");
            assert_eq!(serde_json::from_str::<CidStatus>(&json).unwrap(), status);
            assert_eq!(serde_json::to_string(&status).unwrap(), json);
            assert_eq!(status.as_str(), text);
            assert_eq!(status.to_string(), text);
        }
    }

    #[test]
    fn unknown_status_is_kept_verbatim() {
        let status: CidStatus = serde_json::from_str("\"failed_Quota-Exceeded\"").unwrap();
        assert_eq!(status, CidStatus::Other("failed_Quota-Exceeded".to_owned()));
        assert_eq!(serde_json::to_string(&status).unwrap(), "\"failed_Quota-Exceeded\"");
        assert!(!status.is_delivered());
        assert!(!status.is_ignored());
    }

    #[test]
    fn delivered_means_online_or_offline() {
        assert!(CidStatus::SuccessedOnline.is_delivered());
        assert!(CidStatus::SuccessedOffline.is_delivered());
        assert!(!CidStatus::SuccessedIgnore.is_delivered());
        assert!(CidStatus::SuccessedIgnore.is_ignored());
        assert_eq!(CidStatus::from("successed_ignore".to_owned()), CidStatus::SuccessedIgnore);
    }

    proptest::proptest! {
        #[test]
        fn any_status_string_survives_a_round_trip(text in proptest::prelude::any::<String>()) {
            let status: CidStatus = serde_json::from_value(serde_json::Value::String(text.clone())).unwrap();
            proptest::prop_assert_eq!(status.as_str(), text.as_str());
            proptest::prop_assert_eq!(serde_json::to_value(&status).unwrap(), serde_json::Value::String(text));
        }
    }

    #[test]
    fn a_result_map_decodes() {
        let results: TaskResults =
            serde_json::from_str(r#"{"RASS_1":{"c1":"successed_online","c2":"something_new"}}"#).unwrap();
        assert_eq!(results["RASS_1"]["c1"], CidStatus::SuccessedOnline);
        assert_eq!(results["RASS_1"]["c2"].as_str(), "something_new");
    }
}
