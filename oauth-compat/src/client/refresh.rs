//! Single-flight token refresh: concurrent requests holding the same expired token cause one
//! refresh; the others wait for it and use its result.
//!
//! Keyed by the refresh token, per client (and its clones: build one client and share it). The
//! refresh (and `update_token` after it) runs as a task of its own, bounded by
//! [`REFRESH_TIMEOUT`], so a caller that is dropped mid-way (a client hanging up on an axum
//! handler) neither loses the new token nor leaves the waiters to replay a rotated-out refresh
//! token. A successful refresh is kept for [`RETAIN`] (while its token is unexpired), so a
//! request that read the old token just after it still gets the new one. A failed refresh
//! (refused, unreachable, timed out, or a panicking hook) is shared with its waiters and then
//! forgotten, so the next request may try again.
//!
//! With a refresh lock, the task coordinates with other clients and processes through a shared
//! cache (see [`super::refresh_lock`]).

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::watch;

use super::ClientError;
use crate::oauth2::Token;
use crate::wire::now_unix;

/// How long a successful refresh answers late requests holding the old token.
pub(crate) const RETAIN: Duration = Duration::from_secs(120);

/// The longest a refresh (grant and `update_token`) may take before its waiters are released
/// with an error: a client passed without a timeout must not hold a user's requests forever.
pub(crate) const REFRESH_TIMEOUT: Duration = Duration::from_secs(120);

/// What a refresh ended with, shared by everyone who waited for it.
pub(crate) type Outcome = Result<Token, Arc<crate::Error>>;

/// The token a refresh got from the provider, if it got one: a success, or a failed
/// `update_token` (the old refresh token may be rotated out already, so callers holding it need
/// the new one all the same).
pub(crate) fn issued(outcome: &Outcome) -> Option<&Token> {
    match outcome {
        Ok(token) => Some(token),
        Err(err) => match err.underlying() {
            crate::Error::Client(ClientError::UpdateTokenFailed { token, .. }) => Some(token),
            _ => None,
        },
    }
}

/// Which finished refresh may answer this caller.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Reuse {
    /// Auto refresh before a request: any recent success is what the caller needs.
    Recent,
    /// An explicit refresh: only one that finished after the caller read its token.
    FinishedAfter(Instant),
}

#[derive(Default)]
pub(crate) struct SingleFlight {
    entries: Arc<Mutex<HashMap<String, Flight>>>,
    next_id: AtomicU64,
}

#[derive(Default)]
struct Flight {
    running: Option<(u64, watch::Receiver<Option<Outcome>>)>,
    /// The last success: its id, when it finished, and the token.
    succeeded: Option<(u64, Instant, Token)>,
}

impl SingleFlight {
    /// The token refreshed from `key`: a running flight's, a reusable finished one's, or that
    /// of `refresh`, spawned as a task. `refresh` returns the outcome and whether to keep it for
    /// late callers (`false` for a failure: the next request retries).
    pub(crate) async fn run<F, Fut>(
        &self,
        key: &str,
        reuse: Reuse,
        refresh: F,
    ) -> Result<Token, crate::Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let mut outcome = {
            let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
            let entry = entries.entry(key.to_owned()).or_default();
            if let Some((_, running)) = &entry.running {
                running.clone()
            } else {
                if let Some((_, finished, token)) = &entry.succeeded {
                    let reusable = match reuse {
                        Reuse::Recent => finished.elapsed() <= RETAIN,
                        Reuse::FinishedAfter(read_at) => *finished > read_at,
                    };
                    if reusable && !token.is_expired(0, now_unix()) {
                        return Ok(token.clone());
                    }
                }
                let id = self.next_id.fetch_add(1, Ordering::Relaxed);
                let (tx, rx) = watch::channel(None);
                entry.running = Some((id, rx.clone()));
                let mut guard = FlightGuard {
                    entries: self.entries.clone(),
                    key: key.to_owned(),
                    id,
                    finished: false,
                };
                let fut = refresh();
                tokio::spawn(async move {
                    let outcome = match tokio::time::timeout(REFRESH_TIMEOUT, fut).await {
                        Ok(outcome) => outcome,
                        Err(_) => Err(Arc::new(
                            ClientError::RefreshTimedOut(REFRESH_TIMEOUT).into(),
                        )),
                    };
                    guard.finish(&outcome);
                    // Nobody left waiting is fine: the result was only for them.
                    let _ = tx.send(Some(outcome));
                    guard.forget_after(RETAIN).await;
                });
                rx
            }
        };
        let shared = match outcome.wait_for(Option::is_some).await {
            Ok(done) => done.clone(),
            // The task ended without an answer (a panicking hook, a runtime shutting down);
            // its guard has already forgotten the flight.
            Err(_) => None,
        };
        match shared {
            Some(Ok(token)) => Ok(token),
            Some(Err(err)) => Err(crate::Error::RefreshFailed(err)),
            None => Err(ClientError::RefreshAbandoned.into()),
        }
    }

    #[cfg(test)]
    fn has_entry(&self, key: &str) -> bool {
        self.entries.lock().unwrap().contains_key(key)
    }
}

/// The running flight's bookkeeping: records its end, and forgets it if the task ends without
/// an answer (panic, cancellation at runtime shutdown).
struct FlightGuard {
    entries: Arc<Mutex<HashMap<String, Flight>>>,
    key: String,
    id: u64,
    finished: bool,
}

