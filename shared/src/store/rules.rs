//! Todos: one item each, under their owner's partition.
//!
//! Every write touches one item with a condition; nothing ever rewrites a list, so
//! concurrent writers cannot lose each other's todos.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, ReturnValue, Select};
use futures::{StreamExt as _, TryStreamExt as _};

use super::items::{Item, get_n, get_s, n, s};
use super::{Datastore, StoreError};
use crate::auth::session::AuthenticatedUser;
use crate::domain::{ListQuery, NewRule, Rule, RuleChanges, RuleKey};
use crate::time::now_rfc3339;

/// How many single-item deletes run at once.
const DELETE_CONCURRENCY: usize = 16;

/// One page of a list, and how many todos match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's todos, newest first.
    pub rules: Vec<Rule>,
    /// All matching todos of the user.
    pub total: u64,
}

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

/// Todos in the table.
#[derive(Debug, Clone)]
pub struct RuleStore {
    datastore: Datastore,
}

fn owner_pk(owner_id: &str) -> AttributeValue {
    s(format!("OWNER#{owner_id}"))
}

fn rule_sk(key: RuleKey) -> AttributeValue {
    s(format!("RULE#{key}"))
}

/// A filter expression and its placeholders for a list query.
struct Filter {
    expression: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Filter {
    fn of(query: &ListQuery, owner_id: &str) -> Self {
        let mut parts = Vec::new();
        let mut names = HashMap::new();
        let mut values = HashMap::from([
            (":pk".to_owned(), owner_pk(owner_id)),
            (":prefix".to_owned(), s("RULE#")),
        ]);
        if let Some(name) = &query.name {
            names.insert("#nameLower".to_owned(), "nameLower".to_owned());
            values.insert(":name".to_owned(), s(name));
            parts.push("contains(#nameLower, :name)".to_owned());
        }
        if !query.statuses.is_empty() {
            names.insert("#status".to_owned(), "status".to_owned());
            let placeholders: Vec<String> = query
                .statuses
                .iter()
                .enumerate()
                .map(|(i, status)| {
                    let placeholder = format!(":s{i}");
                    values.insert(placeholder.clone(), n(status.code()));
                    placeholder
                })
                .collect();
            parts.push(format!("#status IN ({})", placeholders.join(", ")));
        }
        Self {
            expression: (!parts.is_empty()).then(|| parts.join(" AND ")),
            names,
            values,
        }
    }
}

impl RuleStore {
    /// A store on `datastore`.
    pub fn new(datastore: Datastore) -> Self {
        Self { datastore }
    }

    /// Creates a todo owned by `owner`.
    pub async fn create(
        &self,
        owner: &AuthenticatedUser,
        new: &NewRule,
    ) -> Result<Rule, StoreError> {
        let now = now_rfc3339();
        let key = RuleKey::new();
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
        self.datastore
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
            .condition_expression("attribute_not_exists(pk)")
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("PutItem", e))?;
        Ok(rule)
    }

