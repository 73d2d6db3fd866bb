//! Resolving CloudFormation intrinsic functions as far as a local run needs.
//!
//! Supported, in short and long form: `Ref` (parameters, pseudo parameters, resources),
//! `Fn::Sub` (string or `[string, variables]`), `Fn::GetAtt` (`Arn`, `StreamArn`, `Name`),
//! `Fn::FindInMap`, `Fn::Join`, `Fn::Select`, `Fn::If` with `Fn::Equals`/`Not`/`And`/`Or`
//! conditions. Dynamic references such as `{{resolve:secretsmanager:...}}` are kept as
//! text: the caller decides what replaces them locally.

use std::collections::BTreeMap;

use serde_norway::Value;

use crate::template::Template;

/// The account id local ARNs carry.
pub const LOCAL_ACCOUNT_ID: &str = "123456789012";

/// Why a value could not be resolved.
#[derive(Debug, thiserror::Error)]
pub enum ResolveError {
    /// `Ref` or `${...}` names nothing the template or the local run knows.
    #[error("unknown reference {0}")]
    UnknownReference(String),
    /// An intrinsic function has arguments of the wrong shape.
    #[error("{function}: {message}")]
    Shape {
        /// The function, e.g. `Fn::Sub`.
        function: &'static str,
        /// What is wrong.
        message: String,
    },
    /// The intrinsic function is not supported locally.
    #[error("intrinsic function {0} is not supported by the local platform")]
    Unsupported(String),
}

/// What references resolve to in a local run.
#[derive(Debug, Clone)]
pub struct Resolver<'t> {
    template: &'t Template,
    /// Parameter and pseudo-parameter values, and resource `Ref` values.
    refs: BTreeMap<String, String>,
    region: String,
}

fn shape(function: &'static str, message: impl Into<String>) -> ResolveError {
    ResolveError::Shape {
        function,
        message: message.into(),
    }
}

impl<'t> Resolver<'t> {
    /// A resolver for `template`, with parameter defaults, pseudo parameters for
    /// `region`, and `overrides` (parameter values or resource names) on top.
    pub fn new(template: &'t Template, region: &str, overrides: &BTreeMap<String, String>) -> Self {
        let mut refs = BTreeMap::new();
        refs.insert("AWS::Region".to_owned(), region.to_owned());
        refs.insert("AWS::AccountId".to_owned(), LOCAL_ACCOUNT_ID.to_owned());
        refs.insert("AWS::StackName".to_owned(), "local".to_owned());
        refs.insert(
            "AWS::StackId".to_owned(),
            format!("arn:aws:cloudformation:{region}:{LOCAL_ACCOUNT_ID}:stack/local/local"),
        );
        refs.insert("AWS::Partition".to_owned(), "aws".to_owned());
        refs.insert("AWS::URLSuffix".to_owned(), "amazonaws.com".to_owned());
        for (name, parameter) in template.parameters() {
            if let Some(text) = parameter.default.as_ref().and_then(scalar_text) {
                refs.insert(name.to_owned(), text);
            }
        }
        for resource in template.resources() {
            refs.entry(resource.logical_id.to_owned())
                .or_insert_with(|| resource.logical_id.to_owned());
        }
        refs.extend(overrides.iter().map(|(k, v)| (k.clone(), v.clone())));
        Self {
            template,
            refs,
            region: region.to_owned(),
        }
    }

    /// Resolves `value` to text (numbers and booleans are written out).
    pub fn text(&self, value: &Value) -> Result<String, ResolveError> {
        let resolved = self.value(value)?;
        scalar_text(&resolved)
            .ok_or_else(|| shape("value", format!("{resolved:?} is not a scalar")))
    }

    /// Resolves every intrinsic function inside `value`.
    pub fn value(&self, value: &Value) -> Result<Value, ResolveError> {
        if let Some((function, argument)) = intrinsic(value) {
            return self.call(&function, argument);
        }
        match value {
            Value::Sequence(items) => items
                .iter()
                .map(|v| self.value(v))
                .collect::<Result<_, _>>()
                .map(Value::Sequence),
            Value::Mapping(map) => {
                let mut out = serde_norway::Mapping::new();
                for (k, v) in map {
                    out.insert(k.clone(), self.value(v)?);
                }
                Ok(Value::Mapping(out))
            }
            other => Ok(other.clone()),
        }
    }

    fn call(&self, function: &str, argument: &Value) -> Result<Value, ResolveError> {
        match function {
            "Ref" => self.reference(&self.text(argument)?).map(Value::String),
            "Fn::Sub" => self.sub(argument).map(Value::String),
            "Fn::GetAtt" => self.get_att(argument).map(Value::String),
            "Fn::FindInMap" => self.find_in_map(argument),
            "Fn::Join" => self.join(argument).map(Value::String),
            "Fn::Select" => self.select(argument),
            "Fn::If" => self.if_(argument),
            "Fn::Equals" | "Fn::Not" | "Fn::And" | "Fn::Or" | "Condition" => {
                self.condition_call(function, argument).map(Value::Bool)
            }
            other => Err(ResolveError::Unsupported(other.to_owned())),
        }
    }

