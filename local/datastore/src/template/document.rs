//! The template's document as serde types: the sections a local run reads, each
//! resource with its type, properties and build metadata. Values that may hold an
//! intrinsic function (`!Ref`, `!Sub`, ...) stay YAML values, kept with their tags for
//! the resolver; every other part is typed, so a malformed template fails to parse with
//! serde's message instead of being walked by hand.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{MapAccess, Visitor};
use serde_norway::Value;

/// A YAML mapping with its keys in document order (the template's order is the order
/// functions are listed, built and shown in).
#[derive(Debug, Clone, PartialEq)]
pub struct Ordered<T>(pub Vec<(String, T)>);

impl<T> Default for Ordered<T> {
    fn default() -> Self {
        Self(Vec::new())
    }
}

impl<T> Ordered<T> {
    /// The entries, in document order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &T)> {
        self.0.iter().map(|(key, value)| (key.as_str(), value))
    }

    /// The value under `key`.
    pub fn get(&self, key: &str) -> Option<&T> {
        self.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Ordered<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OrderedVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for OrderedVisitor<T> {
            type Value = Ordered<T>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a mapping")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(Ordered(entries))
            }
        }
        deserializer.deserialize_map(OrderedVisitor(PhantomData))
    }
}

/// The sections of a SAM template a local run reads; the others (`Transform`,
/// `Outputs`, ...) are skipped.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Document {
    #[serde(default)]
    pub(crate) parameters: Ordered<Parameter>,
    /// `Mappings.<map>.<top key>.<second key>`.
    #[serde(default)]
    pub(crate) mappings: BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>>,
    #[serde(default)]
    pub(crate) conditions: BTreeMap<String, Value>,
    #[serde(default)]
    pub(crate) globals: Globals,
    #[serde(default)]
    pub(crate) resources: Ordered<ResourceBody>,
}

/// A template parameter.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Parameter {
    /// Its default, if it has one (a scalar).
    pub default: Option<Value>,
}

/// `Globals`: the properties every resource of a kind shares.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Globals {
    /// `Globals.Function`, read like a function's `Properties`.
    #[serde(default)]
    pub(crate) function: Value,
}

/// A resource as written: its type, properties (read per type, see
/// [`Resource::properties`](super::Resource::properties)) and metadata.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct ResourceBody {
    #[serde(rename = "Type")]
    pub(crate) resource_type: String,
    #[serde(default)]
    pub(crate) properties: Value,
    #[serde(default)]
    pub(crate) metadata: Metadata,
}

/// A resource's `Metadata`: how `sam build` builds a function.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Metadata {
    /// `BuildMethod`, e.g. `rust-cargolambda`.
    pub build_method: Option<String>,
    /// `BuildProperties`.
    #[serde(default)]
    pub build_properties: BuildProperties,
}

/// `Metadata.BuildProperties`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BuildProperties {
    /// `Binary`: the cargo binary a `rust-cargolambda` build packages.
    pub binary: Option<String>,
}