impl FlightGuard {
    fn with_entry(&self, f: impl FnOnce(&mut Flight)) {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(entry) = entries.get_mut(&self.key) {
            f(entry);
            if entry.running.is_none() && entry.succeeded.is_none() {
                entries.remove(&self.key);
            }
        }
    }

    /// Ends the flight before its waiters hear of it, so a caller arriving in between sees the
    /// success (or starts afresh after a failure) instead of joining a finished flight.
    /// A failed `update_token` still counts as a refresh for late callers: the provider issued
    /// the token (and may have rotated the old refresh token out).
    fn finish(&mut self, outcome: &Outcome) {
        self.finished = true;
        let id = self.id;
        let issued = issued(outcome);
        self.with_entry(|entry| {
            if entry
                .running
                .as_ref()
                .is_some_and(|(running, _)| *running == id)
            {
                entry.running = None;
            }
            if let Some(token) = issued {
                entry.succeeded = Some((id, Instant::now(), token.clone()));
            }
        });
    }

    /// Forgets this flight's success after `retain`, unless a later one replaced it.
    async fn forget_after(self, retain: Duration) {
        tokio::time::sleep(retain).await;
        let id = self.id;
        self.with_entry(|entry| {
            if entry
                .succeeded
                .as_ref()
                .is_some_and(|(kept, ..)| *kept == id)
            {
                entry.succeeded = None;
            }
        });
    }
}

impl Drop for FlightGuard {
    // Matters only when the task ends before `finish` (a panic, or its runtime shutting down).
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let id = self.id;
        self.with_entry(|entry| {
            if entry
                .running
                .as_ref()
                .is_some_and(|(running, _)| *running == id)
            {
                entry.running = None;
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;

    fn ok(token: &str) -> Outcome {
        Ok(Token::oauth1(token, "secret"))
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
                    .run("rt-1", Reuse::Recent, || async move {
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
            .run("rt-1", Reuse::Recent, || async {
                panic!("must not refresh again")
            })
            .await
            .unwrap();
        assert_eq!(late.access_token(), "new");
        // ...and so does an explicit one that read its token before that refresh finished...
        let read_before = Instant::now() - Duration::from_secs(1);
        let joined = flights
            .run("rt-1", Reuse::FinishedAfter(read_before), || async {
                panic!("must not refresh again")
            })
            .await
            .unwrap();
        assert_eq!(joined.access_token(), "new");
        // ...while one that read it afterwards asks the provider again.
        let again = flights
            .run("rt-1", Reuse::FinishedAfter(Instant::now()), || async {
                ok("newer")
            })
            .await
            .unwrap();
        assert_eq!(again.access_token(), "newer");
    }

    #[tokio::test]
    async fn a_failed_refresh_is_shared_then_forgotten() {
        let flights = SingleFlight::default();
        let err = flights
            .run("rt-2", Reuse::Recent, || async {
                Err(Arc::new(ClientError::MissingToken.into()))
            })
            .await
            .unwrap_err();
        assert!(
            matches!(
                err.underlying(),
                crate::Error::Client(ClientError::MissingToken)
            ),
            "{err:?}"
        );
        assert!(!flights.has_entry("rt-2"));
        let next = flights
            .run("rt-2", Reuse::Recent, || async { ok("again") })
            .await
            .unwrap();
        assert_eq!(next.access_token(), "again");
    }

    #[tokio::test]
    async fn a_panicking_refresh_is_forgotten_so_the_next_caller_retries() {
        let flights = SingleFlight::default();
        let err = flights
            .run("rt-p", Reuse::Recent, || async {
                panic!("a hook panicked")
            })
            .await
            .unwrap_err();
        assert!(
            matches!(err, crate::Error::Client(ClientError::RefreshAbandoned)),
            "{err:?}"
        );
        let next = flights
            .run("rt-p", Reuse::Recent, || async { ok("recovered") })
            .await
            .unwrap();
        assert_eq!(next.access_token(), "recovered");
    }

    #[tokio::test]
    async fn an_expired_retained_token_is_not_reused() {
        let flights = SingleFlight::default();
        let expired = || async {
            let mut map = serde_json::Map::new();
            map.insert("access_token".into(), "short".into());
            map.insert("expires_at".into(), (now_unix() - 1).into());
            Ok(Token::from_map(map).unwrap())
        };
        flights.run("rt-e", Reuse::Recent, expired).await.unwrap();
        let next = flights
            .run("rt-e", Reuse::Recent, || async { ok("fresh") })
            .await
            .unwrap();
        assert_eq!(next.access_token(), "fresh");
    }

    #[tokio::test]
    async fn a_dropped_caller_does_not_stop_the_refresh() {
        let flights = Arc::new(SingleFlight::default());
        let done = Arc::new(AtomicUsize::new(0));
        let first = {
            let (flights, done) = (flights.clone(), done.clone());
            tokio::spawn(async move {
                flights
                    .run("rt-3", Reuse::Recent, || async move {
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
            .run("rt-3", Reuse::Recent, || async {
                panic!("must join the running refresh")
            })
            .await
            .unwrap();
        assert_eq!(second.access_token(), "kept");
        assert_eq!(done.load(Ordering::SeqCst), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_success_is_forgotten_after_the_retention_window() {
        let flights = SingleFlight::default();
        flights
            .run("rt-4", Reuse::Recent, || async { ok("kept") })
            .await
            .unwrap();
        assert!(flights.has_entry("rt-4"));
        tokio::time::sleep(RETAIN + Duration::from_secs(1)).await;
        assert!(!flights.has_entry("rt-4"));
    }
}
