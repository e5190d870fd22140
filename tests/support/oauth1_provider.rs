//! An OAuth 1.0a provider for the client tests, on the in-process server of [`loopback`].
//!
//! Every request to a protected endpoint is checked with the library's own provider-side
//! verifier ([`SignedRequest`]), over the absolute URI the client must have signed
//! (`http://127.0.0.1:PORT` + path and query); a request that fails is answered 401 and never
//! reaches the endpoint. What passed is logged ([`OAuth1Provider::verified`]), so a test can
//! assert not only that the client got an answer but what the signature covered.
//!
//! Endpoints:
//! - `GET`/`POST /initiate`: temporary credentials; needs `oauth_callback`.
//! - `GET`/`POST /token`: token credentials for [`TEMP_TOKEN`] and [`VERIFIER`].
//! - `POST /token_without_secret`: as `/token`, but the answer lacks `oauth_token_secret`.
//! - any method `/api/echo`: signed with [`ACCESS_TOKEN`]; answers JSON with the non-OAuth
//!   query and form parameters, the body, and the signature method and placement it saw.
//! - any method `/api/public`: the same echo, without any check.

use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use oauth_compat::oauth1::{
    KeyMaterial, ParameterLocation, RsaPublicKey, SignatureMethods, SignedRequest,
};
use oauth_compat::{ClientSecret, TokenSecret};
use serde_json::{Map, Value, json};

use super::loopback::{self, Provider};

pub(crate) const CONSUMER_KEY: &str = "consumer-key";
pub(crate) const CONSUMER_SECRET: &str = "SECRET-consumer-zzz";
pub(crate) const TEMP_TOKEN: &str = "temp-token";
pub(crate) const TEMP_SECRET: &str = "SECRET-temp-zzz";
pub(crate) const VERIFIER: &str = "verifier-123";
pub(crate) const ACCESS_TOKEN: &str = "access-token";
pub(crate) const ACCESS_SECRET: &str = "SECRET-token-zzz";
pub(crate) const METHODS: [&str; 4] = ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"];

pub(crate) const RSA_PRIVATE_PEM: &str = include_str!("../interop/keys/oauth1_rsa_private.pem");
pub(crate) const RSA_PUBLIC_PEM: &str = include_str!("../interop/keys/oauth1_rsa_public.pem");

/// A request that passed verification.
#[derive(Debug, Clone)]
pub(crate) struct Verified {
    pub(crate) method: Method,
    /// The path, without the query.
    pub(crate) path: String,
    pub(crate) signature_method: String,
    pub(crate) location: ParameterLocation,
    pub(crate) realm: Option<String>,
    pub(crate) token: Option<String>,
    pub(crate) callback: Option<String>,
    pub(crate) verifier: Option<String>,
    /// The signed parameters other than the protocol ones (`oauth_*`).
    pub(crate) params: Vec<(String, String)>,
}

impl Verified {
    /// The signed non-protocol parameter `name`, if it was covered by the signature.
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

struct Shared {
    port: OnceLock<u16>,
    public_key: RsaPublicKey,
    verified: Mutex<Vec<Verified>>,
    rejected: Mutex<Vec<String>>,
}

/// A running OAuth 1 provider.
pub(crate) struct OAuth1Provider {
    pub(crate) http: Provider,
    shared: Arc<Shared>,
}

impl OAuth1Provider {
    pub(crate) fn url(&self, path: &str) -> String {
        self.http.url(path)
    }

    /// Every request that passed verification, in order.
    pub(crate) fn verified(&self) -> Vec<Verified> {
        self.shared.verified.lock().unwrap().clone()
    }

    /// The last verified request to `path`.
    pub(crate) fn last_verified(&self, path: &str) -> Verified {
        self.verified()
            .into_iter()
            .rev()
            .find(|v| v.path == path)
            .unwrap_or_else(|| {
                panic!(
                    "no verified request to {path}; rejected: {:?}",
                    self.rejected()
                )
            })
    }

