//! A function's pool of instances: cold starts on demand, per-instance concurrency,
//! a bounded queue with a deadline, timeouts, crashes, idle reaping and scaling.
//!
//! All bookkeeping lives under one short-held lock and never across an `await`:
//! - a request takes a *slot* on a ready instance with room (`in_flight < concurrency`),
//!   or waits in the queue; under [`Policy::Concurrency`] an instance starts whenever
//!   the waiting requests outnumber the slots of the instances already starting;
//! - an instance is *starting* from spawn until its first `next` call (its initializer
//!   has finished), then *ready*; it gets no event before that;
//! - a process exit the platform did not ask for is a crash (or a failed init).

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::Serialize;
use tokio::sync::oneshot;

use crate::ids;
use crate::observe::logs::{Logs, Report};
use crate::observe::stats::{Stats, StatsSnapshot};
use crate::runtime::instance::{self, Event, ExitReason, Instance, Launch};
use crate::runtime::invoke_error::InvokeError;
use crate::runtime::policy::{Decision, Load, Policy, WatermarkScaler};
use crate::runtime::procfs;
use crate::runtime::runtime_api;
use crate::template::functions::FunctionSpec;

/// How many latencies per instance the status page shows.
const RECENT_LATENCIES: usize = 20;

/// How stale an instance's peak memory (`REPORT`'s Max Memory Used) may be before an
/// invocation reads `/proc` again; the periodic tick refreshes it too. Reading `/proc`
/// on every invocation cost a noticeable share of warm throughput.
const PEAK_MEMORY_MAX_AGE: Duration = Duration::from_millis(100);

/// How a pool scales and queues.
#[derive(Debug, Clone)]
pub struct PoolSettings {
    /// Instances kept warm ("reserved"); never reaped or scaled in below this.
    pub min_instances: usize,
    /// The most instances at once.
    pub max_instances: usize,
    /// The most requests waiting for a slot; more get 429.
    pub queue_bound: usize,
    /// How long a request may wait for a slot; then 503.
    pub queue_timeout: Duration,
    /// An idle instance above the minimum is stopped after this long.
    pub keep_alive: Duration,
    /// How often instances are sampled, reaped and (watermark policy) scaled.
    pub tick: Duration,
    /// The scaling policy.
    pub policy: Policy,
}

impl Default for PoolSettings {
    fn default() -> Self {
        Self {
            min_instances: 0,
            max_instances: 20,
            queue_bound: 1000,
            queue_timeout: Duration::from_secs(15),
            keep_alive: Duration::from_secs(300),
            tick: Duration::from_millis(250),
            policy: Policy::Concurrency,
        }
    }
}

/// An instance's phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Spawned; its initializer has not finished.
    Starting,
    /// Serving.
    Ready,
    /// Being stopped; takes nothing new.
    Stopping,
}

/// Whether the function answered or failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutcomeKind {
    /// `/response`: the body is the function's result.
    Response,
    /// `/error`: the body is the runtime's error report.
    Error,
}

/// A finished invocation.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// Response or error.
    pub kind: OutcomeKind,
    /// What the instance posted.
    pub body: Bytes,
    /// The `REPORT` line's figures.
    pub report: Report,
    /// The instance that served it.
    pub instance: u64,
}

struct Record {
    instance: Arc<Instance>,
    phase: Phase,
    in_flight: u32,
    spawned_at: Instant,
    init_duration: Option<Duration>,
    init_reported: bool,
    invocations: u64,
    last_active: Instant,
    recent: VecDeque<Duration>,
    window: Vec<Duration>,
    last_sample: Option<(Instant, procfs::ProcessSample)>,
    cpu_percent: f64,
    rss_kib: u64,
    /// Peak resident memory (`VmHWM`) as last read, KiB, and when it was read.
    peak_rss_kib: u64,
    peak_read_at: Option<Instant>,
}

struct Waiter {
    id: u64,
    tx: oneshot::Sender<Result<Arc<Instance>, InvokeError>>,
}

