//! The `Idempotency-Key` request header: a client's name for one logical write.
//!
//! A client that may retry a write (after a timeout, a 502, 503 or 504, or a lost
//! connection) sends the same key with every attempt; the service then carries the
//! write out once and answers every attempt with the first outcome. The key is the
//! client's choice (a UUID is the usual one): 1 to 255 visible ASCII characters.

use std::fmt;

use super::error::{FieldError, Reason};

/// The header's name.
pub const HEADER: &str = "idempotency-key";
/// The longest key accepted.
pub const MAX_LENGTH: usize = 255;

/// A valid idempotency key.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct IdempotencyKey(String);

impl IdempotencyKey {
    /// Parses a header value (surrounding spaces and the quotes of a structured-field
    /// string, `"..."`, are taken off).
    pub fn parse(raw: &[u8]) -> Result<Self, FieldError> {
        let invalid = || {
            FieldError::new(
                "Idempotency-Key",
                Reason::NotVisibleAscii { max: MAX_LENGTH },
            )
        };
        let text = std::str::from_utf8(raw).map_err(|_| invalid())?.trim();
        let text = text
            .strip_prefix('"')
            .and_then(|t| t.strip_suffix('"'))
            .unwrap_or(text);
        if text.is_empty() || text.len() > MAX_LENGTH || !text.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(invalid());
        }
        Ok(Self(text.to_owned()))
    }

    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IdempotencyKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_and_quoted_strings_are_keys() {
        let uuid = "6f1c1b0e-3a53-4b1e-9a53-0c6f1d2e8b7a";
        assert_eq!(
            IdempotencyKey::parse(uuid.as_bytes()).map(|k| k.0),
            Ok(uuid.to_owned())
        );
        assert_eq!(
            IdempotencyKey::parse(b"\"abc\"").map(|k| k.0),
            Ok("abc".to_owned())
        );
    }

    #[test]
    fn empty_long_or_invisible_keys_are_refused() {
        for raw in [
            &b""[..],
            b"  ",
            b"\"\"",
            b"a b",
            b"caf\xc3\xa9",
            &[b'k'; 256][..],
        ] {
            let error = IdempotencyKey::parse(raw).expect_err("refused");
            assert_eq!(error.field, "Idempotency-Key");
        }
    }
}
