//! Identifiers in the formats AWS uses: request ids (UUID v4, made by `uuid`) and X-Ray
//! trace ids.

use std::time::{SystemTime, UNIX_EPOCH};

/// A request id like Lambda's: a random UUID v4, e.g. `8476a536-e9f4-4b0e-9b3a-2b9c7f9e1d2a`.
pub fn request_id() -> String {
    uuid::Builder::from_random_bytes(rand::random())
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// An X-Ray trace header value: `Root=1-<epoch hex>-<96 random bits>;Parent=<64 random
/// bits>;Sampled=0`.
pub fn trace_id() -> String {
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let root = rand::random::<u128>() >> 32;
    let parent = rand::random::<u64>();
    format!("Root=1-{epoch:08x}-{root:024x};Parent={parent:016x};Sampled=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_v4() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        let dashes: Vec<usize> = id.match_indices('-').map(|(i, _)| i).collect();
        assert_eq!(dashes, vec![8, 13, 18, 23]);
        assert!(matches!(id.as_bytes()[19], b'8' | b'9' | b'a' | b'b'));
        assert!(
            id.chars()
                .all(|c| c == '-' || c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        );
        assert_ne!(id, request_id());
    }

    #[test]
    fn trace_ids_have_the_xray_shape() {
        let t = trace_id();
        assert!(t.starts_with("Root=1-"));
        assert!(t.ends_with(";Sampled=0"));
        // Root=1-<8 hex>-<24 hex>;Parent=<16 hex>;Sampled=0
        assert_eq!(t.len(), 7 + 8 + 1 + 24 + 8 + 16 + 10);
        let hex = |s: &str| s.chars().all(|c| c.is_ascii_hexdigit());
        assert!(hex(&t[7..15]) && hex(&t[16..40]) && hex(&t[48..64]), "{t}");
    }
}
