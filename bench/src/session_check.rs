//! What the server-side session check costs a request.
//!
//! Every request reads the user's sessions item once (one consistent `GetItem`) so
//! that a logout or an account deletion ends a token at once, on every instance. A
//! write checks before it writes; a read runs the check alongside its own read. Both
//! are measured here in-process, with the functions' own store code and SDK client
//! against the bench's emulator, next to the read they accompany:
//!
//! - the check alone, and one todo's `GetItem` alone;
//! - the check, then the read: what a write pays (before its write);
//! - the check alongside the read: what a read pays.
//!
//! The four alternate call by call, so that other load hits all of them alike.

use std::time::{Duration, Instant};

use local::commands::CommandError;
use local::datastore::dynamo::local_client;
use shared::auth::session::AuthenticatedUser;
use shared::domain::{NewRule, RuleKey};
use shared::http::body::JsonObject;
use shared::store::idempotency::Reservation;
use shared::store::{Datastore, RuleStore, SessionStore, WriteToken};

use super::{BenchOptions, median};

/// Calls per variant and round.
const CALLS: usize = 100;

/// Measures and prints the session check's cost, on `table` at `endpoint`.
pub(super) async fn measure(
    options: &BenchOptions,
    endpoint: &str,
    table: &str,
) -> Result<(), CommandError> {
    println!("\nsession check (one consistent GetItem per request), in-process on the emulator:");
    let datastore = Datastore::from_client(local_client(endpoint), table);
    let (sessions, rules) = (
        SessionStore::new(datastore.clone()),
        RuleStore::new(datastore),
    );
    let failed = |e: shared::store::StoreError| CommandError::Message(e.to_string());
    let user = AuthenticatedUser {
        id: ulid::Ulid::new().to_string(),
        name: "session-bench".to_owned(),
        session_id: ulid::Ulid::new().to_string(),
    };
    let expires = shared::time::now_epoch_seconds() + 3600;
    sessions
        .open(&user.id, &user.session_id, expires)
        .await
        .map_err(failed)?
        .map_err(|_| CommandError::Message("the bench account is closed".into()))?;
    let mut body = JsonObject::default();
    body.0.insert("name".into(), "a todo to read".into());
    let new = NewRule::parse(&body).map_err(|e| CommandError::Message(e.to_string()))?;
    let key = RuleKey::new();
    let reservation = Reservation {
        token: WriteToken::new(),
        rule_key: key,
        resumed: false,
    };
    rules
        .create(&user, &new, &reservation)
        .await
        .map_err(failed)?;

    let mut rounds: [Vec<f64>; 4] = Default::default();
    for _ in 0..options.runs {
        let mut samples: [Vec<f64>; 4] = Default::default();
        for _ in 0..CALLS {
            let started = Instant::now();
            sessions
                .is_open(&user.id, &user.session_id)
                .await
                .map_err(failed)?;
            samples[0].push(ms(started.elapsed()));
            let started = Instant::now();
            rules.get(&user.id, key).await.map_err(failed)?;
            samples[1].push(ms(started.elapsed()));
            let started = Instant::now();
            sessions
                .is_open(&user.id, &user.session_id)
                .await
                .map_err(failed)?;
            rules.get(&user.id, key).await.map_err(failed)?;
            samples[2].push(ms(started.elapsed()));
            let started = Instant::now();
            let (open, read) = tokio::join!(
                sessions.is_open(&user.id, &user.session_id),
                rules.get(&user.id, key)
            );
            open.map_err(failed)?;
            read.map_err(failed)?;
            samples[3].push(ms(started.elapsed()));
        }
        for (round, variant) in rounds.iter_mut().zip(samples) {
            round.push(median(variant));
        }
    }
    let [check, read, before, alongside] = rounds.map(median);
    println!("  {:<44} {check:>8.3} ms", "the check alone");
    println!("  {:<44} {read:>8.3} ms", "one todo's GetItem alone");
    let added = |total: f64| {
        format!(
            "{total:>8.3} ms  (+{:.3} ms, {:+.0} % of the read)",
            total - read,
            (total - read) / read * 100.0
        )
    };
    println!(
        "  {:<44} {}",
        "check, then the read (what a write pays)",
        added(before)
    );
    println!(
        "  {:<44} {}",
        "check alongside the read (what a read pays)",
        added(alongside)
    );
    Ok(())
}

fn ms(elapsed: Duration) -> f64 {
    elapsed.as_secs_f64() * 1000.0
}
