//! A seeded, randomized fault test against the real platform, the real functions and
//! an emulator of the test's own. Several users, each with several clients (sessions),
//! write at random (creates, changes with and without `version`, deletes of one todo
//! or a batch, in both spellings of the contract), every write with an
//! `Idempotency-Key` and retried with the same key and body after 500, 502, 503, 504,
//! 429 or a lost connection. Meanwhile a chaos task stalls the datastore (SIGSTOP for
//! 0.5 to 7 s; the SDK gives up on an operation after 5 s) and SIGKILLs busy
//! instances, at random intervals.
//!
//! A model keeps what each client was told. Afterwards the test reads every user's
//! list, page by page, and checks it against the model: every acknowledged todo that
//! no delete named is there exactly once, nothing is there that no client was told
//! was created, every todo shows its last acknowledged change (the answers' versions
//! order the changes), `deleted` counts add up to the todos that are gone, and the
//! lists' totals, per status too, match what they list. Lists during the chaos must
//! never be short of the todos the model knows exist.
//!
//! One seed drives every random choice (the timing is the machine's): `CHAOS_SEED`
//! replays a run's choices, `CHAOS_SECONDS` sets how long the chaos lasts (short by
//! default, as part of `cargo test`; `make soak` runs it for minutes).

mod common;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::Answer;
use common::project::{ResumeOnDrop, Session, signal, start_project};
use local::runtime::pool::{Pool, PoolSettings};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom as _;
use rand::{Rng as _, SeedableRng as _};
use serde_json::{Value, json};

/// Users, and clients (sessions) of each.
const USERS: usize = 3;
const CLIENTS_PER_USER: usize = 4;
/// How long the chaos lasts unless `CHAOS_SECONDS` says otherwise: with start-up,
/// the last stall and the checks, about a minute of `cargo test`.
const DEFAULT_SECONDS: u64 = 30;
/// The rule function's per-instance concurrency here: low, so that the clients keep
/// several instances busy (and there is one to kill).
const RULE_CONCURRENCY: u32 = 3;
/// Live todos per user past which the clients create no more.
const MOST_LIVE: usize = 150;
/// Longest wait for one answer: more than the function timeout (10 s) and a stall.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);
/// How long after the chaos a write may still go without a definite answer.
const RECOVERY: Duration = Duration::from_secs(45);

/// This run's seed and length, from the environment.
#[derive(Clone, Copy)]
struct Run {
    seed: u64,
    seconds: u64,
}

impl Run {
    fn from_env() -> Self {
        let number = |name: &str| {
            std::env::var(name).ok().map(|v| {
                v.trim()
                    .parse::<u64>()
                    .unwrap_or_else(|e| panic!("{name}={v:?}: {e}"))
            })
        };
        Self {
            seed: number("CHAOS_SEED").unwrap_or_else(rand::random),
            seconds: number("CHAOS_SECONDS").unwrap_or(DEFAULT_SECONDS),
        }
    }

    /// How to run this again.
    fn replay(&self) -> String {
        format!(
            "CHAOS_SEED={} CHAOS_SECONDS={} cargo test -p todo-local --test chaos -- --nocapture",
            self.seed, self.seconds
        )
    }

    /// An independent generator for one participant, derived from the seed.
    fn rng(&self, participant: u64) -> StdRng {
        StdRng::seed_from_u64(
            self.seed.wrapping_add(
                participant
                    .wrapping_add(1)
                    .wrapping_mul(0x9E37_79B9_7F4A_7C15),
            ),
        )
    }
}

/// What the test found wrong, collected from every task, each with the seed.
#[derive(Clone)]
struct Findings {
    seed: u64,
    list: Arc<Mutex<Vec<String>>>,
}

impl Findings {
    fn report(&self, what: impl Into<String>) {
        let what = what.into();
        eprintln!("chaos seed {}: {what}", self.seed);
        self.list.lock().expect("findings").push(what);
    }

    fn all(&self) -> Vec<String> {
        self.list.lock().expect("findings").clone()
    }
}

/// A todo's fields that the writes set.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Fields {
    name: String,
    status: u8,
    progress: u8,
}

impl Fields {
    fn of(todo: &Value) -> Option<Self> {
        Some(Self {
            name: todo["name"].as_str()?.to_owned(),
            status: u8::try_from(todo["status"].as_u64()?).ok()?,
            progress: u8::try_from(todo["progress"].as_u64()?).ok()?,
        })
    }
}

