//! Listing a user's todos: one page, newest first, and how many match in all.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::{AttributeValue, Select};

use super::{RuleStore, owner_pk, rule_from_item};
use crate::domain::{ListQuery, Rule};
use crate::store::StoreError;
use crate::store::items::{Item, n, s};

/// One page of a list, and how many todos match in all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The page's todos, newest first.
    pub rules: Vec<Rule>,
    /// All matching todos of the user.
    pub total: u64,
}

/// A filter expression and its placeholders for a list query. Tombstones (deleted
/// todos not yet removed) never match.
struct Filter {
    expression: String,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
    /// Whether the filter can drop items besides tombstones.
    selective: bool,
}

impl Filter {
    fn of(query: &ListQuery, owner_id: &str) -> Self {
        let mut parts = vec!["attribute_not_exists(#deletedBy)".to_owned()];
        let mut names = HashMap::from([("#deletedBy".to_owned(), "deletedBy".to_owned())]);
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
            selective: parts.len() > 1,
            expression: parts.join(" AND "),
            names,
            values,
        }
    }
}

impl RuleStore {
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
            .filter_expression(filter.expression.clone())
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
            // Without a filter nearly every item read is a match (tombstones are rare
            // and short-lived), so read about what is needed.
            let limit = if filter.selective {
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
