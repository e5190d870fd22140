//! In-process test providers: an axum router on a free 127.0.0.1 port, and a log of every
//! request it received, for exact assertions on what the engine sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::Response;
use http::{HeaderMap, Method};
use oauth_compat::Engine;
use oauth_compat::MapEnv;

/// A request as the provider received it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: Method,
    /// Path and query, as sent.
    pub(crate) uri: String,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

impl Seen {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub(crate) fn body_str(&self) -> &str {
        std::str::from_utf8(&self.body).expect("UTF-8 body")
    }

    /// The form body's pairs, decoded.
    pub(crate) fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(&self.body)
            .into_owned()
            .collect()
    }

    /// The query's pairs, decoded.
    pub(crate) fn query(&self) -> Vec<(String, String)> {
        let query = self.uri.split_once('?').map_or("", |(_, q)| q);
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }
}

pub(crate) type Log = Arc<Mutex<Vec<Seen>>>;

/// A running provider.
pub(crate) struct Provider {
    /// `http://127.0.0.1:PORT`
    pub(crate) base: String,
    pub(crate) port: u16,
    pub(crate) log: Log,
    task: tokio::task::JoinHandle<()>,
}

impl Provider {
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Every request received so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.log.lock().unwrap().clone()
    }

    /// The last request received to `path` (path only, query ignored).
    pub(crate) fn last(&self, path: &str) -> Seen {
        self.seen()
            .into_iter()
            .rev()
            .find(|s| s.uri.split('?').next() == Some(path))
            .unwrap_or_else(|| panic!("no request to {path}"))
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Serves `router` on 127.0.0.1 (a free port), logging every request before it is handled.
pub(crate) async fn serve(router: Router) -> Provider {
    let log: Log = Arc::default();
    let logged = log.clone();
    let router = router.layer(middleware::from_fn(move |req: Request, next: Next| {
        let log = logged.clone();
        async move {
            let (parts, body) = req.into_parts();
            let bytes = to_bytes(body, usize::MAX).await.expect("request body");
            log.lock().unwrap().push(Seen {
                method: parts.method.clone(),
                uri: parts.uri.to_string(),
                headers: parts.headers.clone(),
                body: bytes.to_vec(),
            });
            let response: Response = next
                .run(Request::from_parts(parts, Body::from(bytes)))
                .await;
            response
        }
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let port = listener.local_addr().unwrap().port();
    let task = tokio::spawn(async move {
        axum::serve(listener, router).await.expect("test provider");
    });
    Provider {
        base: format!("http://127.0.0.1:{port}"),
        port,
        log,
        task,
    }
}

/// An engine for talking to loopback providers: an empty environment, so no proxy or
/// `*_INSECURE_TRANSPORT` variable of the machine leaks in, and a 10 s timeout, so a hung
/// provider fails the test instead of stalling it.
pub(crate) fn engine() -> Engine {
    Engine::builder()
        .env(MapEnv::new())
        .timeout(Duration::from_secs(10))
        .build()
        .expect("engine")
}
