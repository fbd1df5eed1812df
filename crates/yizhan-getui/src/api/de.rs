//! Lenient deserializers for numbers Getui sends as JSON strings (docs/getui-client.md, mistake
//! 19).
//!
//! `expire_time`, `last_login_time`, `create_time` and `push_time` are documented as strings,
//! community clients read them as numbers, and report counts mix `"10000"` and `20000` in one
//! body. Every helper here accepts an integer, an integral float, or a string holding an integer.
//!
//! ```
//! #[derive(serde::Deserialize)]
//! struct Token {
//!     #[serde(deserialize_with = "yizhan_getui::api::de::i64_lenient")]
//!     expire_time: i64,
//! }
//! let a: Token = serde_json::from_str(r#"{"expire_time":"1635994647342"}"#).unwrap();
//! let b: Token = serde_json::from_str(r#"{"expire_time":1635994647342}"#).unwrap();
//! assert_eq!(a.expire_time, b.expire_time);
//! ```

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, Unexpected, Visitor};

/// Accepts a number or a numeric string; the value is an `i64`.
struct LenientI64;

impl<'de> Visitor<'de> for LenientI64 {
    type Value = i64;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an integer, or a string holding an integer")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &self))
    }

    #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        if v.is_finite() && v.fract() == 0.0 && v >= i64::MIN as f64 && v < i64::MAX as f64 {
            Ok(v as i64)
        } else {
            Err(E::invalid_value(Unexpected::Float(v), &self))
        }
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.trim().parse().map_err(|_| E::invalid_value(Unexpected::Str(v), &self))
    }
}

/// Like [`LenientI64`], but `null`, a missing value or an empty string is `None`.
struct OptLenientI64;

impl<'de> Visitor<'de> for OptLenientI64 {
    type Value = Option<i64>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, an integer, or a string holding an integer")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        LenientI64.visit_i64(v).map(Some)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        LenientI64.visit_u64(v).map(Some)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        LenientI64.visit_f64(v).map(Some)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        if v.trim().is_empty() { Ok(None) } else { LenientI64.visit_str(v).map(Some) }
    }
}

/// An `i64` that deserializes leniently; used for map values.
struct Lenient(i64);

impl<'de> Deserialize<'de> for Lenient {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(LenientI64).map(Lenient)
    }
}

/// A required `i64` sent as a number or a numeric string.
pub fn i64_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<i64, D::Error> {
    deserializer.deserialize_any(LenientI64)
}

/// An optional `i64` sent as a number or a numeric string; `null` and `""` are `None`.
/// Pair it with `#[serde(default)]` so a missing field is `None` too.
pub fn opt_i64_lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    deserializer.deserialize_any(OptLenientI64)
}

/// An optional `{key: count}` map whose counts may be numbers or numeric strings
/// (e.g. a task report's `actionCntMap`). Pair it with `#[serde(default)]`.
pub fn opt_map_i64_lenient<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, i64>>, D::Error> {
    let map: Option<BTreeMap<String, Lenient>> = Option::deserialize(deserializer)?;
    Ok(map.map(|m| m.into_iter().map(|(k, Lenient(v))| (k, v)).collect()))
}

/// Accepts a string or an integer and keeps it as text (the `/auth` `timestamp`: the doc types
/// it as a string, the official Java SDK sends a number).
pub fn string_or_integer<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    struct Text;

    impl<'de> Visitor<'de> for Text {
        type Value = String;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string or an integer")
        }

        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }

        fn visit_string<E: de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }

    deserializer.deserialize_any(Text)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    struct Probe {
        #[serde(deserialize_with = "super::i64_lenient")]
        n: i64,
        #[serde(default, deserialize_with = "super::opt_i64_lenient")]
        o: Option<i64>,
        #[serde(default, deserialize_with = "super::opt_map_i64_lenient")]
        m: Option<std::collections::BTreeMap<String, i64>>,
        #[serde(default, deserialize_with = "super::string_or_integer")]
        s: String,
    }

    fn probe(json: &str) -> Result<Probe, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn numbers_and_numeric_strings_are_equal() {
        let a = probe(r#"{"n":"1635994647342","o":"7","m":{"a":"1","b":2},"s":"1700000000000"}"#).unwrap();
        let b = probe(r#"{"n":1635994647342,"o":7,"m":{"a":1,"b":"2"},"s":1700000000000}"#).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.n, 1_635_994_647_342);
        assert_eq!(a.m.unwrap()["b"], 2);
        assert_eq!(a.s, "1700000000000");
        assert_eq!(probe(r#"{"n":" 12 ","o":12.0}"#).unwrap().o, Some(12));
    }

    #[test]
    fn absent_null_and_empty_are_none() {
        for json in [r#"{"n":1}"#, r#"{"n":1,"o":null}"#, r#"{"n":1,"o":""}"#] {
            assert_eq!(probe(json).unwrap().o, None, "{json}");
        }
    }

    #[test]
    fn garbage_is_rejected() {
        for json in [r#"{"n":"abc"}"#, r#"{"n":""}"#, r#"{"n":1.5}"#, r#"{"n":true}"#, r#"{"n":1,"o":"x"}"#] {
            assert!(probe(json).is_err(), "{json}");
        }
        assert!(probe(r#"{"n":18446744073709551615}"#).is_err());
    }
}