    /// Why requests were refused, in order.
    pub(crate) fn rejected(&self) -> Vec<String> {
        self.shared.rejected.lock().unwrap().clone()
    }
}

/// Serves the provider on a free 127.0.0.1 port.
pub(crate) async fn serve() -> OAuth1Provider {
    let shared = Arc::new(Shared {
        port: OnceLock::new(),
        public_key: RsaPublicKey::from_pem(RSA_PUBLIC_PEM).expect("test RSA public key"),
        verified: Mutex::default(),
        rejected: Mutex::default(),
    });
    let router = Router::new()
        .route("/initiate", get(initiate).post(initiate))
        .route("/token", get(token).post(token))
        .route("/token_without_secret", post(token_without_secret))
        .route("/api/echo", any(echo))
        .route("/api/public", any(public))
        .with_state(shared.clone());
    let http = loopback::serve(router).await;
    shared.port.set(http.port).expect("port set once");
    OAuth1Provider { http, shared }
}

struct Incoming {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

fn form(pairs: &[(&str, &str)]) -> Response {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    (
        [(header::CONTENT_TYPE, "application/x-www-form-urlencoded")],
        body,
    )
        .into_response()
}

/// Why a request is refused: answered with `status` and the form body `error=<error>`.
struct Refusal {
    status: StatusCode,
    error: &'static str,
    why: String,
}

impl Refusal {
    fn unauthorized(error: &'static str, why: String) -> Self {
        Self {
            status: StatusCode::UNAUTHORIZED,
            error,
            why,
        }
    }

