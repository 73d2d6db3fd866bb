//! What each write route costs: datastore round trips per request, and which
//! operations, counted between the `rule` function and the emulator, with the
//! latency through the whole platform (release function binaries), and a warm list
//! page and a get for reference.
//!
//! Routes, each once without and once with an `Idempotency-Key` (a new key per
//! request, so every request is a first attempt):
//! - create (`POST /api/rule`);
//! - update without a change of status (`PUT /api/rule/{key}`, a new `desc`);
//! - update with a change of status (the same todo's `status`, 1 and 2 in turn);
//! - delete one (`DELETE /api/rule/{key}`);
//! - delete 10 in one request (`DELETE /api/rule` with 10 keys in `key`).
//!
//! Two platforms serve the same `rule` binary on the same emulator and table: one
//! whose functions reach the emulator through a [`CountingProxy`], for the counts,
//! and one whose functions reach it straight, for the latencies, so that the proxy's
//! own hop does not inflate them. Round trips are every request the function sent the
//! emulator while the HTTP request was in flight (the session check, the idempotency
//! record and any SDK retry included), over [`COUNTED`] requests per route (or fewer
//! when `--write-requests` is lower); requests that reach the proxy after the answer
//! are reported apart. Latency: p50 and p90 of `--write-requests` sequential requests
//! per route (one client, one warm instance). The todos the deletes remove are created
//! beforehand and are not timed.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::{StreamExt as _, TryStreamExt as _};
use local::commands::CommandError;
use local::runtime::pool::PoolSettings;
use local::template::functions::FunctionSpec;
use serde_json::{Value, json};

use super::counting_proxy::{CountingProxy, Counts, difference};
use super::growth::quantile;
use super::rule_user::{log_in, user_and_rule};
use super::{BenchOptions, Call, Gateway, HttpClient};

/// Requests per route whose round trips are counted (at most `--write-requests`).
const COUNTED: usize = 20;
/// Creates in flight while the todos to delete are made.
const SEEDING_CONCURRENCY: usize = 8;
/// How long to wait after the counted requests for anything sent after their answers.
const SETTLE: Duration = Duration::from_millis(200);
/// Todos the measured user has before the reads are measured (a full page of 10).
const TODOS: usize = 10;

/// What one measured request does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Route {
    Create,
    Update,
    UpdateStatus,
    DeleteOne,
    DeleteTen,
    List,
    Get,
}

impl Route {
    fn label(self) -> &'static str {
        match self {
            Self::Create => "create",
            Self::Update => "update, same status",
            Self::UpdateStatus => "update, status change",
            Self::DeleteOne => "delete one",
            Self::DeleteTen => "delete 10 (one request)",
            Self::List => "list, page of 10 (reference)",
            Self::Get => "get one (reference)",
        }
    }

    /// The todos one request deletes.
    fn deletes(self) -> usize {
        match self {
            Self::DeleteOne => 1,
            Self::DeleteTen => 10,
            _ => 0,
        }
    }
}

/// The write routes, in the order measured and printed.
const WRITE_ROUTES: [Route; 5] = [
    Route::Create,
    Route::Update,
    Route::UpdateStatus,
    Route::DeleteOne,
    Route::DeleteTen,
];

/// One row of the table: a route, with or without an `Idempotency-Key`.
#[derive(Debug, Clone, Copy)]
struct Case {
    route: Route,
    idempotent: bool,
}

impl Case {
    fn label(&self) -> String {
        if self.idempotent {
            format!("{}, Idempotency-Key", self.route.label())
        } else {
            self.route.label().to_owned()
        }
    }
}

/// The signed-in user the requests act as, and the todos they act on.
struct Fixture {
    bearer: String,
    /// The todo the updates change and the get reads.
    todo: String,
    /// Requests made so far (new `desc` values and alternating statuses).
    sent: usize,
    /// Todos for the deletes to remove, taken from the front.
    doomed: Vec<String>,
}

