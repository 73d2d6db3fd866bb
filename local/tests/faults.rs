//! Fault injection against the real platform, the real functions and a real emulator
//! of our own (so that pausing it disturbs no other test): the emulator is stopped
//! with SIGSTOP while writes are in flight, an instance is killed with SIGKILL under
//! load, sessions are ended, and an instance starts while the datastore is away.
//! After each fault the test reads the table itself and checks that every answer
//! told the truth about what was stored, that retries with an `Idempotency-Key`
//! never duplicate, and that the service recovers without a restart.

mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use common::project::prepare_project;
use common::*;
use local::commands::project::{Datastore, Secrets};
use local::runtime::pool::PoolSettings;
use serde_json::{Value, json};
use shared_testing::fault_proxy::{Fault, FaultProxy, operation};

/// The project under the platform, with warm instances, on an emulator of its own.
struct Project {
    running: Running,
    datastore: Datastore,
    /// The signing key's Secrets Manager; stopped when dropped.
    _secrets: Secrets,
    table: String,
    proxy: Option<LossyProxy>,
}

/// How the functions reach the datastore in a test.
#[derive(Clone, Copy)]
enum Reach<'a> {
    /// Directly.
    Direct,
    /// The rule function through a [`LossyProxy`] (in [`Project::proxy`]).
    RuleThroughLossyProxy,
    /// Both through this endpoint, with a 1 s initializer timeout.
    AllThrough(&'a str),
}

async fn project(min_instances: usize, reach: Reach<'_>) -> Project {
    let mut prepared = prepare_project().await;
    let table = prepared.functions[0].environment["TABLE_NAME"].clone();
    let proxy = match reach {
        Reach::RuleThroughLossyProxy => Some(lossy_proxy(&prepared.datastore.endpoint).await),
        _ => None,
    };
    for function in &mut prepared.functions {
        match (reach, &proxy) {
            (Reach::RuleThroughLossyProxy, Some(proxy)) if function.name == "rule" => {
                function
                    .environment
                    .insert("DYNAMODB_ENDPOINT".into(), proxy.endpoint.clone());
            }
            (Reach::AllThrough(endpoint), _) => {
                function
                    .environment
                    .insert("DYNAMODB_ENDPOINT".into(), endpoint.into());
                // The platform's timeout and the function's, as both come from the template:
                // 3 s leaves the function's report 300 ms before the platform gives up
                // (its budget is the timeout less 10 %), room enough on a loaded machine.
                function.lifecycle.init_timeout = Duration::from_secs(3);
                function
                    .environment
                    .insert("INITIALIZER_TIMEOUT_SECONDS".into(), "3".into());
            }
            _ => {}
        }
    }
    let settings = PoolSettings {
        min_instances,
        ..PoolSettings::default()
    };
    let served = prepared.serve(settings).await;
    Project {
        running: served.running,
        datastore: served.datastore,
        _secrets: served.secrets,
        table,
        proxy,
    }
}

/// A signed-in user of the running project.
struct Session {
    url: String,
    token: String,
    user_id: String,
}

impl Session {
    /// Registers `name`, logs in and learns the user's id.
    async fn sign_up(running: &Running, name: &str) -> Self {
        let signed_up = common::project::Session::sign_up(running, name).await;
        let mut session = Self::with_token(running, signed_up.token);
        let me = session.call("GET", "/api/currentUser", None, None).await;
        session.user_id = me.json()["userid"].as_str().expect("userid").to_owned();
        session
    }

    /// A new session of the registered user `name`.
    async fn log_in(running: &Running, name: &str) -> Self {
        let logged_in = common::project::Session::log_in(running, name).await;
        Self::with_token(running, logged_in.token)
    }

    fn with_token(running: &Running, token: String) -> Self {
        Self {
            url: running.url(""),
            token,
            user_id: String::new(),
        }
    }

