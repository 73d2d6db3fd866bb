//! Reading `template.yml`: the one place where tables and functions are declared.
//!
//! The template uses CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`, ...),
//! which a YAML parser keeps as tagged values. This module parses the document once
//! and turns the tables into typed definitions; the platform's `template` module
//! resolves intrinsic functions and reads the functions.

use std::path::Path;

use serde_norway::Value;

/// Why the template could not be read.
#[derive(Debug, thiserror::Error)]
pub enum TemplateError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The file is not YAML.
    #[error("template.yml is not valid YAML: {0}")]
    Yaml(#[from] serde_norway::Error),
    /// The file is YAML but a part has an unexpected shape.
    #[error("template.yml: {0}")]
    Shape(String),
}

/// A parsed SAM template.
#[derive(Debug, Clone)]
pub struct Template {
    root: Value,
}

/// A resource of the template: its logical id, type and properties.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    /// The logical id, e.g. `TodoTable`.
    pub logical_id: &'a str,
    /// The resource type, e.g. `AWS::DynamoDB::Table`.
    pub resource_type: &'a str,
    /// The `Properties` mapping (`Null` when absent).
    pub properties: &'a Value,
    /// The whole resource, for `Metadata`, `Condition` and the like.
    pub body: &'a Value,
}

/// The role of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyRole {
    /// The partition key.
    Hash,
    /// The sort key.
    Range,
}

/// One element of a key schema.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyElement {
    /// The attribute name.
    pub attribute: String,
    /// Partition or sort key.
    pub role: KeyRole,
}

/// The scalar type of a key attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttributeType {
    /// String.
    S,
    /// Number.
    N,
    /// Binary.
    B,
}

/// A global secondary index.
#[derive(Debug, Clone, PartialEq, Eq)]
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

impl Template {
    /// Reads and parses a template file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, TemplateError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|source| TemplateError::Io {
            path: path.display().to_string(),
            source,
        })?;
        Self::parse(&text)
    }

    /// Parses template text.
    pub fn parse(text: &str) -> Result<Self, TemplateError> {
        let root: Value = serde_norway::from_str(text)?;
        if !root.is_mapping() {
            return Err(TemplateError::Shape("the document is not a mapping".into()));
        }
        Ok(Self { root })
    }

    /// The whole document.
    pub fn root(&self) -> &Value {
        &self.root
    }

    /// Every resource, in document order.
    pub fn resources(&self) -> impl Iterator<Item = Resource<'_>> {
        self.root
            .get("Resources")
            .and_then(Value::as_mapping)
            .into_iter()
            .flat_map(|m| m.iter())
            .filter_map(|(id, body)| {
                Some(Resource {
                    logical_id: id.as_str()?,
                    resource_type: body.get("Type")?.as_str()?,
                    properties: body.get("Properties").unwrap_or(&Value::Null),
                    body,
                })
            })
    }

    /// The resource with this logical id.
    pub fn resource(&self, logical_id: &str) -> Option<Resource<'_>> {
        self.resources().find(|r| r.logical_id == logical_id)
    }

    /// `Mappings.<map>.<top>.<second>`, the value `!FindInMap [map, top, second]` names.
    pub fn find_in_map(&self, map: &str, top: &str, second: &str) -> Option<&Value> {
        self.root.get("Mappings")?.get(map)?.get(top)?.get(second)
    }

    /// Every `AWS::DynamoDB::Table` of the template.
    pub fn tables(&self) -> Result<Vec<TableDefinition>, TemplateError> {
        self.resources()
            .filter(|r| r.resource_type == "AWS::DynamoDB::Table")
            .map(table_definition)
            .collect()
    }
}

fn shape(what: impl Into<String>) -> TemplateError {
    TemplateError::Shape(what.into())
}

