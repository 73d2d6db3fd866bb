//! `Idempotency-Key` records: a write's answer, kept for 24 hours, written in the
//! write's own transaction on the condition that no live record holds the key, so it
//! exists exactly when the write happened. The cases: `docs/data-model.md`.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::StoreError;
use super::expression::Expression;
use super::items::{DeletePartItem, Expiring, IdempotencyItem, Item, from_item, n, to_item};
use super::keys::Key;
use super::transaction::Transaction;
use crate::domain::IdempotencyKey;
use crate::time::{now_epoch_seconds, now_rfc3339};

/// How long a key is remembered.
const KEY_LIFETIME_SECONDS: u64 = 24 * 60 * 60;

/// An answer recorded for a key: its HTTP status and JSON body.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub struct RecordedOutcome {
    pub status: u16,
    pub body: String,
}

/// A write's `Idempotency-Key` and the request it came with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed {
    key: IdempotencyKey,
    fingerprint: String,
}

/// What an earlier use of a key means for this request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Earlier {
    /// The same request was carried out: answer with its outcome.
    Replay(RecordedOutcome),
    /// The key was used for a different request.
    Reused,
}

/// How a write with a key records its answer: the key, and the answer for an outcome.
#[allow(missing_docs)]
pub struct Recording<'a, T> {
    pub keyed: &'a Keyed,
    pub answer: &'a (dyn Fn(&T) -> RecordedOutcome + Send + Sync),
}

/// What a write came to: carried out now, or earlier under the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)]
pub enum Written<T> {
    Done(T),
    Earlier(Earlier),
}

impl<T> Written<T> {
    /// This outcome made into another, an earlier use staying as it is.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Written<U> {
        match self {
            Self::Done(outcome) => Written::Done(f(outcome)),
            Self::Earlier(earlier) => Written::Earlier(earlier),
        }
    }
}

/// The condition that no live record holds a key.
fn unclaimed() -> Expression {
    Expression::new("attribute_not_exists(pk) OR expiresAt <= :now")
        .value(":now", n(now_epoch_seconds()))
}

impl Keyed {
    /// `key` used for the (canonical) `request`: only a digest is kept.
    pub fn new(key: IdempotencyKey, request: &str) -> Self {
        let digest = digest::digest(&digest::SHA256, request.as_bytes());
        let fingerprint = URL_SAFE_NO_PAD.encode(digest);
        Self { key, fingerprint }
    }

    pub(crate) fn record_key(&self, owner_id: &str, part: Option<usize>) -> Key {
        Key::idempotency(owner_id, &self.key, part)
    }

    /// Adds the record of `outcome` to `transaction`; answers the action's position.
    pub(crate) fn record(
        &self,
        transaction: &mut Transaction,
        owner_id: &str,
        outcome: &RecordedOutcome,
    ) -> Result<usize, StoreError> {
        let item = IdempotencyItem {
            key: self.record_key(owner_id, None),
            fingerprint: self.fingerprint.clone(),
            status: outcome.status,
            response: outcome.body.clone(),
            created_at: now_rfc3339(),
            expires_at: now_epoch_seconds() + KEY_LIFETIME_SECONDS,
        };
        transaction.put(to_item(&item)?, unclaimed())
    }

    /// Adds the record of part `part` of a split delete (`deleted` todos).
    pub(crate) fn record_part(
        &self,
        transaction: &mut Transaction,
        owner_id: &str,
        part: usize,
        deleted: u64,
    ) -> Result<usize, StoreError> {
        let item = DeletePartItem {
            key: self.record_key(owner_id, Some(part)),
            fingerprint: self.fingerprint.clone(),
            deleted,
            expires_at: now_epoch_seconds() + KEY_LIFETIME_SECONDS,
        };
        transaction.put(to_item(&item)?, unclaimed())
    }

    /// What the record `item` means for this request; `None` when it has expired.
    pub(crate) fn earlier(&self, item: Item) -> Result<Option<Earlier>, StoreError> {
        let record: IdempotencyItem = from_item(item)?;
        let same = self.same_request(&record, &record.fingerprint);
        let (status, body) = (record.status, record.response);
        let replay = Earlier::Replay(RecordedOutcome { status, body });
        Ok(same.map(|same| if same { replay } else { Earlier::Reused }))
    }

    /// How many todos the part of the record `item` deleted; `None` when it expired.
    pub(crate) fn earlier_part(
        &self,
        item: Item,
    ) -> Result<Option<Result<u64, Earlier>>, StoreError> {
        let record: DeletePartItem = from_item(item)?;
        let same = self.same_request(&record, &record.fingerprint);
        Ok(same.map(|same| same.then_some(record.deleted).ok_or(Earlier::Reused)))
    }

    /// Whether `record` (with `fingerprint`) is of this request; `None` when expired.
    fn same_request(&self, record: &impl Expiring, fingerprint: &str) -> Option<bool> {
        (!record.has_expired()).then(|| fingerprint == self.fingerprint)
    }
}
