//! Shared pieces of the provider tests: stores with two registered clients, requests signed by
//! the library's own client [`Signer`], and readers for the answers. Sans-IO: requests go
//! straight into the server as `http::Request` values.

use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use http::{HeaderValue, Method, Request, Response, header};
use oauth_compat::ClientSecret;
use oauth_compat::cache::MemoryCache;
use oauth_compat::oauth1::{
    ClientCredentials, CredentialsResponse, RsaPrivateKey, SignatureType, Signer, SignerBuilder,
    TokenCredentials,
};
use oauth_compat::server::{AuthorizationServer, ResourceProtector, ServerConfig};
use oauth_compat::server::{
    Client, ClientStore, NonceStore, TemporaryCredentialStore, TokenCredentialStore,
};
use oauth_compat::store::CacheStore;
use oauth_compat::store::MemoryStore;

pub(crate) const CLIENT_ID: &str = "printer-client";
pub(crate) const CLIENT_SECRET: &str = "kd94hf93k423kf44-SECRET";
/// A second client, to check that one client's credentials do not work for another.
pub(crate) const OTHER_ID: &str = "other-client";
pub(crate) const OTHER_SECRET: &str = "other-SECRET";
pub(crate) const CALLBACK: &str = "https://printer.example.com/ready?from=oauth";
pub(crate) const USER: &str = "jane";

pub(crate) const RSA_PRIVATE_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/interop/keys/oauth1_rsa_private.pem"
));
pub(crate) const RSA_PUBLIC_PEM: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/interop/keys/oauth1_rsa_public.pem"
));

pub(crate) const ALL_METHODS: [&str; 4] = ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"];
pub(crate) const PLACEMENTS: [SignatureType; 3] = [
    SignatureType::Header,
    SignatureType::Query,
    SignatureType::Body,
];

/// Where temporary credentials and nonces live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Backend {
    /// Everything in a [`MemoryStore`].
    Memory,
    /// Clients and tokens in a [`MemoryStore`]; temporary credentials and nonces in a
    /// [`CacheStore`] over a [`MemoryCache`].
    Cache,
}

pub(crate) const BACKENDS: [Backend; 2] = [Backend::Memory, Backend::Cache];

/// An authorization server and a resource protector sharing storage.
pub(crate) struct Provider {
    pub(crate) db: Arc<MemoryStore>,
    pub(crate) temporary: Arc<dyn TemporaryCredentialStore>,
    pub(crate) nonces: Arc<dyn NonceStore>,
    pub(crate) server: AuthorizationServer,
    pub(crate) protector: ResourceProtector,
}

pub(crate) fn client(id: &str, secret: &str) -> Client {
    Client {
        client_id: id.into(),
        client_secret: ClientSecret::new(secret),
        rsa_public_key: Some(RSA_PUBLIC_PEM.to_owned()),
        default_redirect_uri: None,
    }
}

pub(crate) fn provider(backend: Backend, config: ServerConfig) -> Provider {
    let db = Arc::new(MemoryStore::new());
    db.add_client(client(CLIENT_ID, CLIENT_SECRET));
    db.add_client(client(OTHER_ID, OTHER_SECRET));
    let (temporary, nonces): (Arc<dyn TemporaryCredentialStore>, Arc<dyn NonceStore>) =
        match backend {
            Backend::Memory => (db.clone(), db.clone()),
            Backend::Cache => {
                let cache = Arc::new(CacheStore::new(MemoryCache::new()));
                (cache.clone(), cache)
            }
        };
    let clients: Arc<dyn ClientStore> = db.clone();
    let tokens: Arc<dyn TokenCredentialStore> = db.clone();
    let server = AuthorizationServer::new(
        clients.clone(),
        temporary.clone(),
        tokens.clone(),
        nonces.clone(),
        config.clone(),
    );
    let protector = ResourceProtector::new(clients, tokens, nonces.clone(), config);
    Provider {
        db,
        temporary,
        nonces,
        server,
        protector,
    }
}

/// Every method accepted.
pub(crate) fn all_methods_config() -> ServerConfig {
    ServerConfig::default().supported_signature_methods(ALL_METHODS)
}

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub(crate) fn rsa_key() -> RsaPrivateKey {
    RsaPrivateKey::from_pem(RSA_PRIVATE_PEM).unwrap()
}

/// A signer template for `CLIENT_ID` with a method and a placement.
pub(crate) fn signer(method: &str, placement: SignatureType) -> SignerBuilder {
    signer_for(CLIENT_ID, CLIENT_SECRET, method, placement)
}

pub(crate) fn signer_for(
    id: &str,
    secret: &str,
    method: &str,
    placement: SignatureType,
) -> SignerBuilder {
    let mut b = Signer::builder(ClientCredentials::new(id, secret))
        .signature_method(method)
        .signature_type(placement);
    if method == "RSA-SHA1" {
        b = b.rsa_private_key(rsa_key());
    }
    b
}

/// A request to an absolute URI, with a form body when `form` is given.
pub(crate) fn request(method: Method, uri: &str, form: Option<&str>) -> Request<Vec<u8>> {
    let mut req = Request::builder().method(method).uri(uri);
    if let Some(form) = form {
        req = req.header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        return req.body(form.as_bytes().to_vec()).unwrap();
    }
    req.body(Vec::new()).unwrap()
}