struct Pending {
    instance: u64,
    tx: oneshot::Sender<Result<Outcome, InvokeError>>,
    delivered_at: Option<Instant>,
}

#[derive(Default)]
struct State {
    next_id: u64,
    next_waiter: u64,
    instances: BTreeMap<u64, Record>,
    waiters: VecDeque<Waiter>,
    pending: HashMap<String, Pending>,
}

/// One instance on the status page.
#[derive(Debug, Clone, Serialize)]
pub struct InstanceStatus {
    /// Instance number.
    pub id: u64,
    /// Process id.
    pub pid: Option<u32>,
    /// Phase.
    pub state: Phase,
    /// Requests it holds now.
    pub in_flight: u32,
    /// Invocations it answered.
    pub invocations: u64,
    /// Its init duration in ms, once ready.
    pub init_ms: Option<f64>,
    /// Seconds since spawn.
    pub age_s: f64,
    /// Resident memory, KiB.
    pub rss_kib: u64,
    /// CPU use over the last sample, percent of a core.
    pub cpu_percent: f64,
    /// Latencies of its last requests, ms, oldest first.
    pub recent_latencies_ms: Vec<f64>,
}

/// A function's pool on the status page and in `/metrics`.
#[derive(Debug, Clone, Serialize)]
pub struct PoolStatus {
    /// Short name.
    pub name: String,
    /// Scaling policy name.
    pub policy: &'static str,
    /// Declared per-instance concurrency.
    pub concurrency: u32,
    /// Minimum instances.
    pub min_instances: usize,
    /// Maximum instances.
    pub max_instances: usize,
    /// Requests waiting for a slot.
    pub queued: usize,
    /// Instances ever spawned.
    pub spawned: u64,
    /// Live instances.
    pub instances: Vec<InstanceStatus>,
    /// Counters.
    pub stats: StatsSnapshot,
}

/// A function's instances and their traffic.
pub struct Pool {
    spec: Arc<FunctionSpec>,
    arn: String,
    settings: PoolSettings,
    launch: Launch,
    logs: Arc<Logs>,
    stats: Stats,
    state: Mutex<State>,
    closing: AtomicBool,
    spawned: AtomicU64,
    scaler: Mutex<Option<WatermarkScaler>>,
}

impl std::fmt::Debug for Pool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pool")
            .field("function", &self.spec.name)
            .finish_non_exhaustive()
    }
}

/// Releases a slot when an invocation ends, however it ends.
struct Slot {
    pool: Arc<Pool>,
    instance: u64,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.pool.release(self.instance);
    }
}

impl Pool {
    /// A pool for `spec`; call [`Pool::start`] to begin its background work.
    pub fn new(
        spec: FunctionSpec,
        settings: PoolSettings,
        launch: Launch,
        logs: Arc<Logs>,
    ) -> Arc<Self> {
        let scaler = match &settings.policy {
            Policy::Watermark(marks) => Some(WatermarkScaler::new(marks.clone())),
            Policy::Concurrency => None,
        };
        let arn = format!(
            "arn:aws:lambda:{}:{}:function:{}",
            crate::datastore::dynamo::LOCAL_REGION,
            crate::template::resolve::LOCAL_ACCOUNT_ID,
            spec.function_name
        );
        Arc::new(Self {
            arn,
            spec: Arc::new(spec),
            settings,
            launch,
            logs,
            stats: Stats::default(),
            state: Mutex::new(State {
                next_id: 1,
                ..State::default()
            }),
            closing: AtomicBool::new(false),
            spawned: AtomicU64::new(0),
            scaler: Mutex::new(scaler),
        })
    }

