//! A function's pool of instances: cold starts on demand, per-instance concurrency,
//! a bounded queue with a deadline, timeouts, crashes, idle reaping and scaling.
//!
//! The pool is its jobs, each a small type with its own state: [`scheduling`] (the
//! queue of waiting requests and when to start instances for them), [`lifecycle`]
//! (instances from start to exit, idle reaping), [`invocations`] (events handed out
//! and not yet answered), [`sampling`] (the periodic `/proc` reads and the watermark
//! policy) and [`status`] (what `/_local/` and `/metrics` read). Their state sits in
//! one [`state::State`] under one short-held lock; what must not happen under it
//! (process starts, `/proc` reads, log lines) is collected as [`effects`] and done
//! after. [`Pool`] ties them together behind the API the gateway, the Invoke API,
//! the Runtime API and the benchmarks use:
//! - a request takes a *slot* on a ready instance with room (`in_flight < concurrency`),
//!   or waits in the queue;
//! - an instance is *starting* from spawn until its first `next` call (its initializer
//!   has finished), then *ready*; it gets no event before that;
//! - a process exit the platform did not ask for is a crash (or a failed init).

mod effects;
mod invocations;
mod lifecycle;
mod sampling;
mod scheduling;
mod state;
mod status;

use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;

use crate::ids;
use crate::observe::logs::{Logs, Report};
use crate::observe::stats::Stats;
use crate::runtime::instance::{Event, ExitReason, Instance, Launch};
use crate::runtime::invoke_error::InvokeError;
use crate::runtime::policy::{Decision, Policy};
use crate::template::functions::FunctionSpec;

use effects::{Effect, Effects};
use invocations::Invocations;
pub use invocations::{Outcome, OutcomeKind};
pub use lifecycle::Phase;
use lifecycle::{Instances, Lifecycle, Purpose};
use sampling::Sampler;
use scheduling::{Entry, Queue, Scheduler};
use state::{Shared, State};
pub use status::{InstanceStatus, PoolStatus};

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

