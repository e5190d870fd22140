//! The body-read timeout: one deadline for a whole request body.
//!
//! Written here because tower-http's `TimeoutBody` restarts its timer at every frame, so a body
//! that drips a byte at a time would never time out.

use std::fmt;
use std::future::Future as _;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::BoxError;
use hyper::body::{Body, Frame, SizeHint};
use tokio::time::Sleep;

/// The error a [`DeadlineBody`] fails with at its deadline.
#[derive(Debug)]
pub(super) struct BodyReadTimeout(Duration);

impl fmt::Display for BodyReadTimeout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the request body did not end within {:?}", self.0)
    }
}

impl std::error::Error for BodyReadTimeout {}

/// A request body that fails once `timeout` has passed since it was made, unless it ended
/// first; [`expired`](Self::expired) tells the request's caller it did.
pub(super) struct DeadlineBody<B> {
    body: B,
    timeout: Duration,
    deadline: Pin<Box<Sleep>>,
    expired: Arc<AtomicBool>,
}

impl<B> DeadlineBody<B> {
    pub(super) fn new(body: B, timeout: Duration) -> Self {
        Self {
            body,
            timeout,
            deadline: Box::pin(tokio::time::sleep(timeout)),
            expired: Arc::default(),
        }
    }

    /// Set once the body has failed at its deadline.
    pub(super) fn expired(&self) -> Arc<AtomicBool> {
        self.expired.clone()
    }
}

impl<B> Body for DeadlineBody<B>
where
    B: Body + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = B::Data;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.get_mut();
        // The deadline first: a client that keeps data always ready still has to finish in time
        // (a body already whole is not failed for being read late).
        if !this.body.is_end_stream() && this.deadline.as_mut().poll(cx).is_ready() {
            this.expired.store(true, Ordering::Release);
            return Poll::Ready(Some(Err(BodyReadTimeout(this.timeout).into())));
        }
        Pin::new(&mut this.body).poll_frame(cx).map_err(Into::into)
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.body.size_hint()
    }
}