    /// Logs the refusal and builds its answer.
    fn answer(self, shared: &Shared) -> Response {
        shared.rejected.lock().unwrap().push(self.why);
        let mut response = form(&[("error", self.error)]);
        *response.status_mut() = self.status;
        response
    }
}

/// Verifies `req` signed by the consumer, with `token` (and its secret) or with no token.
fn verify(
    shared: &Shared,
    req: &Incoming,
    token: Option<(&str, &str)>,
) -> Result<SignedRequest, Refusal> {
    let port = shared.port.get().expect("port set before serving");
    let path_and_query = req.uri.path_and_query().map_or("/", |pq| pq.as_str());
    let absolute: Uri = format!("http://127.0.0.1:{port}{path_and_query}")
        .parse()
        .expect("absolute URI");
    let reject = |why: String| Refusal::unauthorized("invalid_signature", why);
    let signed = SignedRequest::from_parts(&req.method, &absolute, &req.headers, &req.body)
        .map_err(|err| reject(format!("{path_and_query}: {err}")))?;
    if signed.consumer_key() != CONSUMER_KEY {
        return Err(reject(format!(
            "unknown consumer {}",
            signed.consumer_key()
        )));
    }
    if signed.token() != token.map(|(t, _)| t) {
        return Err(Refusal::unauthorized(
            "invalid_token",
            format!("{path_and_query}: token {:?}", signed.token()),
        ));
    }
    let client_secret = ClientSecret::new(CONSUMER_SECRET);
    let token_secret = token.map(|(_, s)| TokenSecret::new(s));
    let keys = KeyMaterial::new(Some(&client_secret), token_secret.as_ref())
        .with_rsa_public_key(&shared.public_key);
    signed
        .verify(&SignatureMethods::new(), &METHODS, &keys)
        .map_err(|err| reject(format!("{path_and_query}: {err}")))?;
    shared.verified.lock().unwrap().push(Verified {
        method: req.method.clone(),
        path: req.uri.path().to_owned(),
        signature_method: signed.signature_method().to_owned(),
        location: signed.location(),
        realm: signed.realm().map(str::to_owned),
        token: signed.token().map(str::to_owned),
        callback: signed.callback().map(str::to_owned),
        verifier: signed.verifier().map(str::to_owned),
        params: signed
            .parameters()
            .iter()
            .filter(|(n, _)| !n.starts_with("oauth_"))
            .cloned()
            .collect(),
    });
    Ok(signed)
}

async fn initiate(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Incoming {
        method,
        uri,
        headers,
        body,
    };
    let signed = match verify(&shared, &req, None) {
        Ok(signed) => signed,
        Err(refusal) => return refusal.answer(&shared),
    };
    if signed.callback().is_none() {
        let refusal = Refusal {
            status: StatusCode::BAD_REQUEST,
            error: "parameter_absent",
            why: "/initiate: no oauth_callback".to_owned(),
        };
        return refusal.answer(&shared);
    }
    form(&[
        ("oauth_token", TEMP_TOKEN),
        ("oauth_token_secret", TEMP_SECRET),
        ("oauth_callback_confirmed", "true"),
    ])
}

/// Checks a token-credentials request: the temporary token, signed with its secret, and the
/// verifier.
fn check_token_request(shared: &Shared, req: &Incoming) -> Result<(), Refusal> {
    let signed = verify(shared, req, Some((TEMP_TOKEN, TEMP_SECRET)))?;
    if signed.verifier() != Some(VERIFIER) {
        return Err(Refusal::unauthorized(
            "invalid_verifier",
            format!("/token: verifier {:?}", signed.verifier()),
        ));
    }
    Ok(())
}

async fn token(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Incoming {
        method,
        uri,
        headers,
        body,
    };
    if let Err(refusal) = check_token_request(&shared, &req) {
        return refusal.answer(&shared);
    }
    form(&[
        ("oauth_token", ACCESS_TOKEN),
        ("oauth_token_secret", ACCESS_SECRET),
        ("user_id", "6253282"),
        ("screen_name", "twitterapi"),
    ])
}

async fn token_without_secret(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Incoming {
        method,
        uri,
        headers,
        body,
    };
    if let Err(refusal) = check_token_request(&shared, &req) {
        return refusal.answer(&shared);
    }
    form(&[("oauth_token", ACCESS_TOKEN), ("screen_name", "twitterapi")])
}

/// The JSON an echo answers with; `signed` is what verification found, if it ran.
fn echo_json(req: &Incoming, signed: Option<&SignedRequest>) -> Response {
    let non_oauth = |pairs: Vec<(String, String)>| -> Map<String, Value> {
        pairs
            .into_iter()
            .filter(|(n, _)| !n.starts_with("oauth_"))
            .map(|(n, v)| (n, Value::String(v)))
            .collect()
    };
    let query = url::form_urlencoded::parse(req.uri.query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let is_form = req.headers.get(header::CONTENT_TYPE).is_some_and(|v| {
        v.as_bytes()
            .starts_with(b"application/x-www-form-urlencoded")
    });
    let form = if is_form {
        url::form_urlencoded::parse(&req.body)
            .into_owned()
            .collect()
    } else {
        Vec::new()
    };
    let placement = signed.map(|s| match s.location() {
        ParameterLocation::Header => "header",
        ParameterLocation::Query => "query",
        ParameterLocation::Body => "body",
        _ => "other",
    });
    axum::Json(json!({
        "method": req.method.as_str(),
        "query": non_oauth(query),
        "form": non_oauth(form),
        "body": String::from_utf8_lossy(&req.body),
        "signature_method": signed.map(SignedRequest::signature_method),
        "placement": placement,
    }))
    .into_response()
}

async fn echo(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let req = Incoming {
        method,
        uri,
        headers,
        body,
    };
    match verify(&shared, &req, Some((ACCESS_TOKEN, ACCESS_SECRET))) {
        Ok(signed) => echo_json(&req, Some(&signed)),
        Err(refusal) => refusal.answer(&shared),
    }
}

async fn public(method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let req = Incoming {
        method,
        uri,
        headers,
        body,
    };
    echo_json(&req, None)
}
