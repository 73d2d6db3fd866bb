//! Whether a connection is answering a request, as its [`super::io::EdgeIo`] needs
//! to know: bytes written while no request is being answered are hyper's own.
//!
//! [`Tracked`] marks the start of a request when hyper hands it to the service, and
//! wraps the response body in a [`TrackedBody`] that marks the end once hyper has
//! taken its last frame (or dropped it).

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};

use futures::FutureExt as _;
use futures::future::BoxFuture;
use http::Response;
use http_body::{Body, Frame, SizeHint};
use hyper::service::Service;

/// One connection's state, shared by its IO and its service.
#[derive(Debug, Default)]
pub struct Tracker {
    answering: AtomicBool,
}

impl Tracker {
    /// A tracker for a new connection (no request yet).
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    /// Whether a request has been handed to the service and its response is not
    /// written in full yet.
    pub fn answering(&self) -> bool {
        self.answering.load(Ordering::Acquire)
    }

    fn set(&self, answering: bool) {
        self.answering.store(answering, Ordering::Release);
    }
}

/// A service that reports its requests to a [`Tracker`].
#[derive(Debug, Clone)]
pub struct Tracked<S> {
    inner: S,
    tracker: Arc<Tracker>,
}

impl<S> Tracked<S> {
    /// Wraps `inner`.
    pub fn new(inner: S, tracker: Arc<Tracker>) -> Self {
        Self { inner, tracker }
    }
}

impl<S, R, B> Service<R> for Tracked<S>
where
    S: Service<R, Response = Response<B>>,
    S::Future: Send + 'static,
    S::Error: 'static,
    B: 'static,
{
    type Response = Response<TrackedBody<B>>;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn call(&self, request: R) -> Self::Future {
        self.tracker.set(true);
        let tracker = self.tracker.clone();
        self.inner
            .call(request)
            .map(move |result| {
                result.map(|response| {
                    response.map(|body| TrackedBody {
                        inner: body,
                        tracker: Some(tracker),
                    })
                })
            })
            .boxed()
    }
}

/// A response body that marks the end of its request when it ends or is dropped.
#[derive(Debug)]
pub struct TrackedBody<B> {
    inner: B,
    tracker: Option<Arc<Tracker>>,
}

impl<B> TrackedBody<B> {
    fn finish(&mut self) {
        if let Some(tracker) = self.tracker.take() {
            tracker.set(false);
        }
    }
}

impl<B> Drop for TrackedBody<B> {
    fn drop(&mut self) {
        self.finish();
    }
}

impl<B: Body + Unpin> Body for TrackedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.inner).poll_frame(cx);
        if matches!(polled, Poll::Ready(None)) {
            self.finish();
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
