//! Reading the signing-key secret from AWS Secrets Manager, once, in the user
//! function's initializer.
//!
//! The key never appears in the function's configuration: the configuration names the
//! secret (`JWT_SIGNING_KEY_SECRET`) and the key id to sign with (`JWT_SIGNING_KEY_ID`),
//! and the function's role may call `secretsmanager:GetSecretValue` on that one secret.
//! One call per cold start, concurrent with the datastore warm-up (`shared::init`); the
//! key then stays in the instance's memory and signing is local (no call per login).

use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::http::HttpResponse;
use aws_sdk_secretsmanager::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};

use super::key_secret::{KeySecretError, SecretSigningKey, signing_key};
use crate::config::SigningKeyConfig;
use crate::sdk_config::ClientSettings;
use crate::sdk_error::is_transient;

/// Per-attempt limit; the initializer's deadline bounds the whole.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);
/// TCP/TLS connect limit.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// Why the signing key could not be had.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    /// The secret does not exist (or is scheduled for deletion).
    #[error("secret {secret} not found: {message}")]
    NotFound {
        /// The secret's name or ARN.
        secret: String,
        /// Secrets Manager's words.
        message: String,
    },
    /// The function's role may not read the secret, or may not decrypt it.
    #[error("access to secret {secret} denied ({code}): {message}")]
    AccessDenied {
        /// The secret's name or ARN.
        secret: String,
        /// `AccessDeniedException`, or a KMS decryption failure.
        code: String,
        /// Secrets Manager's words.
        message: String,
    },
    /// Secrets Manager refused for another reason a retry will not fix.
    #[error("secret {secret} could not be read ({code}): {message}")]
    Rejected {
        /// The secret's name or ARN.
        secret: String,
        /// Secrets Manager's error code.
        code: String,
        /// Its words.
        message: String,
    },
    /// Secrets Manager could not be reached, timed out or throttled us: worth a retry.
    #[error("Secrets Manager unavailable reading {secret}: {message}")]
    Unavailable {
        /// The secret's name or ARN.
        secret: String,
        /// What happened.
        message: String,
    },
    /// The secret was read but holds no usable key with the deployed kid.
    #[error("secret {secret}: {source}")]
    Invalid {
        /// The secret's name or ARN.
        secret: String,
        /// What is wrong with its content.
        #[source]
        source: KeySecretError,
    },
}

impl SecretError {
    /// Whether a retry may succeed.
    pub fn is_transient(&self) -> bool {
        matches!(self, Self::Unavailable { .. })
    }

    fn from_sdk<E>(secret: &str, error: SdkError<E, HttpResponse>) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let secret = secret.to_owned();
        let message = DisplayErrorContext(&error).to_string();
        if is_transient(&error) {
            return Self::Unavailable { secret, message };
        }
        let code = error.code().unwrap_or("Unknown").to_owned();
        let message = error.message().unwrap_or(&message).to_owned();
        match code.as_str() {
            "ResourceNotFoundException" => Self::NotFound { secret, message },
            "AccessDeniedException" | "DecryptionFailure" | "UnrecognizedClientException" => {
                Self::AccessDenied {
                    secret,
                    code,
                    message,
                }
            }
            _ => Self::Rejected {
                secret,
                code,
                message,
            },
        }
    }
}

/// A Secrets Manager client for the signing-key secret.
#[derive(Debug, Clone)]
pub struct SecretSource {
    client: Client,
    config: SigningKeyConfig,
}

impl SecretSource {
    /// Builds the client (no network traffic yet).
    ///
    /// With an endpoint override (a local emulator) the region comes from `AWS_REGION`
    /// (default `us-east-1`) and the credentials from the environment when set, else
    /// throwaway ones, so a local run never looks for real AWS credentials.
    pub async fn connect(config: &SigningKeyConfig) -> Self {
        let settings = ClientSettings {
            endpoint: config.endpoint.clone(),
            timeouts: TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
            // The initializer retries with its own backoff and deadline: one try per call.
            retries: RetryConfig::disabled(),
        };
        Self {
            client: Client::new(&crate::sdk_config::load(settings).await),
            config: config.clone(),
        }
    }

    /// One `GetSecretValue` of the secret, and the entry of the deployed key id.
    pub async fn signing_key(&self) -> Result<SecretSigningKey, SecretError> {
        let secret = &self.config.secret_id;
        let output = self
            .client
            .get_secret_value()
            .secret_id(secret)
            .send()
            .await
            .map_err(|e| SecretError::from_sdk(secret, e))?;
        let text = output.secret_string().ok_or_else(|| SecretError::Invalid {
            secret: secret.clone(),
            source: KeySecretError::NotAKeySet("it has no SecretString".to_owned()),
        })?;
        signing_key(text, &self.config.key_id).map_err(|source| SecretError::Invalid {
            secret: secret.clone(),
            source,
        })
    }
}
