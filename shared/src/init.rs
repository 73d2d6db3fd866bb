//! The **initializer entry**: everything an instance does before it accepts a request.
//!
//! `main` calls [`initialize`] before it starts the runtime loop. The initializer
//! loads the configuration, builds the function's state (the DynamoDB client among
//! it) and **warms** the datastore with a real round trip, retrying transient failures
//! with exponential backoff until the initializer timeout declared in `template.yml`
//! (`INITIALIZER_TIMEOUT_SECONDS`), less a margin to report a failure in (see
//! [`working_budget`]). The user function also reads its signing key from Secrets
//! Manager ([`signing_key`]), at the same time and under the same deadline. The state
//! is stored in a `'static` `OnceCell`.
//!
//! Because the runtime loop only starts afterwards, the platform sends this instance
//! no request until the datastore is reachable: an instance cannot serve an empty
//! todo list because its database was not ready yet. If the
//! datastore stays unreachable, the initializer reports an init error through the
//! Runtime API (`POST /2018-06-01/runtime/init/error`), logs one clear line and exits
//! non-zero; the platform then answers the waiting request with an error, never an
//! empty list.

use std::future::Future;
use std::time::{Duration, Instant};

use once_cell::sync::OnceCell;

use crate::auth::key_secret::SecretSigningKey;
use crate::auth::secret_source::{SecretError, SecretSource};
use crate::auth::verifier::TokenVerifier;
use crate::config::{Config, ConfigError, SigningKeyConfig};
use crate::store::{Datastore, StoreError};

/// The longest part of the initializer timeout kept back for reporting a failure.
const MAX_REPORT_MARGIN: Duration = Duration::from_millis(500);

/// How long the initializer itself may try: the declared timeout less a margin (a
/// tenth of it, at most half a second), so that when the datastore stays
/// down the function still reports its own `Runtime.InitError.Timeout` before the
/// platform's timeout ends the instance, and the reason reaches the log.
pub fn working_budget(timeout: Duration) -> Duration {
    timeout.saturating_sub((timeout / 10).min(MAX_REPORT_MARGIN))
}

/// The first pause between warm-up attempts; it doubles up to [`MAX_BACKOFF`].
const FIRST_BACKOFF: Duration = Duration::from_millis(25);
/// The longest pause between warm-up attempts.
const MAX_BACKOFF: Duration = Duration::from_millis(800);

/// Why an instance could not initialise.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    /// The configuration is missing or invalid.
    #[error("configuration: {0}")]
    Config(#[from] ConfigError),
    /// A key could not be loaded.
    #[error("keys: {0}")]
    Keys(String),
    /// The signing key's secret is missing, unreadable or holds no usable key.
    #[error("signing key: {0}")]
    SigningKey(SecretError),
    /// The datastore refused us for a reason retrying will not fix.
    #[error("datastore: {0}")]
    Datastore(StoreError),
    /// A service did not answer before the initializer timeout.
    #[error(
        "{what} not reachable within the initializer timeout of {timeout:?} ({attempts} attempts; last error: {last_error})"
    )]
    Timeout {
        /// What was being reached.
        what: &'static str,
        /// The declared timeout.
        timeout: Duration,
        /// How many warm-up calls were made.
        attempts: u32,
        /// The last failure seen.
        last_error: String,
    },
}

impl InitError {
    /// The `errorType` reported to the Runtime API.
    pub fn error_type(&self) -> &'static str {
        match self {
            Self::Config(_) | Self::Keys(_) => "Runtime.InitError.Configuration",
            Self::SigningKey(_) => "Runtime.InitError.SigningKey",
            Self::Datastore(_) => "Runtime.InitError.Datastore",
            Self::Timeout { .. } => "Runtime.InitError.Timeout",
        }
    }
}

/// The part of every function's initializer that is the same: the token verifier and
/// the warmed datastore.
pub async fn verifier_and_warm_datastore(
    config: &Config,
    started: Instant,
) -> Result<(TokenVerifier, Datastore), InitError> {
    let verifier = TokenVerifier::new(
        &config.auth.public_keys,
        &config.auth.issuer,
        &config.auth.audience,
    )
    .map_err(|e| InitError::Keys(e.to_string()))?;
    let datastore = Datastore::connect(&config.datastore).await;
    warm_datastore(&datastore, config.initializer_timeout, started).await?;
    Ok((verifier, datastore))
}

/// Warms `datastore` until it answers, a permanent error occurs or the initializer's
/// [`working_budget`] of `timeout` has passed since `started`.
pub async fn warm_datastore(
    datastore: &Datastore,
    timeout: Duration,
    started: Instant,
) -> Result<(), InitError> {
    let deadline = Deadline { timeout, started };
    retry(
        "datastore",
        deadline,
        || datastore.ping(),
        |error| (!error.is_transient()).then_some(InitError::Datastore(error)),
    )
    .await
}