impl Fixture {
    /// The next request of `case`, and how many todos it must report deleted.
    fn call(&mut self, case: Case) -> (Call, Option<u64>) {
        self.sent += 1;
        let json_body = |method, path: String, body: Value| Call {
            method,
            path,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_string(),
            expect: Some(200),
        };
        let doomed = case.route.deletes();
        let keys: Vec<String> = self.doomed.drain(..doomed.min(self.doomed.len())).collect();
        let call = match case.route {
            Route::Create => {
                Call::post("/api/rule", json!({"name": "a write"}).to_string()).expecting(201)
            }
            Route::Update => json_body(
                "PUT",
                format!("/api/rule/{}", self.todo),
                json!({"desc": format!("edit {}", self.sent)}),
            ),
            Route::UpdateStatus => json_body(
                "PUT",
                format!("/api/rule/{}", self.todo),
                json!({"status": 1 + self.sent % 2}),
            ),
            Route::DeleteOne => Call {
                method: "DELETE",
                path: format!("/api/rule/{}", keys.first().cloned().unwrap_or_default()),
                headers: Vec::new(),
                body: String::new(),
                expect: Some(200),
            },
            Route::DeleteTen => json_body("DELETE", "/api/rule".into(), json!({"key": keys})),
            Route::List => Call::get(format!("/api/rule?current=1&pageSize={TODOS}")),
            Route::Get => Call::get(format!("/api/rule/{}", self.todo)),
        };
        let mut call = call.header("authorization", &self.bearer);
        if case.idempotent {
            call = call.header("idempotency-key", &ulid::Ulid::new().to_string());
        }
        (call, (doomed > 0).then_some(doomed as u64))
    }
}

/// What one case measured.
struct Row {
    label: String,
    /// The operations each counted request caused.
    counted: Vec<Counts>,
    /// Operations that reached the proxy after the counted requests' answers.
    late: Counts,
    /// Milliseconds per timed request.
    samples: Vec<f64>,
}

/// Measures and prints every case; skipped unless the user and rule functions are built.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    functions: &[FunctionSpec],
    client: &HttpClient,
) -> Result<(), CommandError> {
    let Some((user, rule)) = user_and_rule(functions, "write costs") else {
        return Ok(());
    };
    let timed = options.write_requests;
    let counted = timed.min(COUNTED);
    println!(
        "\n== writes: datastore round trips and latency per request ({}, through the platform; \
         round trips counted over {counted} requests, latency of {timed} sequential requests) ==",
        rule.name
    );
    let emulator = rule
        .environment
        .get("DYNAMODB_ENDPOINT")
        .cloned()
        .ok_or_else(|| CommandError::Message(format!("{} has no DYNAMODB_ENDPOINT", rule.name)))?;
    let proxy = CountingProxy::start(&emulator).await?;
    let mut proxied_rule = rule.clone();
    proxied_rule
        .environment
        .insert("DYNAMODB_ENDPOINT".into(), proxy.endpoint().to_owned());
    let direct = Gateway::start(
        vec![user.clone(), rule.clone()],
        bin_dir,
        PoolSettings::default(),
    )
    .await?;
    let proxied = match Gateway::start(vec![proxied_rule], bin_dir, PoolSettings::default()).await {
        Ok(gateway) => gateway,
        Err(e) => {
            direct.stop().await;
            proxy.stop();
            return Err(e);
        }
    };
    let result = async {
        let mut fixture = fixture(client, &direct.base).await?;
        // Both instances warm (the proxied one's initializer warms its client through
        // the proxy, before anything is counted).
        for gateway in [&direct, &proxied] {
            fixture
                .call(Case {
                    route: Route::List,
                    idempotent: false,
                })
                .0
                .expect(client, &gateway.base)
                .await?;
        }
        let mut cases: Vec<Case> = [false, true]
            .into_iter()
            .flat_map(|idempotent| {
                WRITE_ROUTES
                    .into_iter()
                    .map(move |route| Case { route, idempotent })
            })
            .collect();
        cases.extend([Route::List, Route::Get].map(|route| Case {
            route,
            idempotent: false,
        }));
        // The reads go first, while the user has just a page of todos.
        cases.rotate_right(2);
        let mut rows = Vec::new();
        for case in cases {
            let doomed = case.route.deletes() * (counted + timed);
            if doomed > 0 {
                fixture.doomed = seed(client, &direct.base, &fixture.bearer, doomed).await?;
            }
            let (counts, late) =
                count(&proxy, client, &proxied.base, &mut fixture, case, counted).await?;
            let samples = time(client, &direct.base, &mut fixture, case, timed).await?;
            rows.push(Row {
                label: case.label(),
                counted: counts,
                late,
                samples,
            });
        }
        Ok::<_, CommandError>(rows)
    }
    .await;
    proxied.stop().await;
    direct.stop().await;
    proxy.stop();
    report(&result?, counted, timed);
    Ok(())
}

