//! Wall-clock helpers: RFC 3339 timestamps as the contract shows them.

use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_dynamodb::primitives::{DateTime, DateTimeFormat};

/// Seconds since the Unix epoch, now.
pub fn now_epoch_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// An RFC 3339 UTC timestamp with second precision, e.g. `2026-11-22T10:00:00Z`.
pub fn rfc3339(epoch_seconds: u64) -> String {
    let seconds = i64::try_from(epoch_seconds).unwrap_or(i64::MAX);
    DateTime::from_secs(seconds)
        .fmt(DateTimeFormat::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".to_owned())
}

/// The current time as an RFC 3339 timestamp.
pub fn now_rfc3339() -> String {
    rfc3339(now_epoch_seconds())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_have_second_precision_and_a_z() {
        assert_eq!(rfc3339(1_795_341_600), "2026-11-22T10:00:00Z");
    }
}
