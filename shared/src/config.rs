//! Typed configuration, read once from the environment by the initializer.
//!
//! | variable | used by | meaning |
//! |---|---|---|
//! | `TABLE_NAME` | both | the DynamoDB table |
//! | `DYNAMODB_ENDPOINT` | both, local only | an emulator's URL; throwaway credentials are used |
//! | `INITIALIZER_TIMEOUT_SECONDS` | both | how long the initializer may take (template's Lifecycle mapping) |
//! | `JWT_ISSUER`, `JWT_AUDIENCE` | both | the `iss` and `aud` claims |
//! | `JWT_PUBLIC_KEYS` | both | the trusted Ed25519 public keys, JWK `x` values separated by commas (no secret: public keys only) |
//! | `JWT_PUBLIC_KEY` | both | instead of `JWT_PUBLIC_KEYS`: one key as SPKI PEM |
//! | `JWT_SIGNING_KEY_SECRET` | user | name or ARN of the Secrets Manager secret holding the signing keys |
//! | `JWT_SIGNING_KEY_ID` | user | the `kid` of the key to sign with; must be one of the trusted keys |
//! | `SECRETS_MANAGER_ENDPOINT` | user, local only | an emulator's URL |
//! | `JWT_TTL_SECONDS` | user | token lifetime, default 3600 |

use std::time::Duration;

use crate::auth::public_key::PublicKey;

/// Why the configuration is unusable; names the variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// A required variable is missing or empty.
    #[error("environment variable {0} is required")]
    Missing(&'static str),
    /// A variable has an unusable value.
    #[error("environment variable {name} is invalid: {reason}")]
    #[allow(missing_docs)]
    Invalid { name: &'static str, reason: String },
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatastoreConfig {
    /// `TABLE_NAME`.
    pub table_name: String,
    /// An endpoint override for a local emulator.
    pub endpoint: Option<String>,
}

/// Where the user function's signing key lives (never the key itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningKeyConfig {
    /// The Secrets Manager secret's name or ARN.
    pub secret_id: String,
    /// The `kid` of the key to sign with.
    pub key_id: String,
    /// An endpoint override for a local emulator.
    pub endpoint: Option<String>,
}

/// How tokens are checked (both functions) and minted (user function).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    /// The `iss` of every token (`JWT_ISSUER`).
    pub issuer: String,
    /// The `aud` of every token (`JWT_AUDIENCE`).
    pub audience: String,
    /// The trusted verifying keys.
    pub public_keys: Vec<PublicKey>,
    /// Where the signing key is; `None` in the rule function.
    pub signing: Option<SigningKeyConfig>,
    /// How long a minted token is valid (`JWT_TTL_SECONDS`).
    pub token_lifetime: Duration,
}

/// The whole configuration of a function.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    #[allow(missing_docs)]
    pub datastore: DatastoreConfig,
    #[allow(missing_docs)]
    pub auth: AuthConfig,
    /// How long the initializer may take (`INITIALIZER_TIMEOUT_SECONDS`).
    pub initializer_timeout: Duration,
}

/// Whether this function must be able to mint tokens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningKey {
    /// The user function: `JWT_SIGNING_KEY_SECRET` and `JWT_SIGNING_KEY_ID` are required.
    Required,
    /// The rule function: a signing key is never read.
    NotUsed,
}