/// A change some client was told was applied (200), and what it set.
#[derive(Clone, Debug)]
struct Change {
    write: String,
    version: u64,
    name: Option<String>,
    status: Option<u8>,
    progress: Option<u8>,
}

/// What the clients were told about one todo.
#[derive(Debug)]
struct Known {
    /// The create's idempotency key, and what its 201 answered.
    write: String,
    created: Fields,
    changes: Vec<Change>,
    /// Named by a delete that was sent: it may be gone.
    named_in_delete: bool,
    /// The idempotency key of an update that was answered 404.
    told_missing: Option<String>,
}

impl Known {
    /// The highest version a client was told of (what a careful client sends).
    fn version(&self) -> u64 {
        self.changes.iter().map(|c| c.version).max().unwrap_or(1)
    }
}

/// A delete and its answer.
#[derive(Debug)]
struct Deletion {
    write: String,
    keys: BTreeSet<String>,
    deleted: u64,
}

/// What one user's clients were told.
#[derive(Default)]
struct Model {
    todos: BTreeMap<String, Known>,
    deletions: Vec<Deletion>,
    /// Keys named by deletes, newest last: a client sometimes names one again.
    recently_named: Vec<String>,
}

/// Counts for the summary.
#[derive(Default, Clone, Copy)]
struct Tally {
    writes: u64,
    attempts: u64,
    retried_5xx: u64,
    lost: u64,
    replayed: u64,
    refused: u64,
    lists: u64,
    lists_failed: u64,
}

impl Tally {
    fn add(&mut self, other: &Self) {
        self.writes += other.writes;
        self.attempts += other.attempts;
        self.retried_5xx += other.retried_5xx;
        self.lost += other.lost;
        self.replayed += other.replayed;
        self.refused += other.refused;
        self.lists += other.lists;
        self.lists_failed += other.lists_failed;
    }
}

/// One client: a session of a user, writing at random until `until`.
struct Client {
    user: usize,
    me: usize,
    session: Session,
    model: Arc<Mutex<Model>>,
    rng: StdRng,
    findings: Findings,
    /// When the chaos ends; after it, no new operation starts.
    until: Instant,
    /// The writes so far (for unique names and keys).
    count: u64,
    tally: Tally,
}

/// Words for names, some of them not ASCII (sent in NFC, as stored).
const WORDS: &[&str] = &[
    "buy milk",
    "call Ana",
    "café au lait",
    "Grüße an Jörg",
    "fix the roof",
    "read the RFC",
    "日本語のメモ",
    "pay the bill",
];

impl Client {
    fn label(&self) -> String {
        format!("u{}c{}w{}", self.user, self.me, self.count)
    }

    async fn run(mut self) -> (Tally, Session) {
        while Instant::now() < self.until {
            self.count += 1;
            let (known, live) = {
                let model = self.model.lock().expect("model");
                let live = model.todos.values().filter(|k| !k.named_in_delete).count();
                (!model.todos.is_empty(), live)
            };
            // Creates outnumber deletes; past `MOST_LIVE` todos a user's clients delete
            // instead, so that a long run's lists stay a few pages long.
            match self.rng.random_range(0..100) {
                0..35 if live >= MOST_LIVE => self.delete().await,
                0..35 => self.create().await,
                35..68 if known => self.update().await,
                68..85 if known => self.delete().await,
                85..93 => self.list().await,
                93..100 if known => self.get().await,
                _ => self.create().await,
            }
            let pause = self.rng.random_range(0..25);
            tokio::time::sleep(Duration::from_millis(pause)).await;
        }
        (self.tally, self.session)
    }