fn table_definition(resource: Resource<'_>) -> Result<TableDefinition, TemplateError> {
    let id = resource.logical_id;
    let props = resource.properties;
    let attributes = props
        .get("AttributeDefinitions")
        .and_then(Value::as_sequence)
        .ok_or_else(|| shape(format!("{id} has no AttributeDefinitions list")))?
        .iter()
        .map(|a| {
            let name = string_field(a, "AttributeName", id)?;
            let kind = match string_field(a, "AttributeType", id)?.as_str() {
                "S" => AttributeType::S,
                "N" => AttributeType::N,
                "B" => AttributeType::B,
                other => return Err(shape(format!("{id}: unknown AttributeType {other}"))),
            };
            Ok((name, kind))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let primary_key = key_schema(props.get("KeySchema"), id)?;
    let global_indexes = match props.get("GlobalSecondaryIndexes") {
        None => Vec::new(),
        Some(list) => list
            .as_sequence()
            .ok_or_else(|| shape(format!("{id}: GlobalSecondaryIndexes is not a list")))?
            .iter()
            .map(|g| {
                let projection = g.get("Projection");
                Ok(GlobalIndex {
                    name: string_field(g, "IndexName", id)?,
                    key_schema: key_schema(g.get("KeySchema"), id)?,
                    projection_type: projection
                        .and_then(|p| p.get("ProjectionType"))
                        .and_then(Value::as_str)
                        .unwrap_or("ALL")
                        .to_owned(),
                    non_key_attributes: projection
                        .and_then(|p| p.get("NonKeyAttributes"))
                        .and_then(Value::as_sequence)
                        .map(|s| {
                            s.iter()
                                .filter_map(|v| v.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                })
            })
            .collect::<Result<Vec<_>, TemplateError>>()?,
    };
    let ttl_attribute = props.get("TimeToLiveSpecification").and_then(|t| {
        let enabled = t.get("Enabled").and_then(Value::as_bool).unwrap_or(false);
        enabled
            .then(|| {
                t.get("AttributeName")
                    .and_then(Value::as_str)
                    .map(str::to_owned)
            })
            .flatten()
    });
    Ok(TableDefinition {
        logical_id: id.to_owned(),
        table_name: props
            .get("TableName")
            .and_then(Value::as_str)
            .map(str::to_owned),
        attributes,
        key_schema: primary_key,
        global_indexes,
        ttl_attribute,
    })
}

fn key_schema(value: Option<&Value>, id: &str) -> Result<Vec<KeyElement>, TemplateError> {
    value
        .and_then(Value::as_sequence)
        .ok_or_else(|| shape(format!("{id} has no KeySchema list")))?
        .iter()
        .map(|k| {
            let role = match string_field(k, "KeyType", id)?.as_str() {
                "HASH" => KeyRole::Hash,
                "RANGE" => KeyRole::Range,
                other => return Err(shape(format!("{id}: unknown KeyType {other}"))),
            };
            Ok(KeyElement {
                attribute: string_field(k, "AttributeName", id)?,
                role,
            })
        })
        .collect()
}

fn string_field(value: &Value, field: &str, id: &str) -> Result<String, TemplateError> {
    value
        .get(field)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| shape(format!("{id}: {field} missing or not a string")))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
Resources:
  Things:
    Type: AWS::DynamoDB::Table
    DeletionPolicy: Retain
    Properties:
      BillingMode: PAY_PER_REQUEST
      AttributeDefinitions:
        - { AttributeName: pk, AttributeType: S }
        - { AttributeName: sk, AttributeType: S }
      KeySchema:
        - { AttributeName: pk, KeyType: HASH }
        - { AttributeName: sk, KeyType: RANGE }
      TimeToLiveSpecification: { AttributeName: expiresAt, Enabled: true }
  Fn:
    Type: AWS::Serverless::Function
    Properties:
      Environment:
        Variables:
          TABLE_NAME: !Ref Things
"#;

    #[test]
    fn tables_are_read_with_keys_and_ttl() {
        let template = Template::parse(SAMPLE).expect("sample parses");
        let tables = template.tables().expect("tables parse");
        assert_eq!(tables.len(), 1);
        let table = &tables[0];
        assert_eq!(table.logical_id, "Things");
        assert_eq!(table.key_schema[0].attribute, "pk");
        assert_eq!(table.key_schema[1].role, KeyRole::Range);
        assert_eq!(table.ttl_attribute.as_deref(), Some("expiresAt"));
    }

    #[test]
    fn short_form_tags_do_not_break_parsing() {
        let template = Template::parse(SAMPLE).expect("sample parses");
        let function = template.resource("Fn").expect("function present");
        assert_eq!(function.resource_type, "AWS::Serverless::Function");
    }

    #[test]
    fn the_project_template_declares_the_todo_table() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../template.yml");
        if !path.exists() {
            return;
        }
        let template = Template::load(path).expect("template.yml parses");
        let tables = template.tables().expect("tables parse");
        assert!(tables.iter().any(|t| t.logical_id == "TodoTable"));
    }
}
