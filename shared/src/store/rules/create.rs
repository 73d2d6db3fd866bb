//! Creating a todo: counted, exactly once per write token.

use super::{
    RuleStore, is_tombstone, owner_pk, rule_from_item, rule_sk, status_key, string_attribute,
};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{NewRule, Rule, RuleKey};
use crate::store::StoreError;
use crate::store::idempotency::Reservation;
use crate::store::items::{n, s};
use crate::store::state::counts::{Change, Entry, Planned};
use crate::store::write_token::WriteToken;
use crate::time::now_rfc3339;

impl RuleStore {
    /// Creates the todo `reservation.rule_key` for `owner`, if their session is open
    /// (else [`StoreError::SessionEnded`]), and counts it once.
    ///
    /// The key is new for this write (a fresh id, or the one an `Idempotency-Key`'s
    /// record keeps), so the only item that can already hold it is one this write made
    /// on an earlier attempt: then the answer is that todo as it is now.
    pub async fn create(
        &self,
        owner: &AuthenticatedUser,
        new: &NewRule,
        reservation: &Reservation,
    ) -> Result<Rule, StoreError> {
        let entry = Entry::new(
            &reservation.token,
            reservation.rule_key,
            Planned::Create(new.status.code()),
        );
        let begun = self
            .counts
            .begin(&owner.id, &owner.session_id, std::slice::from_ref(&entry))
            .await?;
        let (rule, fresh) = match self
            .put(owner, new, reservation.rule_key, &reservation.token)
            .await
        {
            Ok(created) => created,
            Err(error) => {
                if !error.is_transient() {
                    // Definitely not written: nothing to count.
                    let _ = self
                        .counts
                        .abandon(&owner.id, std::slice::from_ref(&entry))
                        .await;
                }
                return Err(error);
            }
        };
        // A resumed write that finds its todo made, with no entry of an earlier attempt
        // waiting, was counted by that attempt.
        let count = !reservation.resumed || fresh || begun.was_waiting(0);
        let change = if count {
            Change::created(new.status.code())
        } else {
            Change::default()
        };
        if let Err(error) = self.counts.settle(&owner.id, &[entry], change).await {
            // The todo exists; the entry left behind is resolved by the next recount.
            tracing::warn!(error = %error, "created, not counted yet");
        }
        Ok(rule)
    }

    /// The write itself: the todo and whether this call made it (`false`: an earlier
    /// attempt did).
    async fn put(
        &self,
        owner: &AuthenticatedUser,
        new: &NewRule,
        key: RuleKey,
        token: &WriteToken,
    ) -> Result<(Rule, bool), StoreError> {
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
            .item("statusKey", s(status_key(&owner.id, rule.status)))
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
            return Ok((rule, true));
        }
        // The key exists: our own earlier attempt landed.
        match self.read_item(&owner.id, key).await? {
            Some(item) if string_attribute(&item, "createdBy") != Some(token.as_str()) => {
                Err(StoreError::Corrupt(format!(
                    "todo {key} exists but was not created by this write"
                )))
            }
            Some(item) if !is_tombstone(&item) => {
                tracing::info!(%key, "create recognised as our own earlier attempt");
                Ok((rule_from_item(&item)?, false))
            }
            // Created by this write and deleted since: the create itself succeeded.
            _ => Ok((rule, false)),
        }
    }
}