    async fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        key: Option<&str>,
    ) -> Answer {
        let bearer = format!("Bearer {}", self.token);
        let mut headers = vec![
            ("content-type", "application/json"),
            ("authorization", bearer.as_str()),
        ];
        if let Some(key) = key {
            headers.push(("idempotency-key", key));
        }
        let body = body.map(|b| b.to_string()).unwrap_or_default();
        send(
            &client(),
            method,
            &format!("{}{path}", self.url),
            &headers,
            body,
        )
        .await
    }

    async fn create(&self, name: &str) -> String {
        let answer = self
            .call("POST", "/api/rule", Some(json!({"name": name})), None)
            .await;
        assert_eq!(answer.status, 201, "{:?}", answer.body);
        answer.json()["key"].as_str().expect("key").to_owned()
    }
}

/// The user's live todos as stored, read from the table itself: key -> item.
async fn stored(
    project: &Project,
    user_id: &str,
) -> HashMap<String, HashMap<String, AttributeValue>> {
    let client = local::datastore::dynamo::local_client(&project.datastore.endpoint);
    let mut todos = HashMap::new();
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(&project.table)
            .key_condition_expression("pk = :pk AND begins_with(sk, :rule)")
            .expression_attribute_values(":pk", AttributeValue::S(format!("OWNER#{user_id}")))
            .expression_attribute_values(":rule", AttributeValue::S("RULE#".into()))
            .consistent_read(true)
            .set_exclusive_start_key(start.take())
            .send()
            .await
            .expect("the table answers");
        for item in page.items() {
            let key = item["key"].as_s().expect("key").clone();
            todos.insert(key, item.clone());
        }
        match page.last_evaluated_key {
            Some(key) if !key.is_empty() => start = Some(key),
            _ => return todos,
        }
    }
}

fn named<'a>(
    todos: &'a HashMap<String, HashMap<String, AttributeValue>>,
    name: &str,
) -> Vec<&'a HashMap<String, AttributeValue>> {
    todos
        .values()
        .filter(|t| t["name"].as_s().is_ok_and(|n| n == name))
        .collect()
}

fn number(item: &HashMap<String, AttributeValue>, name: &str) -> u64 {
    item[name]
        .as_n()
        .expect("a number")
        .parse()
        .expect("a number")
}

fn signal(pid: u32, signal: &str) {
    let status = std::process::Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success(), "kill {signal} {pid}");
}

/// A proxy in front of the emulator that loses the answer to the first attempt of
/// every write to a todo: the write (a transaction) is forwarded and commits, but its
/// answer is held back past the SDK's attempt timeout, so the SDK sends it again,
/// under the same `ClientRequestToken`. (Writes of other items pass: logins and
/// sign-ups would outlast the function's timeout.)
struct LossyProxy {
    endpoint: String,
    /// How many answers it held back.
    held: Arc<std::sync::atomic::AtomicUsize>,
}

/// How long an answer is held back: longer than the SDK's 2 s attempt timeout.
const HOLD: Duration = Duration::from_millis(2500);

async fn lossy_proxy(upstream: &str) -> LossyProxy {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};

    let held = Arc::new(AtomicUsize::new(0));
    let seen: Mutex<std::collections::HashSet<bytes::Bytes>> = Mutex::default();
    let counter = held.clone();
    let proxy = FaultProxy::start(upstream, move |parts, body| {
        let write = ["TransactWriteItems", "PutItem", "UpdateItem", "DeleteItem"]
            .contains(&operation(parts));
        let on_a_todo = body.windows(11).any(|w| w == b"{\"S\":\"RULE#");
        if write && on_a_todo && seen.lock().expect("lock").insert(body.clone()) {
            counter.fetch_add(1, Ordering::SeqCst);
            Fault::HoldAnswer(HOLD)
        } else {
            Fault::Pass
        }
    })
    .await;
    LossyProxy {
        endpoint: proxy.endpoint().to_owned(),
        held,
    }
}

/// One write sent while the datastore stalls, and what it must have done.
enum Write {
    Create { name: String, key: Option<String> },
    Update { key: String, status: u8 },
    Delete { keys: Vec<String> },
}

