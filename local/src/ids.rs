//! Identifiers in the formats AWS uses: request ids (UUID v4) and X-Ray trace ids.

use std::time::{SystemTime, UNIX_EPOCH};

/// A request id like Lambda's: a random UUID v4, e.g. `8476a536-e9f4-4b0e-9b3a-2b9c7f9e1d2a`.
pub fn request_id() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An X-Ray trace header value: `Root=1-<epoch hex>-<96 random bits>;Parent=...;Sampled=0`.
pub fn trace_id() -> String {
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let root: [u8; 12] = rand::random();
    let parent: [u8; 8] = rand::random();
    let hex = |bytes: &[u8]| bytes.iter().map(|x| format!("{x:02x}")).collect::<String>();
    format!(
        "Root=1-{epoch:08x}-{};Parent={};Sampled=0",
        hex(&root),
        hex(&parent)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_are_uuid_v4() {
        let id = request_id();
        assert_eq!(id.len(), 36);
        assert_eq!(id.as_bytes()[14], b'4');
        assert_ne!(id, request_id());
    }

    #[test]
    fn trace_ids_have_the_xray_shape() {
        let t = trace_id();
        assert!(t.starts_with("Root=1-"));
        assert!(t.ends_with(";Sampled=0"));
    }
}
