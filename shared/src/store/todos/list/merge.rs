//! Several streams read as one, in sort-key order (a list of several statuses).

use super::stream::Stream;
use crate::store::StoreError;
use crate::store::items::Item;

/// Streams merged by sort key, newest first unless ascending.
pub(super) struct Merged {
    streams: Vec<Stream>,
    descending: bool,
}

impl Merged {
    /// Merges `streams`, which must all run in the same direction.
    pub(super) fn new(streams: Vec<Stream>, descending: bool) -> Self {
        Self {
            streams,
            descending,
        }
    }

    /// The next item of all streams.
    pub(super) async fn next(&mut self) -> Result<Option<Item>, StoreError> {
        let mut best: Option<(usize, String)> = None;
        for (index, stream) in self.streams.iter_mut().enumerate() {
            let Some(item) = stream.peek().await? else {
                continue;
            };
            let sk = item
                .get("sk")
                .and_then(|v| v.as_s().ok())
                .cloned()
                .unwrap_or_default();
            let better = match &best {
                None => true,
                Some((_, current)) if self.descending => sk > *current,
                Some((_, current)) => sk < *current,
            };
            if better {
                best = Some((index, sk));
            }
        }
        match best {
            Some((index, _)) => self.streams[index].next().await,
            None => Ok(None),
        }
    }

    /// Items the streams read so far.
    pub(super) fn read(&self) -> u64 {
        self.streams.iter().map(|s| s.read).sum()
    }

    /// Skips `count` items; answers the last one skipped.
    pub(super) async fn skip(&mut self, count: u64) -> Result<Option<Item>, StoreError> {
        let mut last = None;
        for _ in 0..count {
            match self.next().await? {
                Some(item) => last = Some(item),
                None => break,
            }
        }
        Ok(last)
    }

    /// Up to `count` items.
    pub(super) async fn take(&mut self, count: usize) -> Result<Vec<Item>, StoreError> {
        let mut items = Vec::with_capacity(count);
        while items.len() < count {
            match self.next().await? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        Ok(items)
    }

    /// Whether another item follows.
    pub(super) async fn has_more(&mut self) -> Result<bool, StoreError> {
        for stream in &mut self.streams {
            if stream.peek().await?.is_some() {
                return Ok(true);
            }
        }
        Ok(false)
    }
}