/// Registers and logs in a new user through `base`, gives them [`TODOS`] todos; the
/// newest is the one the updates change and the get reads.
async fn fixture(client: &HttpClient, base: &str) -> Result<Fixture, CommandError> {
    let credentials = json!({
        "userName": format!("w{}", ulid::Ulid::new()),
        "password": "bench-password",
    })
    .to_string();
    Call::post("/api/register", credentials.clone())
        .expecting(201)
        .expect(client, base)
        .await?;
    let bearer = log_in(client, base, credentials).await?;
    let mut todos = seed(client, base, &bearer, TODOS).await?;
    todos.sort();
    Ok(Fixture {
        bearer,
        todo: todos.pop().unwrap_or_default(),
        sent: 0,
        doomed: Vec::new(),
    })
}

/// Creates `count` todos through `base` (several at once, not timed); answers their keys.
pub(super) async fn seed(
    client: &HttpClient,
    base: &str,
    bearer: &str,
    count: usize,
) -> Result<Vec<String>, CommandError> {
    futures::stream::iter(0..count)
        .map(|i| async move {
            let created = Call::post(
                "/api/rule",
                json!({"name": format!("todo {i}")}).to_string(),
            )
            .header("authorization", bearer)
            .expecting(201)
            .expect(client, base)
            .await?;
            serde_json::from_slice::<Value>(&created)
                .ok()
                .and_then(|v| v["key"].as_str().map(str::to_owned))
                .ok_or_else(|| CommandError::Message("a created todo has no key".into()))
        })
        .buffer_unordered(SEEDING_CONCURRENCY)
        .try_collect()
        .await
}

/// Sends `call` and fails unless it got its status and, for a delete, deleted
/// `deletes` todos.
async fn send(
    client: &HttpClient,
    base: &str,
    (call, deletes): &(Call, Option<u64>),
) -> Result<(), CommandError> {
    let body = call.expect(client, base).await?;
    if let Some(want) = deletes {
        let deleted = serde_json::from_slice::<Value>(&body)
            .ok()
            .and_then(|v| v["deleted"].as_u64());
        if deleted != Some(*want) {
            return Err(CommandError::Message(format!(
                "{} {} deleted {deleted:?}, not {want}: {}",
                call.method,
                call.path,
                String::from_utf8_lossy(&body)
            )));
        }
    }
    Ok(())
}

/// Sends `requests` requests of `case` through `base` (whose functions reach the
/// emulator through `proxy`) one after the other; answers the operations each caused,
/// and those that came after the answers.
async fn count(
    proxy: &CountingProxy,
    client: &HttpClient,
    base: &str,
    fixture: &mut Fixture,
    case: Case,
    requests: usize,
) -> Result<(Vec<Counts>, Counts), CommandError> {
    let start = proxy.snapshot();
    let mut counted = Vec::with_capacity(requests);
    for _ in 0..requests {
        let call = fixture.call(case);
        let before = proxy.snapshot();
        send(client, base, &call).await?;
        counted.push(difference(&before, &proxy.snapshot()));
    }
    tokio::time::sleep(SETTLE).await;
    let mut late = difference(&start, &proxy.snapshot());
    for (name, n) in counted.iter().flatten() {
        if let Some(total) = late.get_mut(name) {
            *total -= n;
        }
    }
    late.retain(|_, n| *n > 0);
    Ok((counted, late))
}