    /// Sends one logical write until it gets a definite answer: 2xx, or the write's
    /// own refusal (404, 409). 5xx, 429 and lost connections are retried with the same
    /// key and body, backing off up to 1 s, until `RECOVERY` after the chaos.
    async fn write(&mut self, method: &str, path: &str, body: &Value, key: &str) -> Option<Answer> {
        let body = body.to_string();
        self.tally.writes += 1;
        let give_up = self.until + RECOVERY;
        let mut backoff = Duration::from_millis(50);
        let mut history = Vec::new();
        loop {
            self.tally.attempts += 1;
            match self
                .session
                .call(method, path, &body, Some(key), REQUEST_LIMIT)
                .await
            {
                Ok(answer) => match answer.status {
                    200..=299 | 404 | 409 => {
                        if answer.headers.get("idempotent-replayed").is_some() {
                            self.tally.replayed += 1;
                        }
                        if matches!(answer.status, 404 | 409) {
                            self.tally.refused += 1;
                        }
                        return Some(answer);
                    }
                    429 | 500 | 502..=504 => {
                        self.tally.retried_5xx += 1;
                        history.push(answer.status.to_string());
                    }
                    422 => {
                        self.findings.report(format!(
                            "{method} {path} {body} (Idempotency-Key {key}): 422 on a retry with the \
                             same key and body, after {history:?}: {:?}",
                            answer.body
                        ));
                        return None;
                    }
                    other => {
                        self.findings.report(format!(
                            "{method} {path} {body} (Idempotency-Key {key}): unexpected {other} after \
                             {history:?}: {:?}",
                            answer.body
                        ));
                        return None;
                    }
                },
                Err(lost) => {
                    self.tally.lost += 1;
                    history.push(lost);
                }
            }
            if Instant::now() > give_up {
                self.findings.report(format!(
                    "{method} {path} {body} (Idempotency-Key {key}): no definite answer {RECOVERY:?} \
                     after the chaos ended: {history:?}"
                ));
                return None;
            }
            // Not from the seeded generator: how often a write is retried depends on the
            // timing, and the choices that follow should not.
            let jitter = rand::rng().random_range(0..=backoff.as_millis() as u64 / 2);
            tokio::time::sleep(backoff + Duration::from_millis(jitter)).await;
            backoff = (backoff * 2).min(Duration::from_secs(1));
        }
    }

    /// A number as JSON, sometimes as a decimal string (as forms send it).
    fn number(&mut self, n: u64) -> Value {
        if self.rng.random_bool(0.3) {
            json!(n.to_string())
        } else {
            json!(n)
        }
    }

    /// A todo of this user the model knows, rarely one a delete named already.
    fn pick(&mut self) -> Option<String> {
        let model = self.model.lock().expect("model");
        if self.rng.random_bool(0.1)
            && let Some(key) = model.recently_named.choose(&mut self.rng)
        {
            return Some(key.clone());
        }
        let live: Vec<&String> = model
            .todos
            .iter()
            .filter(|(_, known)| !known.named_in_delete)
            .map(|(key, _)| key)
            .collect();
        // Often one of the newest (keys sort by time), so that clients meet on a todo.
        let newest = if self.rng.random_bool(0.5) {
            &live[live.len().saturating_sub(6)..]
        } else {
            &live[..]
        };
        newest.choose(&mut self.rng).map(|key| (*key).clone())
    }

    async fn create(&mut self) {
        let key = self.label();
        let word = *WORDS.choose(&mut self.rng).expect("words");
        let name = format!("{key} {word}");
        let status = self.rng.random_range(0..=3u8);
        let progress = if self.rng.random_bool(0.3) {
            self.rng.random_range(0..=100u8)
        } else {
            0
        };
        let mut body = json!({"name": name, "status": self.number(status.into())});
        if progress > 0 {
            body["progress"] = self.number(progress.into());
        }
        if self.rng.random_bool(0.3) {
            body["method"] = json!("post");
        }
        let Some(answer) = self.write("POST", "/api/rule", &body, &key).await else {
            return;
        };
        let todo = answer.json();
        let sent = Fields {
            name,
            status,
            progress,
        };
        match (answer.status, todo["key"].as_str(), Fields::of(&todo)) {
            (201, Some(todo_key), Some(created)) => {
                if created != sent || todo["version"] != 1 {
                    self.findings.report(format!(
                        "create {key}: sent {sent:?}, answered {todo} (version 1 expected)"
                    ));
                }
                self.model.lock().expect("model").todos.insert(
                    todo_key.to_owned(),
                    Known {
                        write: key,
                        created,
                        changes: Vec::new(),
                        named_in_delete: false,
                        told_missing: None,
                    },
                );
            }
            _ => self.findings.report(format!(
                "create {key}: {} {:?} (201 with a todo expected)",
                answer.status, answer.body
            )),
        }
    }

