//! Instance lifecycle: an instance is reserved under the lock, its process started
//! outside it ([`Lifecycle::start`]), *starting* until its first `next` call, then
//! *ready*; idle ones above the minimum are reaped, and an exit the platform did not
//! ask for is a crash (or a failed init).

use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::observe::logs::Logs;
use crate::runtime::instance::{self, ExitReason, Instance, Launch};
use crate::runtime::policy::Policy;
use crate::runtime::runtime_api;
use crate::template::functions::FunctionSpec;

use super::effects::Effects;
use super::sampling::Usage;
use super::state::assert_unlocked;
use super::{Pool, PoolSettings};

/// How many latencies per instance the status page shows.
const RECENT_LATENCIES: usize = 20;

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

/// Why an instance starts, which says what its failure to start means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Purpose {
    /// For waiting requests: they fail if it cannot start.
    Waiters,
    /// To keep the warm minimum.
    Warm,
    /// In place of a crashed one.
    Replacement,
    /// The watermark policy scaled out.
    ScaleOut,
}

/// One live instance's bookkeeping.
pub(super) struct Record {
    pub(super) instance: Arc<Instance>,
    pub(super) phase: Phase,
    pub(super) in_flight: u32,
    pub(super) spawned_at: Instant,
    pub(super) init_duration: Option<Duration>,
    init_reported: bool,
    pub(super) invocations: u64,
    pub(super) last_active: Instant,
    /// Latencies of its last requests, oldest first.
    pub(super) recent: VecDeque<Duration>,
    /// What the sampler knows of its CPU and memory.
    pub(super) usage: Usage,
}

impl Record {
    fn new(instance: Arc<Instance>, now: Instant) -> Self {
        Self {
            instance,
            phase: Phase::Starting,
            in_flight: 0,
            spawned_at: now,
            init_duration: None,
            init_reported: false,
            invocations: 0,
            last_active: now,
            recent: VecDeque::new(),
            usage: Usage::default(),
        }
    }

    /// Its initializer finished: ready, with this init duration (`None` if it already was).
    pub(super) fn ready(&mut self, now: Instant) -> Option<Duration> {
        if self.phase != Phase::Starting {
            return None;
        }
        let init = now.saturating_duration_since(self.spawned_at);
        self.phase = Phase::Ready;
        self.init_duration = Some(init);
        self.last_active = now;
        Some(init)
    }

    /// An invocation of `duration` finished; its init duration if it is the instance's first.
    pub(super) fn finished(&mut self, duration: Duration) -> Option<Duration> {
        self.invocations += 1;
        self.usage.window.push(duration);
        if self.recent.len() == RECENT_LATENCIES {
            self.recent.pop_front();
        }
        self.recent.push_back(duration);
        let first = !self.init_reported;
        self.init_reported = true;
        first.then_some(self.init_duration).flatten()
    }
}

/// A pool's instances: the live ones and the starts in progress.
pub(super) struct Instances {
    records: BTreeMap<u64, Record>,
    concurrency: u32,
    next_id: u64,
    /// Reserved, process not started (or not recorded) yet.
    launching: usize,
    spawned: u64,
    closing: bool,
}

impl Instances {
    /// No instances yet, each to serve `concurrency` requests at once.
    pub(super) fn new(concurrency: u32) -> Self {
        Self {
            records: BTreeMap::new(),
            concurrency,
            next_id: 1,
            launching: 0,
            spawned: 0,
            closing: false,
        }
    }

    /// Whether the pool is shutting down.
    pub(super) fn closing(&self) -> bool {
        self.closing
    }

    /// Marks the pool as shutting down; every live instance, to be stopped.
    pub(super) fn close(&mut self) -> Vec<Arc<Instance>> {
        self.closing = true;
        self.records.values().map(|r| r.instance.clone()).collect()
    }

    /// Instance `id`'s record.
    pub(super) fn get_mut(&mut self, id: u64) -> Option<&mut Record> {
        self.records.get_mut(&id)
    }

    /// Every record, by id.
    pub(super) fn iter(&self) -> impl Iterator<Item = (u64, &Record)> {
        self.records.iter().map(|(id, r)| (*id, r))
    }

    /// Every ready record.
    pub(super) fn ready_mut(&mut self) -> impl Iterator<Item = &mut Record> {
        self.records
            .values_mut()
            .filter(|r| r.phase == Phase::Ready)
    }

    /// Instances ever started.
    pub(super) fn spawned(&self) -> u64 {
        self.spawned
    }

    /// No instance is live or starting.
    pub(super) fn is_empty(&self) -> bool {
        self.records.is_empty() && self.launching == 0
    }

