//! Changing a todo, at most once per write token.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{RuleStore, is_tombstone, owner_pk, rule_from_item, rule_sk, string_attribute};
use crate::domain::{Rule, RuleChanges};
use crate::store::StoreError;
use crate::store::items::{n, s};
use crate::store::write_token::WriteToken;
use crate::time::now_rfc3339;

/// What an update did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UpdateOutcome {
    /// The todo after the change.
    Updated(Rule),
    /// No such todo (for this user).
    NotFound,
    /// The client's version is stale; here is the current todo.
    Stale(Rule),
}

/// The update expression, names and values for `changes` made by `token`.
fn expression(
    changes: &RuleChanges,
    token: &WriteToken,
) -> (
    String,
    HashMap<String, String>,
    HashMap<String, AttributeValue>,
) {
    let mut sets = Vec::new();
    let mut names = HashMap::new();
    let mut values = HashMap::new();
    let mut set = |attribute: &str, value: AttributeValue| {
        sets.push(format!("#{attribute} = :{attribute}"));
        names.insert(format!("#{attribute}"), attribute.to_owned());
        values.insert(format!(":{attribute}"), value);
    };
    set("updatedAt", s(now_rfc3339()));
    set("writeToken", s(token.as_str()));
    if let Some(name) = &changes.name {
        set("name", s(name.as_str()));
        set("nameLower", s(name.folded()));
    }
    if let Some(desc) = &changes.desc {
        set("desc", s(desc.as_str()));
    }
    if let Some(status) = changes.status {
        set("status", n(status.code()));
    }
    if let Some(progress) = changes.progress {
        set("progress", n(progress.percent()));
    }
    sets.push("#version = #version + :one".to_owned());
    names.insert("#version".to_owned(), "version".to_owned());
    names.insert("#deletedBy".to_owned(), "deletedBy".to_owned());
    values.insert(":one".to_owned(), n(1));
    (format!("SET {}", sets.join(", ")), names, values)
}

impl RuleStore {
    /// Applies `changes` to one todo of `owner_id`, if it exists, the version matches
    /// and `token` has not applied them already.
    ///
    /// When the condition fails, one consistent read tells why: the todo is gone
    /// (not found), it carries `token` (our own earlier attempt landed: updated), or
    /// its version moved on (stale).
    pub async fn update(
        &self,
        owner_id: &str,
        changes: &RuleChanges,
        token: &WriteToken,
    ) -> Result<UpdateOutcome, StoreError> {
        let (update, names, mut values) = expression(changes, token);
        let mut condition = "attribute_exists(pk) AND attribute_not_exists(#deletedBy) \
                             AND (attribute_not_exists(#writeToken) OR #writeToken <> :writeToken)"
            .to_owned();
        if let Some(expected) = changes.expected_version {
            condition.push_str(" AND #version = :expected");
            values.insert(":expected".to_owned(), n(expected.0));
        }
        let result = self
            .datastore
            .client()
            .update_item()
            .table_name(self.datastore.table())
            .key("pk", owner_pk(owner_id))
            .key("sk", rule_sk(changes.key))
            .update_expression(update)
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        if let Some(output) = StoreError::unless_condition_failed("UpdateItem", result)? {
            let item = output
                .attributes
                .ok_or_else(|| StoreError::Corrupt("UpdateItem returned no attributes".into()))?;
            return Ok(UpdateOutcome::Updated(rule_from_item(&item)?));
        }
        let Some(item) = self
            .read_item(owner_id, changes.key)
            .await?
            .filter(|item| !is_tombstone(item))
        else {
            return Ok(UpdateOutcome::NotFound);
        };
        let current = rule_from_item(&item)?;
        if string_attribute(&item, "writeToken") == Some(token.as_str()) {
            tracing::info!(key = %changes.key, "update recognised as our own earlier attempt");
            return Ok(UpdateOutcome::Updated(current));
        }
        if changes.expected_version.is_some() {
            return Ok(UpdateOutcome::Stale(current));
        }
        // Without a version only our own token can fail the condition: our write
        // landed and another writer changed the todo right after. It was applied.
        tracing::info!(key = %changes.key, "update applied, then changed by another writer");
        Ok(UpdateOutcome::Updated(current))
    }
}
