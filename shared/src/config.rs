//! Typed configuration, read once from the environment by the initializer.
//!
//! | variable | used by | meaning |
//! |---|---|---|
//! | `TABLE_NAME` | both | the DynamoDB table |
//! | `DYNAMODB_ENDPOINT` | both, local only | an emulator's URL; throwaway credentials are used |
//! | `INITIALIZER_TIMEOUT_SECONDS` | both | how long the initializer may take (template's Lifecycle mapping) |
//! | `JWT_ISSUER`, `JWT_AUDIENCE` | both | the `iss` and `aud` claims |
//! | `JWT_PUBLIC_KEY` | both | Ed25519 public key, SPKI PEM |
//! | `JWT_PRIVATE_KEY` | user | Ed25519 private key, PKCS#8 PEM |
//! | `JWT_TTL_SECONDS` | user | token lifetime, default 3600 |

use std::time::Duration;

/// Why the configuration is unusable; names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is missing or empty.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// A variable has an unusable value.
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid {
        /// The variable.
        name: &'static str,
        /// Why.
        reason: String,
    },
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatastoreConfig {
    /// The table name.
    pub table_name: String,
    /// An endpoint override for a local emulator.
    pub endpoint: Option<String>,
}

/// How tokens are checked (both functions) and minted (user function).
#[derive(Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// `iss` claim.
    pub issuer: String,
    /// `aud` claim.
    pub audience: String,
    /// SPKI PEM of the Ed25519 verifying key.
    pub public_key_pem: String,
    /// PKCS#8 PEM of the signing key; `None` in the rule function.
    pub private_key_pem: Option<String>,
    /// Token lifetime.
    pub token_lifetime: Duration,
}

impl std::fmt::Debug for AuthConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthConfig")
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .field(
                "private_key_pem",
                &self.private_key_pem.as_ref().map(|_| "<redacted>"),
            )
            .field("token_lifetime", &self.token_lifetime)
            .finish()
    }
}

/// The whole configuration of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Data.
    pub datastore: DatastoreConfig,
    /// Tokens.
    pub auth: AuthConfig,
    /// The initializer's deadline.
    pub initializer_timeout: Duration,
}

/// Whether this function must be able to mint tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKey {
    /// The user function: `JWT_PRIVATE_KEY` is required.
    Required,
    /// The rule function: a signing key is never read.
    NotUsed,
}

/// The initializer timeout when the template passes none.
pub const DEFAULT_INITIALIZER_TIMEOUT: Duration = Duration::from_secs(5);

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env(signing: SigningKey) -> Result<Self, ConfigError> {
        Self::from_lookup(signing, |name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup` (tests pass a map).
    pub fn from_lookup(
        signing: SigningKey,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        let get = |name: &'static str| lookup(name).filter(|v| !v.trim().is_empty());
        let require = |name: &'static str| get(name).ok_or(ConfigError::Missing(name));
        let seconds = |name: &'static str,
                       default: Duration,
                       max: f64|
         -> Result<Duration, ConfigError> {
            match get(name) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite() && *s > 0.0 && *s <= max)
                    .map(Duration::from_secs_f64)
                    .ok_or(ConfigError::Invalid {
                        name,
                        reason: format!("{text:?} is not a number of seconds between 0 and {max}"),
                    }),
            }
        };
        let private_key_pem = match signing {
            SigningKey::Required => Some(pem(require("JWT_PRIVATE_KEY")?)),
            SigningKey::NotUsed => None,
        };
        Ok(Self {
            datastore: DatastoreConfig {
                table_name: require("TABLE_NAME")?,
                endpoint: get("DYNAMODB_ENDPOINT"),
            },
            auth: AuthConfig {
                issuer: get("JWT_ISSUER").unwrap_or_else(|| "todo-service".to_owned()),
                audience: get("JWT_AUDIENCE").unwrap_or_else(|| "todo-web".to_owned()),
                public_key_pem: pem(require("JWT_PUBLIC_KEY")?),
                private_key_pem,
                token_lifetime: seconds("JWT_TTL_SECONDS", Duration::from_secs(3600), 86_400.0)?,
            },
            // Lambda's own init phase is capped at 10 s on demand; Managed Instances allow more.
            initializer_timeout: seconds(
                "INITIALIZER_TIMEOUT_SECONDS",
                DEFAULT_INITIALIZER_TIMEOUT,
                900.0,
            )?,
        })
    }
}

/// Environment variables often carry PEM with literal `\n`; restore the line breaks.
fn pem(value: String) -> String {
    if value.contains("\\n") {
        value.replace("\\n", "\n")
    } else {
        value
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    #[test]
    fn the_rule_function_needs_no_signing_key() {
        let config = Config::from_lookup(
            SigningKey::NotUsed,
            env(&[("TABLE_NAME", "todo"), ("JWT_PUBLIC_KEY", "pem")]),
        )
        .expect("valid");
        assert_eq!(config.auth.private_key_pem, None);
        assert_eq!(config.initializer_timeout, DEFAULT_INITIALIZER_TIMEOUT);
    }

    #[test]
    fn the_user_function_names_its_missing_key() {
        let error = Config::from_lookup(
            SigningKey::Required,
            env(&[("TABLE_NAME", "todo"), ("JWT_PUBLIC_KEY", "pem")]),
        )
        .expect_err("missing key");
        assert_eq!(error, ConfigError::Missing("JWT_PRIVATE_KEY"));
    }

    #[test]
    fn a_bad_timeout_is_reported_with_its_name() {
        let error = Config::from_lookup(
            SigningKey::NotUsed,
            env(&[
                ("TABLE_NAME", "todo"),
                ("JWT_PUBLIC_KEY", "pem"),
                ("INITIALIZER_TIMEOUT_SECONDS", "soon"),
            ]),
        )
        .expect_err("invalid");
        assert!(matches!(
            error,
            ConfigError::Invalid {
                name: "INITIALIZER_TIMEOUT_SECONDS",
                ..
            }
        ));
    }

    #[test]
    fn a_token_lifetime_of_a_day_is_accepted() {
        let config = Config::from_lookup(
            SigningKey::NotUsed,
            env(&[
                ("TABLE_NAME", "todo"),
                ("JWT_PUBLIC_KEY", "pem"),
                ("JWT_TTL_SECONDS", "86400"),
            ]),
        )
        .expect("valid");
        assert_eq!(config.auth.token_lifetime, Duration::from_secs(86_400));
    }

    #[test]
    fn escaped_newlines_in_pem_are_restored() {
        assert_eq!(pem("a\\nb".into()), "a\nb");
    }
}