    /// Instances not being stopped, starts in progress included.
    pub(super) fn live(&self) -> usize {
        self.launching
            + self
                .records
                .values()
                .filter(|r| r.phase != Phase::Stopping)
                .count()
    }

    /// The slots of the instances still starting.
    pub(super) fn starting_capacity(&self) -> usize {
        let starting = self
            .records
            .values()
            .filter(|r| r.phase == Phase::Starting)
            .count();
        (starting + self.launching) * self.concurrency as usize
    }

    /// The ready instance with room that is fullest (packing leaves others idle to reap).
    pub(super) fn pick(&self) -> Option<u64> {
        self.records
            .iter()
            .filter(|(_, r)| r.phase == Phase::Ready && r.in_flight < self.concurrency)
            .max_by_key(|(id, r)| (r.in_flight, std::cmp::Reverse(**id)))
            .map(|(id, _)| *id)
    }

    /// Takes a slot on instance `id`.
    pub(super) fn take_slot(&mut self, id: u64) -> Option<Arc<Instance>> {
        let rec = self.records.get_mut(&id)?;
        rec.in_flight += 1;
        rec.last_active = Instant::now();
        Some(rec.instance.clone())
    }

    /// Gives back a slot on instance `id`.
    pub(super) fn release_slot(&mut self, id: u64) {
        if let Some(rec) = self.records.get_mut(&id) {
            rec.in_flight = rec.in_flight.saturating_sub(1);
            rec.last_active = Instant::now();
        }
    }

    /// Reserves the next instance id; it counts as live and starting from now on.
    pub(super) fn reserve(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        self.launching += 1;
        id
    }

    /// A reserved instance did not start.
    fn unreserve(&mut self) {
        self.launching = self.launching.saturating_sub(1);
    }

    /// A reserved instance's process runs.
    fn insert(&mut self, id: u64, instance: Arc<Instance>) {
        self.unreserve();
        self.spawned += 1;
        self.records
            .insert(id, Record::new(instance, Instant::now()));
    }

    /// Forgets instance `id` (its process exited).
    pub(super) fn remove(&mut self, id: u64) -> Option<Record> {
        self.records.remove(&id)
    }

    /// Marks the least busy ready instance as stopping if it is idle; it, to be stopped.
    pub(super) fn stop_idlest(&mut self) -> Option<Arc<Instance>> {
        let idlest = self
            .records
            .iter()
            .filter(|(_, r)| r.phase == Phase::Ready)
            .min_by_key(|(id, r)| (r.in_flight, std::cmp::Reverse(**id)))
            .map(|(id, _)| *id)?;
        let rec = self.records.get_mut(&idlest).filter(|r| r.in_flight == 0)?;
        rec.phase = Phase::Stopping;
        Some(rec.instance.clone())
    }

    /// Marks instance `id` as stopping (it takes nothing new).
    pub(super) fn stopping(&mut self, id: u64) {
        if let Some(rec) = self.records.get_mut(&id) {
            rec.phase = Phase::Stopping;
        }
    }

    /// Whether instance `id` is still starting.
    pub(super) fn is_starting(&self, id: u64) -> bool {
        self.records
            .get(&id)
            .is_some_and(|r| r.phase == Phase::Starting)
    }
}

/// How a pool's instances are started, kept and reaped.
#[derive(Debug)]
pub(super) struct Lifecycle {
    spec: Arc<FunctionSpec>,
    launch: Launch,
    logs: Arc<Logs>,
    /// Instances kept however idle.
    min: usize,
    keep_alive: Duration,
}

impl Lifecycle {
    /// Starts `spec`'s instances with `launch`, logging to `logs`.
    pub(super) fn new(
        spec: Arc<FunctionSpec>,
        launch: Launch,
        logs: Arc<Logs>,
        settings: &PoolSettings,
    ) -> Self {
        let min = match settings.policy {
            Policy::Concurrency => settings.min_instances,
            Policy::Watermark(_) => settings.min_instances.max(1),
        };
        Self {
            spec,
            launch,
            logs,
            min: min.min(settings.max_instances),
            keep_alive: settings.keep_alive,
        }
    }

    /// Reserves instances up to the warm minimum.
    pub(super) fn ensure_minimum(&self, instances: &mut Instances, effects: &mut Effects) {
        while !instances.closing() && instances.live() < self.min {
            effects.start(instances.reserve(), Purpose::Warm);
        }
    }

    /// Marks ready instances idle past the keep-alive as stopping, above the minimum.
    pub(super) fn reap_idle(&self, instances: &mut Instances, now: Instant, effects: &mut Effects) {
        let mut live = instances.live();
        for (id, rec) in &mut instances.records {
            if live <= self.min {
                break;
            }
            if rec.phase == Phase::Ready
                && rec.in_flight == 0
                && now.duration_since(rec.last_active) >= self.keep_alive
            {
                rec.phase = Phase::Stopping;
                effects.log(*id, "idle past the keep-alive; stopping");
                effects.stop(rec.instance.clone(), ExitReason::Idle);
                live -= 1;
            }
        }
    }

