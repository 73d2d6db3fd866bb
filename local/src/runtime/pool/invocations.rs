//! Invocations handed to an instance and not yet answered: each waits for the
//! instance's `response` or `error`, or for its crash.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::oneshot;

use crate::observe::logs::Report;
use crate::runtime::invoke_error::InvokeError;

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

/// Where an invocation's outcome goes.
pub(super) type Reply = oneshot::Sender<Result<Outcome, InvokeError>>;

/// An open invocation.
pub(super) struct Pending {
    instance: u64,
    /// Where its outcome goes.
    pub(super) tx: Reply,
    delivered_at: Option<Instant>,
}

impl Pending {
    /// From delivery to the instance until `now` (zero if never delivered).
    pub(super) fn duration(&self, now: Instant) -> Duration {
        self.delivered_at
            .map_or(Duration::ZERO, |t| now.saturating_duration_since(t))
    }
}

/// The open invocations, by request id.
#[derive(Default)]
pub(super) struct Invocations {
    open: HashMap<String, Pending>,
}

impl Invocations {
    /// Opens invocation `request_id` on `instance`; where its outcome arrives.
    pub(super) fn open(
        &mut self,
        request_id: String,
        instance: u64,
    ) -> oneshot::Receiver<Result<Outcome, InvokeError>> {
        let (tx, rx) = oneshot::channel();
        self.open.insert(
            request_id,
            Pending {
                instance,
                tx,
                delivered_at: None,
            },
        );
        rx
    }

    /// Forgets `request_id` (it was never delivered, or timed out).
    pub(super) fn cancel(&mut self, request_id: &str) {
        self.open.remove(request_id);
    }

    /// `request_id` left through `next` at `now`: its clock starts.
    pub(super) fn delivered(&mut self, request_id: &str, now: Instant) {
        if let Some(p) = self.open.get_mut(request_id) {
            p.delivered_at = Some(now);
        }
    }

    /// Closes `request_id` if it is open on `instance`.
    pub(super) fn close(&mut self, instance: u64, request_id: &str) -> Option<Pending> {
        if self.open.get(request_id)?.instance != instance {
            return None;
        }
        self.open.remove(request_id)
    }

    /// Fails every invocation open on `instance` (its process exited) with `error`.
    pub(super) fn fail_instance(&mut self, instance: u64, error: impl Fn() -> InvokeError) {
        for (_, p) in self.open.extract_if(|_, p| p.instance == instance) {
            let _ = p.tx.send(Err(error()));
        }
    }
}