/// The initializer timeout when the template declares none: what a function allows its
/// initializer, and what the local platform allows an instance to reach its first `next`.
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
        let public_keys = public_keys(get)?;
        let signing = match signing {
            SigningKey::Required => Some(SigningKeyConfig {
                secret_id: require("JWT_SIGNING_KEY_SECRET")?,
                key_id: trusted_kid(require("JWT_SIGNING_KEY_ID")?, &public_keys)?,
                endpoint: get("SECRETS_MANAGER_ENDPOINT"),
            }),
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
                public_keys,
                signing,
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

/// `JWT_PUBLIC_KEYS` (JWK `x` values separated by commas), else `JWT_PUBLIC_KEY` (one PEM).
fn public_keys(
    get: impl Fn(&'static str) -> Option<String>,
) -> Result<Vec<PublicKey>, ConfigError> {
    let invalid = |name, e: crate::auth::public_key::InvalidKey| ConfigError::Invalid {
        name,
        reason: e.to_string(),
    };
    if let Some(list) = get("JWT_PUBLIC_KEYS") {
        let keys = list
            .split(',')
            .map(str::trim)
            .filter(|x| !x.is_empty())
            .map(|x| PublicKey::from_x(x).map_err(|e| invalid("JWT_PUBLIC_KEYS", e)))
            .collect::<Result<Vec<_>, _>>()?;
        return if keys.is_empty() {
            Err(ConfigError::Missing("JWT_PUBLIC_KEYS"))
        } else {
            Ok(keys)
        };
    }
    let pem = get("JWT_PUBLIC_KEY").ok_or(ConfigError::Missing("JWT_PUBLIC_KEYS"))?;
    Ok(vec![
        PublicKey::from_spki_pem(&pem).map_err(|e| invalid("JWT_PUBLIC_KEY", e))?,
    ])
}

/// `kid`, when it names one of the trusted keys: a function signing with a key its
/// verifiers do not trust would hand out sessions that fail at once.
fn trusted_kid(kid: String, trusted: &[PublicKey]) -> Result<String, ConfigError> {
    let kid = kid.trim().to_owned();
    if trusted.iter().any(|k| k.kid() == kid) {
        Ok(kid)
    } else {
        Err(ConfigError::Invalid {
            name: "JWT_SIGNING_KEY_ID",
            reason: format!("{kid:?} is not the kid of a key in JWT_PUBLIC_KEYS"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::keys::KeyPair;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        move |name| map.get(name).cloned()
    }

    /// RFC 8037's example key, and its kid.
    const X: &str = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";
    const KID: &str = "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k";

    #[test]
    fn the_rule_function_needs_no_signing_key() {
        let config = Config::from_lookup(
            SigningKey::NotUsed,
            env(&[("TABLE_NAME", "todo"), ("JWT_PUBLIC_KEYS", X)]),
        )
        .expect("valid");
        assert_eq!(config.auth.signing, None);
        assert_eq!(config.auth.public_keys[0].kid(), KID);
        assert_eq!(config.initializer_timeout, DEFAULT_INITIALIZER_TIMEOUT);
    }

    #[test]
    fn the_user_function_names_the_secret_and_the_key_to_sign_with() {
        let base = [("TABLE_NAME", "todo"), ("JWT_PUBLIC_KEYS", X)];
        let error = Config::from_lookup(SigningKey::Required, env(&base)).expect_err("no secret");
        assert_eq!(error, ConfigError::Missing("JWT_SIGNING_KEY_SECRET"));
        let with_secret = [base[0], base[1], ("JWT_SIGNING_KEY_SECRET", "todo/jwt")];
        let error =
            Config::from_lookup(SigningKey::Required, env(&with_secret)).expect_err("no kid");
        assert_eq!(error, ConfigError::Missing("JWT_SIGNING_KEY_ID"));
        let all = [
            with_secret[0],
            with_secret[1],
            with_secret[2],
            ("JWT_SIGNING_KEY_ID", KID),
        ];
        let config = Config::from_lookup(SigningKey::Required, env(&all)).expect("valid");
        assert_eq!(
            config.auth.signing,
            Some(SigningKeyConfig {
                secret_id: "todo/jwt".into(),
                key_id: KID.into(),
                endpoint: None
            })
        );
    }

    #[test]
    fn a_signing_key_the_verifiers_do_not_trust_is_refused() {
        let other = KeyPair::generate()
            .expect("pair")
            .public_key()
            .expect("public");
        let error = Config::from_lookup(
            SigningKey::Required,
            env(&[
                ("TABLE_NAME", "todo"),
                ("JWT_PUBLIC_KEYS", X),
                ("JWT_SIGNING_KEY_SECRET", "todo/jwt"),
                ("JWT_SIGNING_KEY_ID", other.kid()),
            ]),
        )
        .expect_err("untrusted kid");
        assert!(
            matches!(
                error,
                ConfigError::Invalid {
                    name: "JWT_SIGNING_KEY_ID",
                    ..
                }
            ),
            "{error}"
        );
    }

    #[test]
    fn public_keys_come_as_a_list_or_as_one_pem() {
        let pair = KeyPair::generate().expect("pair");
        let key = pair.public_key().expect("public");
        let list = format!("{X}, {}", key.x());
        let config = Config::from_lookup(
            SigningKey::NotUsed,
            env(&[("TABLE_NAME", "todo"), ("JWT_PUBLIC_KEYS", &list)]),
        )
        .expect("list");
        let kids: Vec<&str> = config.auth.public_keys.iter().map(PublicKey::kid).collect();
        assert_eq!(kids, [KID, key.kid()]);
        let escaped = pair.public_pem.replace('\n', "\\n");
        let config = Config::from_lookup(
            SigningKey::NotUsed,
            env(&[("TABLE_NAME", "todo"), ("JWT_PUBLIC_KEY", &escaped)]),
        )
        .expect("pem");
        assert_eq!(config.auth.public_keys, [key]);
        for bad in [("JWT_PUBLIC_KEYS", "not-a-key"), ("JWT_PUBLIC_KEYS", " , ")] {
            assert!(
                Config::from_lookup(SigningKey::NotUsed, env(&[("TABLE_NAME", "todo"), bad]))
                    .is_err(),
                "{bad:?}"
            );
        }
        let error = Config::from_lookup(SigningKey::NotUsed, env(&[("TABLE_NAME", "todo")]))
            .expect_err("none");
        assert_eq!(error, ConfigError::Missing("JWT_PUBLIC_KEYS"));
    }

    #[test]
    fn a_bad_timeout_is_reported_with_its_name() {
        let error = Config::from_lookup(
            SigningKey::NotUsed,
            env(&[
                ("TABLE_NAME", "todo"),
                ("JWT_PUBLIC_KEYS", X),
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
                ("JWT_PUBLIC_KEYS", X),
                ("JWT_TTL_SECONDS", "86400"),
            ]),
        )
        .expect("valid");
        assert_eq!(config.auth.token_lifetime, Duration::from_secs(86_400));
    }
}
