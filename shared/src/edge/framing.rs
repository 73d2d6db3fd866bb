//! Where a request's body ends on the connection, so that the next head is read from
//! the right byte: after `Content-Length` bytes, or after the last chunk and the
//! trailers of a chunked body.
//!
//! Only the framing is followed here; hyper decodes (and checks) the body. A chunked
//! body that does not parse is followed as best it can be: hyper fails it (a 400 from
//! the handler) and closes the connection anyway.

/// The framing of a request body, and how far through it the connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Framing {
    /// This many bytes of the body are still to come.
    Length(u64),
    /// In a chunk-size line: the size so far, and whether an extension has begun.
    ChunkSize(u64, bool),
    /// This many bytes of a chunk are still to come, its closing `\r\n` included.
    Chunk(u64),
    /// In the trailers: whether the line so far is empty (an empty line ends the body).
    Trailers(bool),
    /// The chunked body is over.
    Done,
}

impl Framing {
    /// The framing of a body announced by `headers`, or why it is not HTTP/1.1.
    pub fn of(headers: &[httparse::Header<'_>]) -> Result<Self, &'static str> {
        let mut length: Option<u64> = None;
        let mut chunked = None;
        for header in headers {
            if header.name.eq_ignore_ascii_case("content-length") {
                for value in header.value.split(|b| *b == b',') {
                    let value = value.trim_ascii();
                    let value = std::str::from_utf8(value)
                        .ok()
                        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
                        .and_then(|v| v.parse::<u64>().ok())
                        .ok_or("an unreadable Content-Length")?;
                    if length.is_some_and(|first| first != value) {
                        return Err("conflicting Content-Length headers");
                    }
                    length = Some(value);
                }
            } else if header.name.eq_ignore_ascii_case("transfer-encoding") {
                let last = header.value.rsplit(|b| *b == b',').next().unwrap_or(&[]);
                chunked = Some(last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
            }
        }
        match chunked {
            Some(true) => Ok(Self::ChunkSize(0, false)),
            Some(false) => Err("a Transfer-Encoding that does not end in chunked"),
            None => Ok(Self::Length(length.unwrap_or(0))),
        }
    }

    /// Whether the body has been handed over in full.
    pub fn is_done(&self) -> bool {
        matches!(self, Self::Length(0) | Self::Done)
    }

    /// How many of `bytes`, which come next on the connection, belong to the body;
    /// the framing moves past them.
    pub fn measure(&mut self, bytes: &[u8]) -> usize {
        let mut used = 0;
        while used < bytes.len() && !self.is_done() {
            if let Self::Length(left) | Self::Chunk(left) = self {
                let n = (bytes.len() - used).min(usize::try_from(*left).unwrap_or(usize::MAX));
                *left -= n as u64;
                used += n;
                if matches!(self, Self::Chunk(0)) {
                    *self = Self::ChunkSize(0, false);
                }
                continue;
            }
            let byte = bytes[used];
            used += 1;
            *self = match (*self, byte) {
                (Self::ChunkSize(0, _), b'\n') => Self::Trailers(true),
                (Self::ChunkSize(size, _), b'\n') => Self::Chunk(size.saturating_add(2)),
                (Self::ChunkSize(size, false), _) if byte.is_ascii_hexdigit() => {
                    let digit = char::from(byte).to_digit(16).map_or(0, u64::from);
                    Self::ChunkSize(size.saturating_mul(16).saturating_add(digit), false)
                }
                (Self::ChunkSize(size, _), _) => Self::ChunkSize(size, true),
                (Self::Trailers(true), b'\n') => Self::Done,
                (Self::Trailers(_), b'\n') => Self::Trailers(true),
                (Self::Trailers(empty), b'\r') => Self::Trailers(empty),
                (Self::Trailers(_), _) => Self::Trailers(false),
                (other, _) => other,
            };
        }
        used
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_length_body_ends_after_its_length() {
        let mut framing = Framing::Length(3);
        assert_eq!(framing.measure(b"ab"), 2);
        assert_eq!(framing.measure(b"cGET /"), 1);
        assert!(framing.is_done());
    }

    #[test]
    fn a_chunked_body_ends_after_its_trailers_even_when_split() {
        let next = b"GET / HTTP/1.1";
        for wire in [
            &b"4;x=y\r\nWiki\r\nA\r\n0123456789\r\n0\r\ntrailer: 1\r\n\r\nGET / HTTP/1.1"[..],
            b"4\r\nWiki\r\n0\r\n\r\nGET / HTTP/1.1",
        ] {
            let body = wire.len() - next.len();
            for split in 1..body {
                let mut framing = Framing::ChunkSize(0, false);
                let (first, rest) = wire.split_at(split);
                assert_eq!(framing.measure(first), split);
                assert_eq!(framing.measure(rest), body - split, "split at {split}");
                assert!(framing.is_done());
            }
        }
    }
}
