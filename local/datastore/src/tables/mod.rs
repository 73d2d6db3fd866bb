//! Creating the template's tables on a local DynamoDB API.
//!
//! Tables are created exactly as `template.yml` declares them (keys, indexes, time to
//! live), so tests and local runs can never drift from what `sam deploy` creates. A
//! table kept from an earlier run that lacks an index the template now declares gets
//! it in place (`UpdateTable`, which fills it from the items already there), and one
//! without the template's time to live gets that, as CloudFormation would update them.

/// How long a table (or an index) may take to become active.
const TABLE_WAIT: Duration = Duration::from_secs(30);

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::client::Waiters as _;
use aws_sdk_dynamodb::error::SdkError;
use aws_sdk_dynamodb::operation::describe_table::DescribeTableError;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, CreateGlobalSecondaryIndexAction, GlobalSecondaryIndex,
    GlobalSecondaryIndexUpdate, IndexStatus, KeySchemaElement, KeyType, Projection, ProjectionType,
    ScalarAttributeType, TimeToLiveSpecification, TimeToLiveStatus,
};
use aws_sdk_dynamodb::waiters::table_exists::WaitUntilTableExistsError;

use crate::template::{AttributeType, GlobalIndex, KeyElement, KeyRole, TableDefinition};

/// Why a table could not be created.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The DynamoDB API refused a call.
    #[error("{operation} of table {table} failed: {message}")]
    Api {
        /// The operation, e.g. `CreateTable`.
        operation: &'static str,
        /// The table.
        table: String,
        /// The service's message.
        message: String,
    },
    /// The definition cannot be expressed as a request.
    #[error("table {0} has an invalid definition: {1}")]
    Definition(String, String),
    /// The table (or an index added to it) did not become active in time.
    #[error("table {0} did not become active in time")]
    NotActive(String),
}

/// What [`ensure_table`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The table was created.
    Created,
    /// It was already there.
    Existed,
    /// It was there without this many of the template's indexes, which were added.
    IndexesAdded(usize),
}

/// Creates table `name` from `definition` unless it exists, and waits until it is active.
pub async fn ensure_table(
    client: &Client,
    definition: &TableDefinition,
    name: &str,
) -> Result<Outcome, TableError> {
    match client.describe_table().table_name(name).send().await {
        Ok(found) => {
            let present: Vec<&str> = found
                .table()
                .map(|t| t.global_secondary_indexes())
                .unwrap_or_default()
                .iter()
                .filter_map(|index| index.index_name())
                .collect();
            let missing: Vec<&GlobalIndex> = definition
                .global_indexes
                .iter()
                .filter(|index| !present.contains(&index.name.as_str()))
                .collect();
            // One index per UpdateTable, as DynamoDB requires.
            for index in &missing {
                add_index(client, definition, name, index).await?;
            }
            if let Some(attribute) = &definition.ttl_attribute {
                ensure_ttl(client, name, attribute).await?;
            }
            return Ok(if missing.is_empty() {
                Outcome::Existed
            } else {
                Outcome::IndexesAdded(missing.len())
            });
        }
        Err(SdkError::ServiceError(e))
            if matches!(e.err(), DescribeTableError::ResourceNotFoundException(_)) => {}
        Err(e) => return Err(api("DescribeTable", name, e)),
    }
    create(client, definition, name).await
}

/// Creates table `name` from `definition` and waits until it is active.
async fn create(
    client: &Client,
    definition: &TableDefinition,
    name: &str,
) -> Result<Outcome, TableError> {
    let mut request = client
        .create_table()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .set_attribute_definitions(Some(attribute_definitions(definition, name)?))
        .set_key_schema(Some(key_schema(&definition.key_schema, name)?));
    for index in &definition.global_indexes {
        let gsi = GlobalSecondaryIndex::builder()
            .index_name(&index.name)
            .set_key_schema(Some(key_schema(&index.key_schema, name)?))
            .projection(projection(index))
            .build()
            .map_err(|e| TableError::Definition(name.to_owned(), e.to_string()))?;
        request = request.global_secondary_indexes(gsi);
    }
    match request.send().await {
        Ok(_) => {}
        // Another process created it in the meantime: fine.
        Err(SdkError::ServiceError(e)) if e.err().is_resource_in_use_exception() => {
            return Ok(Outcome::Existed);
        }
        Err(e) => return Err(api("CreateTable", name, e)),
    }
    wait_until_active(client, name).await?;
    if let Some(attribute) = &definition.ttl_attribute {
        enable_ttl(client, name, attribute).await?;
    }
    Ok(Outcome::Created)
}

/// Adds `index` of `definition` to existing table `name` (the emulator fills it from
/// the items already there) and waits until it is active.
async fn add_index(
    client: &Client,
    definition: &TableDefinition,
    name: &str,
    index: &GlobalIndex,
) -> Result<(), TableError> {
    tracing::info!(
        table = name,
        index = index.name,
        "adding an index the template declares"
    );
    let create = CreateGlobalSecondaryIndexAction::builder()
        .index_name(&index.name)
        .set_key_schema(Some(key_schema(&index.key_schema, name)?))
        .projection(projection(index))
        .build()
        .map_err(|e| TableError::Definition(name.to_owned(), e.to_string()))?;
    client
        .update_table()
        .table_name(name)
        .set_attribute_definitions(Some(attribute_definitions(definition, name)?))
        .global_secondary_index_updates(
            GlobalSecondaryIndexUpdate::builder().create(create).build(),
        )
        .send()
        .await
        .map_err(|e| api("UpdateTable", name, e))?;
    wait_until_index_active(client, name, &index.name).await
}