    /// The todo `key` of `owner_id`.
    pub async fn get(&self, owner_id: &str, key: RuleKey) -> Result<Option<Rule>, StoreError> {
        let output = self
            .datastore
            .client()
            .get_item()
            .table_name(self.datastore.table())
            .key("pk", owner_pk(owner_id))
            .key("sk", rule_sk(key))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| StoreError::from_sdk("GetItem", e))?;
        output.item.as_ref().map(rule_from_item).transpose()
    }

    /// Applies `changes` to one todo, if it exists and the version matches.
    pub async fn update(
        &self,
        owner_id: &str,
        changes: &RuleChanges,
    ) -> Result<UpdateOutcome, StoreError> {
        let mut sets = vec![
            "#updatedAt = :updatedAt".to_owned(),
            "#version = #version + :one".to_owned(),
        ];
        let mut names = HashMap::from([
            ("#updatedAt".to_owned(), "updatedAt".to_owned()),
            ("#version".to_owned(), "version".to_owned()),
        ]);
        let mut values = HashMap::from([
            (":updatedAt".to_owned(), s(now_rfc3339())),
            (":one".to_owned(), n(1)),
        ]);
        let mut set = |attribute: &str, value: AttributeValue| {
            sets.push(format!("#{attribute} = :{attribute}"));
            names.insert(format!("#{attribute}"), attribute.to_owned());
            values.insert(format!(":{attribute}"), value);
        };
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
        let mut condition = "attribute_exists(pk)".to_owned();
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
            .update_expression(format!("SET {}", sets.join(", ")))
            .condition_expression(condition)
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(values))
            .return_values(ReturnValue::AllNew)
            .send()
            .await;
        match StoreError::unless_condition_failed("UpdateItem", result)? {
            Some(output) => {
                let item = output.attributes.ok_or_else(|| {
                    StoreError::Corrupt("UpdateItem returned no attributes".into())
                })?;
                Ok(UpdateOutcome::Updated(rule_from_item(&item)?))
            }
            // Either it does not exist or the version moved on: look once to tell which.
            None => Ok(match self.get(owner_id, changes.key).await? {
                Some(current) => UpdateOutcome::Stale(current),
                None => UpdateOutcome::NotFound,
            }),
        }
    }

    /// Deletes the given todos of `owner_id`; returns how many existed.
    pub async fn delete(&self, owner_id: &str, keys: &[RuleKey]) -> Result<u64, StoreError> {
        let deleted: Vec<bool> = futures::stream::iter(keys.iter().copied())
            .map(|key| async move {
                self.datastore
                    .client()
                    .delete_item()
                    .table_name(self.datastore.table())
                    .key("pk", owner_pk(owner_id))
                    .key("sk", rule_sk(key))
                    .return_values(ReturnValue::AllOld)
                    .send()
                    .await
                    .map(|output| output.attributes.is_some_and(|a| !a.is_empty()))
                    .map_err(|e| StoreError::from_sdk("DeleteItem", e))
            })
            .buffer_unordered(DELETE_CONCURRENCY)
            .try_collect()
            .await?;
        Ok(deleted.into_iter().filter(|d| *d).count() as u64)
    }

    /// One page of `owner_id`'s todos matching `query`, newest first, and the total.
    ///
    /// Two queries of the owner's partition: the first reads only sort keys to count the
    /// matches and find where the page starts; the second reads full items from there
    /// until the page is full. Neither holds more than one page of todos in memory.
    pub async fn list(&self, owner_id: &str, query: &ListQuery) -> Result<Page, StoreError> {
        let filter = Filter::of(query, owner_id);
        let offset = query.offset();
        let (total, start_after) = self.count_and_locate(&filter, offset).await?;
        if offset >= total {
            return Ok(Page {
                rules: Vec::new(),
                total,
            });
        }
        let rules = self
            .read_page(&filter, start_after, query.page_size as usize)
            .await?;
        Ok(Page { rules, total })
    }

    fn query(
        &self,
        filter: &Filter,
    ) -> aws_sdk_dynamodb::operation::query::builders::QueryFluentBuilder {
        let mut names = filter.names.clone();
        names.insert("#pk".to_owned(), "pk".to_owned());
        names.insert("#sk".to_owned(), "sk".to_owned());
        self.datastore
            .client()
            .query()
            .table_name(self.datastore.table())
            .key_condition_expression("#pk = :pk AND begins_with(#sk, :prefix)")
            .set_filter_expression(filter.expression.clone())
            .set_expression_attribute_names(Some(names))
            .set_expression_attribute_values(Some(filter.values.clone()))
            .scan_index_forward(false)
    }

    /// Counts all matches and returns the last key before `offset` (the page's start).
    async fn count_and_locate(
        &self,
        filter: &Filter,
        offset: u64,
    ) -> Result<(u64, Option<Item>), StoreError> {
        let mut total = 0_u64;
        let mut start_after = None;
        let mut exclusive_start = None;
        loop {
            let output = self
                .query(filter)
                .projection_expression("#pk, #sk")
                .set_exclusive_start_key(exclusive_start.take())
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query", e))?;
            for item in output.items() {
                total += 1;
                if total == offset {
                    start_after = Some(item.clone());
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() => exclusive_start = Some(key),
                _ => break,
            }
        }
        Ok((total, start_after))
    }

    async fn read_page(
        &self,
        filter: &Filter,
        start_after: Option<Item>,
        page_size: usize,
    ) -> Result<Vec<Rule>, StoreError> {
        let mut rules = Vec::with_capacity(page_size);
        let mut exclusive_start = start_after;
        loop {
            let wanted = page_size - rules.len();
            // Without a filter every item read is a match, so read exactly what is needed.
            let limit = if filter.expression.is_some() {
                wanted.max(25)
            } else {
                wanted
            };
            let output = self
                .query(filter)
                .limit(i32::try_from(limit).unwrap_or(i32::MAX))
                .set_exclusive_start_key(exclusive_start.take())
                .select(Select::AllAttributes)
                .send()
                .await
                .map_err(|e| StoreError::from_sdk("Query", e))?;
            for item in output.items() {
                if rules.len() < page_size {
                    rules.push(rule_from_item(item)?);
                }
            }
            match output.last_evaluated_key {
                Some(key) if !key.is_empty() && rules.len() < page_size => {
                    exclusive_start = Some(key);
                }
                _ => break,
            }
        }
        Ok(rules)
    }
}

fn rule_from_item(item: &Item) -> Result<Rule, StoreError> {
    Ok(Rule {
        key: get_s(item, "key")?,
        name: get_s(item, "name")?,
        desc: get_s(item, "desc")?,
        status: get_n(item, "status")?,
        progress: get_n(item, "progress")?,
        owner: get_s(item, "owner")?,
        created_at: get_s(item, "createdAt")?,
        updated_at: get_s(item, "updatedAt")?,
        version: get_n(item, "version")?,
    })
}