    /// Starts reserved instance `id` of `pool`: binds its Runtime API, starts its process,
    /// records it, then serves its Runtime API and watches its exit and its init timeout.
    /// Runs without the lock; what a failure means for waiting requests comes back.
    pub(super) fn start(&self, pool: &Arc<Pool>, id: u64, purpose: Purpose) -> Effects {
        assert_unlocked("starting a process");
        let mut effects = Effects::default();
        {
            let mut st = pool.state.lock();
            if st.instances.closing() {
                st.instances.unreserve();
                return effects;
            }
        }
        let started = runtime_api::bind().and_then(|listener| {
            let address = listener.local_addr()?.to_string();
            let (instance, child) =
                instance::spawn(&self.spec, &self.launch, id, &address, &self.logs)?;
            Ok((listener, instance, child))
        });
        let (listener, instance, child) = match started {
            Ok(started) => started,
            Err(e) => {
                let mut st = pool.state.lock();
                st.instances.unreserve();
                let line = match purpose {
                    Purpose::Waiters => {
                        let reason =
                            format!("could not start {}: {e}", self.launch.executable.display());
                        let capacity = st.instances.starting_capacity();
                        st.queue
                            .fail_beyond(capacity, || pool.unavailable(reason.clone()));
                        reason
                    }
                    Purpose::Warm => format!("could not start a warm instance: {e}"),
                    Purpose::Replacement => format!("could not start a replacement: {e}"),
                    Purpose::ScaleOut => format!("could not scale out: {e}"),
                };
                effects.log_function(line);
                return effects;
            }
        };
        {
            let mut st = pool.state.lock();
            st.instances.insert(id, instance.clone());
            if st.instances.closing() {
                effects.stop(instance.clone(), ExitReason::Shutdown);
            }
        }
        // Serving only now: the instance's first `next` finds its record. Its client's
        // connection waits in the listener's backlog meanwhile.
        let api = match runtime_api::serve(listener, Arc::downgrade(pool), id) {
            Ok(api) => Some(api),
            Err(e) => {
                effects.log(id, format!("its Runtime API could not start: {e}"));
                effects.stop(instance.clone(), ExitReason::Shutdown);
                None
            }
        };
        pool.log(
            id,
            format!(
                "INIT_START pid {} (concurrency {}, init timeout {:.1} s)",
                instance.pid.unwrap_or(0),
                self.spec.lifecycle.concurrency,
                self.spec.lifecycle.init_timeout.as_secs_f64()
            ),
        );
        let supervisor = pool.clone();
        let supervised = instance.clone();
        tokio::spawn(async move {
            let status = supervised.supervise(child).await;
            if let Some(api) = api {
                api.abort();
            }
            supervisor.on_exit(id, status);
        });
        self.watch_init(pool, &instance);
        effects
    }

    /// Stops `instance` if its initializer has not finished within the init timeout.
    fn watch_init(&self, pool: &Arc<Pool>, instance: &Arc<Instance>) {
        let weak = Arc::downgrade(instance);
        let init_timeout = self.spec.lifecycle.init_timeout;
        let pool = Arc::downgrade(pool);
        tokio::spawn(async move {
            tokio::time::sleep(init_timeout).await;
            let (Some(pool), Some(instance)) = (pool.upgrade(), weak.upgrade()) else {
                return;
            };
            let still_starting = pool.state.lock().instances.is_starting(instance.id);
            if still_starting {
                pool.log(
                    instance.id,
                    format!(
                        "INIT_REPORT Init Duration: {:.2} ms\tPhase: init\tStatus: timeout (initializer timeout {:.1} s exceeded; killing the instance)",
                        init_timeout.as_secs_f64() * 1000.0,
                        init_timeout.as_secs_f64()
                    ),
                );
                instance.stop(ExitReason::InitTimeout);
            }
        });
    }

    /// Why an instance that never became ready exited, for its log line.
    pub(super) fn failed_init_reason(&self, reason: Option<&ExitReason>, status: &str) -> String {
        match reason {
            Some(ExitReason::InitTimeout) => format!(
                "its initializer did not finish within {:.1} s",
                self.spec.lifecycle.init_timeout.as_secs_f64()
            ),
            Some(ExitReason::InitError(e)) => format!("its initializer failed: {e}"),
            Some(ExitReason::Shutdown) => "the platform is shutting down".to_owned(),
            Some(other) => format!("{other:?}"),
            None => format!("it exited ({status}) before its initializer finished"),
        }
    }
}