    /// Starts the minimum instances and the periodic sampler, reaper and scaler.
    pub fn start(self: &Arc<Self>) {
        {
            let mut st = self.lock();
            self.ensure_minimum(&mut st);
        }
        let pool = Arc::downgrade(self);
        let tick = self.settings.tick;
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let Some(pool) = pool.upgrade() else { break };
                if pool.closing.load(Ordering::Relaxed) {
                    break;
                }
                pool.tick();
            }
        });
    }

    /// The function this pool runs.
    pub fn spec(&self) -> &FunctionSpec {
        &self.spec
    }

    /// The function's local ARN (`Lambda-Runtime-Invoked-Function-Arn`).
    pub fn arn(&self) -> &str {
        &self.arn
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A panic while holding the lock leaves plain counters behind: keep serving.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn unavailable(&self, reason: impl Into<String>) -> InvokeError {
        InvokeError::Unavailable {
            function: self.spec.name.clone(),
            reason: reason.into(),
        }
    }

    /// Runs one invocation with `payload` (the event JSON) and waits for its outcome.
    pub async fn invoke(self: &Arc<Self>, payload: Bytes) -> Result<Outcome, InvokeError> {
        let result = self.invoke_inner(payload).await;
        match &result {
            Ok(outcome) => {
                self.stats.invocation();
                if outcome.kind == OutcomeKind::Error {
                    self.stats.error("function");
                }
            }
            Err(e) => self.stats.error(e.kind()),
        }
        result
    }

    async fn invoke_inner(self: &Arc<Self>, payload: Bytes) -> Result<Outcome, InvokeError> {
        let instance = self.acquire().await?;
        let _slot = Slot {
            pool: self.clone(),
            instance: instance.id,
        };
        let request_id = ids::request_id();
        let deadline = SystemTime::now() + self.spec.timeout;
        let deadline_ms = deadline
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        let (tx, rx) = oneshot::channel();
        self.lock().pending.insert(
            request_id.clone(),
            Pending {
                instance: instance.id,
                tx,
                delivered_at: None,
            },
        );
        let event = Event {
            request_id: request_id.clone(),
            payload,
            deadline_ms,
            trace_id: ids::trace_id(),
        };
        if !instance.send(event) {
            self.lock().pending.remove(&request_id);
            return Err(InvokeError::Crashed {
                function: self.spec.name.clone(),
            });
        }
        match tokio::time::timeout(self.spec.timeout, rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(InvokeError::Crashed {
                function: self.spec.name.clone(),
            }),
            Err(_) => {
                self.timed_out(&instance, &request_id);
                Err(InvokeError::Timeout {
                    function: self.spec.name.clone(),
                    seconds: self.spec.timeout.as_secs_f64(),
                })
            }
        }
    }

    /// Takes a slot on a ready instance, waiting in the queue (and cold-starting) if needed.
    async fn acquire(self: &Arc<Self>) -> Result<Arc<Instance>, InvokeError> {
        let (waiter, mut rx) = {
            let mut st = self.lock();
            if self.closing.load(Ordering::Relaxed) {
                return Err(self.unavailable("the platform is shutting down"));
            }
            if let Some(rec) = self.pick(&st).and_then(|id| st.instances.get_mut(&id)) {
                rec.in_flight += 1;
                rec.last_active = Instant::now();
                return Ok(rec.instance.clone());
            }
            if st.waiters.len() >= self.settings.queue_bound {
                return Err(InvokeError::Throttled {
                    function: self.spec.name.clone(),
                });
            }
            let (tx, rx) = oneshot::channel();
            let id = st.next_waiter;
            st.next_waiter += 1;
            st.waiters.push_back(Waiter { id, tx });
            self.scale_for_waiters(&mut st);
            (id, rx)
        };
        match tokio::time::timeout(self.settings.queue_timeout, &mut rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(self.unavailable("the request was dropped from the queue")),
            Err(_) => {
                let mut st = self.lock();
                st.waiters.retain(|w| w.id != waiter);
                drop(st);
                // Assigned at the last moment: use it.
                if let Ok(result) = rx.try_recv() {
                    return result;
                }
                Err(self.unavailable(format!(
                    "no instance was free within {:.1} s",
                    self.settings.queue_timeout.as_secs_f64()
                )))
            }
        }
    }

    /// The ready instance with room that is fullest (packing leaves others idle to reap).
    fn pick(&self, st: &State) -> Option<u64> {
        let concurrency = self.spec.lifecycle.concurrency;
        st.instances
            .iter()
            .filter(|(_, r)| r.phase == Phase::Ready && r.in_flight < concurrency)
            .max_by_key(|(id, r)| (r.in_flight, std::cmp::Reverse(**id)))
            .map(|(id, _)| *id)
    }

    fn live(st: &State) -> usize {
        st.instances
            .values()
            .filter(|r| r.phase != Phase::Stopping)
            .count()
    }

    fn starting_capacity(&self, st: &State) -> usize {
        let starting = st
            .instances
            .values()
            .filter(|r| r.phase == Phase::Starting)
            .count();
        starting * self.spec.lifecycle.concurrency as usize
    }

    /// Starts instances for waiting requests, as the policy allows.
    fn scale_for_waiters(self: &Arc<Self>, st: &mut State) {
        if self.closing.load(Ordering::Relaxed) {
            return;
        }
        let on_demand = match self.settings.policy {
            Policy::Concurrency => true,
            Policy::Watermark(_) => Self::live(st) == 0,
        };
        if !on_demand {
            return;
        }
        while st.waiters.len() > self.starting_capacity(st)
            && Self::live(st) < self.settings.max_instances
        {
            if let Err(e) = self.spawn_instance(st) {
                let reason = format!("could not start {}: {e}", self.launch.executable.display());
                self.logs.function(&self.spec.name, &reason);
                self.fail_excess_waiters(st, &reason);
                return;
            }
            if matches!(self.settings.policy, Policy::Watermark(_)) {
                break;
            }
        }
    }

    fn ensure_minimum(self: &Arc<Self>, st: &mut State) {
        let min = match self.settings.policy {
            Policy::Concurrency => self.settings.min_instances,
            Policy::Watermark(_) => self.settings.min_instances.max(1),
        };
        while !self.closing.load(Ordering::Relaxed)
            && Self::live(st) < min.min(self.settings.max_instances)
        {
            if let Err(e) = self.spawn_instance(st) {
                self.logs.function(
                    &self.spec.name,
                    format!("could not start a warm instance: {e}"),
                );
                return;
            }
        }
    }

    fn spawn_instance(self: &Arc<Self>, st: &mut State) -> std::io::Result<u64> {
        let id = st.next_id;
        let listener = runtime_api::bind()?;
        let address = listener.local_addr()?.to_string();
        let (instance, child) =
            instance::spawn(&self.spec, &self.launch, id, &address, &self.logs)?;
        let api = runtime_api::serve(listener, Arc::downgrade(self), id)?;
        st.next_id += 1;
        self.spawned.fetch_add(1, Ordering::Relaxed);
        let now = Instant::now();
        st.instances.insert(
            id,
            Record {
                instance: instance.clone(),
                phase: Phase::Starting,
                in_flight: 0,
                spawned_at: now,
                init_duration: None,
                init_reported: false,
                invocations: 0,
                last_active: now,
                recent: VecDeque::new(),
                window: Vec::new(),
                last_sample: None,
                cpu_percent: 0.0,
                rss_kib: 0,
                peak_rss_kib: 0,
                peak_read_at: None,
            },
        );
        self.logs.line(
            &self.spec.name,
            id,
            format!(
                "INIT_START pid {} (concurrency {}, init timeout {:.1} s)",
                instance.pid.unwrap_or(0),
                self.spec.lifecycle.concurrency,
                self.spec.lifecycle.init_timeout.as_secs_f64()
            ),
        );
        let pool = self.clone();
        let supervised = instance.clone();
        tokio::spawn(async move {
            let status = supervised.supervise(child).await;
            api.abort();
            pool.on_exit(id, status);
        });
        let weak = Arc::downgrade(&instance);
        let init_timeout = self.spec.lifecycle.init_timeout;
        let pool = Arc::downgrade(self);
        tokio::spawn(async move {
            tokio::time::sleep(init_timeout).await;
            let (Some(pool), Some(instance)) = (pool.upgrade(), weak.upgrade()) else {
                return;
            };
            let still_starting = pool
                .lock()
                .instances
                .get(&id)
                .is_some_and(|r| r.phase == Phase::Starting);
            if still_starting {
                pool.logs.line(
                    &pool.spec.name,
                    id,
                    format!(
                        "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: timeout (initializer timeout {:.1} s exceeded; killing the instance)",
                        init_timeout.as_secs_f64() * 1000.0,
                        init_timeout.as_secs_f64()
                    ),
                );
                instance.stop(ExitReason::InitTimeout);
            }
        });
        Ok(id)
    }

    /// Hands free slots to waiting requests, oldest first.
    fn pump(self: &Arc<Self>, st: &mut State) {
        while !st.waiters.is_empty() {
            let Some(id) = self.pick(st) else { break };
            let Some(waiter) = st.waiters.pop_front() else {
                break;
            };
            let Some(rec) = st.instances.get_mut(&id) else {
                break;
            };
            rec.in_flight += 1;
            rec.last_active = Instant::now();
            if waiter.tx.send(Ok(rec.instance.clone())).is_err() {
                rec.in_flight -= 1;
            }
        }
        self.scale_for_waiters(st);
    }

    /// Fails the waiting requests that the instances still starting cannot serve.
    fn fail_excess_waiters(&self, st: &mut State, reason: &str) {
        let capacity = self.starting_capacity(st);
        while st.waiters.len() > capacity {
            if let Some(w) = st.waiters.pop_back() {
                let _ = w.tx.send(Err(self.unavailable(reason)));
            }
        }
    }

    fn release(self: &Arc<Self>, id: u64) {
        let mut st = self.lock();
        if let Some(rec) = st.instances.get_mut(&id) {
            rec.in_flight = rec.in_flight.saturating_sub(1);
            rec.last_active = Instant::now();
        }
        self.pump(&mut st);
    }

    fn timed_out(&self, instance: &Instance, request_id: &str) {
        let mut st = self.lock();
        st.pending.remove(request_id);
        if let Some(rec) = st.instances.get_mut(&instance.id) {
            rec.phase = Phase::Stopping;
        }
        drop(st);
        self.logs.line(
            &self.spec.name,
            instance.id,
            format!(
                "{request_id} Task timed out after {:.2} seconds; recycling the instance",
                self.spec.timeout.as_secs_f64()
            ),
        );
        instance.stop(ExitReason::FunctionTimeout);
    }

    /// The instance's first `next` call: its initializer has finished.
    pub fn instance_ready(self: &Arc<Self>, id: u64) -> Option<Arc<Instance>> {
        let mut st = self.lock();
        let rec = st.instances.get_mut(&id)?;
        let instance = rec.instance.clone();
        if rec.phase == Phase::Starting {
            let init = rec.spawned_at.elapsed();
            rec.phase = Phase::Ready;
            rec.init_duration = Some(init);
            rec.last_active = Instant::now();
            self.stats.cold_start(init);
            self.logs.line(
                &self.spec.name,
                id,
                format!(
                    "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: success",
                    init.as_secs_f64() * 1000.0
                ),
            );
            self.pump(&mut st);
        }
        Some(instance)
    }

    /// An event left through `next`: log `START` and start its clock.
    pub fn delivered(&self, instance: u64, request_id: &str) {
        let mut st = self.lock();
        if let Some(p) = st.pending.get_mut(request_id) {
            p.delivered_at = Some(Instant::now());
        }
        drop(st);
        self.logs.line(
            &self.spec.name,
            instance,
            format_args!("START RequestId: {request_id} Version: $LATEST"),
        );
    }

    /// The instance posted a response or an error; `false` when no such invocation is open.
    pub fn complete(
        &self,
        instance: u64,
        request_id: &str,
        kind: OutcomeKind,
        body: Bytes,
    ) -> bool {
        let mut st = self.lock();
        let Some(pending) = st.pending.remove(request_id) else {
            return false;
        };
        if pending.instance != instance {
            st.pending.insert(request_id.to_owned(), pending);
            return false;
        }
        let now = Instant::now();
        let duration = pending
            .delivered_at
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t));
        // Max Memory Used: the peak read within the last PEAK_MEMORY_MAX_AGE, else read
        // now (outside the lock; one invocation per interval claims the read, and every
        // invocation reads until a first value is known, so none reports 0 MB).
        let (mut peak_kib, read_pid) = st.instances.get_mut(&instance).map_or((0, None), |rec| {
            let stale = rec.peak_rss_kib == 0
                || rec
                    .peak_read_at
                    .is_none_or(|at| now.saturating_duration_since(at) >= PEAK_MEMORY_MAX_AGE);
            if stale {
                rec.peak_read_at = Some(now);
            }
            (rec.peak_rss_kib, rec.instance.pid.filter(|_| stale))
        });
        let init_duration = st.instances.get_mut(&instance).and_then(|rec| {
            rec.invocations += 1;
            rec.window.push(duration);
            if rec.recent.len() == RECENT_LATENCIES {
                rec.recent.pop_front();
            }
            rec.recent.push_back(duration);
            let first = !rec.init_reported;
            rec.init_reported = true;
            first.then_some(rec.init_duration).flatten()
        });
        drop(st);
        if let Some(read) = read_pid.and_then(procfs::peak_rss_kib) {
            peak_kib = peak_kib.max(read);
            if let Some(rec) = self.lock().instances.get_mut(&instance) {
                rec.peak_rss_kib = rec.peak_rss_kib.max(read);
            }
        }
        let max_memory_mb = peak_kib.div_ceil(1024);
        let report = Report {
            request_id: request_id.to_owned(),
            duration,
            memory_mb: self.spec.memory_mb,
            max_memory_mb,
            init_duration,
        };
        if kind == OutcomeKind::Error {
            self.logs.line(
                &self.spec.name,
                instance,
                format!(
                    "{request_id} ERROR Invoke Error {}",
                    String::from_utf8_lossy(&body)
                ),
            );
        }
        self.logs.line(
            &self.spec.name,
            instance,
            format_args!("END RequestId: {request_id}"),
        );
        self.logs.line(&self.spec.name, instance, &report);
        let _ = pending.tx.send(Ok(Outcome {
            kind,
            body,
            report,
            instance,
        }));
        true
    }

    /// The instance posted `/init/error`: log it and stop the instance.
    pub fn init_error(&self, id: u64, body: &[u8]) {
        let message = String::from_utf8_lossy(body).into_owned();
        let instance = self.lock().instances.get(&id).map(|r| r.instance.clone());
        self.logs.line(
            &self.spec.name,
            id,
            format!(
                "INIT_REPORT Phase: init\tStatus: error\tError: {message} (killing the instance)"
            ),
        );
        if let Some(instance) = instance {
            instance.stop(ExitReason::InitError(message));
        }
    }

    /// The process exited: fail its requests, log why, replace it if it crashed.
    fn on_exit(self: &Arc<Self>, id: u64, status: std::io::Result<std::process::ExitStatus>) {
        let mut st = self.lock();
        let Some(rec) = st.instances.remove(&id) else {
            return;
        };
        let reason = rec.instance.exit_reason();
        let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
        let function = self.spec.name.clone();
        let orphans: Vec<String> = st
            .pending
            .iter()
            .filter(|(_, p)| p.instance == id)
            .map(|(k, _)| k.clone())
            .collect();
        for request_id in orphans {
            if let Some(p) = st.pending.remove(&request_id) {
                let _ = p.tx.send(Err(InvokeError::Crashed {
                    function: function.clone(),
                }));
            }
        }
        let closing = self.closing.load(Ordering::Relaxed);
        if rec.init_duration.is_none() {
            self.stats.init_failure();
            let why = match &reason {
                Some(ExitReason::InitTimeout) => format!(
                    "its initializer did not finish within {:.1} s",
                    self.spec.lifecycle.init_timeout.as_secs_f64()
                ),
                Some(ExitReason::InitError(e)) => format!("its initializer failed: {e}"),
                Some(ExitReason::Shutdown) => "the platform is shutting down".to_owned(),
                Some(other) => format!("{other:?}"),
                None => format!("it exited ({status}) before its initializer finished"),
            };
            self.logs
                .line(&function, id, format!("instance failed to start: {why}"));
            self.fail_excess_waiters(&mut st, &format!("a new instance failed to start: {why}"));
        } else if reason.is_none() && !closing {
            self.logs.line(
                &function,
                id,
                format!("instance crashed ({status}) with {} request(s) in flight; starting a replacement", rec.in_flight),
            );
            self.stats.error("instance_crash");
            if let Err(e) = self.spawn_instance(&mut st) {
                self.logs
                    .function(&function, format!("could not start a replacement: {e}"));
            }
        } else {
            self.logs.line(
                &function,
                id,
                format!("instance stopped ({reason:?}, {status})"),
            );
        }
        if !closing {
            self.ensure_minimum(&mut st);
            self.pump(&mut st);
        }
    }

    /// Periodic work: sample `/proc`, reap idle instances, run the watermark policy.
    fn tick(self: &Arc<Self>) {
        let now = Instant::now();
        let pids: Vec<(u64, Option<u32>)> = self
            .lock()
            .instances
            .iter()
            .map(|(id, r)| (*id, r.instance.pid))
            .collect();
        let samples: Vec<(u64, procfs::ProcessSample)> = pids
            .into_iter()
            .filter_map(|(id, pid)| Some((id, procfs::sample(pid?)?)))
            .collect();
        let mut st = self.lock();
        for (id, sample) in samples {
            if let Some(rec) = st.instances.get_mut(&id) {
                if let Some((at, prev)) = rec.last_sample {
                    let wall = now.duration_since(at).as_secs_f64();
                    if wall > 0.0 {
                        rec.cpu_percent =
                            ((sample.cpu_seconds - prev.cpu_seconds) / wall * 100.0).max(0.0);
                    }
                }
                rec.last_sample = Some((now, sample));
                rec.rss_kib = sample.rss_kib;
                rec.peak_rss_kib = rec.peak_rss_kib.max(sample.peak_rss_kib);
                rec.peak_read_at = Some(now);
            }
        }
        let load = self.load(&mut st);
        self.reap_idle(&mut st, now);
        self.ensure_minimum(&mut st);
        let live = Self::live(&st);
        let decision = match self.scaler.lock() {
            Ok(mut guard) => match (guard.as_mut(), load) {
                (Some(scaler), Some(load)) => {
                    let min = self.settings.min_instances.max(1);
                    scaler.decide(&load, live, min, self.settings.max_instances, now)
                }
                _ => Decision::Hold,
            },
            Err(_) => Decision::Hold,
        };
        match decision {
            Decision::ScaleOut => {
                if let Some(load) = load {
                    self.logs.function(
                        &self.spec.name,
                        format!("scaling out: above the high watermark ({load:?})"),
                    );
                }
                if let Err(e) = self.spawn_instance(&mut st) {
                    self.logs
                        .function(&self.spec.name, format!("could not scale out: {e}"));
                }
            }
            Decision::ScaleIn => {
                let idlest = st
                    .instances
                    .iter()
                    .filter(|(_, r)| r.phase == Phase::Ready)
                    .min_by_key(|(id, r)| (r.in_flight, std::cmp::Reverse(**id)))
                    .map(|(id, _)| *id);
                if let Some(rec) = idlest
                    .and_then(|id| st.instances.get_mut(&id))
                    .filter(|r| r.in_flight == 0)
                {
                    rec.phase = Phase::Stopping;
                    self.logs.line(
                        &self.spec.name,
                        rec.instance.id,
                        "scaling in: below the low watermark",
                    );
                    rec.instance.stop(ExitReason::ScaledIn);
                }
            }
            Decision::Hold => {}
        }
    }

    /// Averages over ready instances; drains each instance's latency window.
    fn load(&self, st: &mut State) -> Option<Load> {
        let concurrency = f64::from(self.spec.lifecycle.concurrency);
        let ready: Vec<&mut Record> = st
            .instances
            .values_mut()
            .filter(|r| r.phase == Phase::Ready)
            .collect();
        if ready.is_empty() {
            return None;
        }
        let n = ready.len() as f64;
        let (mut cpu, mut rss, mut ratio, mut latency_sum, mut latency_count) =
            (0.0, 0.0, 0.0, 0.0, 0usize);
        for rec in ready {
            cpu += rec.cpu_percent;
            rss += rec.rss_kib as f64 / 1024.0;
            ratio += f64::from(rec.in_flight) / concurrency;
            latency_sum += rec
                .window
                .iter()
                .map(|d| d.as_secs_f64() * 1000.0)
                .sum::<f64>();
            latency_count += rec.window.len();
            rec.window.clear();
        }
        let waiting = st.waiters.len() as f64 / concurrency / n;
        Some(Load {
            cpu_percent: cpu / n,
            rss_mib: rss / n,
            in_flight_ratio: ratio / n + waiting,
            latency_ms: if latency_count == 0 {
                0.0
            } else {
                latency_sum / latency_count as f64
            },
        })
    }

    fn reap_idle(&self, st: &mut State, now: Instant) {
        let min = match self.settings.policy {
            Policy::Concurrency => self.settings.min_instances,
            Policy::Watermark(_) => self.settings.min_instances.max(1),
        };
        let mut live = Self::live(st);
        let idle: Vec<u64> = st
            .instances
            .iter()
            .filter(|(_, r)| {
                r.phase == Phase::Ready
                    && r.in_flight == 0
                    && now.duration_since(r.last_active) >= self.settings.keep_alive
            })
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            if live <= min {
                break;
            }
            if let Some(rec) = st.instances.get_mut(&id) {
                rec.phase = Phase::Stopping;
                self.logs
                    .line(&self.spec.name, id, "idle past the keep-alive; stopping");
                rec.instance.stop(ExitReason::Idle);
                live -= 1;
            }
        }
    }

    /// What the status page and `/metrics` show.
    pub fn status(&self) -> PoolStatus {
        let st = self.lock();
        let instances = st
            .instances
            .iter()
            .map(|(id, r)| InstanceStatus {
                id: *id,
                pid: r.instance.pid,
                state: r.phase,
                in_flight: r.in_flight,
                invocations: r.invocations,
                init_ms: r.init_duration.map(|d| d.as_secs_f64() * 1000.0),
                age_s: r.spawned_at.elapsed().as_secs_f64(),
                rss_kib: r.rss_kib,
                cpu_percent: r.cpu_percent,
                recent_latencies_ms: r.recent.iter().map(|d| d.as_secs_f64() * 1000.0).collect(),
            })
            .collect();
        PoolStatus {
            name: self.spec.name.clone(),
            policy: self.settings.policy.name(),
            concurrency: self.spec.lifecycle.concurrency,
            min_instances: self.settings.min_instances,
            max_instances: self.settings.max_instances,
            queued: st.waiters.len(),
            spawned: self.spawned.load(Ordering::Relaxed),
            instances,
            stats: self.stats.snapshot(),
        }
    }

    /// Stops every instance and waits (up to `grace`) until all have exited.
    pub async fn shutdown(&self, grace: Duration) {
        self.closing.store(true, Ordering::Relaxed);
        let instances: Vec<Arc<Instance>> = {
            let mut st = self.lock();
            for w in st.waiters.drain(..) {
                let _ = w.tx.send(Err(InvokeError::Unavailable {
                    function: self.spec.name.clone(),
                    reason: "the platform is shutting down".into(),
                }));
            }
            st.instances.values().map(|r| r.instance.clone()).collect()
        };
        for instance in &instances {
            instance.stop(ExitReason::Shutdown);
        }
        let until = Instant::now() + grace;
        while !self.lock().instances.is_empty() && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
