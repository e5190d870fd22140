//! Single-flight token refresh: concurrent requests holding the same expired token cause one
//! refresh; the others wait for it and use its result.
//!
//! Keyed by the refresh token, in this process only. Finished flights are kept for a while so a
//! request that read the old token just after the refresh still gets the new one instead of
//! replaying a rotated-out refresh token; failed flights are dropped at once so the next
//! request can try again.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OnceCell;

use super::Error;
use crate::oauth2::Token;

/// How long a finished refresh answers late requests holding the old token.
const RETAIN: Duration = Duration::from_secs(120);

type Outcome = Result<Token, Arc<crate::Error>>;

#[derive(Default)]
pub(crate) struct SingleFlight {
    flights: Mutex<HashMap<String, Flight>>,
}

struct Flight {
    cell: Arc<OnceCell<Outcome>>,
    started: Instant,
}

impl SingleFlight {
    /// Runs `refresh` for `key` unless a flight for `key` is running or recently finished, in
    /// which case its result is returned.
    pub(crate) async fn run<F, Fut>(&self, key: &str, refresh: F) -> Result<Token, crate::Error>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Token, crate::Error>>,
    {
        let cell = {
            let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
            flights.retain(|_, f| !(f.cell.initialized() && f.started.elapsed() > RETAIN));
            flights
                .entry(key.to_owned())
                .or_insert_with(|| Flight {
                    cell: Arc::new(OnceCell::new()),
                    started: Instant::now(),
                })
                .cell
                .clone()
        };
        let outcome = cell
            .get_or_init(|| async { refresh().await.map_err(Arc::new) })
            .await;
        match outcome {
            Ok(token) => Ok(token.clone()),
            Err(err) => {
                let mut flights = self.flights.lock().unwrap_or_else(|e| e.into_inner());
                if flights
                    .get(key)
                    .is_some_and(|f| Arc::ptr_eq(&f.cell, &cell))
                {
                    flights.remove(key);
                }
                Err(Error::RefreshFailed(err.clone()).into())
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
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_callers_share_one_refresh() {
        let flights = Arc::new(SingleFlight::default());
        let calls = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..50 {
            let (flights, calls) = (flights.clone(), calls.clone());
            tasks.push(tokio::spawn(async move {
                flights
                    .run("rt-1", || async {
                        calls.fetch_add(1, Ordering::SeqCst);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        Ok(Token::oauth1("new", "secret"))
                    })
                    .await
                    .map(|t| t.access_token().to_owned())
            }));
        }
        for task in tasks {
            assert_eq!(task.await.unwrap().unwrap(), "new");
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        // A late caller with the same old refresh token gets the retained result.
        let late = flights
            .run("rt-1", || async { panic!("must not refresh again") })
            .await
            .unwrap();
        assert_eq!(late.access_token(), "new");
    }

    #[tokio::test]
    async fn a_failed_refresh_is_forgotten_so_the_next_caller_retries() {
        let flights = SingleFlight::default();
        let err = flights
            .run("rt-2", || async { Err(Error::MissingToken.into()) })
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("refreshing the token failed"),
            "{err}"
        );
        assert_eq!(flights.len(), 0);
        let ok = flights
            .run("rt-2", || async { Ok(Token::oauth1("again", "s")) })
            .await
            .unwrap();
        assert_eq!(ok.access_token(), "again");
    }
}
