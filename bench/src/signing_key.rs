//! The signing key: what reading it from Secrets Manager in the initializer costs a
//! cold start.
//!
//! - Cold starts of `user` (signing key from Secrets Manager, concurrent with the
//!   DynamoDB warm-up) and `rule` (DynamoDB warm-up only), alternating within each
//!   round: their difference is what the key adds to an instance's init duration.
//! - In this process, the parts: a Secrets Manager client and its first
//!   `GetSecretValue` on a fresh connection (what the initializer does), a second one
//!   (the round trip alone), the DynamoDB client and its warm-up `GetItem` (what the
//!   first overlaps with), and reading the key out of the secret's text.

use std::path::Path;
use std::time::Instant;

use local::commands::CommandError;
use local::runtime::pool::PoolSettings;
use shared::auth::issuer::TokenIssuer;
use shared::auth::key_secret::signing_key;
use shared::auth::secret_source::SecretSource;
use shared::config::{Config, SigningKey};
use shared::store::Datastore;

use super::{BenchOptions, Gateway, HttpClient, Subject, median};

/// Milliseconds since `started`.
fn ms(started: Instant) -> f64 {
    started.elapsed().as_secs_f64() * 1000.0
}

/// One cold start of `subject` on a platform of its own: its init duration in ms.
async fn init_ms(
    subject: &Subject,
    bin_dir: &Path,
    client: &HttpClient,
) -> Result<Option<f64>, CommandError> {
    let gateway =
        Gateway::start(vec![subject.spec.clone()], bin_dir, PoolSettings::default()).await?;
    let result = subject.call.expect(client, &gateway.base).await;
    let init = gateway
        .platform
        .pool(&subject.spec.name)
        .and_then(|pool| pool.status().instances.first().and_then(|i| i.init_ms));
    gateway.stop().await;
    result.map(|_| init)
}

/// Prints the figures; needs the template's `user` and `rule` among `subjects`.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    subjects: &[Subject],
    client: &HttpClient,
) -> Result<(), CommandError> {
    let find = |name: &str| subjects.iter().find(|s| s.spec.name == name);
    let (Some(user), Some(rule)) = (find("user"), find("rule")) else {
        println!("\n(signing key: skipped, the user and rule functions are not built)");
        return Ok(());
    };
    println!("\n== signing key: read from Secrets Manager in the user function's initializer ==");
    let (mut user_init, mut rule_init, mut added) = (Vec::new(), Vec::new(), Vec::new());
    for round in 0..options.runs {
        // Alternate which goes first, so that drift on the machine hits both alike.
        let order = if round % 2 == 0 {
            [user, rule]
        } else {
            [rule, user]
        };
        let mut pair = [None, None];
        for subject in order {
            let init = init_ms(subject, bin_dir, client).await?;
            pair[usize::from(subject.spec.name == "rule")] = init;
        }
        if let [Some(u), Some(r)] = pair {
            user_init.push(u);
            rule_init.push(r);
            added.push(u - r);
        }
    }
    println!(
        "  init duration: user {:.2} ms (key and warm-up) vs rule {:.2} ms (warm-up only); the key adds {:.2} ms (median of the rounds' differences)",
        median(user_init),
        median(rule_init),
        median(added)
    );

    let config = Config::from_lookup(SigningKey::Required, |name| {
        user.spec.environment.get(name).cloned()
    })
    .map_err(|e| CommandError::Message(format!("the user function's configuration: {e}")))?;
    let signing = config
        .auth
        .signing
        .clone()
        .ok_or_else(|| CommandError::Message("the user function names no secret".into()))?;
    let (mut first, mut again, mut warm_up, mut parse) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let failed = |e: &dyn std::fmt::Display| CommandError::Message(e.to_string());
    for _ in 0..options.runs.max(5) {
        let started = Instant::now();
        let source = SecretSource::connect(&signing).await;
        source.signing_key().await.map_err(|e| failed(&e))?;
        first.push(ms(started));
        let started = Instant::now();
        source.signing_key().await.map_err(|e| failed(&e))?;
        again.push(ms(started));
        let started = Instant::now();
        let datastore = Datastore::connect(&config.datastore).await;
        datastore.ping().await.map_err(|e| failed(&e))?;
        warm_up.push(ms(started));
    }
    let text =
        local::datastore::secrets_emulator::local_client(signing.endpoint.as_deref().unwrap_or(""))
            .get_secret_value()
            .secret_id(&signing.secret_id)
            .send()
            .await
            .map_err(|e| failed(&aws_sdk_secretsmanager::error::DisplayErrorContext(e)))?
            .secret_string()
            .unwrap_or_default()
            .to_owned();
    let mut sign = Vec::new();
    for _ in 0..100 {
        let started = Instant::now();
        let key = signing_key(&text, &signing.key_id).map_err(|e| failed(&e))?;
        parse.push(ms(started) * 1000.0);
        let issuer = TokenIssuer::new(
            &key.private_pem,
            &config.auth.issuer,
            &config.auth.audience,
            config.auth.token_lifetime,
        )
        .map_err(|e| failed(&e))?;
        let started = Instant::now();
        issuer
            .issue("01JD0000000000000000000000", "alice")
            .map_err(|e| failed(&e))?;
        sign.push(ms(started) * 1000.0);
    }
    println!(
        "  in process: client + first GetSecretValue {:.2} ms, again {:.2} ms; concurrent with DynamoDB client + warm-up GetItem {:.2} ms; reading the key from the secret {:.0} µs; then each login signs locally: {:.0} µs per token",
        median(first),
        median(again),
        median(warm_up),
        median(parse),
        median(sign)
    );
    Ok(())
}
