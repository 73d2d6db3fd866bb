//! Reading `template.yml`: the one place where tables and functions are declared.
//!
//! The template uses CloudFormation's short-form tags (`!Ref`, `!Sub`, `!GetAtt`, ...),
//! which the YAML parser keeps as tagged values. The document is parsed once into serde
//! types ([`document`]); a resource's properties are read into the types of its kind
//! ([`Resource::properties`]): tables here ([`tables`]), functions by the platform's
//! `template` module, which also resolves intrinsic functions.

mod document;
mod tables;

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde_norway::Value;

pub use document::{BuildProperties, Metadata, Ordered, Parameter};
use document::{Document, ResourceBody};
pub use tables::{AttributeType, GlobalIndex, KeyElement, KeyRole, TableDefinition};

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
    /// The file is not YAML, or not a template.
    #[error("template.yml is not a valid template: {0}")]
    Yaml(#[from] serde_norway::Error),
    /// A part has an unexpected shape.
    #[error("template.yml: {0}")]
    Shape(String),
}

/// A parsed SAM template.
#[derive(Debug, Clone)]
pub struct Template {
    document: Document,
}

/// A resource of the template: its logical id, type, properties and metadata.
#[derive(Debug, Clone, Copy)]
pub struct Resource<'a> {
    /// The logical id, e.g. `TodoTable`.
    pub logical_id: &'a str,
    /// The resource type, e.g. `AWS::DynamoDB::Table`.
    pub resource_type: &'a str,
    /// The `Properties` mapping as written (`Null` when absent); read it into the
    /// types of the resource's kind with [`Resource::properties`].
    pub properties: &'a Value,
    /// `Metadata`.
    pub metadata: &'a Metadata,
}

impl Resource<'_> {
    /// The properties read into `T`, the properties of this resource's kind.
    pub fn properties<T: DeserializeOwned>(&self) -> Result<T, TemplateError> {
        read(self.properties, self.logical_id)
    }
}

/// `value` read into `T`; errors name `what` (a logical id, `Globals`).
pub fn read<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T, TemplateError> {
    let value = if value.is_null() {
        Value::Mapping(serde_norway::Mapping::new())
    } else {
        value.clone()
    };
    serde_norway::from_value(value).map_err(|e| TemplateError::Shape(format!("{what}: {e}")))
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
        Ok(Self {
            document: serde_norway::from_str(text)?,
        })
    }

    /// Every resource, in document order.
    pub fn resources(&self) -> impl Iterator<Item = Resource<'_>> {
        self.document.resources.iter().map(resource)
    }

    /// The resource with this logical id.
    pub fn resource(&self, logical_id: &str) -> Option<Resource<'_>> {
        self.resources().find(|r| r.logical_id == logical_id)
    }

    /// The parameters, in document order.
    pub fn parameters(&self) -> impl Iterator<Item = (&str, &Parameter)> {
        self.document.parameters.iter()
    }

    /// The condition named `name` (`Conditions.<name>`), unevaluated.
    pub fn condition(&self, name: &str) -> Option<&Value> {
        self.document.conditions.get(name)
    }

    /// `Globals.Function` (`Null` when absent): what every function's `Properties`
    /// falls back to.
    pub fn function_globals(&self) -> &Value {
        &self.document.globals.function
    }

    /// `Mappings.<map>.<top>`: one top-level entry of a mapping, its second-level keys
    /// and values.
    pub fn mapping_entry(&self, map: &str, top: &str) -> Option<&BTreeMap<String, Value>> {
        self.document.mappings.get(map)?.get(top)
    }

    /// `Mappings.<map>.<top>.<second>`, the value `!FindInMap [map, top, second]` names.
    pub fn find_in_map(&self, map: &str, top: &str, second: &str) -> Option<&Value> {
        self.document.mappings.get(map)?.get(top)?.get(second)
    }

    /// Every `AWS::DynamoDB::Table` of the template.
    pub fn tables(&self) -> Result<Vec<TableDefinition>, TemplateError> {
        self.resources()
            .filter(|r| r.resource_type == "AWS::DynamoDB::Table")
            .map(|r| {
                r.properties::<tables::TableProperties>()
                    .map(|p| p.into_definition(r.logical_id))
            })
            .collect()
    }
}

fn resource<'a>((logical_id, body): (&'a str, &'a ResourceBody)) -> Resource<'a> {
    Resource {
        logical_id,
        resource_type: &body.resource_type,
        properties: &body.properties,
        metadata: &body.metadata,
    }
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
    fn resources_keep_document_order_and_unread_sections_may_hold_tags() {
        let text = format!(
            "{SAMPLE}  Another:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      \
             TableName: !Sub '${{AWS::StackName}}-another'\n      \
             AttributeDefinitions: [{{ AttributeName: id, AttributeType: N }}]\n      \
             KeySchema: [{{ AttributeName: id, KeyType: HASH }}]\n      \
             GlobalSecondaryIndexes:\n        - IndexName: byId\n          \
             KeySchema: [{{ AttributeName: id, KeyType: HASH }}]\n\
             Outputs:\n  Arn: {{ Value: !GetAtt Things.Arn }}\n"
        );
        let template = Template::parse(&text).expect("parses");
        let ids: Vec<&str> = template.resources().map(|r| r.logical_id).collect();
        assert_eq!(ids, ["Things", "Fn", "Another"]);
        let tables = template.tables().expect("tables parse");
        let another = &tables[1];
        assert_eq!(
            another.table_name, None,
            "a computed name is the local run's"
        );
        assert_eq!(another.attributes, [("id".to_owned(), AttributeType::N)]);
        assert_eq!(another.global_indexes[0].projection_type, "ALL");
        assert!(another.global_indexes[0].non_key_attributes.is_empty());
        assert_eq!(another.ttl_attribute, None);
    }

    #[test]
    fn a_malformed_table_is_refused_by_name() {
        let text = "Resources:\n  Broken:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      \
                    AttributeDefinitions: [{ AttributeName: id, AttributeType: X }]\n      \
                    KeySchema: [{ AttributeName: id, KeyType: HASH }]\n";
        let template = Template::parse(text).expect("parses: tables are read on demand");
        let error = template
            .tables()
            .expect_err("X is no attribute type")
            .to_string();
        assert!(error.contains("Broken") && error.contains('X'), "{error}");
        let text = text
            .replace("AttributeType: X", "AttributeType: S")
            .replace("KeySchema", "Keys");
        let error = Template::parse(&text)
            .expect("parses")
            .tables()
            .expect_err("no key schema")
            .to_string();
        assert!(error.contains("KeySchema"), "{error}");
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