/// Polls `DescribeTable` until index `index` of table `name` is active.
async fn wait_until_index_active(
    client: &Client,
    name: &str,
    index: &str,
) -> Result<(), TableError> {
    let deadline = tokio::time::Instant::now() + TABLE_WAIT;
    loop {
        let described = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| api("DescribeTable", name, e))?;
        let active = described
            .table()
            .map(|t| t.global_secondary_indexes())
            .unwrap_or_default()
            .iter()
            .any(|i| {
                i.index_name() == Some(index) && i.index_status() == Some(&IndexStatus::Active)
            });
        if active {
            return Ok(());
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(TableError::NotActive(name.to_owned()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Creates every table of `definitions`, naming each with `name_of`.
pub async fn ensure_tables(
    client: &Client,
    definitions: &[TableDefinition],
    name_of: impl Fn(&TableDefinition) -> String,
) -> Result<Vec<(String, Outcome)>, TableError> {
    let mut outcomes = Vec::with_capacity(definitions.len());
    for definition in definitions {
        let name = name_of(definition);
        let outcome = ensure_table(client, definition, &name).await?;
        outcomes.push((name, outcome));
    }
    Ok(outcomes)
}

/// Waits with the SDK's `table_exists` waiter (`DescribeTable` until `ACTIVE`). The
/// emulator creates tables at once, so its first poll succeeds; the waiter's own
/// backoff (20 s and up) is for a real service.
async fn wait_until_active(client: &Client, name: &str) -> Result<(), TableError> {
    client
        .wait_until_table_exists()
        .table_name(name)
        .wait(TABLE_WAIT)
        .await
        .map(drop)
        .map_err(|e| match e {
            WaitUntilTableExistsError::ExceededMaxWait(_) => TableError::NotActive(name.to_owned()),
            other => api("DescribeTable", name, other),
        })
}

/// Turns on time to live on `attribute` of table `name`.
async fn enable_ttl(client: &Client, name: &str, attribute: &str) -> Result<(), TableError> {
    let specification = TimeToLiveSpecification::builder()
        .attribute_name(attribute)
        .enabled(true)
        .build()
        .map_err(|e| TableError::Definition(name.to_owned(), e.to_string()))?;
    client
        .update_time_to_live()
        .table_name(name)
        .time_to_live_specification(specification)
        .send()
        .await
        .map(drop)
        .map_err(|e| api("UpdateTimeToLive", name, e))
}

/// Turns on time to live on `attribute` of table `name` unless it is on already
/// (DynamoDB refuses to enable it twice).
async fn ensure_ttl(client: &Client, name: &str, attribute: &str) -> Result<(), TableError> {
    let described = client
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(|e| api("DescribeTimeToLive", name, e))?;
    let current = described.time_to_live_description();
    let enabled = current.is_some_and(|d| {
        matches!(
            d.time_to_live_status(),
            Some(TimeToLiveStatus::Enabled | TimeToLiveStatus::Enabling)
        ) && d.attribute_name() == Some(attribute)
    });
    if enabled {
        Ok(())
    } else {
        enable_ttl(client, name, attribute).await
    }
}

fn projection(index: &GlobalIndex) -> Projection {
    Projection::builder()
        .projection_type(ProjectionType::from(index.projection_type.as_str()))
        .set_non_key_attributes(
            (!index.non_key_attributes.is_empty()).then(|| index.non_key_attributes.clone()),
        )
        .build()
}

fn attribute_definitions(
    definition: &TableDefinition,
    table: &str,
) -> Result<Vec<AttributeDefinition>, TableError> {
    definition
        .attributes
        .iter()
        .map(|(attribute, kind)| attribute_definition(attribute, *kind, table))
        .collect()
}

fn attribute_definition(
    attribute: &str,
    kind: AttributeType,
    table: &str,
) -> Result<AttributeDefinition, TableError> {
    let kind = match kind {
        AttributeType::S => ScalarAttributeType::S,
        AttributeType::N => ScalarAttributeType::N,
        AttributeType::B => ScalarAttributeType::B,
    };
    AttributeDefinition::builder()
        .attribute_name(attribute)
        .attribute_type(kind)
        .build()
        .map_err(|e| TableError::Definition(table.to_owned(), e.to_string()))
}

fn key_schema(elements: &[KeyElement], table: &str) -> Result<Vec<KeySchemaElement>, TableError> {
    elements
        .iter()
        .map(|k| {
            KeySchemaElement::builder()
                .attribute_name(&k.attribute)
                .key_type(match k.role {
                    KeyRole::Hash => KeyType::Hash,
                    KeyRole::Range => KeyType::Range,
                })
                .build()
                .map_err(|e| TableError::Definition(table.to_owned(), e.to_string()))
        })
        .collect()
}

fn api<E: std::error::Error>(operation: &'static str, table: &str, error: E) -> TableError {
    TableError::Api {
        operation,
        table: table.to_owned(),
        message: aws_sdk_dynamodb::error::DisplayErrorContext(error).to_string(),
    }
}