/// Milliseconds of each of `requests` sequential requests of `case` through `base`.
async fn time(
    client: &HttpClient,
    base: &str,
    fixture: &mut Fixture,
    case: Case,
    requests: usize,
) -> Result<Vec<f64>, CommandError> {
    let mut samples = Vec::with_capacity(requests);
    for _ in 0..requests {
        let call = fixture.call(case);
        let started = Instant::now();
        send(client, base, &call).await?;
        samples.push(started.elapsed().as_secs_f64() * 1000.0);
    }
    Ok(samples)
}

/// Round trips per request: `n`, or `min-max (mean m)` when the requests differed.
fn round_trips(counted: &[Counts]) -> String {
    let totals: Vec<u64> = counted.iter().map(|c| c.values().sum()).collect();
    let (min, max) = (
        totals.iter().copied().min().unwrap_or(0),
        totals.iter().copied().max().unwrap_or(0),
    );
    if min == max {
        min.to_string()
    } else {
        let mean = totals.iter().sum::<u64>() as f64 / totals.len() as f64;
        format!("{min}-{max} (mean {mean:.1})")
    }
}

/// The operations per request, e.g. `GetItem 1, TransactWriteItems 1` (means, when
/// the requests differed).
fn operations(counted: &[Counts]) -> String {
    let mut sums = Counts::new();
    for (name, n) in counted.iter().flatten() {
        *sums.entry(name.clone()).or_default() += n;
    }
    let requests = counted.len().max(1) as u64;
    let mut text = String::new();
    for (name, sum) in sums {
        if !text.is_empty() {
            text.push_str(", ");
        }
        if sum % requests == 0 {
            let _ = write!(text, "{name} {}", sum / requests);
        } else {
            let _ = write!(text, "{name} {:.2}", sum as f64 / requests as f64);
        }
    }
    if text.is_empty() {
        text.push_str("none");
    }
    text
}

fn report(rows: &[Row], counted: usize, timed: usize) {
    println!("| request | round trips | operations per request | p50 ms | p90 ms |");
    println!("|---|---:|---|---:|---:|");
    for row in rows {
        println!(
            "| {} | {} | {} | {:.2} | {:.2} |",
            row.label,
            round_trips(&row.counted),
            operations(&row.counted),
            quantile(&row.samples, 0.5),
            quantile(&row.samples, 0.9),
        );
    }
    println!(
        "  round trips: every request the function sent the emulator while the request was \
         in flight (session check, idempotency record, SDK retries included), counted by a \
         proxy over {counted} requests per row; latency: {timed} sequential requests per row, \
         one warm instance, no proxy"
    );
    for row in rows.iter().filter(|r| !r.late.is_empty()) {
        println!(
            "  ({}: after the answers of its {counted} counted requests: {})",
            row.label,
            operations(std::slice::from_ref(&row.late))
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pairs: &[(&str, u64)]) -> Counts {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect()
    }

    #[test]
    fn equal_requests_print_whole_numbers() {
        let one = counts(&[("GetItem", 1), ("TransactWriteItems", 1)]);
        let counted = vec![one.clone(), one];
        assert_eq!(round_trips(&counted), "2");
        assert_eq!(operations(&counted), "GetItem 1, TransactWriteItems 1");
    }

    #[test]
    fn differing_requests_print_their_range_and_means() {
        let counted = vec![
            counts(&[("UpdateItem", 2)]),
            counts(&[("UpdateItem", 2), ("Query", 1)]),
        ];
        assert_eq!(round_trips(&counted), "2-3 (mean 2.5)");
        assert_eq!(operations(&counted), "Query 0.50, UpdateItem 2");
        assert_eq!(operations(&[Counts::new()]), "none");
    }
}
