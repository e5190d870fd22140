//! Single-flight token refresh: concurrent requests holding the same expired token cause one
//! refresh; the others wait for it and use its result.
//!
//! Keyed by the refresh token, in this process only. The refresh (and `update_token` after it)
//! runs as a task of its own, so a caller that is dropped mid-way (a client hanging up on an
//! axum handler) neither loses the new token nor leaves the waiters to replay a rotated-out
//! refresh token. A finished refresh is kept for a while, so a request that read the old token
//! just after it still gets the new one. A refresh the provider refused is forgotten at once,
//! after its waiters got its error, so the next request may try again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::Error;
use crate::oauth2::Token;

/// How long a finished refresh answers late requests holding the old token.
const RETAIN: Duration = Duration::from_secs(120);

/// What a refresh ended with, shared by everyone who waited for it.
pub(crate) type Outcome = Result<Token, Arc<crate::Error>>;

/// Whether a finished refresh may answer this caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reuse {
    /// Auto refresh before a request: a recent result is what the caller needs.
    Finished,
    /// An explicit refresh: join one under way, but never answer from a finished one.
    RunningOnly,
}

#[derive(Default)]
pub(crate) struct SingleFlight {
    flights: Arc<Mutex<HashMap<String, Flight>>>,
    next_id: AtomicU64,
}

struct Flight {
    id: u64,
    outcome: watch::Receiver<Option<Outcome>>,
    started: Instant,
}

impl Flight {
    fn finished(&self) -> bool {
        self.outcome.borrow().is_some()
    }
}

impl SingleFlight {
    /// The outcome of refreshing `key`: a running (or, with [`Reuse::Finished`], recent) flight's,
    /// or that of `refresh`, spawned as a task. `refresh` returns the token and whether the
    /// provider accepted the refresh (`false`: forget the flight so a later request retries).
    pub(crate) async fn run<F, Fut>(
        &self,
        key: &str,
        reuse: Reuse,
        refresh: F,
    ) -> Result<Token, crate::Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = (Outcome, bool)> + Send + 'static,
    {
        let mut outcome = {
            let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            flights.retain(|_, f| !(f.finished() && f.started.elapsed() > RETAIN));
            match flights.get(key) {
                Some(f) if reuse == Reuse::Finished || !f.finished() => f.outcome.clone(),
                _ => {
                    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                    let (tx, rx) = watch::channel(None);
                    let fut = refresh();
                    let registry = self.flights.clone();
                    let owned_key = key.to_owned();
                    tokio::spawn(async move {
                        let (outcome, accepted) = fut.await;
                        if !accepted {
                            let mut flights = registry.lock().unwrap_or_else(|e| e.into_inner());
                            if flights.get(&owned_key).is_some_and(|f| f.id == id) {
                                flights.remove(&owned_key);
                            }
                        }
                        // No receiver left is fine: the flight's result was only for them.
                        let _ = tx.send(Some(outcome));
                    });
                    flights.insert(
                        key.to_owned(),
                        Flight {
                            id,
                            outcome: rx.clone(),
                            started: Instant::now(),
                        },
                    );
                    rx
                }
            }
        };
        let shared = match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone(),
            // The task ended without an answer: only if it panicked or the runtime shut down.
            Err(_) => None,
        };
        match shared {
            Some(Ok(token)) => Ok(token),
            Some(Err(err)) => Err(Error::RefreshFailed(err).into()),
            None => Err(Error::RefreshAbandoned.into()),
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.flights.lock().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn ok(token: &str) -> (Outcome, bool) {
        (Ok(Token::oauth1(token, "secret")), true)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_refresh() {
        let flights = Arc::new(SingleFlight::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (flights, calls) = (flights.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                flights
                    .run("rt-1", Reuse::Finished, || async move {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        ok("new")
                    })
                    .await
                    .map(|t| t.access_token().to_owned())
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "new");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A late auto refresh with the same old refresh token gets the retained result...
        let late = flights
            .run("rt-1", Reuse::Finished, || async {
                panic!("must not refresh again")
            })
            .await
            .unwrap();
        assert_eq!(late.access_token(), "new");
        // ...an explicit one asks the provider again.
        let again = flights
            .run("rt-1", Reuse::RunningOnly, || async { ok("newer") })
            .await
            .unwrap();
        assert_eq!(again.access_token(), "newer");
    }

    #[tokio::test]
    async fn a_refused_refresh_is_shared_then_forgotten() {
        let flights = SingleFlight::default();
        let err = flights
            .run("rt-2", Reuse::Finished, || async {
                (Err(Arc::new(Error::MissingToken.into())), false)
            })
            .await
            .unwrap_err();
        assert!(
            matches!(err.underlying(), crate::Error::Client(Error::MissingToken)),
            "{err:?}"
        );
        assert_eq!(flights.len(), 0);
        let next = flights
            .run("rt-2", Reuse::Finished, || async { ok("again") })
            .await
            .unwrap();
        assert_eq!(next.access_token(), "again");
    }

    #[tokio::test]
    async fn a_dropped_caller_does_not_stop_the_refresh() {
        let flights = Arc::new(SingleFlight::default());
        let done = Arc::new(AtomicUsize::new(0));
        let first = {
            let (flights, done) = (flights.clone(), done.clone());
            tokio::spawn(async move {
                flights
                    .run("rt-3", Reuse::Finished, || async move {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        done.fetch_add(1, Ordering::SeqCst);
                        ok("kept")
                    })
                    .await
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        first.abort();
        let second = flights
            .run("rt-3", Reuse::Finished, || async {
                panic!("must join the running refresh")
            })
            .await
            .unwrap();
        assert_eq!(second.access_token(), "kept");
        assert_eq!(done.load(Ordering::SeqCst), 1);
    }
}