/// Signs `req` (absolute URI, as the client sees it).
pub(crate) fn sign(builder: SignerBuilder, mut req: Request<Vec<u8>>) -> Request<Vec<u8>> {
    builder.build().unwrap().sign_request(&mut req).unwrap();
    req
}

/// What a server behind hyper/axum receives over plain HTTP/1.1: an origin-form target and a
/// `Host` header. An `https` request stays absolute-form (as HTTP/2 delivers it): over HTTP/1.1
/// a server cannot see the scheme, which is what `external_base_url` is for.
pub(crate) fn origin_form(mut req: Request<Vec<u8>>) -> Request<Vec<u8>> {
    let uri = req.uri().clone();
    if uri.scheme_str() == Some("https") {
        return req;
    }
    let host = uri.authority().unwrap().as_str().to_owned();
    *req.uri_mut() = uri.path_and_query().unwrap().as_str().parse().unwrap();
    req.headers_mut()
        .insert(header::HOST, HeaderValue::from_str(&host).unwrap());
    req
}

pub(crate) fn body(resp: &Response<Vec<u8>>) -> String {
    String::from_utf8(resp.body().clone()).unwrap()
}

/// The decoded pairs of a form-encoded body.
pub(crate) fn form(resp: &Response<Vec<u8>>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(resp.body())
        .into_owned()
        .collect()
}

pub(crate) fn field(resp: &Response<Vec<u8>>, name: &str) -> Option<String> {
    form(resp)
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v)
}

/// The `error` of an error answer, with its status.
pub(crate) fn error(resp: &Response<Vec<u8>>) -> (u16, String) {
    (
        resp.status().as_u16(),
        field(resp, "error").unwrap_or_else(|| format!("<no error in {:?}>", body(resp))),
    )
}

/// The query pairs of a redirect's `Location`.
pub(crate) fn location_pairs(resp: &Response<Vec<u8>>) -> (url::Url, Vec<(String, String)>) {
    let location = resp.headers()[header::LOCATION].to_str().unwrap();
    let url = url::Url::parse(location).unwrap();
    let pairs = url.query_pairs().into_owned().collect();
    (url, pairs)
}

pub(crate) fn credentials(resp: &Response<Vec<u8>>) -> TokenCredentials {
    assert_eq!(resp.status(), 200, "{}", body(resp));
    CredentialsResponse::parse(resp.body())
        .unwrap()
        .token_credentials()
}

/// Runs the temporary credentials request; the answer.
pub(crate) async fn initiate(
    p: &Provider,
    base: &str,
    builder: SignerBuilder,
    callback: &str,
) -> Response<Vec<u8>> {
    let req = sign(
        builder.callback(callback),
        request(Method::POST, &format!("{base}/initiate"), Some("")),
    );
    p.server
        .create_temporary_credential_response(&origin_form(req))
        .await
}

/// The user grants (`Some`) or denies (`None`) on `POST /authorize`; the answer.
pub(crate) async fn authorize(
    p: &Provider,
    base: &str,
    token: &str,
    user: Option<&str>,
) -> Response<Vec<u8>> {
    let req = request(
        Method::POST,
        &format!("{base}/authorize"),
        Some(&format!("oauth_token={token}&confirm=yes")),
    );
    p.server
        .create_authorization_response(&origin_form(req), user)
        .await
        .unwrap()
}

/// The verifier from a granting redirect.
pub(crate) fn verifier_of(resp: &Response<Vec<u8>>) -> String {
    let (_, pairs) = location_pairs(resp);
    pairs
        .into_iter()
        .find(|(n, _)| n == "oauth_verifier")
        .map(|(_, v)| v)
        .expect("a verifier")
}

/// Runs the token request; the answer.
pub(crate) async fn exchange(
    p: &Provider,
    base: &str,
    builder: SignerBuilder,
    temporary: &TokenCredentials,
    verifier: &str,
) -> Response<Vec<u8>> {
    let req = sign(
        builder.token(temporary.clone()).verifier(verifier),
        request(Method::POST, &format!("{base}/token"), Some("")),
    );
    p.server.create_token_response(&origin_form(req)).await
}

/// Initiate, grant as [`USER`], exchange: the token credentials.
pub(crate) async fn token_credentials(
    p: &Provider,
    base: &str,
    method: &str,
    placement: SignatureType,
) -> TokenCredentials {
    let temporary = credentials(&initiate(p, base, signer(method, placement), CALLBACK).await);
    let verifier = verifier_of(&authorize(p, base, &temporary.token, Some(USER)).await);
    credentials(&exchange(p, base, signer(method, placement), &temporary, &verifier).await)
}

/// A signed request to a protected resource.
pub(crate) fn resource_request(
    base: &str,
    method: &str,
    placement: SignatureType,
    token: &TokenCredentials,
) -> Request<Vec<u8>> {
    let req = sign(
        signer(method, placement).token(token.clone()),
        request(
            Method::POST,
            &format!("{base}/api/echo?q=r%C3%A9sum%C3%A9&n=1"),
            Some("status=hello+world"),
        ),
    );
    origin_form(req)
}
