//! `GET /report/push/date/{date}` — the push statistics of one past day, `yyyy-MM-dd`
//! (Getui REST v2 docs: reports). Today's date is not available.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Method;
use crate::validate::ValidationError;

pub use super::report_task::{Counts, PushReport};

/// The endpoint path; `{date}` is `yyyy-MM-dd`.
pub const PATH: &str = "/report/push/date/{date}";
/// The endpoint method.
pub const METHOD: Method = Method::Get;

/// Optional query parameters; omitted when `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Query {
    /// `true` to split the Getui channel by phone brand.
    #[serde(rename = "needGetuiByBrand", default, skip_serializing_if = "Option::is_none")]
    pub need_getui_by_brand: Option<bool>,
}

/// Fails unless `date` is `yyyy-MM-dd` with a plausible month (01–12) and day (01–31).
pub fn validate_date(date: &str) -> Result<(), ValidationError> {
    let b = date.as_bytes();
    let digits = |r: std::ops::Range<usize>| b.get(r).is_some_and(|s| s.iter().all(u8::is_ascii_digit));
    let number = |r: std::ops::Range<usize>| date.get(r).and_then(|s| s.parse::<u32>().ok()).unwrap_or(0);
    let shape = b.len() == 10 && b[4] == b'-' && b[7] == b'-' && digits(0..4) && digits(5..7) && digits(8..10);
    if !shape || !(1..=12).contains(&number(5..7)) || !(1..=31).contains(&number(8..10)) {
        return Err(ValidationError::new("date", format_args!("is {date:?}; it must be yyyy-MM-dd")));
    }
    Ok(())
}

/// The `data`: `{date: report}` (the report carries no `actionCntMap`).
pub type Response = BTreeMap<String, PushReport>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        for ok in ["2024-01-31", "1999-12-01"] {
            assert_eq!(validate_date(ok), Ok(()), "{ok}");
        }
        for bad in
            ["2024-1-31", "2024/01/31", "2024-13-01", "2024-00-10", "2024-01-32", "20240131", "", "２０２４-01-01"]
        {
            assert!(validate_date(bad).is_err(), "{bad}");
        }
    }
}
