//! Identifiers in the formats AWS uses: request ids (UUID v4) and X-Ray trace ids.

use std::time::{SystemTime, UNIX_EPOCH};

/// Appends the lowercase hex of `bytes` to `out`.
fn push_hex(out: &mut String, bytes: &[u8]) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
}

/// A request id like Lambda's: a random UUID v4, e.g. `8476a536-e9f4-4b0e-9b3a-2b9c7f9e1d2a`.
pub fn request_id() -> String {
    let mut b: [u8; 16] = rand::random();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let mut id = String::with_capacity(36);
    for (i, group) in [&b[0..4], &b[4..6], &b[6..8], &b[8..10], &b[10..16]]
        .into_iter()
        .enumerate()
    {
        if i > 0 {
            id.push('-');
        }
        push_hex(&mut id, group);
    }
    id
}

/// An X-Ray trace header value: `Root=1-<epoch hex>-<96 random bits>;Parent=...;Sampled=0`.
pub fn trace_id() -> String {
    use std::fmt::Write as _;
    let epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let root: [u8; 12] = rand::random();
    let parent: [u8; 8] = rand::random();
    let mut t = String::with_capacity(72);
    let _ = write!(t, "Root=1-{epoch:08x}-");
    push_hex(&mut t, &root);
    t.push_str(";Parent=");
    push_hex(&mut t, &parent);
    t.push_str(";Sampled=0");
    t
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
    }
}
