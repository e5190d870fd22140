//! Single-flight token refresh: concurrent requests holding the same expired token cause one
//! refresh; the others wait for it and use its result.
//!
//! Keyed by the refresh token, in this process only. A successful refresh is kept for a while,
//! so a request that read the old token just after it still gets the new one instead of
//! replaying a rotated-out refresh token. A failed refresh is not kept: its caller gets the
//! error, and each waiter then tries in turn (a transient failure heals; a dead refresh token
//! fails each waiter with the provider's own typed error).

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::oauth2::Token;

/// How long a finished refresh answers late requests holding the old token.
const RETAIN: Duration = Duration::from_secs(120);

#[derive(Default)]
pub(crate) struct SingleFlight {
    flights: Mutex<HashMap<String, Flight>>,
}

#[derive(Clone)]
struct Flight {
    /// `Some` once refreshed; the lock is held while a refresh runs.
    slot: Arc<tokio::sync::Mutex<Option<Token>>>,
    created: Instant,
}

impl SingleFlight {
    /// The token refreshed from `key`: a recent flight's, or `refresh`'s (run while any other
    /// caller for `key` waits). When `refresh` succeeds, waiters get its token at once and
    /// `after` (saving it: `update_token`) runs for this caller only.
    pub(crate) async fn run<R, RF, A, AF>(
        &self,
        key: &str,
        refresh: R,
        after: A,
    ) -> Result<Token, crate::Error>
    where
        R: FnOnce() -> RF,
        RF: Future<Output = Result<Token, crate::Error>>,
        A: FnOnce(Token) -> AF,
        AF: Future<Output = Result<Token, crate::Error>>,
    {
        let flight = {
            let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            flights.retain(|_, f| f.created.elapsed() <= RETAIN);
            flights
                .entry(key.to_owned())
                .or_insert_with(|| Flight {
                    slot: Arc::default(),
                    created: Instant::now(),
                })
                .clone()
        };
        let mut slot = flight.slot.lock().await;
        if let Some(token) = slot.as_ref() {
            return Ok(token.clone());
        }
        match refresh().await {
            Ok(token) => {
                *slot = Some(token.clone());
                drop(slot);
                after(token).await
            }
            Err(err) => {
                let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
                if flights
                    .get(key)
                    .is_some_and(|f| Arc::ptr_eq(&f.slot, &flight.slot))
                {
                    flights.remove(key);
                }
                Err(err)
            }
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
    use crate::client::Error;
    use std::sync::atomic::{AtomicUsize, Ordering};

    async fn saved(token: Token) -> Result<Token, crate::Error> {
        Ok(token)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_refresh_and_one_save() {
        let flights = Arc::new(SingleFlight::default());
        let (calls, saves) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (flights, calls, saves) = (flights.clone(), calls.clone(), saves.clone());
            tasks.push(tokio::spawn(async move {
                flights
                    .run(
                        "rt-1",
                        || async {
                            calls.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            Ok(Token::oauth1("new", "secret"))
                        },
                        |token| async move {
                            saves.fetch_add(1, Ordering::SeqCst);
                            Ok(token)
                        },
                    )
                    .await
                    .map(|t| t.access_token().to_owned())
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "new");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert_eq!(saves.load(Ordering::SeqCst), 1);
        // A late caller with the same old refresh token gets the retained result.
        let late = flights
            .run("rt-1", || async { panic!("must not refresh again") }, saved)
            .await
            .unwrap();
        assert_eq!(late.access_token(), "new");
    }

    #[tokio::test]
    async fn a_failed_refresh_returns_its_own_error_and_is_forgotten() {
        let flights = SingleFlight::default();
        let err = flights
            .run("rt-2", || async { Err(Error::MissingToken.into()) }, saved)
            .await
            .unwrap_err();
        assert!(
            matches!(err, crate::Error::Client(Error::MissingToken)),
            "{err:?}"
        );
        assert_eq!(flights.len(), 0);
        let ok = flights
            .run("rt-2", || async { Ok(Token::oauth1("again", "s")) }, saved)
            .await
            .unwrap();
        assert_eq!(ok.access_token(), "again");
    }

    #[tokio::test]
    async fn a_failed_save_keeps_the_new_token_for_everyone_else() {
        let flights = SingleFlight::default();
        let err = flights
            .run(
                "rt-3",
                || async { Ok(Token::oauth1("fresh", "s")) },
                |_| async { Err(Error::MissingToken.into()) },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, crate::Error::Client(Error::MissingToken)));
        let next = flights
            .run("rt-3", || async { panic!("must not refresh again") }, saved)
            .await
            .unwrap();
        assert_eq!(next.access_token(), "fresh");
    }
}
