//! Scheduling: requests wait in a bounded [`Queue`] for a slot on a ready instance,
//! oldest first, and the [`Scheduler`] asks for instances for them as the policy allows.
//!
//! Under [`Policy::Concurrency`] an instance starts whenever the waiting requests
//! outnumber the slots of the instances already starting; under [`Policy::Watermark`]
//! only when no instance is live (the periodic sampler scales otherwise).

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::oneshot;

use crate::runtime::instance::Instance;
use crate::runtime::invoke_error::InvokeError;
use crate::runtime::policy::Policy;

use super::effects::Effects;
use super::lifecycle::{Instances, Purpose};

/// What a waiting request is eventually told: its instance (a slot is taken on it), or why not.
pub(super) type Assignment = Result<Arc<Instance>, InvokeError>;

struct Waiter {
    id: u64,
    tx: oneshot::Sender<Assignment>,
}

/// Requests waiting for a slot, oldest first.
#[derive(Default)]
pub(super) struct Queue {
    waiters: VecDeque<Waiter>,
    next: u64,
}

impl Queue {
    /// How many requests wait.
    pub(super) fn len(&self) -> usize {
        self.waiters.len()
    }

    /// Adds a request; its id (to leave the queue) and where its assignment arrives.
    pub(super) fn push(&mut self) -> (u64, oneshot::Receiver<Assignment>) {
        let (tx, rx) = oneshot::channel();
        let id = self.next;
        self.next += 1;
        self.waiters.push_back(Waiter { id, tx });
        (id, rx)
    }

    /// Takes request `id` out of the queue (it gave up).
    pub(super) fn remove(&mut self, id: u64) {
        self.waiters.retain(|w| w.id != id);
    }

    /// Hands free slots to waiting requests, oldest first.
    pub(super) fn pump(&mut self, instances: &mut Instances) {
        while !self.waiters.is_empty() {
            let Some(id) = instances.pick() else { break };
            let Some(waiter) = self.waiters.pop_front() else {
                break;
            };
            let Some(instance) = instances.take_slot(id) else {
                break;
            };
            if waiter.tx.send(Ok(instance)).is_err() {
                instances.release_slot(id);
            }
        }
    }

    /// Fails the newest requests beyond `capacity` with `error`.
    pub(super) fn fail_beyond(&mut self, capacity: usize, error: impl Fn() -> InvokeError) {
        while self.waiters.len() > capacity {
            if let Some(w) = self.waiters.pop_back() {
                let _ = w.tx.send(Err(error()));
            }
        }
    }
}

/// The request-facing rules of a pool.
#[derive(Debug)]
pub(super) struct Scheduler {
    /// The most waiting requests.
    bound: usize,
    /// The most instances.
    max_instances: usize,
    /// Whether instances start for waiting requests whenever slots run short.
    on_demand: bool,
}

/// What [`Scheduler::enter`] did with a request.
pub(super) enum Entry {
    /// A slot was free: it is taken on this instance.
    Slot(Arc<Instance>),
    /// The request waits: its queue id and where its assignment arrives.
    Queued(u64, oneshot::Receiver<Assignment>),
}

impl Scheduler {
    /// The rules for `policy`, up to `max_instances`, with a queue of `bound`.
    pub(super) fn new(policy: &Policy, max_instances: usize, bound: usize) -> Self {
        Self {
            bound,
            max_instances,
            on_demand: matches!(policy, Policy::Concurrency),
        }
    }

    /// Takes a free slot for a new request, or queues it (asking for instances);
    /// `Err` when the queue is full.
    pub(super) fn enter(
        &self,
        instances: &mut Instances,
        queue: &mut Queue,
        effects: &mut Effects,
    ) -> Result<Entry, ()> {
        if let Some(instance) = instances.pick().and_then(|id| instances.take_slot(id)) {
            return Ok(Entry::Slot(instance));
        }
        if queue.len() >= self.bound {
            return Err(());
        }
        let (id, rx) = queue.push();
        self.scale_for_waiters(instances, queue, effects);
        Ok(Entry::Queued(id, rx))
    }

    /// Hands free slots to waiting requests, then asks for instances for the rest.
    pub(super) fn pump(&self, instances: &mut Instances, queue: &mut Queue, effects: &mut Effects) {
        queue.pump(instances);
        self.scale_for_waiters(instances, queue, effects);
    }

    /// Reserves instances for waiting requests, as the policy allows.
    fn scale_for_waiters(&self, instances: &mut Instances, queue: &Queue, effects: &mut Effects) {
        if instances.closing() || !(self.on_demand || instances.live() == 0) {
            return;
        }
        while queue.len() > instances.starting_capacity() && instances.live() < self.max_instances {
            effects.start(instances.reserve(), Purpose::Waiters);
            if !self.on_demand {
                break;
            }
        }
    }
}
