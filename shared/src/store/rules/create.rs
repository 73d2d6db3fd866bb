//! Creating a todo, exactly once per write token.

use super::{RuleStore, owner_pk, rule_from_item, rule_sk, string_attribute};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{NewRule, Rule, RuleKey};
use crate::store::StoreError;
use crate::store::items::{n, s};
use crate::store::write_token::WriteToken;
use crate::time::now_rfc3339;

impl RuleStore {
    /// Creates the todo `key` owned by `owner`, or finds that `token` already did.
    ///
    /// `key` is new for this write (a fresh id, or the one an `Idempotency-Key`'s
    /// record keeps), so the only item that can already hold it is one this write made
    /// on an earlier attempt: then the answer is that todo as it is now.
    pub async fn create(
        &self,
        owner: &AuthenticatedUser,
        new: &NewRule,
        key: RuleKey,
        token: &WriteToken,
    ) -> Result<Rule, StoreError> {
        let now = now_rfc3339();
        let rule = Rule {
            key: key.to_string(),
            name: new.name.as_str().to_owned(),
            desc: new.desc.as_str().to_owned(),
            status: new.status.code(),
            progress: new.progress.percent(),
            owner: owner.name.clone(),
            created_at: now.clone(),
            updated_at: now,
            version: 1,
        };
        let result = self
            .datastore
            .client()
            .put_item()
            .table_name(self.datastore.table())
            .item("pk", owner_pk(&owner.id))
            .item("sk", rule_sk(key))
            .item("entity", s("rule"))
            .item("key", s(&rule.key))
            .item("name", s(&rule.name))
            .item("nameLower", s(new.name.folded()))
            .item("desc", s(&rule.desc))
            .item("status", n(rule.status))
            .item("progress", n(rule.progress))
            .item("owner", s(&rule.owner))
            .item("createdAt", s(&rule.created_at))
            .item("updatedAt", s(&rule.updated_at))
            .item("version", n(rule.version))
            .item("createdBy", s(token.as_str()))
            .item("writeToken", s(token.as_str()))
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await;
        if StoreError::unless_condition_failed("PutItem", result)?.is_some() {
            return Ok(rule);
        }
        // The key exists: our own earlier attempt landed.
        match self.read_item(&owner.id, key).await? {
            Some(item) if string_attribute(&item, "createdBy") != Some(token.as_str()) => {
                Err(StoreError::Corrupt(format!(
                    "todo {key} exists but was not created by this write"
                )))
            }
            Some(item) if !super::is_tombstone(&item) => {
                tracing::info!(%key, "create recognised as our own earlier attempt");
                rule_from_item(&item)
            }
            // Created by this write and deleted since: the create itself succeeded.
            _ => Ok(rule),
        }
    }
}