    async fn update(&mut self) {
        let Some(todo_key) = self.pick() else {
            return;
        };
        let key = self.label();
        let mut body = json!({});
        let (mut name, mut status, mut progress) = (None, None, None);
        while name.is_none() && status.is_none() && progress.is_none() {
            if self.rng.random_bool(0.4) {
                let word = *WORDS.choose(&mut self.rng).expect("words");
                name = Some(format!("{key} renamed {word}"));
            }
            if self.rng.random_bool(0.6) {
                status = Some(self.rng.random_range(0..=3u8));
            }
            if self.rng.random_bool(0.3) {
                progress = Some(self.rng.random_range(0..=100u8));
            }
        }
        if let Some(name) = &name {
            body["name"] = json!(name);
        }
        if let Some(status) = status {
            body["status"] = self.number(status.into());
        }
        if let Some(progress) = progress {
            body["progress"] = self.number(progress.into());
        }
        if self.rng.random_bool(0.5) {
            let version = self.model.lock().expect("model").todos[&todo_key].version();
            body["version"] = self.number(version);
        }
        let (method, path) = match self.rng.random_range(0..3) {
            0 => ("PUT", format!("/api/rule/{todo_key}")),
            1 => {
                body["key"] = json!(todo_key);
                ("PUT", "/api/rule".to_owned())
            }
            _ => {
                body["key"] = json!(todo_key);
                body["method"] = json!("update");
                ("POST", "/api/rule".to_owned())
            }
        };
        let Some(answer) = self.write(method, &path, &body, &key).await else {
            return;
        };
        match answer.status {
            200 => {
                let todo = answer.json();
                let (Some(fields), Some(version)) = (Fields::of(&todo), todo["version"].as_u64())
                else {
                    self.findings
                        .report(format!("update {key}: not a todo: {:?}", answer.body));
                    return;
                };
                let shows =
                    |set: &Option<String>, is: &String| set.as_ref().is_none_or(|s| s == is);
                if todo["key"] != json!(todo_key)
                    || !shows(&name, &fields.name)
                    || status.is_some_and(|s| s != fields.status)
                    || progress.is_some_and(|p| p != fields.progress)
                {
                    self.findings.report(format!(
                        "update {key} of {todo_key}: sent {body}, the answer does not show it: {todo}"
                    ));
                }
                let mut model = self.model.lock().expect("model");
                if let Some(known) = model.todos.get_mut(&todo_key) {
                    known.changes.push(Change {
                        write: key,
                        version,
                        name,
                        status,
                        progress,
                    });
                }
            }
            404 => {
                if let Some(known) = self.model.lock().expect("model").todos.get_mut(&todo_key) {
                    known.told_missing = Some(key);
                }
            }
            409 => {}
            other => self
                .findings
                .report(format!("update {key}: {other} {:?}", answer.body)),
        }
    }

    async fn delete(&mut self) {
        let key = self.label();
        let mut keys = BTreeSet::new();
        let wanted = if self.rng.random_bool(0.5) {
            1
        } else {
            self.rng.random_range(2..=4)
        };
        for _ in 0..wanted {
            if let Some(todo_key) = self.pick() {
                keys.insert(todo_key);
            }
        }
        let Some(first) = keys.first().cloned() else {
            return;
        };
        {
            let mut model = self.model.lock().expect("model");
            for todo_key in &keys {
                if let Some(known) = model.todos.get_mut(todo_key) {
                    known.named_in_delete = true;
                }
                model.recently_named.push(todo_key.clone());
            }
            let excess = model.recently_named.len().saturating_sub(40);
            model.recently_named.drain(..excess);
        }
        let list: Vec<&String> = keys.iter().collect();
        let one = keys.len() == 1;
        let (method, path, body) = match self.rng.random_range(0..3) {
            0 if one => ("DELETE", format!("/api/rule/{first}"), json!({})),
            0 | 1 => {
                let named = if one && self.rng.random_bool(0.5) {
                    json!(first)
                } else {
                    json!(list)
                };
                ("DELETE", "/api/rule".to_owned(), json!({"key": named}))
            }
            _ => (
                "POST",
                "/api/rule".to_owned(),
                json!({"key": list, "method": "delete"}),
            ),
        };
        let Some(answer) = self.write(method, &path, &body, &key).await else {
            return;
        };
        match (answer.status, answer.json()["deleted"].as_u64()) {
            (200, Some(deleted)) => self.model.lock().expect("model").deletions.push(Deletion {
                write: key,
                keys,
                deleted,
            }),
            _ => self.findings.report(format!(
                "delete {key} of {keys:?}: {} {:?} (200 with `deleted` expected)",
                answer.status, answer.body
            )),
        }
    }

