//! The list prices the [`super::cost`] figures use: one table, one region, one date.
//!
//! US East (N. Virginia), `us-east-1`, as listed on 2026-12-07 (AWS's pricing pages for
//! Lambda, DynamoDB and API Gateway; the DynamoDB on-demand prices are those after the
//! November 2024 reduction). First tiers only, no free tier: a million requests is far
//! below every tier's end (Lambda's first 7.5 billion GB-s on Arm, the HTTP API's first
//! 300 million requests). Lambda's duration price is for the `arm64` architecture; the
//! template deploys on `arm64` (the bench reads `Architectures` from it and says so).

/// Where and when these prices hold.
pub(super) const REGION: &str = "us-east-1";
/// The date the prices were read.
pub(super) const DATE: &str = "2026-12-07";

/// Lambda: dollars per request.
pub(super) const LAMBDA_REQUEST: f64 = 0.20 / 1e6;
/// Lambda on `arm64`: dollars per GB-second of billed duration (memory in GB, 1,024 MB
/// each, times billed seconds).
pub(super) const LAMBDA_ARM_GB_SECOND: f64 = 0.000_013_333_4;
/// DynamoDB on-demand: dollars per write request unit (1 KB written; 2 per KB in a
/// transaction).
pub(super) const DYNAMODB_WRITE_UNIT: f64 = 0.625 / 1e6;
/// DynamoDB on-demand: dollars per read request unit (4 KB read strongly consistent;
/// half for eventually consistent, 2 in a transaction).
pub(super) const DYNAMODB_READ_UNIT: f64 = 0.125 / 1e6;
/// API Gateway HTTP API: dollars per request (up to 512 KB; the first 300 million a
/// month).
pub(super) const HTTP_API_REQUEST: f64 = 1.00 / 1e6;

/// What one request costs, in dollars, priced from the constants above.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Bill {
    /// Lambda's request charge and its duration charge.
    pub(super) lambda: f64,
    /// DynamoDB's read and write request units.
    pub(super) dynamodb: f64,
    /// The HTTP API's request charge.
    pub(super) http_api: f64,
}

impl Bill {
    /// One request that Lambda billed `billed_ms` at `memory_mb` and that used
    /// `read_units` and `write_units` of DynamoDB.
    pub(super) fn of(billed_ms: f64, memory_mb: u32, read_units: f64, write_units: f64) -> Self {
        let gb_seconds = f64::from(memory_mb) / 1024.0 * billed_ms / 1000.0;
        Self {
            lambda: LAMBDA_REQUEST + gb_seconds * LAMBDA_ARM_GB_SECOND,
            dynamodb: read_units * DYNAMODB_READ_UNIT + write_units * DYNAMODB_WRITE_UNIT,
            http_api: HTTP_API_REQUEST,
        }
    }

    /// The whole request.
    pub(super) fn total(&self) -> f64 {
        self.lambda + self.dynamodb + self.http_api
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_small_requests_cost_what_the_list_prices_add_up_to() {
        // 1 ms at 128 MB, 1 read and 2 write units: $0.20 + 0.125 GB x 0.001 s x
        // $0.0000133334 x 1e6 + $0.125 + $1.25 + $1.00.
        let bill = Bill::of(1.0, 128, 1.0, 2.0);
        let million = |d: f64| d * 1e6;
        assert!((million(bill.lambda) - (0.20 + 0.125 * 0.001 * 13.3334)).abs() < 1e-9);
        assert!((million(bill.dynamodb) - 1.375).abs() < 1e-9);
        assert!((million(bill.http_api) - 1.0).abs() < 1e-9);
        assert!((million(bill.total()) - 2.576_666_675).abs() < 1e-6);
    }
}
