//! The template's environment variables as Kubernetes `env` entries.
//!
//! A variable's value in `template.yml` is one of:
//! - a value known when the template is read (a parameter's default, a `Lifecycle`
//!   number): a literal `value`;
//! - a resource of the stack (`!Ref TodoTable`): only known once the stack exists, so
//!   it comes from the ConfigMap [`crate::APP`], under the resource's logical id
//!   (`configMapKeyRef`);
//! - a Secrets Manager dynamic reference
//!   (`{{resolve:secretsmanager:NAME:SecretString:KEY}}`): the Kubernetes Secret
//!   NAME (made a valid object name) and its KEY (`secretKeyRef`). No key material is
//!   ever in a manifest.

use serde_json::{Value, json};

/// Marks a resource reference in resolved text: `\u{1}<LogicalId>\u{1}`.
const MARK: char = '\u{1}';

/// What a resource reference resolves to while the environment is read.
pub fn resource_marker(logical_id: &str) -> String {
    format!("{MARK}{logical_id}{MARK}")
}

/// Where a variable's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EnvValue {
    /// Known now.
    Literal(String),
    /// The ConfigMap's key.
    ConfigMap(String),
    /// A key of a Secret.
    Secret {
        /// The Secret's name.
        name: String,
        /// The key.
        key: String,
    },
}

/// Why a value cannot be expressed in a manifest.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnvError {
    /// A resource reference inside a larger text.
    #[error("{0}: a resource reference inside a larger value cannot come from the ConfigMap")]
    EmbeddedReference(String),
    /// A dynamic reference other than a Secrets Manager secret string.
    #[error(
        "{0}: only {{{{resolve:secretsmanager:NAME:SecretString:KEY}}}} references are supported"
    )]
    UnsupportedDynamicReference(String),
}

impl EnvValue {
    /// Classifies `resolved`, the value of variable `name` resolved with
    /// [`resource_marker`]s standing for the stack's resources.
    pub fn classify(name: &str, resolved: &str) -> Result<Self, EnvError> {
        if let Some(inner) = resolved
            .strip_prefix(MARK)
            .and_then(|rest| rest.strip_suffix(MARK))
            .filter(|inner| !inner.contains(MARK))
        {
            return Ok(Self::ConfigMap(inner.to_owned()));
        }
        if resolved.contains(MARK) {
            return Err(EnvError::EmbeddedReference(name.to_owned()));
        }
        if resolved.contains("{{resolve:") {
            return secret_reference(resolved)
                .ok_or_else(|| EnvError::UnsupportedDynamicReference(name.to_owned()));
        }
        Ok(Self::Literal(resolved.to_owned()))
    }

    /// The `env` entry for variable `name`.
    pub fn entry(&self, name: &str, config_map: &str) -> Value {
        match self {
            Self::Literal(value) => json!({"name": name, "value": value}),
            Self::ConfigMap(key) => json!({
                "name": name,
                "valueFrom": {"configMapKeyRef": {"name": config_map, "key": key}},
            }),
            Self::Secret { name: secret, key } => json!({
                "name": name,
                "valueFrom": {"secretKeyRef": {"name": secret, "key": key}},
            }),
        }
    }
}

/// `{{resolve:secretsmanager:NAME:SecretString:KEY}}` (nothing around it).
fn secret_reference(text: &str) -> Option<EnvValue> {
    let inner = text
        .strip_prefix("{{resolve:secretsmanager:")?
        .strip_suffix("}}")?;
    let (name, rest) = inner.split_once(":SecretString:")?;
    // KEY may be followed by :version-stage:version-id, which a Secret has no use for.
    let key = rest.split(':').next().filter(|k| !k.is_empty())?;
    Some(EnvValue::Secret {
        name: object_name(name),
        key: key.to_owned(),
    })
}

/// `text` as a Kubernetes object name: lower case, `[a-z0-9-]`, no leading or
/// trailing dash (`todo-service/jwt-keys` becomes `todo-service-jwt-keys`).
pub fn object_name(text: &str) -> String {
    let mapped: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    mapped.trim_matches('-').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_literals_config_map_keys_or_secret_keys() {
        assert_eq!(
            EnvValue::classify("JWT_ISSUER", "todo-service"),
            Ok(EnvValue::Literal("todo-service".into()))
        );
        assert_eq!(
            EnvValue::classify("TABLE_NAME", &resource_marker("TodoTable")),
            Ok(EnvValue::ConfigMap("TodoTable".into()))
        );
        assert_eq!(
            EnvValue::classify(
                "JWT_PUBLIC_KEY",
                "{{resolve:secretsmanager:todo-service/jwt-keys:SecretString:publicKey}}"
            ),
            Ok(EnvValue::Secret {
                name: "todo-service-jwt-keys".into(),
                key: "publicKey".into()
            })
        );
    }

    #[test]
    fn what_a_manifest_cannot_say_is_refused_by_name() {
        let embedded = format!("arn:{}", resource_marker("TodoTable"));
        assert_eq!(
            EnvValue::classify("TABLE_ARN", &embedded),
            Err(EnvError::EmbeddedReference("TABLE_ARN".into()))
        );
        assert_eq!(
            EnvValue::classify("P", "{{resolve:ssm:/todo/param}}"),
            Err(EnvError::UnsupportedDynamicReference("P".into()))
        );
    }

    #[test]
    fn entries_have_the_kubernetes_shape() {
        let secret = EnvValue::Secret {
            name: "keys".into(),
            key: "privateKey".into(),
        };
        assert_eq!(
            secret.entry("JWT_PRIVATE_KEY", "todo-service"),
            json!({"name": "JWT_PRIVATE_KEY", "valueFrom": {"secretKeyRef": {"name": "keys", "key": "privateKey"}}})
        );
        assert_eq!(object_name("/Todo_Service/Keys/"), "todo-service-keys");
    }
}