/// Reads the signing key from its secret until it is had, a permanent error occurs
/// (missing secret, access denied, no usable key) or the initializer's
/// [`working_budget`] of `timeout` has passed since `started`.
///
/// It runs concurrently with [`warm_datastore`], so on a cold start it adds the part of
/// one `GetSecretValue` round trip that outlasts the datastore's warm-up, not a whole one.
pub async fn signing_key(
    config: &SigningKeyConfig,
    timeout: Duration,
    started: Instant,
) -> Result<SecretSigningKey, InitError> {
    let source = SecretSource::connect(config).await;
    let key = retry(
        "Secrets Manager",
        Deadline { timeout, started },
        || source.signing_key(),
        |error| (!error.is_transient()).then_some(InitError::SigningKey(error)),
    )
    .await?;
    tracing::debug!(
        kid = key.public.kid(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "signing key loaded"
    );
    Ok(key)
}

/// When the initializer must be done.
#[derive(Debug, Clone, Copy)]
struct Deadline {
    timeout: Duration,
    started: Instant,
}

/// Calls `attempt` until it succeeds, `permanent` turns its error into an init error,
/// or the deadline passes; pauses with exponential backoff in between.
async fn retry<T, E, Fut>(
    what: &'static str,
    deadline: Deadline,
    mut attempt: impl FnMut() -> Fut,
    permanent: impl Fn(E) -> Option<InitError>,
) -> Result<T, InitError>
where
    Fut: Future<Output = Result<T, E>>,
    E: std::fmt::Display,
{
    let Deadline { timeout, started } = deadline;
    let deadline = started + working_budget(timeout);
    let mut backoff = FIRST_BACKOFF;
    let mut attempts = 0;
    let mut last_error = String::from("no attempt finished");
    loop {
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            break;
        }
        attempts += 1;
        match tokio::time::timeout(remaining, attempt()).await {
            Ok(Ok(value)) => {
                tracing::debug!(
                    what,
                    attempts,
                    elapsed_ms = started.elapsed().as_millis() as u64,
                    "reached"
                );
                return Ok(value);
            }
            Ok(Err(error)) => {
                let message = error.to_string();
                if let Some(failure) = permanent(error) {
                    return Err(failure);
                }
                tracing::warn!(what, attempt = attempts, error = %message, "not reachable yet; retrying");
                last_error = message;
            }
            Err(_) => last_error = "the call did not finish in time".to_owned(),
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            // No pause past the deadline: the caller's hard stop must not win the race.
            break;
        }
        tokio::time::sleep(backoff.min(remaining)).await;
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
    Err(InitError::Timeout {
        what,
        timeout,
        attempts,
        last_error,
    })
}

/// Runs `build` once, bounded by `timeout`, and stores its state in `cell`.
///
/// Returns the state, or the reason initialisation failed; [`initialize_or_exit`]
/// reports that reason to the platform and ends the process.
pub async fn initialize<S, F, Fut>(
    cell: &'static OnceCell<S>,
    timeout: Duration,
    build: F,
) -> Result<&'static S, InitError>
where
    F: FnOnce(Instant) -> Fut,
    Fut: Future<Output = Result<S, InitError>>,
{
    if let Some(state) = cell.get() {
        return Ok(state);
    }
    let started = Instant::now();
    // The hard stop: even a hung DNS lookup cannot keep the initializer past its
    // budget, which leaves time to report the failure before the platform's timeout.
    let state = match tokio::time::timeout(
        working_budget(timeout) + Duration::from_millis(20),
        build(started),
    )
    .await
    {
        Ok(result) => result?,
        Err(_) => {
            return Err(InitError::Timeout {
                what: "the initializer",
                timeout,
                attempts: 0,
                last_error: "the initializer did not finish in time".to_owned(),
            });
        }
    };
    tracing::info!(
        init_ms = started.elapsed().as_millis() as u64,
        "initializer done"
    );
    crate::metrics::initialized(started.elapsed());
    // Another caller may have filled the cell meanwhile: the first state stays.
    Ok(cell.try_insert(state).unwrap_or_else(|(first, _)| first))
}

/// Like [`initialize`], but on failure reports the init error and ends the process.
pub async fn initialize_or_exit<S, F, Fut>(
    cell: &'static OnceCell<S>,
    timeout: Duration,
    build: F,
) -> &'static S
where
    F: FnOnce(Instant) -> Fut,
    Fut: Future<Output = Result<S, InitError>>,
{
    match initialize(cell, timeout, build).await {
        Ok(state) => state,
        Err(error) => fail(&error).await,
    }
}

/// Reports `error` as an init error, logs one line and exits with status 1.
pub async fn fail(error: &InitError) -> ! {
    tracing::error!(
        error_type = error.error_type(),
        "initializer failed: {error}"
    );
    eprintln!("initializer failed: {error}");
    crate::metrics::init_failed(error.error_type());
    if let Err(report_error) = report_init_error(error).await {
        eprintln!("could not report the init error to the Runtime API: {report_error}");
    }
    std::process::exit(1)
}

/// `POST /2018-06-01/runtime/init/error`, when running under a Runtime API.
async fn report_init_error(error: &InitError) -> Result<(), lambda_runtime::Error> {
    if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_none() {
        return Ok(());
    }
    let client = lambda_runtime_api_client::PooledClient::builder().build();
    let body = serde_json::json!({
        "errorMessage": error.to_string(),
        "errorType": error.error_type(),
        "stackTrace": [],
    });
    let request = lambda_runtime_api_client::build_request()
        .method(http::Method::POST)
        .uri("/2018-06-01/runtime/init/error")
        .header("Lambda-Runtime-Function-Error-Type", error.error_type())
        .header(http::header::CONTENT_TYPE, "application/json")
        .body(lambda_runtime_api_client::body::Body::from(
            body.to_string(),
        ))?;
    let response = tokio::time::timeout(Duration::from_secs(2), client.call(request))
        .await
        .map_err(|_| "the Runtime API did not answer in time")??;
    if !response.status().is_success() {
        return Err(format!("the Runtime API answered {}", response.status()).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_leaves_a_tenth_at_most_half_a_second_to_report() {
        assert_eq!(
            working_budget(Duration::from_secs(5)),
            Duration::from_millis(4500)
        );
        assert_eq!(
            working_budget(Duration::from_secs(1)),
            Duration::from_millis(900)
        );
        assert_eq!(
            working_budget(Duration::from_secs(30)),
            Duration::from_millis(29_500)
        );
    }
}
