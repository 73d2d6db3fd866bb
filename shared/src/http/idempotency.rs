//! Reading the `Idempotency-Key` header.

use http::HeaderMap;

use crate::ApiError;
use crate::domain::IdempotencyKey;
use crate::domain::idempotency_key::HEADER;

/// The request's `Idempotency-Key`, if it sent one; more than one is a 400.
pub fn idempotency_key(headers: &HeaderMap) -> Result<Option<IdempotencyKey>, ApiError> {
    let mut values = headers.get_all(HEADER).iter();
    let Some(value) = values.next() else {
        return Ok(None);
    };
    if values.next().is_some() {
        return Err(ApiError::bad_request(
            "Idempotency-Key",
            "Send one Idempotency-Key header, not several.",
        ));
    }
    Ok(Some(IdempotencyKey::parse(value.as_bytes())?))
}