async fn send_write(session: &Session, write: &Write) -> Answer {
    match write {
        Write::Create { name, key } => {
            session
                .call(
                    "POST",
                    "/api/rule",
                    Some(json!({"name": name})),
                    key.as_deref(),
                )
                .await
        }
        Write::Update { key, status } => {
            let body = json!({"key": key, "status": status, "version": 1, "method": "update"});
            session.call("POST", "/api/rule", Some(body), None).await
        }
        Write::Delete { keys } => {
            session
                .call("DELETE", "/api/rule", Some(json!({"key": keys})), None)
                .await
        }
    }
}

/// Sends `writes`, stops the emulator `after` they left (so that some are caught
/// between their session check and their write), resumes it `pause` later, and
/// returns the answers.
async fn writes_across_a_stall(
    project: &Project,
    session: &Arc<Session>,
    writes: Vec<Write>,
    after: Duration,
    pause: Duration,
) -> Vec<(Write, Answer)> {
    let pid = project.datastore.emulator_pid().expect("our own emulator");
    let mut in_flight = tokio::task::JoinSet::new();
    for write in writes {
        let session = session.clone();
        in_flight.spawn(async move {
            let answer = send_write(&session, &write).await;
            (write, answer)
        });
    }
    tokio::time::sleep(after).await;
    signal(pid, "-STOP");
    tokio::time::sleep(pause).await;
    signal(pid, "-CONT");
    in_flight.join_all().await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_across_a_datastore_stall_answer_what_they_did_and_keyed_retries_never_duplicate() {
    let project = project(2, Reach::Direct).await;
    let session = Arc::new(Session::sign_up(&project.running, "stalled").await);
    let mut existing = Vec::new();
    for i in 0..6 {
        existing.push(session.create(&format!("existing {i}")).await);
    }

    // A stall shorter than the SDK's operation timeout: its first attempt times out and
    // lands when the emulator resumes, then its retry meets our own write.
    let mut writes = vec![
        Write::Update {
            key: existing[0].clone(),
            status: 2,
        },
        Write::Update {
            key: existing[1].clone(),
            status: 3,
        },
        Write::Delete {
            keys: vec![existing[2].clone()],
        },
        Write::Delete {
            keys: vec![existing[3].clone(), existing[4].clone()],
        },
    ];
    for i in 0..3 {
        writes.push(Write::Create {
            name: format!("short {i}"),
            key: None,
        });
        writes.push(Write::Create {
            name: format!("short keyed {i}"),
            key: Some(format!("short-{i}")),
        });
    }
    let answers = writes_across_a_stall(
        &project,
        &session,
        writes,
        Duration::from_millis(4),
        Duration::from_millis(3200),
    )
    .await;
    let todos = stored(&project, &session.user_id).await;
    for (write, answer) in &answers {
        match write {
            Write::Create { name, key } => {
                let found = named(&todos, name);
                match answer.status {
                    201 => {
                        assert_eq!(found.len(), 1, "{name}: created once");
                        assert_eq!(
                            found[0]["key"].as_s().ok(),
                            answer.json()["key"].as_str().map(str::to_owned).as_ref()
                        );
                    }
                    503 | 504 => {
                        assert!(found.len() <= 1, "{name} stored at most once");
                        if let Some(key) = key {
                            let retry = session
                                .call("POST", "/api/rule", Some(json!({"name": name})), Some(key))
                                .await;
                            assert_eq!(retry.status, 201, "{name}: {:?}", retry.body);
                        }
                    }
                    other => panic!("{name}: {other} {:?}", answer.body),
                }
            }
            Write::Update { key, status } => {
                assert_eq!(answer.status, 200, "update {key}: {:?}", answer.body);
                let item = &todos[key];
                assert_eq!(
                    number(item, "status"),
                    u64::from(*status),
                    "the answer's change is stored"
                );
                assert_eq!(number(item, "version"), 2, "applied once");
                assert_eq!(answer.json()["version"], 2);
            }
            Write::Delete { keys } => {
                assert_eq!(answer.status, 200, "delete {keys:?}: {:?}", answer.body);
                assert_eq!(
                    answer.json()["deleted"],
                    keys.len(),
                    "it counts what it deleted"
                );
                for key in keys {
                    assert!(!todos.contains_key(key), "{key} is gone");
                }
            }
        }
    }
    assert!(todos.contains_key(&existing[5]), "untouched todos stay");

    // A stall longer than the operation timeout: the answers are 503 "may have been
    // applied", and the same requests retried with their keys make one todo each.
    let writes: Vec<Write> = (0..4)
        .map(|i| Write::Create {
            name: format!("long keyed {i}"),
            key: Some(format!("long-{i}")),
        })
        .collect();
    let answers = writes_across_a_stall(
        &project,
        &session,
        writes,
        Duration::ZERO,
        Duration::from_millis(6500),
    )
    .await;
    for (write, answer) in &answers {
        let Write::Create {
            name,
            key: Some(key),
        } = write
        else {
            unreachable!()
        };
        assert!(
            matches!(answer.status, 201 | 503 | 504),
            "{name}: {} {:?}",
            answer.status,
            answer.body
        );
        if answer.status != 201 {
            assert!(
                answer.json()["errorMessage"]
                    .as_str()
                    .unwrap_or("")
                    .contains("Idempotency-Key"),
                "the error says how to retry safely: {:?}",
                answer.body
            );
        }
        let retry = session
            .call("POST", "/api/rule", Some(json!({"name": name})), Some(key))
            .await;
        assert_eq!(retry.status, 201, "{name}: {:?}", retry.body);
        let again = session
            .call("POST", "/api/rule", Some(json!({"name": name})), Some(key))
            .await;
        assert_eq!(
            again.json()["key"],
            retry.json()["key"],
            "the first outcome, again"
        );
    }
    let todos = stored(&project, &session.user_id).await;
    for i in 0..4 {
        assert_eq!(
            named(&todos, &format!("long keyed {i}")).len(),
            1,
            "long keyed {i} exists once"
        );
    }
    for i in 0..3 {
        assert_eq!(
            named(&todos, &format!("short keyed {i}")).len(),
            1,
            "short keyed {i} exists once"
        );
    }

    // Recovered without a restart.
    let list = session
        .call("GET", "/api/rule?pageSize=50", None, None)
        .await;
    assert_eq!(list.status, 200);
    assert_eq!(list.json()["total"], todos.len());
    project.running.stop().await;
    project.datastore.stop(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_whose_first_answer_is_lost_are_recognised_when_the_sdk_retries_them() {
    let project = project(0, Reach::RuleThroughLossyProxy).await;
    let session = Arc::new(Session::sign_up(&project.running, "lossy").await);
    // Each write waits out a lost answer, so independent ones go together.
    let (created, keyed, c, d) = tokio::join!(
        session.call("POST", "/api/rule", Some(json!({"name": "a"})), None),
        session.call(
            "POST",
            "/api/rule",
            Some(json!({"name": "b"})),
            Some("lossy-b")
        ),
        session.create("c"),
        session.create("d"),
    );
    assert_eq!(
        created.status, 201,
        "a create whose first answer was lost: {:?}",
        created.body
    );
    assert_eq!(keyed.status, 201, "{:?}", keyed.body);
    let (a, b) = (
        created.json()["key"].as_str().expect("key").to_owned(),
        keyed.json()["key"].as_str().expect("key").to_owned(),
    );
    let (path_a, path_c) = (format!("/api/rule/{a}"), format!("/api/rule/{c}"));
    let (updated, via_method, one) = tokio::join!(
        session.call(
            "PUT",
            &path_a,
            Some(json!({"status": 2, "version": 1})),
            None
        ),
        session.call(
            "POST",
            "/api/rule",
            Some(json!({"key": b, "progress": "50", "method": "update"})),
            None
        ),
        session.call("DELETE", &path_c, None, None),
    );
    assert_eq!(
        updated.status, 200,
        "an update whose first answer was lost: {:?}",
        updated.body
    );
    assert_eq!(updated.json()["version"], 2);
    assert_eq!(via_method.status, 200, "{:?}", via_method.body);
    assert_eq!(
        one.json()["deleted"],
        1,
        "a delete whose first answer was lost: {:?}",
        one.body
    );
    let batch = session
        .call(
            "POST",
            "/api/rule",
            Some(json!({"key": [d, c], "method": "delete"})),
            None,
        )
        .await;
    assert_eq!(batch.json()["deleted"], 1, "{:?}", batch.body);

    let todos = stored(&project, &session.user_id).await;
    assert_eq!(todos.len(), 2, "a and b, once each");
    let list = session.call("GET", "/api/rule", None, None).await;
    assert_eq!(
        list.json()["total"],
        2,
        "counted once each: {:?}",
        list.body
    );
    let done = session.call("GET", "/api/rule?status=2", None, None).await;
    assert_eq!(done.json()["total"], 1, "a's change of status counted once");
    assert_eq!(number(&todos[&a], "version"), 2, "applied once");
    assert_eq!(number(&todos[&a], "status"), 2);
    assert_eq!(number(&todos[&b], "progress"), 50);
    assert_eq!(number(&todos[&b], "version"), 2);
    let held = project
        .proxy
        .as_ref()
        .map_or(0, |p| p.held.load(std::sync::atomic::Ordering::SeqCst));
    assert!(held >= 8, "every write met a lost answer: {held}");
    project.running.stop().await;
    project.datastore.stop(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn creates_retried_with_their_keys_after_an_instance_is_killed_exist_once_each() {
    let project = project(1, Reach::Direct).await;
    let session = Arc::new(Session::sign_up(&project.running, "killed").await);
    let pool = project
        .running
        .platform
        .pool("rule")
        .expect("rule pool")
        .clone();
    const CLIENTS: usize = 20;
    const CREATES_EACH: usize = 15;
    let finished = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut clients = tokio::task::JoinSet::new();
    for client_number in 0..CLIENTS {
        let (session, finished) = (session.clone(), finished.clone());
        clients.spawn(async move {
            let mut outcomes = Vec::new();
            for n in 0..CREATES_EACH {
                let key = format!("kill-{client_number}-{n}");
                let name = format!("under load {client_number}-{n}");
                let mut failures = Vec::new();
                // Retried as the contract advises: 502, 503 and 504 with the same key.
                let created = loop {
                    let answer = session
                        .call("POST", "/api/rule", Some(json!({"name": name})), Some(&key))
                        .await;
                    match answer.status {
                        201 => break answer.json()["key"].clone(),
                        502..=504 if failures.len() < 20 => failures.push(answer.status),
                        other => panic!("{name}: {other} {:?} after {failures:?}", answer.body),
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                };
                outcomes.push((name, created, failures));
            }
            finished.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            outcomes
        });
    }
    // Kill whichever instance is busy, three times, while the creates are in flight.
    let mut kills = 0;
    while kills < 3 && finished.load(std::sync::atomic::Ordering::SeqCst) < CLIENTS {
        tokio::time::sleep(Duration::from_millis(40)).await;
        let busy = pool
            .status()
            .instances
            .iter()
            .filter(|i| i.in_flight > 0)
            .find_map(|i| i.pid);
        if let Some(pid) = busy {
            signal(pid, "-KILL");
            kills += 1;
        }
    }
    assert!(kills > 0, "an instance was killed under load");
    let outcomes: Vec<_> = clients.join_all().await.into_iter().flatten().collect();
    let failures: usize = outcomes.iter().map(|(_, _, f)| f.len()).sum();
    assert!(failures > 0, "the kills cut requests short");
    let todos = stored(&project, &session.user_id).await;
    for (name, key, _) in &outcomes {
        let found = named(&todos, name);
        assert_eq!(found.len(), 1, "{name} exists once");
        assert_eq!(
            Some(found[0]["key"].as_s().expect("key").as_str()),
            key.as_str()
        );
    }
    assert_eq!(
        todos.len(),
        CLIENTS * CREATES_EACH,
        "nothing else was created ({failures} failed attempts were retried)"
    );
    let list = session
        .call("GET", "/api/rule?pageSize=50", None, None)
        .await;
    assert_eq!(
        list.json()["total"],
        CLIENTS * CREATES_EACH,
        "recovered without a restart"
    );
    project.running.stop().await;
    project.datastore.stop(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logout_and_account_deletion_lock_the_token_out_of_both_functions_at_once() {
    let project = project(0, Reach::Direct).await;
    let session = Session::sign_up(&project.running, "leaver").await;
    let key = session.create("mine").await;
    let other = Session::log_in(&project.running, "leaver").await;

    let out = session
        .call("POST", "/api/login/outLogin", None, None)
        .await;
    assert_eq!(out.status, 200);
    let cookie = format!("jwtToken={}", session.token);
    for (method, path, body) in [
        ("GET", "/api/currentUser".to_owned(), None),
        ("GET", "/api/rule".to_owned(), None),
        ("GET", format!("/api/rule/{key}"), None),
        (
            "POST",
            "/api/rule".to_owned(),
            Some(json!({"name": "after logout"})),
        ),
        ("DELETE", format!("/api/rule/{key}"), None),
    ] {
        let by_header = session.call(method, &path, body.clone(), None).await;
        assert_eq!(
            by_header.status, 401,
            "{method} {path}: {:?}",
            by_header.body
        );
        let by_cookie = send(
            &client(),
            method,
            &project.running.url(&path),
            &[
                ("cookie", cookie.as_str()),
                ("content-type", "application/json"),
            ],
            body.map(|b| b.to_string()).unwrap_or_default(),
        )
        .await;
        assert_eq!(by_cookie.status, 401, "cookie {method} {path}");
    }
    assert_eq!(
        other.call("GET", "/api/rule", None, None).await.status,
        200,
        "other sessions stay"
    );

    let third = Session::log_in(&project.running, "leaver").await;
    let deleted = third
        .call(
            "DELETE",
            "/api/currentUser",
            Some(json!({"password": "correct horse"})),
            None,
        )
        .await;
    assert_eq!(deleted.status, 200, "{:?}", deleted.body);
    assert_eq!(deleted.json()["deletedTodos"], 1);
    for session in [&other, &third] {
        assert_eq!(
            session.call("GET", "/api/rule", None, None).await.status,
            401
        );
        assert_eq!(
            session
                .call("GET", "/api/currentUser", None, None)
                .await
                .status,
            401
        );
    }
    assert!(
        stored(&project, &session.user_id).await.is_empty(),
        "its todos are gone"
    );
    project.running.stop().await;
    project.datastore.stop(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_instance_that_cannot_reach_the_datastore_reports_its_own_init_error() {
    // A datastore that accepts connections and never answers.
    let hole = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let endpoint = format!("http://{}", hole.local_addr().expect("addr"));
    let _held = tokio::spawn(async move {
        let mut sockets = Vec::new();
        while let Ok((socket, _)) = hole.accept().await {
            sockets.push(socket);
        }
    });
    let project = project(0, Reach::AllThrough(&endpoint)).await;
    let answer = get(&project.running.url("/api/rule")).await;
    assert_eq!(answer.status, 503, "{:?}", answer.body);
    assert_eq!(answer.json()["errorCode"], "SERVICE_UNAVAILABLE");
    let logs = project.running.platform.logs().recent();
    assert!(
        logs.iter()
            .any(|line| line.contains("Runtime.InitError.Timeout")),
        "the function's own reason reached the log: {logs:#?}"
    );
    project.running.stop().await;
    project.datastore.stop(None).await;
}
