//! Work decided under the pool's lock and done after it is released: log lines,
//! stopping instances, starting instances.

use std::sync::Arc;

use crate::runtime::instance::{ExitReason, Instance};

use super::lifecycle::Purpose;

/// One piece of deferred work.
pub(super) enum Effect {
    /// A log line, of an instance or (`None`) of the function.
    Log {
        /// The instance the line is about.
        instance: Option<u64>,
        /// The line.
        line: String,
    },
    /// Ask an instance to stop.
    Stop(Arc<Instance>, ExitReason),
    /// Start the instance reserved under this id.
    Start {
        /// The reserved instance id.
        id: u64,
        /// Why it starts (what a failure means).
        purpose: Purpose,
    },
}

/// Deferred work, in order.
#[derive(Default)]
pub(super) struct Effects(Vec<Effect>);

impl Effects {
    /// A log line of instance `id`.
    pub(super) fn log(&mut self, id: u64, line: impl Into<String>) {
        self.0.push(Effect::Log {
            instance: Some(id),
            line: line.into(),
        });
    }

    /// A log line of the function.
    pub(super) fn log_function(&mut self, line: impl Into<String>) {
        self.0.push(Effect::Log {
            instance: None,
            line: line.into(),
        });
    }

    /// Stop `instance` for `reason`.
    pub(super) fn stop(&mut self, instance: Arc<Instance>, reason: ExitReason) {
        self.0.push(Effect::Stop(instance, reason));
    }

    /// Start the instance reserved as `id`.
    pub(super) fn start(&mut self, id: u64, purpose: Purpose) {
        self.0.push(Effect::Start { id, purpose });
    }

    /// Appends `other`'s work.
    pub(super) fn extend(&mut self, other: Effects) {
        self.0.extend(other.0);
    }

    /// The work, in order.
    pub(super) fn into_vec(self) -> Vec<Effect> {
        self.0
    }
}
