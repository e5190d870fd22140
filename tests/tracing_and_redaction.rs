//! The engine's `tracing` output and the library's `Debug` output, captured while real flows run
//! against loopback providers: one span per request with method, host, path, status and
//! duration, and never a secret (tokens, client and token secrets, signatures) in a span, an
//! event, a `Debug` or an error message.

mod support;

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Form, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http::{HeaderMap, HeaderValue, Method};
use oauth_compat::Error;
use oauth_compat::Hooks;
use oauth_compat::oauth1::{ClientCredentials, RsaPrivateKey, SignatureType};
use oauth_compat::oauth2::{ClientAuthMethod, CodeChallengeMethod, Token, TokenPlacement};
use oauth_compat::{OAuth1Client, OAuth2Client, TokenGrant, TokenUpdate};
use oauth_compat::{OutgoingRequest, RawResponse};
use oauth1_provider::{ACCESS_SECRET, ACCESS_TOKEN, CONSUMER_KEY, CONSUMER_SECRET};
use serde_json::json;
use support::loopback::{self, engine};
use support::oauth1_provider;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};

const CLIENT_SECRET: &str = "SECRET-client-zzz";
const ACCESS: &str = "SECRET-access-zzz";
const REFRESH: &str = "SECRET-refresh-zzz";
const NEW_ACCESS: &str = "SECRET-access-new-zzz";
const NEW_REFRESH: &str = "SECRET-refresh-new-zzz";

/// What must never be shown: every secret above contains `SECRET`.
const FORBIDDEN: [&str; 3] = ["SECRET", "oauth_signature", "access_token="];

fn assert_shows_no_secret(what: &str, shown: &str) {
    for needle in FORBIDDEN {
        assert!(!shown.contains(needle), "{what} shows {needle:?}: {shown}");
    }
}

// --- A layer that records every span's fields and every event's fields ---

#[derive(Debug, Clone)]
struct SpanRecord {
    name: &'static str,
    fields: Vec<(String, String)>,
}

impl SpanRecord {
    fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Debug, Default)]
struct Log {
    spans: Vec<SpanRecord>,
    /// Span id → index in `spans`, while the span is open (ids are reused after close).
    open: HashMap<u64, usize>,
    events: Vec<Vec<(String, String)>>,
}

impl Log {
    fn request_spans(&self) -> Vec<&SpanRecord> {
        self.spans
            .iter()
            .filter(|s| s.name == "oauth_compat.request")
            .collect()
    }

    /// Every value recorded on any span or event.
    fn all_values(&self) -> impl Iterator<Item = &str> {
        self.spans
            .iter()
            .flat_map(|s| &s.fields)
            .chain(self.events.iter().flatten())
            .map(|(_, v)| v.as_str())
    }
}

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Log>>);

struct Fields<'a>(&'a mut Vec<(String, String)>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push((field.name().to_owned(), format!("{value:?}")));
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push((field.name().to_owned(), value.to_owned()));
    }
}

impl<S: Subscriber> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, _: Context<'_, S>) {
        let mut fields = Vec::new();
        attrs.record(&mut Fields(&mut fields));
        let mut log = self.0.lock().unwrap();
        log.spans.push(SpanRecord {
            name: attrs.metadata().name(),
            fields,
        });
        let index = log.spans.len() - 1;
        log.open.insert(id.into_u64(), index);
    }

    fn on_record(&self, id: &Id, values: &Record<'_>, _: Context<'_, S>) {
        let mut log = self.0.lock().unwrap();
        let log = &mut *log;
        if let Some(&index) = log.open.get(&id.into_u64()) {
            values.record(&mut Fields(&mut log.spans[index].fields));
        }
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Vec::new();
        event.record(&mut Fields(&mut fields));
        self.0.lock().unwrap().events.push(fields);
    }

    fn on_close(&self, id: Id, _: Context<'_, S>) {
        self.0.lock().unwrap().open.remove(&id.into_u64());
    }
}

