//! The growth curve: what a page of the list costs as a user's todos grow from 10 to
//! 10,000, through the whole platform (release `rule` function, the emulator).
//!
//! For each size a user is seeded through the store (the functions' own code, in
//! process, many at once), then three requests are timed, one client, in rounds that
//! visit every size in turn:
//! - page 1 (`pageSize=10`);
//! - a late page by `cursor` (the page starting 90 % down the list);
//! - the same late page by `current` (which walks keys from the nearer end).
//!
//! Items read per request come from the store's own count for the same query.
//! The figures are printed, judged against the targets (page 1 at the largest size
//! within 2x of the smallest; an unfiltered page reads at most 2 x pageSize + 3
//! items), and drawn in `<plots>/list-growth.svg`.

use std::path::Path;
use std::time::{Duration, Instant};

use futures::{StreamExt as _, TryStreamExt as _};
use local::commands::CommandError;
use local::datastore::dynamo::local_client;
use local::keys::{KeyPair, TokenRequest, mint};
use local::runtime::pool::PoolSettings;
use local::template::functions::FunctionSpec;
use plotters::prelude::*;
use shared::auth::session::AuthenticatedUser;
use shared::domain::{ListQuery, NewTodo, TodoKey};
use shared::http::body::JsonObject;
use shared::store::idempotency::Written;
use shared::store::{Datastore, SessionStore, TodoStore};

use super::plot::{labelled_line, legend, svg_area};
use super::rule_user::serving;
use super::{BenchOptions, Call, Gateway, HttpClient};

/// Todos per page in every request.
const PAGE_SIZE: usize = 10;
/// The largest number of items an unfiltered page may read: 2 x pageSize + 3.
const READ_BOUND: u64 = 2 * PAGE_SIZE as u64 + 3;
/// Creates in flight while seeding.
const SEEDING_CONCURRENCY: usize = 32;

/// One measured user.
struct Subject {
    todos: usize,
    bearer: String,
    late_cursor: String,
    late_current: usize,
    owner: AuthenticatedUser,
    samples: [Vec<f64>; 3],
    reads: [u64; 3],
}

const LABELS: [&str; 3] = ["page 1", "late page, cursor", "late page, current=n"];

/// Seeds, measures and prints the growth curve for users of up to `options.growth_max`
/// todos; draws it into `options.plots`.
pub(super) async fn measure(
    options: &BenchOptions,
    bin_dir: &Path,
    functions: &[FunctionSpec],
    keys: &KeyPair,
    client: &HttpClient,
) -> Result<(), CommandError> {
    let Some(rule) = serving(functions, "/api/rule") else {
        return Ok(());
    };
    println!(
        "\n== list cost as todos grow (pageSize {PAGE_SIZE}, one client, through the platform) =="
    );
    let env = |name: &str| rule.environment.get(name).cloned().unwrap_or_default();
    let datastore =
        Datastore::from_client(local_client(&env("DYNAMODB_ENDPOINT")), &env("TABLE_NAME"));
    let store = TodoStore::new(datastore.clone());
    let sessions = SessionStore::new(datastore);
    let gateway = Gateway::start(vec![rule.clone()], bin_dir, PoolSettings::default()).await?;
    let sizes: Vec<usize> = [10, 100, 1_000, 10_000]
        .into_iter()
        .filter(|size| *size <= options.growth_max)
        .collect();
    let mut subjects = Vec::new();
    for todos in sizes {
        let started = Instant::now();
        subjects.push(seed(&store, &sessions, keys, rule, todos).await?);
        println!(
            "  seeded a user with {todos} todos in {:.1} s",
            started.elapsed().as_secs_f64()
        );
    }
    let result = async {
        for subject in &mut subjects {
            for (index, query) in queries(subject).iter().enumerate() {
                let query =
                    ListQuery::parse(query).map_err(|e| CommandError::Message(e.to_string()))?;
                subject.reads[index] = store
                    .list(&subject.owner, &query)
                    .await
                    .map_err(|e| CommandError::Message(e.to_string()))?
                    .items_read;
            }
        }
        for _ in 0..options.runs {
            for subject in &mut subjects {
                for (index, query) in queries(subject).iter().enumerate() {
                    let call = Call::get(format!("/api/rule?{}", query_string(query)))
                        .header("authorization", &subject.bearer);
                    for _ in 0..15 {
                        let started = Instant::now();
                        call.expect(client, &gateway.base).await?;
                        subject.samples[index].push(started.elapsed().as_secs_f64() * 1000.0);
                    }
                }
            }
        }
        Ok::<_, CommandError>(())
    }
    .await;
    gateway.stop().await;
    result?;
    report(&subjects);
    draw(&options.plots.join("list-growth.svg"), &subjects)
}