    /// The todos the model knows exist now: told created, named by no delete yet.
    fn surely_there(&self) -> HashSet<String> {
        let model = self.model.lock().expect("model");
        model
            .todos
            .iter()
            .filter(|(_, known)| !known.named_in_delete)
            .map(|(key, _)| key.clone())
            .collect()
    }

    /// A first page, during the chaos: it may fail (5xx), but never come back short of
    /// the todos that existed from before it was sent until after it was answered.
    async fn list(&mut self) {
        let page_size = self.rng.random_range(1..=20usize);
        let before = self.surely_there();
        let path = format!("/api/rule?current=1&pageSize={page_size}");
        self.tally.lists += 1;
        let answer = self
            .session
            .call("GET", &path, "", None, REQUEST_LIMIT)
            .await;
        let after = self.surely_there();
        let there = before.intersection(&after).count();
        match answer {
            Ok(answer) if answer.status == 200 => {
                let page = answer.json();
                let data = page["data"].as_array().cloned().unwrap_or_default();
                let keys: HashSet<&str> = data.iter().filter_map(|t| t["key"].as_str()).collect();
                if data.len() < page_size.min(there) || keys.len() != data.len() {
                    self.findings.report(format!(
                        "user {}: GET {path} listed {} todos ({} distinct) where {there} existed \
                         throughout: {page}",
                        self.user,
                        data.len(),
                        keys.len()
                    ));
                }
            }
            Ok(answer) if answer.status >= 500 => self.tally.lists_failed += 1,
            Ok(answer) => self.findings.report(format!(
                "user {}: GET {path}: {} {:?}",
                self.user, answer.status, answer.body
            )),
            Err(_) => self.tally.lists_failed += 1,
        }
    }

    /// One todo the model knows exists: it may fail (5xx), but is never missing.
    async fn get(&mut self) {
        let Some(todo_key) = self.pick() else {
            return;
        };
        let path = format!("/api/rule/{todo_key}");
        let answer = self
            .session
            .call("GET", &path, "", None, REQUEST_LIMIT)
            .await;
        let still = self.surely_there().contains(&todo_key);
        match answer {
            Ok(answer) if answer.status == 200 || answer.status >= 500 => {}
            Ok(answer) if answer.status == 404 && !still => {}
            Ok(answer) => self.findings.report(format!(
                "user {}: GET {path} of a todo no delete named: {} {:?}",
                self.user, answer.status, answer.body
            )),
            Err(_) => {}
        }
    }
}

/// What the chaos task did.
#[derive(Default)]
struct Chaos {
    stalls: Vec<Duration>,
    kills: usize,
}

/// Until `until`, every 1 to 3 s: stall the datastore (SIGSTOP, then SIGCONT; half of
/// the stalls 0.5 to 2.5 s, within the SDK's 5 s, half 4 to 7 s, past it) or SIGKILL
/// a busy instance of the rule function. About 40 % of the time is stalled.
async fn chaos(mut rng: StdRng, datastore: u32, rule: Arc<Pool>, until: Instant) -> Chaos {
    let mut done = Chaos::default();
    while Instant::now() < until {
        tokio::time::sleep(Duration::from_millis(rng.random_range(1000..3000))).await;
        if rng.random_bool(0.4) {
            let pause = if rng.random_bool(0.5) {
                rng.random_range(500..2500)
            } else {
                rng.random_range(4000..=7000)
            };
            let pause = Duration::from_millis(pause);
            // Resumed when dropped, also if this task is cancelled mid-stall.
            let _resume = ResumeOnDrop(datastore);
            signal(datastore, "-STOP");
            tokio::time::sleep(pause).await;
            done.stalls.push(pause);
        } else {
            let busy: Vec<u32> = rule
                .status()
                .instances
                .iter()
                .filter(|i| i.in_flight > 0)
                .filter_map(|i| i.pid)
                .collect();
            if let Some(pid) = busy.choose(&mut rng)
                && signal(*pid, "-KILL")
            {
                done.kills += 1;
            }
        }
    }
    done
}

/// A whole list read page by page, and what it answered on the way.
struct Listing {
    todos: Vec<Value>,
    /// `total` of each page.
    totals: BTreeSet<u64>,
}