/// Runs `scenario` on a current-thread runtime (providers included) with the capturing layer
/// as this thread's subscriber; returns its output and everything recorded.
fn traced<F: Future>(scenario: F) -> (F::Output, Log) {
    let capture = Capture::default();
    let _guard =
        tracing::subscriber::set_default(tracing_subscriber::registry().with(capture.clone()));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let output = runtime
        .block_on(async { tokio::time::timeout(Duration::from_secs(30), scenario).await })
        .expect("scenario within 30 s");
    drop(runtime);
    let log = std::mem::take(&mut *capture.0.lock().unwrap());
    (output, log)
}

// --- The OAuth 2 scenario ---

/// Client credentials (the secret in the form), refresh, and an API that takes the token in
/// the query. A refresh token it does not know is `invalid_grant`, echoing what it was sent.
fn oauth2_router() -> Router {
    async fn token(Form(form): Form<HashMap<String, String>>) -> Response {
        let get = |k: &str| form.get(k).map(String::as_str);
        if get("client_secret") != Some(CLIENT_SECRET) {
            return (
                StatusCode::UNAUTHORIZED,
                Json(json!({"error": "invalid_client"})),
            )
                .into_response();
        }
        match (get("grant_type"), get("refresh_token")) {
            (Some("client_credentials"), _) => Json(json!({
                "access_token": ACCESS, "token_type": "bearer", "expires_in": 3600,
                "refresh_token": REFRESH
            }))
            .into_response(),
            (Some("refresh_token"), Some(REFRESH)) => Json(json!({
                "access_token": NEW_ACCESS, "token_type": "bearer", "expires_in": 3600,
                "refresh_token": NEW_REFRESH
            }))
            .into_response(),
            (_, sent) => (
                StatusCode::BAD_REQUEST,
                Json(json!({"error": "invalid_grant", "sent": sent})),
            )
                .into_response(),
        }
    }
    async fn me(Query(query): Query<HashMap<String, String>>) -> Response {
        match query.get("access_token").map(String::as_str) {
            Some(ACCESS | NEW_ACCESS) => Json(json!({"name": "alice"})).into_response(),
            _ => StatusCode::UNAUTHORIZED.into_response(),
        }
    }
    async fn broken() -> Response {
        (
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("upstream failed for client_secret={CLIENT_SECRET}"),
        )
            .into_response()
    }
    Router::new()
        .route("/token", post(token))
        .route("/broken", post(broken))
        .route("/api/me", get(me))
}

fn oauth2_client(provider: &loopback::Provider) -> oauth_compat::OAuth2ClientBuilder {
    OAuth2Client::builder("client-id")
        .client_secret(CLIENT_SECRET)
        .token_endpoint_auth_method(ClientAuthMethod::ClientSecretPost)
        .authorize_url(provider.url("/authorize"))
        .access_token_url(provider.url("/token"))
        .api_base_url(provider.url("/api/"))
        .token_placement(TokenPlacement::Uri)
        .code_challenge_method(CodeChallengeMethod::S256)
        .engine(engine())
}

struct OAuth2Outcome {
    seen: Vec<loopback::Seen>,
    client: OAuth2Client,
    token: Token,
    updates: Vec<TokenUpdate>,
}

/// Token fetch, API call, refresh, API call.
async fn oauth2_scenario() -> OAuth2Outcome {
    let provider = loopback::serve(oauth2_router()).await;
    let updates: Arc<Mutex<Vec<TokenUpdate>>> = Arc::default();
    let record = updates.clone();
    let client = oauth2_client(&provider)
        .update_token(move |update| {
            record.lock().unwrap().push(update);
            async { Ok::<(), std::io::Error>(()) }
        })
        .build()
        .unwrap();

    let token = client
        .fetch_token(TokenGrant::client_credentials())
        .await
        .unwrap();
    let resp = client.get("me").send().await.unwrap();
    assert_eq!(resp.status, 200);
    client.refresh_token(None).await.unwrap();
    let resp = client.get("me").send().await.unwrap();
    assert_eq!(resp.status, 200);

    let updates = updates.lock().unwrap().clone();
    OAuth2Outcome {
        seen: provider.seen(),
        client,
        token,
        updates,
    }
}

