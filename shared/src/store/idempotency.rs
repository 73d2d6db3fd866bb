//! `Idempotency-Key` records: one item per user and key, kept for 24 hours.
//!
//! | `pk` | `sk` | attributes |
//! |---|---|---|
//! | `OWNER#<user id>` | `IDEM#<key>` | `fingerprint`, `token`, `ruleKey`, `createdAt`, `expiresAt` (TTL); once done: `status`, `response` |
//!
//! A write with a key first **claims** it with one conditional `PutItem`. The record
//! fixes everything a retry must reuse: the [`WriteToken`] the write stores on the
//! items it changes and, for a create, the new todo's id. So whichever attempt
//! carries the write out (the first, a retry after a crash, or two at once), they
//! all make the same write, and the datastore's conditions let it happen once. When
//! it is done, the outcome is recorded, and later attempts get that answer back.
//!
//! - same key, same request, outcome recorded: [`Claim::Replay`];
//! - same key, same request, no outcome yet (in flight, or its instance died):
//!   [`Claim::Proceed`] with the record's token and id, so the write is redone or
//!   recognised, never duplicated;
//! - same key, another request: [`Claim::Mismatch`];
//! - keys are scoped to the user (their partition), and a record past `expiresAt`
//!   counts as absent even before the table's TTL removes it.

use aws_lc_rs::digest;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::items::{Item, get_n, get_s, n, s};
use super::rules::owner_pk;
use super::{Datastore, StoreError, WriteToken};
use crate::domain::{IdempotencyKey, RuleKey};
use crate::time::{now_epoch_seconds, now_rfc3339};

/// How long a key is remembered.
pub const KEY_LIFETIME_SECONDS: u64 = 24 * 60 * 60;

/// What a write with this key must reuse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reservation {
    /// The token the write stores on the items it changes.
    pub token: WriteToken,
    /// The id a create gives its todo.
    pub rule_key: RuleKey,
    /// Whether an earlier attempt of the same request may have carried the write out
    /// already (the key's record was there, without an outcome).
    pub resumed: bool,
}

impl Reservation {
    /// A reservation for a write without a key: a fresh token and id.
    pub fn fresh() -> Self {
        Self {
            token: WriteToken::new(),
            rule_key: RuleKey::new(),
            resumed: false,
        }
    }
}

/// An outcome recorded for a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedOutcome {
    /// The HTTP status.
    pub status: u16,
    /// The JSON body.
    pub body: String,
}

/// What claiming a key found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Carry the write out with this reservation.
    Proceed(Reservation),
    /// The write was carried out; answer with its outcome.
    Replay(RecordedOutcome),
    /// The key was used for a different request.
    Mismatch,
}

/// Idempotency records in the table.
#[derive(Debug, Clone)]
pub struct IdempotencyStore {
    datastore: Datastore,
}

fn record_sk(key: &IdempotencyKey) -> String {
    format!("IDEM#{key}")
}

/// A short, fixed-length digest of a request's canonical description.
fn digest_of(fingerprint: &str) -> String {
    URL_SAFE_NO_PAD.encode(digest::digest(&digest::SHA256, fingerprint.as_bytes()))
}

impl IdempotencyStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// Claims `key` of `owner_id` for the request described by `fingerprint`.
    pub async fn claim(
        &self,
        owner_id: &str,
        key: &IdempotencyKey,
        fingerprint: &str,
    ) -> Result<Claim, StoreError> {
        let fingerprint = digest_of(fingerprint);
        // Two rounds: a record that expires between the write and the read is gone.
        for _ in 0..2 {
            let mine = Reservation::fresh();
            let now = now_epoch_seconds();
            let result = self
                .datastore
                .client()
                .put_item()
                .table_name(self.datastore.table())
                .item("pk", owner_pk(owner_id))
                .item("sk", s(record_sk(key)))
                .item("entity", s("idempotency"))
                .item("fingerprint", s(&fingerprint))
                .item("token", s(mine.token.as_str()))
                .item("ruleKey", s(mine.rule_key.to_string()))
                .item("createdAt", s(now_rfc3339()))
                .item("expiresAt", n(now + KEY_LIFETIME_SECONDS))
                .condition_expression("attribute_not_exists(pk) OR #expiresAt < :now")
                .expression_attribute_names("#expiresAt", "expiresAt")
                .expression_attribute_values(":now", n(now))
                .send()
                .await;
            if StoreError::unless_condition_failed("PutItem", result)?.is_some() {
                return Ok(Claim::Proceed(mine));
            }
            if let Some(record) = self.read(owner_id, key).await? {
                return claim_from_record(&record, &fingerprint, &mine);
            }
        }
        Err(StoreError::Unavailable {
            operation: "PutItem",
            message: "the idempotency record kept changing".to_owned(),
        })
    }

    /// Records the outcome of the write `token` made under `key`. When another attempt
    /// of the same request recorded first, returns that outcome, which is the one
    /// every attempt must answer with.
    pub async fn complete(
        &self,
        owner_id: &str,
        key: &IdempotencyKey,
        token: &WriteToken,
        outcome: &RecordedOutcome,
    ) -> Result<Option<RecordedOutcome>, StoreError> {
        let result = self
            .datastore
            .update(owner_pk(owner_id), s(record_sk(key)))
            .update_expression("SET #status = :status, #response = :response")
            .condition_expression("#token = :token AND attribute_not_exists(#status)")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#response", "response")
            .expression_attribute_names("#token", "token")
            .expression_attribute_values(":status", n(outcome.status))
            .expression_attribute_values(":response", s(&outcome.body))
            .expression_attribute_values(":token", s(token.as_str()))
            .send()
            .await;
        if StoreError::unless_condition_failed("UpdateItem", result)?.is_some() {
            return Ok(None);
        }
        // Recorded already: by an earlier attempt of ours (the same outcome) or by a
        // concurrent attempt of the same request (whose outcome wins).
        Ok(self
            .read(owner_id, key)
            .await?
            .and_then(|record| recorded_outcome(&record).ok().flatten()))
    }

    async fn read(&self, owner_id: &str, key: &IdempotencyKey) -> Result<Option<Item>, StoreError> {
        let record = self
            .datastore
            .get(owner_pk(owner_id), s(record_sk(key)))
            .await?;
        Ok(record
            .filter(|item| get_n::<u64>(item, "expiresAt").is_ok_and(|e| e >= now_epoch_seconds())))
    }
}

/// What a record found by a claim means; `mine` is what this claim tried to write (an
/// SDK retry of the claim can find its own first attempt).
fn claim_from_record(
    record: &Item,
    fingerprint: &str,
    mine: &Reservation,
) -> Result<Claim, StoreError> {
    if get_s(record, "fingerprint")? != fingerprint {
        return Ok(Claim::Mismatch);
    }
    if let Some(outcome) = recorded_outcome(record)? {
        return Ok(Claim::Replay(outcome));
    }
    let rule_key = RuleKey::parse(&get_s(record, "ruleKey")?, "ruleKey")
        .map_err(|_| StoreError::Corrupt("idempotency record with a bad ruleKey".into()))?;
    let token = WriteToken::from_stored(get_s(record, "token")?);
    Ok(Claim::Proceed(Reservation {
        resumed: token != mine.token,
        token,
        rule_key,
    }))
}

fn recorded_outcome(record: &Item) -> Result<Option<RecordedOutcome>, StoreError> {
    if !record.contains_key("status") {
        return Ok(None);
    }
    Ok(Some(RecordedOutcome {
        status: get_n(record, "status")?,
        body: get_s(record, "response")?,
    }))
}