/// A function's instances and their traffic.
pub struct Pool {
    spec: Arc<FunctionSpec>,
    arn: String,
    settings: PoolSettings,
    logs: Arc<Logs>,
    stats: Stats,
    state: Shared,
    scheduler: Scheduler,
    lifecycle: Lifecycle,
    sampler: Sampler,
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
        let arn = format!(
            "arn:aws:lambda:{}:{}:function:{}",
            crate::datastore::dynamo::LOCAL_REGION,
            crate::template::resolve::LOCAL_ACCOUNT_ID,
            spec.function_name
        );
        let spec = Arc::new(spec);
        let concurrency = spec.lifecycle.concurrency;
        Arc::new(Self {
            arn,
            state: Shared::new(State {
                instances: Instances::new(concurrency),
                queue: Queue::default(),
                invocations: Invocations::default(),
            }),
            scheduler: Scheduler::new(
                &settings.policy,
                settings.max_instances,
                settings.queue_bound,
            ),
            lifecycle: Lifecycle::new(spec.clone(), launch, logs.clone(), &settings),
            sampler: Sampler::new(
                &settings.policy,
                concurrency,
                settings.min_instances,
                settings.max_instances,
            ),
            spec,
            settings,
            logs,
            stats: Stats::default(),
        })
    }

    /// Starts the minimum instances and the periodic sampler, reaper and scaler.
    pub fn start(self: &Arc<Self>) {
        let mut effects = Effects::default();
        self.lifecycle
            .ensure_minimum(&mut self.state.lock().instances, &mut effects);
        self.apply(effects);
        let pool = Arc::downgrade(self);
        let tick = self.settings.tick;
        tokio::spawn(async move {
            let mut interval = tokio::time::interval(tick);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                let Some(pool) = pool.upgrade() else { break };
                if pool.state.lock().instances.closing() {
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

    fn unavailable(&self, reason: impl Into<String>) -> InvokeError {
        InvokeError::Unavailable {
            function: self.spec.name.clone(),
            reason: reason.into(),
        }
    }

    /// Writes a line of instance `id`; never with the lock held.
    fn log(&self, id: u64, line: impl std::fmt::Display) {
        state::assert_unlocked("writing a log line");
        self.logs.line(&self.spec.name, id, line);
    }

    /// Does the work decided under the lock; never call it with the lock held.
    fn apply(self: &Arc<Self>, effects: Effects) {
        state::assert_unlocked("logging, stopping or starting instances");
        let mut work = effects.into_vec();
        while !work.is_empty() {
            let mut more = Effects::default();
            for effect in work {
                match effect {
                    Effect::Log {
                        instance: Some(id),
                        line,
                    } => self.log(id, line),
                    Effect::Log {
                        instance: None,
                        line,
                    } => self.logs.function(&self.spec.name, line),
                    Effect::Stop(instance, reason) => instance.stop(reason),
                    Effect::Start { id, purpose } => {
                        more.extend(self.lifecycle.start(self, id, purpose));
                    }
                }
            }
            work = more.into_vec();
        }
    }

    /// Runs one invocation with `payload` (the event JSON) and waits for its outcome.
    pub async fn invoke(self: &Arc<Self>, payload: Bytes) -> Result<Outcome, InvokeError> {
        let arrived = Instant::now();
        let result = self.invoke_inner(payload).await;
        self.stats.request(arrived.elapsed());
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
        let rx = self
            .state
            .lock()
            .invocations
            .open(request_id.clone(), instance.id);
        let event = Event {
            request_id: request_id.clone(),
            payload,
            deadline_ms,
            trace_id: ids::trace_id(),
        };
        if !instance.send(event) {
            self.state.lock().invocations.cancel(&request_id);
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
        let mut effects = Effects::default();
        let entry = {
            let mut guard = self.state.lock();
            let st = &mut *guard;
            if st.instances.closing() {
                return Err(self.unavailable("the platform is shutting down"));
            }
            self.scheduler
                .enter(&mut st.instances, &mut st.queue, &mut effects)
        };
        self.apply(effects);
        let (waiter, mut rx) = match entry {
            Ok(Entry::Slot(instance)) => return Ok(instance),
            Ok(Entry::Queued(waiter, rx)) => (waiter, rx),
            Err(()) => {
                return Err(InvokeError::Throttled {
                    function: self.spec.name.clone(),
                });
            }
        };
        match tokio::time::timeout(self.settings.queue_timeout, &mut rx).await {
            Ok(Ok(result)) => result,
            Ok(Err(_)) => Err(self.unavailable("the request was dropped from the queue")),
            Err(_) => {
                self.state.lock().queue.remove(waiter);
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

    /// Hands free slots to waiting requests and starts instances for the rest; under the lock.
    fn pump(&self, st: &mut State, effects: &mut Effects) {
        if !st.instances.closing() {
            self.scheduler
                .pump(&mut st.instances, &mut st.queue, effects);
        }
    }

    fn release(self: &Arc<Self>, id: u64) {
        let mut effects = Effects::default();
        {
            let mut st = self.state.lock();
            st.instances.release_slot(id);
            self.pump(&mut st, &mut effects);
        }
        self.apply(effects);
    }

    fn timed_out(&self, instance: &Instance, request_id: &str) {
        {
            let mut st = self.state.lock();
            st.invocations.cancel(request_id);
            st.instances.stopping(instance.id);
        }
        self.log(
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
        let mut effects = Effects::default();
        let instance = {
            let mut st = self.state.lock();
            let rec = st.instances.get_mut(id)?;
            let instance = rec.instance.clone();
            if let Some(init) = rec.ready(Instant::now()) {
                self.stats.cold_start(init);
                effects.log(
                    id,
                    format!(
                        "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: success",
                        init.as_secs_f64() * 1000.0
                    ),
                );
                self.pump(&mut st, &mut effects);
            }
            instance
        };
        self.apply(effects);
        Some(instance)
    }

    /// An event left through `next`: log `START` and start its clock.
    pub fn delivered(&self, instance: u64, request_id: &str) {
        self.state
            .lock()
            .invocations
            .delivered(request_id, Instant::now());
        self.log(
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
        let now = Instant::now();
        let (pending, duration, mut peak_kib, read_pid, init_duration) = {
            let mut st = self.state.lock();
            let Some(pending) = st.invocations.close(instance, request_id) else {
                return false;
            };
            let duration = pending.duration(now);
            let (peak_kib, read_pid, init_duration) =
                st.instances
                    .get_mut(instance)
                    .map_or((0, None, None), |rec| {
                        let (peak, pid) = rec.usage.claim_peak(now, rec.instance.pid);
                        (peak, pid, rec.finished(duration))
                    });
            (pending, duration, peak_kib, read_pid, init_duration)
        };
        if let Some(read) = read_pid.and_then(sampling::read_peak) {
            peak_kib = peak_kib.max(read);
            if let Some(rec) = self.state.lock().instances.get_mut(instance) {
                rec.usage.record_peak(read, now);
            }
        }
        let report = Report {
            request_id: request_id.to_owned(),
            duration,
            memory_mb: self.spec.memory_mb,
            max_memory_mb: peak_kib.div_ceil(1024),
            init_duration,
        };
        if kind == OutcomeKind::Error {
            self.log(
                instance,
                format!(
                    "{request_id} ERROR Invoke Error {}",
                    String::from_utf8_lossy(&body)
                ),
            );
        }
        self.log(instance, format_args!("END RequestId: {request_id}"));
        self.log(instance, &report);
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
        let instance = self
            .state
            .lock()
            .instances
            .get_mut(id)
            .map(|r| r.instance.clone());
        self.log(
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
        let status = status.map_or_else(|e| e.to_string(), |s| s.to_string());
        let function = &self.spec.name;
        let mut effects = Effects::default();
        {
            let mut guard = self.state.lock();
            let st = &mut *guard;
            let Some(rec) = st.instances.remove(id) else {
                return;
            };
            let reason = rec.instance.exit_reason();
            st.invocations.fail_instance(id, || InvokeError::Crashed {
                function: function.clone(),
            });
            let closing = st.instances.closing();
            if rec.init_duration.is_none() {
                self.stats.init_failure();
                let why = self.lifecycle.failed_init_reason(reason.as_ref(), &status);
                effects.log(id, format!("instance failed to start: {why}"));
                let capacity = st.instances.starting_capacity();
                let reason = format!("a new instance failed to start: {why}");
                st.queue
                    .fail_beyond(capacity, || self.unavailable(reason.clone()));
            } else if reason.is_none() && !closing {
                effects.log(
                    id,
                    format!(
                        "instance crashed ({status}) with {} request(s) in flight; starting a replacement",
                        rec.in_flight
                    ),
                );
                self.stats.error("instance_crash");
                effects.start(st.instances.reserve(), Purpose::Replacement);
            } else {
                effects.log(id, format!("instance stopped ({reason:?}, {status})"));
            }
            if !closing {
                self.lifecycle
                    .ensure_minimum(&mut st.instances, &mut effects);
                self.pump(st, &mut effects);
            }
        }
        self.apply(effects);
    }

    /// Periodic work: sample `/proc`, reap idle instances, run the watermark policy.
    fn tick(self: &Arc<Self>) {
        let now = Instant::now();
        let pids: Vec<(u64, Option<u32>)> = self
            .state
            .lock()
            .instances
            .iter()
            .map(|(id, r)| (id, r.instance.pid))
            .collect();
        let samples = sampling::read(pids);
        let mut effects = Effects::default();
        {
            let mut guard = self.state.lock();
            let st = &mut *guard;
            self.sampler.record(&mut st.instances, samples, now);
            let load = self.sampler.load(&mut st.instances, st.queue.len());
            self.lifecycle
                .reap_idle(&mut st.instances, now, &mut effects);
            self.lifecycle
                .ensure_minimum(&mut st.instances, &mut effects);
            match self.sampler.decide(load.as_ref(), st.instances.live(), now) {
                Decision::ScaleOut => {
                    if let Some(load) = &load {
                        effects.log_function(format!(
                            "scaling out: above the high watermark ({load:?})"
                        ));
                    }
                    effects.start(st.instances.reserve(), Purpose::ScaleOut);
                }
                Decision::ScaleIn => {
                    if let Some(instance) = st.instances.stop_idlest() {
                        effects.log(instance.id, "scaling in: below the low watermark");
                        effects.stop(instance, ExitReason::ScaledIn);
                    }
                }
                Decision::Hold => {}
            }
        }
        self.apply(effects);
    }

    /// What the status page and `/metrics` show.
    pub fn status(&self) -> PoolStatus {
        let st = self.state.lock();
        PoolStatus {
            name: self.spec.name.clone(),
            policy: self.settings.policy.name(),
            concurrency: self.spec.lifecycle.concurrency,
            min_instances: self.settings.min_instances,
            max_instances: self.settings.max_instances,
            queued: st.queue.len(),
            spawned: st.instances.spawned(),
            instances: status::instances(&st.instances),
            stats: self.stats.snapshot(),
            metrics: self.stats.clone(),
        }
    }

    /// Stops every instance and waits (up to `grace`) until all have exited.
    pub async fn shutdown(&self, grace: Duration) {
        let instances = {
            let mut st = self.state.lock();
            st.queue
                .fail_beyond(0, || self.unavailable("the platform is shutting down"));
            st.instances.close()
        };
        for instance in &instances {
            instance.stop(ExitReason::Shutdown);
        }
        let until = Instant::now() + grace;
        while !self.state.lock().instances.is_empty() && Instant::now() < until {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}
