//! Writes as one `TransactWriteItems`: all of their items change, or none does.
//!
//! A write is a [`Transaction`] of actions on items, each with its condition.
//! [`Datastore::commit`] answers committed, refused ([`Refused`]: a condition did not
//! hold; nothing was applied, and the failed actions come back with the item as it
//! is, so the caller can say why without reading again) or contended
//! ([`StoreError::Contended`]: it kept meeting concurrent transactions). Why each
//! attempt carries a `ClientRequestToken`, and how conflicts are sent again: "Why the
//! writes are safe" in `docs/data-model.md`.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure, TransactWriteItem, Update,
};

use super::expression::{Expression, conditioned};
use super::items::Item;
use super::keys::Key;
use super::{Datastore, StoreError};

/// DynamoDB's limit of actions in one transaction.
pub const MAX_ACTIONS: usize = 100;
/// How many times a transaction is sent while it keeps meeting concurrent ones.
pub const CONFLICT_ATTEMPTS: u32 = 6;
/// The pause before the second attempt; it doubles for each one after.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// How often an attempt is sent again while its first sending is still in progress
/// (the SDK retried it after a timeout), and the pause between.
const IN_PROGRESS_ROUNDS: u32 = 5;
const IN_PROGRESS_PAUSE: Duration = Duration::from_millis(100);

/// Adds an action (`$kind`, its request `$request`) on `$condition` and with the
/// placeholders of `$update` to `$transaction`, asking for the item back when the
/// condition fails; answers the action's position.
macro_rules! action {
    ($transaction:expr, $kind:ident, $request:expr, $condition:expr, $update:expr) => {{
        let action = conditioned!($request, $condition, $update)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| StoreError::Corrupt(format!("an invalid transaction action: {e}")))?;
        $transaction
            .actions
            .push(TransactWriteItem::builder().$kind(action).build());
        Ok($transaction.actions.len() - 1)
    }};
}

/// The actions of one write on one table, in order; a refusal names them by position.
#[derive(Debug, Clone)]
pub struct Transaction {
    table: String,
    actions: Vec<TransactWriteItem>,
}

/// The actions whose condition did not hold: their positions, and the items as they
/// are (absent when there is none).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refused {
    failed: HashMap<usize, Option<Item>>,
}

impl Refused {
    /// Whether the action at `index` failed its condition.
    pub fn failed(&self, index: usize) -> bool {
        self.failed.contains_key(&index)
    }

    /// The item the action at `index` found, when its condition failed on one.
    pub fn found(&self, index: usize) -> Option<&Item> {
        self.failed.get(&index).and_then(Option::as_ref)
    }
}

impl Transaction {
    /// A transaction on `table`, with no action yet.
    pub fn on(table: &str) -> Self {
        Self {
            table: table.to_owned(),
            actions: Vec::new(),
        }
    }

    /// Puts `item` (a whole item, key included), if `condition` holds. Each action
    /// answers its position.
    pub fn put(&mut self, item: Item, condition: Expression) -> Result<usize, StoreError> {
        let put = Put::builder().table_name(&self.table).set_item(Some(item));
        action!(self, put, put, condition, Expression::default())
    }

    /// Updates the item at `key` with `update`, if `condition` holds.
    pub fn update(
        &mut self,
        key: &Key,
        update: Expression,
        condition: Expression,
    ) -> Result<usize, StoreError> {
        let request = Update::builder()
            .table_name(&self.table)
            .set_key(Some(key.attributes()))
            .update_expression(update.text.clone());
        action!(self, update, request, condition, update)
    }

    /// Changes nothing, but lets the transaction happen only if `condition` holds on
    /// the item at `key`.
    pub fn check(&mut self, key: &Key, condition: Expression) -> Result<usize, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key.attributes()));
        action!(
            self,
            condition_check,
            check,
            condition,
            Expression::default()
        )
    }

    /// Deletes the item at `key`, if `condition` holds.
    pub fn delete(&mut self, key: &Key, condition: Expression) -> Result<usize, StoreError> {
        let delete = Delete::builder()
            .table_name(&self.table)
            .set_key(Some(key.attributes()));
        action!(self, delete, delete, condition, Expression::default())
    }
}

/// What one attempt of a transaction came to.
enum Attempt {
    Committed,
    Refused(Refused),
    Conflicted,
}

impl Datastore {
    /// Commits `transaction`: `Ok(Ok(()))` when applied, `Ok(Err(refused))` when a
    /// condition did not hold (nothing applied), [`StoreError::Contended`] when it kept
    /// meeting concurrent transactions (nothing applied), another error when the
    /// datastore did not answer (then it may have been applied).
    pub async fn commit(
        &self,
        transaction: &Transaction,
    ) -> Result<Result<(), Refused>, StoreError> {
        let mut pause = FIRST_PAUSE;
        for attempt in 1..=CONFLICT_ATTEMPTS {
            match self.attempt(transaction).await? {
                Attempt::Committed => return Ok(Ok(())),
                Attempt::Refused(refused) => return Ok(Err(refused)),
                Attempt::Conflicted if attempt < CONFLICT_ATTEMPTS => {
                    tracing::info!(attempt, "transaction conflicted; retrying");
                    crate::metrics::count(crate::metrics::names::CONFLICTS_RETRIED, 1);
                    // Full jitter: concurrent writers that met once spread out.
                    let jittered = pause.mul_f64(rand::random::<f64>());
                    tokio::time::sleep(jittered).await;
                    pause *= 2;
                }
                Attempt::Conflicted => {}
            }
        }
        Err(StoreError::Contended {
            operation: "TransactWriteItems",
        })
    }

    /// One attempt, under one `ClientRequestToken`: sent again with the same token
    /// while DynamoDB reports the first sending still in progress.
    async fn attempt(&self, transaction: &Transaction) -> Result<Attempt, StoreError> {
        let token = ulid::Ulid::new().to_string();
        let mut in_progress = 0;
        let error = loop {
            let result = self
                .client()
                .transact_write_items()
                .set_transact_items(Some(transaction.actions.clone()))
                .client_request_token(&token)
                .send()
                .await;
            match result {
                Ok(_) => return Ok(Attempt::Committed),
                Err(SdkError::ServiceError(service))
                    if service.err().is_transaction_in_progress_exception()
                        && in_progress < IN_PROGRESS_ROUNDS =>
                {
                    in_progress += 1;
                    tokio::time::sleep(IN_PROGRESS_PAUSE).await;
                }
                Err(error) => break error,
            }
        };
        let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            error.as_service_error()
        else {
            return Err(StoreError::from_sdk("TransactWriteItems", error));
        };
        let reasons = cancelled.cancellation_reasons();
        let failed: HashMap<usize, Option<Item>> = reasons
            .iter()
            .enumerate()
            .filter(|(_, reason)| reason.code() == Some("ConditionalCheckFailed"))
            .map(|(index, reason)| (index, reason.item().cloned()))
            .collect();
        if !failed.is_empty() {
            return Ok(Attempt::Refused(Refused { failed }));
        }
        let retryable = [
            "TransactionConflict",
            "ThrottlingError",
            "ProvisionedThroughputExceeded",
        ];
        if reasons
            .iter()
            .any(|reason| reason.code().is_some_and(|code| retryable.contains(&code)))
        {
            return Ok(Attempt::Conflicted);
        }
        Err(StoreError::Rejected {
            operation: "TransactWriteItems",
            code: "TransactionCanceledException".to_owned(),
            message: aws_sdk_dynamodb::error::DisplayErrorContext(&error).to_string(),
        })
    }
}
