//! Changing a todo, at most once per write token; a change of status is counted.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue};

use super::{
    RuleStore, is_tombstone, owner_pk, rule_from_item, rule_sk, status_key, string_attribute,
};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{Rule, RuleChanges};
use crate::store::StoreError;
use crate::store::idempotency::Reservation;
use crate::store::items::{Item, get_n, n, s};
use crate::store::state::counts::{Change, Entry, Planned};
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

/// What the write itself did: the outcome, and whether this call applied it.
struct Applied {
    outcome: UpdateOutcome,
    fresh: bool,
    /// The status before the change, when the change set one.
    previous_status: Option<u8>,
}

/// The update expression, names and values for `changes` made by `token` on a todo
/// of `owner_id`.
fn expression(
    owner_id: &str,
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
        set("statusKey", s(status_key(owner_id, status.code())));
    }
    if let Some(progress) = changes.progress {
        set("progress", n(progress.percent()));
    }
    if changes.status.is_some() {
        // Every SET reads the item as it was, so prevStatus keeps the old status: the
        // counters need it, also when a retry meets this write later.
        sets.push("#prevStatus = #status".to_owned());
        names.insert("#prevStatus".to_owned(), "prevStatus".to_owned());
    }
    sets.push("#version = #version + :one".to_owned());
    names.insert("#version".to_owned(), "version".to_owned());
    names.insert("#deletedBy".to_owned(), "deletedBy".to_owned());
    values.insert(":one".to_owned(), n(1));
    (format!("SET {}", sets.join(", ")), names, values)
}

impl RuleStore {
    /// Applies `changes` to one todo of `owner`, if their session is open (else
    /// [`StoreError::SessionEnded`]), the todo exists, the version matches and
    /// `reservation.token` has not applied them already. A change of status is counted.
    pub async fn update(
        &self,
        owner: &AuthenticatedUser,
        changes: &RuleChanges,
        reservation: &Reservation,
    ) -> Result<UpdateOutcome, StoreError> {
        let Some(status) = changes.status else {
            // Not counted: a plain session check, then the write.
            if !self.sessions.is_open(&owner.id, &owner.session_id).await? {
                return Err(StoreError::SessionEnded);
            }
            return Ok(self
                .apply(&owner.id, changes, &reservation.token)
                .await?
                .outcome);
        };
        let entry = Entry::new(
            &reservation.token,
            changes.key,
            Planned::Status(status.code()),
        );
        let entries = std::slice::from_ref(&entry);
        let begun = self
            .counts
            .begin(&owner.id, &owner.session_id, entries)
            .await?;
        let applied = match self.apply(&owner.id, changes, &reservation.token).await {
            Ok(applied) => applied,
            Err(error) => {
                if !error.is_transient() {
                    let _ = self.counts.abandon(&owner.id, entries).await;
                }
                return Err(error);
            }
        };
        let counted = !reservation.resumed || applied.fresh || begun.was_waiting(0);
        let change = match (&applied.outcome, applied.previous_status) {
            (UpdateOutcome::Updated(_), Some(from)) if counted => {
                Change::moved(from, status.code())
            }
            (UpdateOutcome::Updated(_), None) => {
                // Applied, then overwritten before we could see what we replaced: the
                // next list recounts rather than guess.
                self.counts.distrust(&owner.id).await;
                Change::default()
            }
            _ => Change::default(),
        };
        if let Err(error) = self.counts.settle(&owner.id, entries, change).await {
            tracing::warn!(error = %error, "updated, status not counted yet");
        }
        Ok(applied.outcome)
    }

    /// The write itself.
    ///
    /// When the condition fails, one consistent read tells why: the todo is gone
    /// (not found), it carries `token` (our own earlier attempt landed: updated), or
    /// its version moved on (stale).
    async fn apply(
        &self,
        owner_id: &str,
        changes: &RuleChanges,
        token: &WriteToken,
    ) -> Result<Applied, StoreError> {
        let (update, names, mut values) = expression(owner_id, changes, token);
        let mut condition = "attribute_exists(pk) AND attribute_not_exists(#deletedBy) \
                             AND (attribute_not_exists(#writeToken) OR #writeToken <> :writeToken)"
            .to_owned();
        if let Some(expected) = changes.expected_version {
            condition.push_str(" AND #version = :expected");
            values.insert(":expected".to_owned(), n(expected.0));
        }
        let result = self
            .datastore
            .update(owner_pk(owner_id), rule_sk(changes.key))
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
            return Ok(Applied {
                outcome: UpdateOutcome::Updated(rule_from_item(&item)?),
                fresh: true,
                previous_status: previous_status(changes, &item),
            });
        }
        let Some(item) = self
            .read_item(owner_id, changes.key)
            .await?
            .filter(|item| !is_tombstone(item))
        else {
            return Ok(Applied::refused(UpdateOutcome::NotFound));
        };
        let current = rule_from_item(&item)?;
        if string_attribute(&item, "writeToken") == Some(token.as_str()) {
            tracing::info!(key = %changes.key, "update recognised as our own earlier attempt");
            return Ok(Applied {
                outcome: UpdateOutcome::Updated(current),
                fresh: false,
                previous_status: previous_status(changes, &item),
            });
        }
        if changes.expected_version.is_some() {
            return Ok(Applied::refused(UpdateOutcome::Stale(current)));
        }
        // Without a version only our own token can fail the condition: our write
        // landed and another writer changed the todo right after. It was applied, and
        // the other writer's change of status (if any) is counted by that writer.
        tracing::info!(key = %changes.key, "update applied, then changed by another writer");
        Ok(Applied {
            outcome: UpdateOutcome::Updated(current),
            fresh: false,
            previous_status: None,
        })
    }
}

impl Applied {
    fn refused(outcome: UpdateOutcome) -> Self {
        Self {
            outcome,
            fresh: false,
            previous_status: None,
        }
    }
}

/// The status a change of status replaced, as the write recorded it.
fn previous_status(changes: &RuleChanges, item: &Item) -> Option<u8> {
    changes.status?;
    get_n(item, "prevStatus").ok()
}