/// Reads every page of `query` (`status=1&` or empty) with `page_size`, following
/// `cursor` (`by_cursor`) or counting `current` up. Any answer but a 200 with a full
/// page (but the last) is an error: the chaos is over.
async fn read_all(
    session: &Session,
    query: &str,
    page_size: usize,
    by_cursor: bool,
) -> Result<Listing, String> {
    let mut listing = Listing {
        todos: Vec::new(),
        totals: BTreeSet::new(),
    };
    let mut cursor: Option<String> = None;
    for current in 1..=10_000 / page_size + 2 {
        let mut path = format!("/api/rule?{query}current={current}&pageSize={page_size}");
        if let Some(cursor) = &cursor {
            path.push_str(&format!("&cursor={cursor}"));
        }
        let answer = session.call("GET", &path, "", None, REQUEST_LIMIT).await?;
        if answer.status != 200 {
            return Err(format!("GET {path}: {} {:?}", answer.status, answer.body));
        }
        let page = answer.json();
        let data = page["data"].as_array().cloned().unwrap_or_default();
        let total = page["total"].as_u64().unwrap_or(u64::MAX);
        listing.totals.insert(total);
        let next = page["cursor"].as_str().map(str::to_owned);
        let last = if by_cursor {
            next.is_none()
        } else {
            (current * page_size) as u64 >= total || data.len() < page_size
        };
        if data.len() != page_size && !last {
            return Err(format!(
                "GET {path}: a short page ({} of {page_size}) before the end: {page}",
                data.len()
            ));
        }
        listing.todos.extend(data);
        if last {
            return Ok(listing);
        }
        cursor = if by_cursor { next } else { None };
    }
    Err(format!("{query}: more pages than todos"))
}

fn key_of(todo: &Value) -> String {
    todo["key"].as_str().unwrap_or("?").to_owned()
}

/// Reads `user`'s whole list after the chaos, by `cursor` and by `current`, and its
/// lists by status; reports any answer but a 200, and any total that does not match
/// what the lists hold. Returns the whole list.
async fn whole_list(
    user: usize,
    session: &Session,
    rng: &mut StdRng,
    findings: &Findings,
) -> Option<Vec<Value>> {
    let report = |what: String| findings.report(format!("user {user}, after the chaos: {what}"));
    let page_size = rng.random_range(3..=40usize);
    let (by_cursor, by_page) = match (
        read_all(session, "", page_size, true).await,
        read_all(session, "", page_size, false).await,
    ) {
        (Ok(by_cursor), Ok(by_page)) => (by_cursor, by_page),
        (Err(error), _) | (_, Err(error)) => {
            report(error);
            return None;
        }
    };
    let keys: Vec<String> = by_cursor.todos.iter().map(key_of).collect();
    let paged: Vec<String> = by_page.todos.iter().map(key_of).collect();
    if paged != keys {
        report(format!(
            "paging by `current` lists {} todos, by `cursor` {} (pageSize {page_size})",
            paged.len(),
            keys.len()
        ));
    }
    let listed = keys.len() as u64;
    if by_cursor.totals != BTreeSet::from([listed]) || by_page.totals != BTreeSet::from([listed]) {
        report(format!(
            "totals {:?} (by cursor) and {:?} (by page) for {listed} todos listed",
            by_cursor.totals, by_page.totals
        ));
    }
    for status in 0..=3u64 {
        let filtered = match read_all(session, &format!("status={status}&"), page_size, true).await
        {
            Ok(listing) => listing,
            Err(error) => {
                report(error);
                continue;
            }
        };
        let expected: Vec<&String> = by_cursor
            .todos
            .iter()
            .zip(&keys)
            .filter(|(todo, _)| todo["status"] == status)
            .map(|(_, key)| key)
            .collect();
        let got: Vec<String> = filtered.todos.iter().map(key_of).collect();
        if got.iter().collect::<Vec<_>>() != expected {
            report(format!(
                "status={status} lists {} todos, the whole list has {} with that status",
                got.len(),
                expected.len()
            ));
        }
        if filtered.totals != BTreeSet::from([expected.len() as u64]) {
            report(format!(
                "status={status}: totals {:?} for {} todos with that status",
                filtered.totals,
                expected.len()
            ));
        }
    }
    Some(by_cursor.todos)
}