// --- The OAuth 1 scenario ---

struct OAuth1Outcome {
    seen: Vec<loopback::Seen>,
    client: OAuth1Client,
}

/// Two signed API calls: HMAC-SHA1 in the header, and PLAINTEXT in the query (whose signature
/// is the two secrets themselves).
async fn oauth1_scenario() -> OAuth1Outcome {
    let provider = oauth1_provider::serve().await;
    let build = |method: &str, placement| {
        OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
            .signature_method(method)
            .signature_type(placement)
            .api_base_url(provider.url("/api/"))
            .token(Token::oauth1(ACCESS_TOKEN, ACCESS_SECRET))
            .engine(engine())
            .build()
            .unwrap()
    };
    let header = build("HMAC-SHA1", SignatureType::Header);
    let resp = header
        .get("echo")
        .query(&[("q", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{:?}", provider.rejected());
    let query = build("PLAINTEXT", SignatureType::Query);
    let resp = query
        .post("echo")
        .form(&[("status", "hi")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{:?}", provider.rejected());
    OAuth1Outcome {
        seen: provider.http.seen(),
        client: query,
    }
}

// --- Spans ---

#[test]
fn each_oauth2_request_has_one_span_with_method_host_path_status_and_duration() {
    let (outcome, log) = traced(oauth2_scenario());
    let spans = log.request_spans();

    assert_eq!(spans.len(), outcome.seen.len());
    let shape: Vec<_> = spans
        .iter()
        .map(|s| {
            (
                s.field("kind").unwrap(),
                s.field("method").unwrap(),
                s.field("host").unwrap(),
                s.field("path").unwrap(),
                s.field("status").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("access_token", "POST", "127.0.0.1", "/token", "200"),
            ("protected", "GET", "127.0.0.1", "/api/me", "200"),
            ("refresh_token", "POST", "127.0.0.1", "/token", "200"),
            ("protected", "GET", "127.0.0.1", "/api/me", "200"),
        ]
    );
    for span in spans {
        let duration = span.field("duration_ms").expect("duration_ms recorded");
        duration
            .parse::<u64>()
            .expect("duration_ms in milliseconds");
    }
}

#[test]
fn each_oauth1_request_has_one_span_with_method_host_path_status_and_duration() {
    let (outcome, log) = traced(oauth1_scenario());
    let spans = log.request_spans();

    assert_eq!(spans.len(), outcome.seen.len());
    for (span, method) in spans.iter().zip(["GET", "POST"]) {
        assert_eq!(span.field("kind"), Some("protected"));
        assert_eq!(span.field("method"), Some(method));
        assert_eq!(span.field("host"), Some("127.0.0.1"));
        assert_eq!(span.field("path"), Some("/api/echo"));
        assert_eq!(span.field("status"), Some("200"));
        let duration = span.field("duration_ms").expect("duration_ms recorded");
        duration
            .parse::<u64>()
            .expect("duration_ms in milliseconds");
    }
}

#[test]
fn no_span_or_event_value_carries_a_secret() {
    let ((oauth2, oauth1), log) =
        traced(async { (oauth2_scenario().await, oauth1_scenario().await) });

    // The secrets did cross the wire, in the places a careless span would copy them from.
    let sent = |seen: &[loopback::Seen]| {
        seen.iter()
            .map(|s| format!("{} {:?} {}", s.uri, s.headers, s.body_str()))
            .collect::<String>()
    };
    let oauth2_sent = sent(&oauth2.seen);
    for secret in [CLIENT_SECRET, REFRESH, "access_token=SECRET-access-zzz"] {
        assert!(oauth2_sent.contains(secret), "{secret} was not sent");
    }
    let oauth1_sent = sent(&oauth1.seen);
    assert!(oauth1_sent.contains("oauth_signature=SECRET-consumer-zzz%26SECRET-token-zzz"));

    assert!(!log.request_spans().is_empty());
    assert!(!log.events.is_empty());
    for value in log.all_values() {
        assert_shows_no_secret("a span or event", value);
    }
}

// --- Debug and error output ---

#[test]
fn debug_of_clients_tokens_and_updates_shows_no_secret() {
    let ((oauth2, oauth1), _) =
        traced(async { (oauth2_scenario().await, oauth1_scenario().await) });

    assert_eq!(oauth2.updates.len(), 1);
    let update = &oauth2.updates[0];
    assert_eq!(update.token.access_token(), NEW_ACCESS);
    assert_eq!(update.refresh_token.as_deref(), Some(REFRESH));
    assert_shows_no_secret("TokenUpdate", &format!("{update:?}"));
    assert_eq!(oauth2.token.access_token(), ACCESS);
    assert_shows_no_secret("Token", &format!("{:?}", oauth2.token));
    assert_eq!(oauth2.client.token().unwrap().access_token(), NEW_ACCESS);
    assert_shows_no_secret("OAuth2Client", &format!("{:?}", oauth2.client));
    assert_shows_no_secret("OAuth1Client", &format!("{:?}", oauth1.client));

    let pair = Token::oauth1(ACCESS_TOKEN, ACCESS_SECRET);
    assert_shows_no_secret("OAuth 1 Token", &format!("{pair:?}"));

    let rsa = OAuth1Client::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
        .signature_method("RSA-SHA1")
        .rsa_key(RsaPrivateKey::from_pem(oauth1_provider::RSA_PRIVATE_PEM).unwrap())
        .realm("Photos")
        .token(pair)
        .engine(engine())
        .build()
        .unwrap();
    let shown = format!("{rsa:?}");
    assert!(
        !shown.contains("PRIVATE KEY") && !shown.contains("MII"),
        "{shown}"
    );
    assert!(
        !shown.contains(CONSUMER_SECRET) && !shown.contains(ACCESS_SECRET),
        "{shown}"
    );
}

#[test]
fn debug_of_authorization_request_hides_the_code_verifier() {
    let client = OAuth2Client::builder("client-id")
        .client_secret(CLIENT_SECRET)
        .authorize_url("https://provider.example/authorize")
        .code_challenge_method(CodeChallengeMethod::S256)
        .engine(engine())
        .build()
        .unwrap();
    let request = client
        .create_authorization_url(Some("https://app.example/cb"), &[])
        .unwrap();
    let verifier = request.code_verifier.as_ref().unwrap().as_str().to_owned();

    let shown = format!("{request:?}");
    assert!(!shown.contains(&verifier), "{shown}");
    assert!(!shown.contains(CLIENT_SECRET), "{shown}");
}

#[test]
fn debug_of_outgoing_request_and_raw_response_shows_no_secret() {
    let mut request = OutgoingRequest::new(
        Method::POST,
        format!("https://api.example/me?access_token={ACCESS}"),
    );
    request.headers.insert(
        "authorization",
        HeaderValue::from_str(&format!("Bearer {ACCESS}")).unwrap(),
    );
    request.body = format!("client_secret={CLIENT_SECRET}&refresh_token={REFRESH}").into_bytes();
    assert_shows_no_secret("OutgoingRequest", &format!("{request:?}"));

    let mut headers = HeaderMap::new();
    headers.insert(
        "set-cookie",
        HeaderValue::from_str(&format!("session={ACCESS}")).unwrap(),
    );
    let response = RawResponse::new(
        StatusCode::OK,
        headers,
        format!(r#"{{"access_token":"{ACCESS}"}}"#).into_bytes(),
    );
    assert_shows_no_secret("RawResponse", &format!("{response:?}"));
}

/// Debug and Display of `err`.
fn shown(err: &Error) -> String {
    format!("{err:?} / {err}")
}

#[test]
fn token_endpoint_errors_show_no_secret() {
    let (errors, _) = traced(async {
        let provider = loopback::serve(oauth2_router()).await;
        let client = oauth2_client(&provider).build().unwrap();
        // invalid_grant, the body echoing the refresh token sent.
        let provider_error = client
            .refresh_token(Some("SECRET-refresh-unknown"))
            .await
            .unwrap_err();
        // HTTP 500 whose body names the client secret.
        let broken = oauth2_client(&provider)
            .access_token_url(provider.url("/broken"))
            .build()
            .unwrap();
        let http_status = broken
            .fetch_token(TokenGrant::password("alice", "SECRET-password-zzz"))
            .await
            .unwrap_err();
        // update_token fails after a refresh: the error holds the new token.
        let failing = oauth2_client(&provider)
            .update_token(|_| async { Err::<(), _>(std::io::Error::other("store down")) })
            .build()
            .unwrap();
        let update_failed = failing.refresh_token(Some(REFRESH)).await.unwrap_err();
        [provider_error, http_status, update_failed]
    });

    let [provider_error, http_status, update_failed] = &errors;
    let (provider_error, update_failed) = (provider_error.underlying(), update_failed.underlying());
    assert!(
        matches!(provider_error.underlying(), Error::OAuth2(oauth_compat::oauth2::OAuth2Error::Provider(p)) if String::from_utf8_lossy(&p.body).contains("SECRET-refresh-unknown")),
        "{provider_error:?}"
    );
    assert!(
        matches!(http_status.underlying(), Error::OAuth2(oauth_compat::oauth2::OAuth2Error::HttpStatus { body, .. }) if String::from_utf8_lossy(body).contains(CLIENT_SECRET)),
        "{http_status:?}"
    );
    assert!(
        matches!(update_failed.underlying(), Error::Client(oauth_compat::ClientError::UpdateTokenFailed { token, .. }) if token.access_token() == NEW_ACCESS),
        "{update_failed:?}"
    );
    for err in &errors {
        assert_shows_no_secret("a token endpoint error", &shown(err));
    }
}

#[test]
fn engine_errors_show_no_secret() {
    let (errors, _) = traced(async {
        let token = Token::bearer(ACCESS);
        // Plain HTTP to another host, with the token in the query.
        let insecure = OAuth2Client::builder("client-id")
            .client_secret(CLIENT_SECRET)
            .api_base_url("http://example.invalid/api/")
            .token_placement(TokenPlacement::Uri)
            .engine(engine())
            .build()
            .unwrap();
        let insecure = insecure
            .get("me")
            .token(token.clone())
            .send()
            .await
            .unwrap_err();
        // Nothing listens on port 1: a transport error, the token in the query.
        let refused = OAuth2Client::builder("client-id")
            .api_base_url("http://127.0.0.1:1/api/")
            .token_placement(TokenPlacement::Uri)
            .engine(engine())
            .build()
            .unwrap();
        let refused = refused
            .get("me")
            .token(token.clone())
            .send()
            .await
            .unwrap_err();
        // A hook leaves a URL that does not parse, the token in its query.
        let mut hooks = Hooks::new();
        hooks.pre_request(|req| req.url = format!("::not a url?access_token={ACCESS}"));
        let hooked = OAuth2Client::builder("client-id")
            .api_base_url("http://127.0.0.1:1/api/")
            .hooks(&hooks)
            .engine(engine())
            .build()
            .unwrap();
        let invalid = hooked.get("me").token(token).send().await.unwrap_err();
        [insecure, refused, invalid]
    });

    let [insecure, refused, invalid] = &errors;
    assert!(
        matches!(
            insecure.underlying(),
            Error::Engine(oauth_compat::EngineError::InsecureTransport { .. })
        ),
        "{insecure:?}"
    );
    assert!(
        matches!(
            refused.underlying(),
            Error::Engine(oauth_compat::EngineError::Transport { .. })
        ),
        "{refused:?}"
    );
    assert!(
        matches!(
            invalid.underlying(),
            Error::Engine(oauth_compat::EngineError::InvalidUrl { .. })
        ),
        "{invalid:?}"
    );
    for err in &errors {
        assert_shows_no_secret("an engine error", &shown(err));
    }
}