    fn reference(&self, name: &str) -> Result<String, ResolveError> {
        if name == "AWS::NoValue" {
            return Ok(String::new());
        }
        self.refs
            .get(name)
            .cloned()
            .ok_or_else(|| ResolveError::UnknownReference(name.to_owned()))
    }

    fn sub(&self, argument: &Value) -> Result<String, ResolveError> {
        let (text, variables) = match argument {
            Value::Sequence(items) if items.len() == 2 => (
                items[0]
                    .as_str()
                    .ok_or_else(|| shape("Fn::Sub", "the first item is not a string"))?,
                Some(&items[1]),
            ),
            Value::String(text) => (text.as_str(), None),
            _ => return Err(shape("Fn::Sub", "expects a string or [string, variables]")),
        };
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let end = after
                .find('}')
                .ok_or_else(|| shape("Fn::Sub", format!("unclosed ${{ in {text:?}")))?;
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(value) = variables.and_then(|v| v.get(name)) {
                out.push_str(&self.text(value)?);
            } else if let Some((resource, attribute)) = name.split_once('.') {
                out.push_str(&self.attribute(resource, attribute)?);
            } else {
                out.push_str(&self.reference(name)?);
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    fn get_att(&self, argument: &Value) -> Result<String, ResolveError> {
        match argument {
            Value::String(dotted) => {
                let (resource, attribute) = dotted.split_once('.').ok_or_else(|| {
                    shape(
                        "Fn::GetAtt",
                        format!("{dotted:?} is not Resource.Attribute"),
                    )
                })?;
                self.attribute(resource, attribute)
            }
            Value::Sequence(items) if items.len() == 2 => {
                self.attribute(&self.text(&items[0])?, &self.text(&items[1])?)
            }
            _ => Err(shape(
                "Fn::GetAtt",
                "expects Resource.Attribute or [Resource, Attribute]",
            )),
        }
    }

    /// `Fn::GetAtt` of a resource: ARNs in the local account, names as `Ref` gives them.
    fn attribute(&self, resource: &str, attribute: &str) -> Result<String, ResolveError> {
        let name = self.reference(resource)?;
        let kind = self
            .template
            .resource(resource)
            .map(|r| r.resource_type)
            .ok_or_else(|| ResolveError::UnknownReference(format!("{resource}.{attribute}")))?;
        let region = &self.region;
        let arn = match kind {
            "AWS::DynamoDB::Table" => {
                format!("arn:aws:dynamodb:{region}:{LOCAL_ACCOUNT_ID}:table/{name}")
            }
            "AWS::Serverless::Function" | "AWS::Lambda::Function" => {
                format!("arn:aws:lambda:{region}:{LOCAL_ACCOUNT_ID}:function:{name}")
            }
            other => format!("arn:aws:local:{region}:{LOCAL_ACCOUNT_ID}:{other}/{name}"),
        };
        Ok(match attribute {
            "Arn" => arn,
            "StreamArn" => format!("{arn}/stream/local"),
            _ => name,
        })
    }

    fn find_in_map(&self, argument: &Value) -> Result<Value, ResolveError> {
        let items = argument
            .as_sequence()
            .filter(|s| s.len() == 3)
            .ok_or_else(|| shape("Fn::FindInMap", "expects [map, top key, second key]"))?;
        let (map, top, second) = (
            self.text(&items[0])?,
            self.text(&items[1])?,
            self.text(&items[2])?,
        );
        let found = self
            .template
            .find_in_map(&map, &top, &second)
            .ok_or_else(|| {
                ResolveError::UnknownReference(format!("Mappings.{map}.{top}.{second}"))
            })?;
        self.value(found)
    }

    fn join(&self, argument: &Value) -> Result<String, ResolveError> {
        let items = argument
            .as_sequence()
            .filter(|s| s.len() == 2)
            .ok_or_else(|| shape("Fn::Join", "expects [delimiter, list]"))?;
        let delimiter = self.text(&items[0])?;
        let list = self.value(&items[1])?;
        let parts = list
            .as_sequence()
            .ok_or_else(|| shape("Fn::Join", "the second item is not a list"))?
            .iter()
            .map(|v| scalar_text(v).ok_or_else(|| shape("Fn::Join", "a list item is not a scalar")))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(parts.join(&delimiter))
    }

    fn select(&self, argument: &Value) -> Result<Value, ResolveError> {
        let items = argument
            .as_sequence()
            .filter(|s| s.len() == 2)
            .ok_or_else(|| shape("Fn::Select", "expects [index, list]"))?;
        let index: usize = self
            .text(&items[0])?
            .parse()
            .map_err(|_| shape("Fn::Select", "the index is not a number"))?;
        let list = self.value(&items[1])?;
        list.as_sequence()
            .and_then(|s| s.get(index))
            .cloned()
            .ok_or_else(|| shape("Fn::Select", "index out of range"))
    }

    fn if_(&self, argument: &Value) -> Result<Value, ResolveError> {
        let items = argument
            .as_sequence()
            .filter(|s| s.len() == 3)
            .ok_or_else(|| shape("Fn::If", "expects [condition, then, else]"))?;
        let name = self.text(&items[0])?;
        let chosen = if self.named_condition(&name)? {
            &items[1]
        } else {
            &items[2]
        };
        self.value(chosen)
    }

    fn named_condition(&self, name: &str) -> Result<bool, ResolveError> {
        let body = self
            .template
            .condition(name)
            .ok_or_else(|| ResolveError::UnknownReference(format!("Conditions.{name}")))?;
        match self.value(body)? {
            Value::Bool(b) => Ok(b),
            other => Err(shape(
                "Conditions",
                format!("{name} is not a condition: {other:?}"),
            )),
        }
    }

    fn condition_call(&self, function: &str, argument: &Value) -> Result<bool, ResolveError> {
        let flag = |v: &Value| match self.value(v)? {
            Value::Bool(b) => Ok(b),
            other => Err(shape("condition", format!("{other:?} is not a condition"))),
        };
        let list = || {
            argument
                .as_sequence()
                .ok_or_else(|| shape("condition", format!("{function} expects a list")))
        };
        match function {
            "Fn::Equals" => {
                let items = list()?;
                if items.len() != 2 {
                    return Err(shape("Fn::Equals", "expects two values"));
                }
                Ok(self.text(&items[0])? == self.text(&items[1])?)
            }
            "Fn::Not" => Ok(!flag(
                list()?.first().ok_or_else(|| shape("Fn::Not", "empty"))?,
            )?),
            "Fn::And" => list()?.iter().try_fold(true, |acc, v| Ok(acc && flag(v)?)),
            "Fn::Or" => list()?.iter().try_fold(false, |acc, v| Ok(acc || flag(v)?)),
            _ => self.named_condition(&self.text(argument)?),
        }
    }
}

/// A scalar written as text; `None` for lists, mappings and null.
pub fn scalar_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// The intrinsic function `value` calls, if any, in its long name (`Fn::Sub`, `Ref`).
fn intrinsic(value: &Value) -> Option<(String, &Value)> {
    match value {
        Value::Tagged(tagged) => {
            let tag = tagged.tag.to_string();
            let name = tag.trim_start_matches('!');
            let long = if name == "Ref" || name == "Condition" {
                name.to_owned()
            } else {
                format!("Fn::{name}")
            };
            Some((long, &tagged.value))
        }
        Value::Mapping(map) if map.len() == 1 => {
            let (key, argument) = map.iter().next()?;
            let key = key.as_str()?;
            (key == "Ref" || key == "Condition" || key.starts_with("Fn::"))
                .then(|| (key.to_owned(), argument))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"
Parameters:
  Stage: { Type: String, Default: dev }
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Mappings:
  Lifecycle:
    RuleFunction: { InitializerTimeoutSeconds: 5, PerInstanceConcurrency: 10 }
Resources:
  Table:
    Type: AWS::DynamoDB::Table
  Fn:
    Type: AWS::Serverless::Function
"#;

    fn resolver(template: &Template) -> Resolver<'_> {
        let overrides = BTreeMap::from([("Table".to_owned(), "local-table".to_owned())]);
        Resolver::new(template, "eu-west-1", &overrides)
    }

    #[test]
    fn refs_subs_and_attributes_resolve_locally() {
        let template = Template::parse(SAMPLE).expect("parses");
        let r = resolver(&template);
        let value: Value =
            serde_norway::from_str("!Sub '${Stage}-${AWS::Region}-${Table}-${!Literal}'")
                .expect("yaml");
        assert_eq!(
            r.text(&value).expect("sub"),
            "dev-eu-west-1-local-table-${Literal}"
        );
        let value: Value = serde_norway::from_str("!GetAtt Table.Arn").expect("yaml");
        assert_eq!(
            r.text(&value).expect("getatt"),
            "arn:aws:dynamodb:eu-west-1:123456789012:table/local-table"
        );
        let value: Value =
            serde_norway::from_str("{ 'Fn::Join': ['-', [a, !Ref Table]] }").expect("yaml");
        assert_eq!(r.text(&value).expect("join"), "a-local-table");
    }

    #[test]
    fn mappings_and_conditions_resolve() {
        let template = Template::parse(SAMPLE).expect("parses");
        let r = resolver(&template);
        let value: Value =
            serde_norway::from_str("!FindInMap [Lifecycle, RuleFunction, PerInstanceConcurrency]")
                .expect("yaml");
        assert_eq!(r.text(&value).expect("map"), "10");
        let value: Value = serde_norway::from_str("!If [IsProd, big, small]").expect("yaml");
        assert_eq!(r.text(&value).expect("if"), "small");
    }

    #[test]
    fn unknown_references_are_errors() {
        let template = Template::parse(SAMPLE).expect("parses");
        let value: Value = serde_norway::from_str("!Ref Nowhere").expect("yaml");
        assert!(matches!(
            resolver(&template).text(&value),
            Err(ResolveError::UnknownReference(_))
        ));
    }
}