/// Checks `user`'s list after the chaos against what its clients were told.
fn check_against_model(user: usize, listed: &[Value], model: &Model, findings: &Findings) {
    let report = |what: String| findings.report(format!("user {user}: {what}"));
    // Exactly once, and only what some client was told was created.
    let mut present: HashMap<String, &Value> = HashMap::new();
    let mut names: HashMap<&str, String> = HashMap::new();
    for todo in listed {
        let key = key_of(todo);
        if present.insert(key.clone(), todo).is_some() {
            report(format!("{key} is listed twice"));
        }
        if !model.todos.contains_key(&key) {
            report(format!("{key} was never acknowledged as created: {todo}"));
        }
        if let Some(name) = todo["name"].as_str()
            && let Some(other) = names.insert(name, key.clone())
        {
            report(format!("two todos are named {name:?}: {other} and {key}"));
        }
    }
    let gone: BTreeSet<&String> = model
        .todos
        .keys()
        .filter(|key| !present.contains_key(*key))
        .collect();
    for (key, known) in &model.todos {
        let is_there = present.contains_key(key);
        if !is_there && !known.named_in_delete {
            report(format!(
                "{key} (created by {}) is missing, and no delete named it",
                known.write
            ));
        }
        if let (true, Some(write)) = (is_there, &known.told_missing) {
            report(format!(
                "{key} is listed, but update {write} was told it does not exist"
            ));
        }
    }
    // Every todo that is gone was counted by exactly one delete.
    let mut counted = 0;
    let mut fully: BTreeMap<&String, Vec<&str>> = BTreeMap::new();
    for deletion in &model.deletions {
        counted += deletion.deleted;
        let gone_of_it = deletion.keys.iter().filter(|k| gone.contains(k)).count() as u64;
        if deletion.deleted > gone_of_it {
            report(format!(
                "delete {} of {:?} answered deleted: {}, but {gone_of_it} of them are gone",
                deletion.write, deletion.keys, deletion.deleted
            ));
        }
        if deletion.deleted == deletion.keys.len() as u64 {
            for key in &deletion.keys {
                fully.entry(key).or_default().push(&deletion.write);
            }
        }
    }
    for (key, writes) in &fully {
        if writes.len() > 1 {
            report(format!(
                "{key} was counted as deleted by each of {writes:?}"
            ));
        }
    }
    if counted != gone.len() as u64 {
        report(format!(
            "{} todos are gone, the deletes' answers counted {counted}",
            gone.len()
        ));
    }
    // Each todo as its last acknowledged change left it: every change makes one more
    // version, so the answers' versions order them.
    for (key, todo) in &present {
        let Some(known) = model.todos.get(key) else {
            continue;
        };
        let (Some(fields), Some(version)) = (Fields::of(todo), todo["version"].as_u64()) else {
            report(format!("{key}: not a todo: {todo}"));
            continue;
        };
        let mut versions: Vec<u64> = known.changes.iter().map(|c| c.version).collect();
        versions.sort_unstable();
        let expected: Vec<u64> = (2..=version).collect();
        let ordered = versions == expected;
        if !ordered {
            let writes: Vec<(&str, u64)> = known
                .changes
                .iter()
                .map(|c| (c.write.as_str(), c.version))
                .collect();
            report(format!(
                "{key} is at version {version}, but the changes acknowledged for it were \
                 answered with versions {writes:?} (one each of 2..={version} expected: a \
                 change applied twice, or applied although its answer said otherwise)"
            ));
        }
        let last = |field: fn(&Change) -> bool| {
            known
                .changes
                .iter()
                .filter(|c| field(c))
                .max_by_key(|c| c.version)
        };
        let name = last(|c| c.name.is_some()).and_then(|c| c.name.clone());
        let status = last(|c| c.status.is_some()).and_then(|c| c.status);
        let progress = last(|c| c.progress.is_some()).and_then(|c| c.progress);
        let expected = Fields {
            name: name.unwrap_or_else(|| known.created.name.clone()),
            status: status.unwrap_or(known.created.status),
            progress: progress.unwrap_or(known.created.progress),
        };
        if ordered && fields != expected {
            report(format!(
                "{key}: listed as {fields:?}, its last acknowledged changes make {expected:?} \
                 (changes: {:?})",
                known.changes
            ));
        }
        if !ordered {
            // The order is not known: any value some answer gave will do.
            let names: Vec<&String> = std::iter::once(&known.created.name)
                .chain(known.changes.iter().filter_map(|c| c.name.as_ref()))
                .collect();
            let statuses: Vec<u8> = std::iter::once(known.created.status)
                .chain(known.changes.iter().filter_map(|c| c.status))
                .collect();
            if !names.contains(&&fields.name) || !statuses.contains(&fields.status) {
                report(format!(
                    "{key}: listed as {fields:?}, a value no client set (changes: {:?})",
                    known.changes
                ));
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn random_writes_through_datastore_stalls_and_killed_instances_leave_what_the_clients_were_told()
 {
    let run = Run::from_env();
    eprintln!(
        "chaos seed {} for {} s; replay with: {}",
        run.seed,
        run.seconds,
        run.replay()
    );
    let findings = Findings {
        seed: run.seed,
        list: Arc::default(),
    };
    // Every panic, here or in a client's task, says how to replay the run.
    let default_hook = std::panic::take_hook();
    let replay = run.replay();
    std::panic::set_hook(Box::new(move |info| {
        eprintln!("chaos seed {}: replay with: {replay}", run.seed);
        default_hook(info);
    }));
    let project = start_project(
        PoolSettings {
            min_instances: 2,
            ..PoolSettings::default()
        },
        |function| {
            if function.name == "rule" {
                function.lifecycle.concurrency = RULE_CONCURRENCY;
            }
        },
    )
    .await;
    let datastore = project.datastore_pid();
    // Whatever happens below, the datastore is not left stopped.
    let _resume = ResumeOnDrop(datastore);

    let mut clients = Vec::new();
    let mut models = Vec::new();
    for user in 0..USERS {
        let name = format!("chaos{user}");
        let model = Arc::new(Mutex::new(Model::default()));
        models.push(model.clone());
        let mut sessions = vec![Session::sign_up(&project.running, &name).await];
        for _ in 1..CLIENTS_PER_USER {
            sessions.push(Session::log_in(&project.running, &name).await);
        }
        for (me, session) in sessions.into_iter().enumerate() {
            clients.push((user, me, session, model.clone()));
        }
    }
    let until = Instant::now() + Duration::from_secs(run.seconds);
    let started = Instant::now();
    let chaos = tokio::spawn(chaos(
        run.rng(u64::MAX),
        datastore,
        project.pool("rule"),
        until,
    ));
    let mut tasks = tokio::task::JoinSet::new();
    for (n, (user, me, session, model)) in clients.into_iter().enumerate() {
        let client = Client {
            user,
            me,
            session,
            model,
            rng: run.rng(n as u64),
            findings: findings.clone(),
            until,
            count: 0,
            tally: Tally::default(),
        };
        tasks.spawn(async move { (user, client.run().await) });
    }
    let mut tally = Tally::default();
    let mut sessions = BTreeMap::new();
    for (user, (client, session)) in tasks.join_all().await {
        tally.add(&client);
        sessions.insert(user, session);
    }
    let chaos = chaos.await.expect("the chaos task ends");
    eprintln!(
        "chaos seed {}: {} writes ({} attempts: {} retried after 5xx or 429, {} lost; {} replayed, \
         {} refused 404/409), {} lists during the chaos ({} failed), {} stalls ({:.1} s in all), \
         {} instances killed; {:.1} s",
        run.seed,
        tally.writes,
        tally.attempts,
        tally.retried_5xx,
        tally.lost,
        tally.replayed,
        tally.refused,
        tally.lists,
        tally.lists_failed,
        chaos.stalls.len(),
        chaos.stalls.iter().map(Duration::as_secs_f64).sum::<f64>(),
        chaos.kills,
        started.elapsed().as_secs_f64()
    );

    // The chaos is over: every user's list, read with one of its clients' sessions.
    let mut rng = run.rng(u64::MAX - 1);
    for (user, session) in &sessions {
        let Some(listed) = whole_list(*user, session, &mut rng, &findings).await else {
            continue;
        };
        let model = models[*user].lock().expect("model");
        eprintln!(
            "chaos seed {}: user {user}: {} todos listed, {} acknowledged created, {} deletes",
            run.seed,
            listed.len(),
            model.todos.len(),
            model.deletions.len()
        );
        check_against_model(*user, &listed, &model, &findings);
    }
    let found = findings.all();
    assert!(
        found.is_empty(),
        "chaos seed {}: {} findings; replay with: {}\n{}",
        run.seed,
        found.len(),
        run.replay(),
        found.join("\n")
    );
    assert!(tally.writes > 0, "chaos seed {}: no writes", run.seed);
    project.stop().await;
}
