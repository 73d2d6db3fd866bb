//! `AWS::DynamoDB::Table` resources as typed definitions: keys, indexes, time to live.

use serde::Deserialize;
use serde_norway::Value;

/// The role of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum KeyRole {
    /// The partition key.
    Hash,
    /// The sort key.
    Range,
}

/// One element of a key schema.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct KeyElement {
    /// The attribute name.
    #[serde(rename = "AttributeName")]
    pub attribute: String,
    /// Partition or sort key.
    #[serde(rename = "KeyType")]
    pub role: KeyRole,
}

/// The scalar type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum AttributeType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(from = "IndexProperties")]
pub struct GlobalIndex {
    /// The index name.
    pub name: String,
    /// Its key schema.
    pub key_schema: Vec<KeyElement>,
    /// `ALL`, `KEYS_ONLY` or `INCLUDE`.
    pub projection_type: String,
    /// Non-key attributes projected with `INCLUDE`.
    pub non_key_attributes: Vec<String>,
}

/// A DynamoDB table as the template declares it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDefinition {
    /// The logical id, e.g. `TodoTable`.
    pub logical_id: String,
    /// `TableName` when the template fixes one as a literal.
    pub table_name: Option<String>,
    /// Attribute names and types used by keys.
    pub attributes: Vec<(String, AttributeType)>,
    /// The primary key.
    pub key_schema: Vec<KeyElement>,
    /// Global secondary indexes.
    pub global_indexes: Vec<GlobalIndex>,
    /// The time-to-live attribute, when enabled.
    pub ttl_attribute: Option<String>,
}

/// A table's `Properties`, as written (`BillingMode` and the like are not needed
/// locally and are skipped).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct TableProperties {
    /// A literal name, or an intrinsic function (then the local run names the table).
    table_name: Option<Value>,
    attribute_definitions: Vec<AttributeDefinition>,
    key_schema: Vec<KeyElement>,
    #[serde(default)]
    global_secondary_indexes: Vec<GlobalIndex>,
    time_to_live_specification: Option<TimeToLive>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct AttributeDefinition {
    attribute_name: String,
    attribute_type: AttributeType,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct IndexProperties {
    index_name: String,
    key_schema: Vec<KeyElement>,
    #[serde(default)]
    projection: Projection,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Projection {
    #[serde(default = "all")]
    projection_type: String,
    #[serde(default)]
    non_key_attributes: Vec<String>,
}

impl Default for Projection {
    fn default() -> Self {
        Self {
            projection_type: all(),
            non_key_attributes: Vec::new(),
        }
    }
}

fn all() -> String {
    "ALL".to_owned()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct TimeToLive {
    attribute_name: String,
    #[serde(default)]
    enabled: bool,
}

impl From<IndexProperties> for GlobalIndex {
    fn from(index: IndexProperties) -> Self {
        Self {
            name: index.index_name,
            key_schema: index.key_schema,
            projection_type: index.projection.projection_type,
            non_key_attributes: index.projection.non_key_attributes,
        }
    }
}

impl TableProperties {
    /// The definition of table `logical_id`.
    pub(crate) fn into_definition(self, logical_id: &str) -> TableDefinition {
        TableDefinition {
            logical_id: logical_id.to_owned(),
            table_name: match self.table_name {
                Some(Value::String(name)) => Some(name),
                _ => None,
            },
            attributes: self
                .attribute_definitions
                .into_iter()
                .map(|a| (a.attribute_name, a.attribute_type))
                .collect(),
            key_schema: self.key_schema,
            global_indexes: self.global_secondary_indexes,
            ttl_attribute: self
                .time_to_live_specification
                .filter(|t| t.enabled)
                .map(|t| t.attribute_name),
        }
    }
}