fn queries(subject: &Subject) -> [Vec<(String, String)>; 3] {
    let size = ("pageSize".to_owned(), PAGE_SIZE.to_string());
    [
        vec![size.clone()],
        vec![
            size.clone(),
            ("cursor".to_owned(), subject.late_cursor.clone()),
        ],
        vec![
            size,
            ("current".to_owned(), subject.late_current.to_string()),
        ],
    ]
}

fn query_string(query: &[(String, String)]) -> String {
    query
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// A user with `todos` todos and an open session, and the positions to measure.
async fn seed(
    store: &TodoStore,
    sessions: &SessionStore,
    keys: &KeyPair,
    rule: &FunctionSpec,
    todos: usize,
) -> Result<Subject, CommandError> {
    let failed = |e: shared::store::StoreError| CommandError::Message(e.to_string());
    let user_id = ulid::Ulid::new().to_string();
    let name = format!("grower{todos}");
    let env = |k: &str, default: &str| {
        rule.environment
            .get(k)
            .cloned()
            .unwrap_or_else(|| default.to_owned())
    };
    let issued = mint(
        keys,
        &TokenRequest {
            user_id: &user_id,
            name: &name,
            issuer: &env("JWT_ISSUER", "todo-service"),
            audience: &env("JWT_AUDIENCE", "todo-web"),
            lifetime: Duration::from_secs(3600),
        },
    )?;
    sessions
        .open(&user_id, &issued.session_id, issued.expires_at)
        .await
        .map_err(failed)?
        .map_err(|_| CommandError::Message("a new account is closed".into()))?;
    let owner = AuthenticatedUser {
        id: user_id,
        name,
        session_id: issued.session_id,
    };
    let mut created: Vec<TodoKey> = futures::stream::iter(0..todos)
        .map(|i| {
            let owner = &owner;
            async move {
                let mut body = JsonObject::default();
                body.0.insert("name".into(), format!("todo {i}").into());
                body.0.insert("status".into(), (i % 4).into());
                let new =
                    NewTodo::parse(&body).map_err(|e| CommandError::Message(e.to_string()))?;
                let written = store.create(owner, &new, None).await.map_err(failed)?;
                let Written::Done(rule) = written else {
                    return Err(CommandError::Message(
                        "a create without a key was replayed".into(),
                    ));
                };
                TodoKey::parse(&rule.key, "key").map_err(|e| CommandError::Message(e.to_string()))
            }
        })
        .buffer_unordered(SEEDING_CONCURRENCY)
        .try_collect()
        .await?;
    created.sort_by(|a, b| b.cmp(a));
    // The page that starts 90 % down the list: after the todo just above it.
    let late_start = (todos * 9 / 10).min(todos.saturating_sub(PAGE_SIZE));
    let late_cursor = created
        .get(late_start.saturating_sub(1))
        .map(ToString::to_string)
        .unwrap_or_default();
    Ok(Subject {
        todos,
        bearer: format!("Bearer {}", issued.token),
        late_cursor,
        late_current: late_start / PAGE_SIZE + 1,
        owner,
        samples: Default::default(),
        reads: [0; 3],
    })
}

/// The `q`-quantile of `values` (nearest rank).
pub(super) fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn report(subjects: &[Subject]) {
    println!(
        "  {:>7}  {:>26}  {:>26}  {:>26}",
        "todos", LABELS[0], LABELS[1], LABELS[2]
    );
    println!(
        "  {:>7}  {:>26}  {:>26}  {:>26}",
        "", "p50 / p99 ms (items)", "", ""
    );
    for subject in subjects {
        let cells: Vec<String> = (0..3)
            .map(|i| {
                format!(
                    "{:.2} / {:.2} ({})",
                    quantile(&subject.samples[i], 0.5),
                    quantile(&subject.samples[i], 0.99),
                    subject.reads[i]
                )
            })
            .collect();
        println!(
            "  {:>7}  {:>26}  {:>26}  {:>26}",
            subject.todos, cells[0], cells[1], cells[2]
        );
    }
    if let (Some(small), Some(large)) = (subjects.first(), subjects.last()) {
        let ratio = quantile(&large.samples[0], 0.5) / quantile(&small.samples[0], 0.5);
        let verdict = if ratio <= 2.0 { "met" } else { "NOT met" };
        println!(
            "  page 1 at {} todos vs {}: {ratio:.2}x (target within 2x): {verdict}",
            large.todos, small.todos
        );
    }
    let worst = subjects
        .iter()
        .flat_map(|s| [s.reads[0], s.reads[1]])
        .max()
        .unwrap_or(0);
    let verdict = if worst <= READ_BOUND {
        "met"
    } else {
        "NOT met"
    };
    println!(
        "  most items read by an unfiltered page (page 1 or by cursor): {worst} (target at most {READ_BOUND}): {verdict}"
    );
}

/// Draws, against todos (log scale), the p50 latency of each request (left) and the
/// items it read (right) into `path`. The p99s are in the printed table: on a shared
/// machine they mostly show the neighbours.
fn draw(path: &Path, subjects: &[Subject]) -> Result<(), CommandError> {
    if subjects.len() < 2 {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(CommandError::io("creating the plots folder"))?;
    }
    let plot_error = |e: &dyn std::fmt::Display| {
        CommandError::Message(format!("drawing {}: {e}", path.display()))
    };
    let first = subjects.first().map_or(10.0, |s| s.todos as f64);
    let last = subjects.last().map_or(10_000.0, |s| s.todos as f64);
    let root = svg_area(path, (980, 420)).map_err(|e| plot_error(&e))?;
    let (left, right) = root.split_horizontally(490);
    let colours = [BLUE, GREEN, RED];
    let top_ms = subjects
        .iter()
        .flat_map(|s| (0..3).map(move |i| quantile(&s.samples[i], 0.5)))
        .fold(1.0_f64, f64::max)
        * 1.25;
    let mut latency = ChartBuilder::on(&left)
        .caption("p50 ms per page of 10", ("sans-serif", 18))
        .margin(12)
        .margin_right(30)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((first..last).log_scale(), 0.0..top_ms)
        .map_err(|e| plot_error(&e))?;
    latency
        .configure_mesh()
        .x_desc("todos the user has")
        .y_desc("ms")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .draw()
        .map_err(|e| plot_error(&e))?;
    let top_items = subjects
        .iter()
        .flat_map(|s| s.reads)
        .max()
        .unwrap_or(10)
        .max(10) as f64
        * 2.0;
    let mut items = ChartBuilder::on(&right)
        .caption("items read per request", ("sans-serif", 18))
        .margin(12)
        .margin_right(30)
        .x_label_area_size(40)
        .y_label_area_size(50)
        .build_cartesian_2d((first..last).log_scale(), (1.0..top_items).log_scale())
        .map_err(|e| plot_error(&e))?;
    items
        .configure_mesh()
        .x_desc("todos the user has")
        .y_desc("items")
        .x_label_formatter(&|x| format!("{x:.0}"))
        .y_label_formatter(&|y| format!("{y:.0}"))
        .draw()
        .map_err(|e| plot_error(&e))?;
    for (index, colour) in colours.into_iter().enumerate() {
        let p50 = subjects
            .iter()
            .map(|s| (s.todos as f64, quantile(&s.samples[index], 0.5)));
        labelled_line(&mut latency, p50.collect(), LABELS[index], colour, true)
            .map_err(|e| plot_error(&e))?;
        let read = subjects
            .iter()
            .map(|s| (s.todos as f64, s.reads[index] as f64));
        labelled_line(&mut items, read.collect(), LABELS[index], colour, true)
            .map_err(|e| plot_error(&e))?;
    }
    legend(&mut latency, SeriesLabelPosition::UpperLeft).map_err(|e| plot_error(&e))?;
    legend(&mut items, SeriesLabelPosition::UpperLeft).map_err(|e| plot_error(&e))?;
    root.present().map_err(|e| plot_error(&e))?;
    println!("  drawn in {}", path.display());
    Ok(())
}
