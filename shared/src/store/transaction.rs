//! Writes as one `TransactWriteItems`, all applied or none. Why each attempt carries a
//! `ClientRequestToken`, and how conflicts are sent again: `docs/data-model.md`.

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
const CONFLICT_ATTEMPTS: u32 = 6;
/// The pause before the second attempt; it doubles for each one after.
const FIRST_PAUSE: Duration = Duration::from_millis(10);
/// How often an attempt is sent again while its first sending is in progress, and when.
const IN_PROGRESS_ROUNDS: u32 = 5;
const IN_PROGRESS_PAUSE: Duration = Duration::from_millis(100);

/// Adds the action `$kind` (`$request` on `$condition`, with the placeholders of
/// `$update`), asking for the item back when the condition fails; answers its position.
macro_rules! action {
    ($transaction:expr, $kind:ident, $request:expr, $($condition:expr),+) => {{
        let request = $request.table_name(&$transaction.table);
        let action = conditioned!(request, $($condition),+)
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

/// The actions whose condition did not hold, by position, with the items they found.
pub type Refused = HashMap<usize, Option<Item>>;

/// How a commit ended: applied, or refused (then nothing was).
pub type Committed = Result<(), Refused>;

impl Transaction {
    /// A transaction on `table`, with no action yet.
    pub fn on(table: &str) -> Self {
        let (table, actions) = (table.to_owned(), Vec::new());
        Self { table, actions }
    }

    /// Puts `item` (key included), if `condition` holds. Each action answers its position.
    pub fn put(&mut self, item: Item, condition: Expression) -> Result<usize, StoreError> {
        action!(self, put, Put::builder().set_item(Some(item)), condition)
    }

    /// Updates the item at `key` with `update`, if `condition` holds.
    pub fn update(
        &mut self,
        key: &Key,
        update: Expression,
        condition: Expression,
    ) -> Result<usize, StoreError> {
        let request = Update::builder().set_key(Some(key.attributes()));
        let request = request.update_expression(update.text.clone());
        action!(self, update, request, condition, update)
    }

    /// Lets the transaction happen only if `condition` holds on the item at `key`.
    pub fn check(&mut self, key: &Key, condition: Expression) -> Result<usize, StoreError> {
        let check = ConditionCheck::builder().set_key(Some(key.attributes()));
        action!(self, condition_check, check, condition)
    }

    /// Deletes the item at `key`, if `condition` holds.
    pub fn delete(&mut self, key: &Key, condition: Expression) -> Result<usize, StoreError> {
        let delete = Delete::builder().set_key(Some(key.attributes()));
        action!(self, delete, delete, condition)
    }
}

impl Datastore {
    /// Commits `transaction`; when refused or contended nothing was applied, when it
    /// fails otherwise it may have been.
    pub async fn commit(&self, transaction: &Transaction) -> Result<Committed, StoreError> {
        for attempt in 1..CONFLICT_ATTEMPTS {
            if let Some(outcome) = self.attempt(transaction).await? {
                return Ok(outcome);
            }
            tracing::info!(attempt, "transaction conflicted; retrying");
            crate::metrics::count(crate::metrics::names::CONFLICTS_RETRIED, 1);
            // Full jitter: concurrent writers that met once spread out.
            let pause = FIRST_PAUSE * 2_u32.pow(attempt - 1);
            tokio::time::sleep(pause.mul_f64(rand::random::<f64>())).await;
        }
        let last = self.attempt(transaction).await?;
        last.ok_or(StoreError::Contended)
    }

    /// One attempt, under one `ClientRequestToken` (the same while DynamoDB reports it
    /// in progress); `None` when it met a concurrent transaction.
    async fn attempt(&self, transaction: &Transaction) -> Result<Option<Committed>, StoreError> {
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
                Ok(_) => return Ok(Some(Ok(()))),
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
        if let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
            error.as_service_error()
        {
            let reasons = cancelled.cancellation_reasons();
            let refused: Refused = reasons
                .iter()
                .enumerate()
                .filter(|(_, reason)| reason.code() == Some("ConditionalCheckFailed"))
                .map(|(index, reason)| (index, reason.item().cloned()))
                .collect();
            if !refused.is_empty() {
                return Ok(Some(Err(refused)));
            }
            let retryable = [
                "TransactionConflict",
                "ThrottlingError",
                "ProvisionedThroughputExceeded",
            ];
            let mut codes = reasons.iter().filter_map(|reason| reason.code());
            if codes.any(|code| retryable.contains(&code)) {
                return Ok(None);
            }
        }
        Err(StoreError::from_sdk("TransactWriteItems", error))
    }
}
