//! Client-side signing (RFC 5849 §3.1): a reusable [`Signer`] that adds one set of `oauth_*`
//! parameters to a request, in the `Authorization` header (default), the query or the form body.
//!
//! ```
//! use http::{Method, Uri};
//! use oauth_compat::oauth1::{ClientCredentials, Signer, TokenCredentials};
//!
//! // RFC 5849 §1.2, the protected resource request.
//! let signer = Signer::builder(ClientCredentials::new("dpf43f3p2l4k3l03", "kd94hf93k423kf44"))
//!     .token(TokenCredentials::new("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00"))
//!     .realm("Photos")
//!     .version(false)
//!     .with_nonce_and_timestamp("chapoH", 137131202)
//!     .build()?;
//! let uri: Uri = "http://photos.example.net/photos?file=vacation.jpg&size=original".parse().unwrap();
//! let header = signer.authorization_header(&Method::GET, &uri, &[])?;
//! assert!(header.starts_with(r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03""#));
//! assert!(header.ends_with(r#"oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D""#));
//! # Ok::<(), oauth_compat::oauth1::SignatureError>(())
//! ```

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::Hmac;
use http::uri::PathAndQuery;
use http::{HeaderMap, HeaderValue, Method, Uri, header};
use url::Url;

use super::uri_parts::UriParts;
use sha1::Sha1;
use sha2::Sha256;

use super::credentials::{ClientCredentials, TokenCredentials};
use super::encode::{ascii_string, encode_bytes_into, encode_twice_into};
use super::header::push_realm;
use super::normalize::EncodedParams;
use super::params::{FORM_CONTENT_TYPE, has_form_body};
use super::signature::{
    self, HMAC_SHA1, HMAC_SHA256, KeyMaterial, RegisteredMethod, RsaPrivateKey, SignatureMethods,
    keyed_hmac,
};
use super::{ParameterLocation, SignatureError};

/// Where the signer puts the protocol parameters (Authlib's `SIGNATURE_TYPE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SignatureType {
    /// `Authorization: OAuth ...` (RFC 5849 §3.5.1). The default.
    #[default]
    Header,
    /// Appended to the URI query (§3.5.3).
    Query,
    /// Appended to an `application/x-www-form-urlencoded` body (§3.5.2).
    Body,
}

/// Produces `(oauth_nonce, oauth_timestamp)` for each request.
pub type NonceAndTimestampSource =
    Arc<dyn Fn() -> Result<(String, u64), SignatureError> + Send + Sync>;

#[derive(Clone)]
enum Freshness {
    /// OS CSPRNG nonce, system clock timestamp.
    System,
    Fixed {
        nonce: String,
        timestamp: String,
    },
    Custom(NonceAndTimestampSource),
}

/// The method with its key state prepared once, so each request only clones it.
#[derive(Clone)]
enum Prepared {
    HmacSha1(Hmac<Sha1>),
    HmacSha256(Hmac<Sha256>),
    Rsa(RsaPrivateKey),
    Other(RegisteredMethod),
}

/// Builds a [`Signer`]; see [`Signer::builder`]. Clone it to keep a template (the client's
/// settings) and add each request's token, callback or verifier to a copy.
#[derive(Clone)]
pub struct SignerBuilder {
    client: ClientCredentials,
    token: Option<TokenCredentials>,
    method: String,
    methods: Option<SignatureMethods>,
    rsa_key: Option<RsaPrivateKey>,
    signature_type: SignatureType,
    realm: Option<String>,
    callback: Option<String>,
    verifier: Option<String>,
    version: bool,
    freshness: Freshness,
}

impl fmt::Debug for SignerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerBuilder")
            .field("client", &self.client)
            .field("token", &self.token)
            .field("method", &self.method)
            .field("signature_type", &self.signature_type)
            .finish_non_exhaustive()
    }
}

impl SignerBuilder {
    /// Token credentials (temporary or access token). Without them no `oauth_token` is sent.
    pub fn token(mut self, token: TokenCredentials) -> Self {
        self.token = Some(token);
        self
    }

    /// The signature method by name (default `HMAC-SHA1`), looked up in the registry.
    pub fn signature_method(mut self, name: impl Into<String>) -> Self {
        self.method = name.into();
        self
    }

    /// The registry to look the method up in (default: [`SignatureMethods::new`]).
    pub fn signature_methods(mut self, methods: SignatureMethods) -> Self {
        self.methods = Some(methods);
        self
    }

    /// The RSA private key, required for `RSA-SHA1`.
    pub fn rsa_private_key(mut self, key: RsaPrivateKey) -> Self {
        self.rsa_key = Some(key);
        self
    }

    /// Where the protocol parameters go (default [`SignatureType::Header`]).
    pub fn signature_type(mut self, signature_type: SignatureType) -> Self {
        self.signature_type = signature_type;
        self
    }

    /// The `realm` of the `Authorization` header (not signed; unused for query/body placement).
    pub fn realm(mut self, realm: impl Into<String>) -> Self {
        self.realm = Some(realm.into());
        self
    }

    /// `oauth_callback`, for the temporary-credentials request.
    pub fn callback(mut self, callback: impl Into<String>) -> Self {
        self.callback = Some(callback.into());
        self
    }

    /// `oauth_verifier`, for the token request.
    pub fn verifier(mut self, verifier: impl Into<String>) -> Self {
        self.verifier = Some(verifier.into());
        self
    }

    /// Whether to send `oauth_version="1.0"` (default `true`, as Authlib and oauthlib do).
    pub fn version(mut self, send: bool) -> Self {
        self.version = send;
        self
    }

    /// A fixed nonce and timestamp, for tests and reproducible examples.
    pub fn with_nonce_and_timestamp(mut self, nonce: impl Into<String>, timestamp: u64) -> Self {
        self.freshness = Freshness::Fixed {
            nonce: nonce.into(),
            timestamp: timestamp.to_string(),
        };
        self
    }

    /// A custom source of nonces and timestamps (a test clock, a shared nonce generator).
    pub fn nonce_and_timestamp_source(mut self, source: NonceAndTimestampSource) -> Self {
        self.freshness = Freshness::Custom(source);
        self
    }

    /// Resolves the method and prepares its key. Unknown method:
    /// [`SignatureError::UnknownSignatureMethod`]; RSA-SHA1 without a key: [`SignatureError::MissingKey`].
    pub fn build(self) -> Result<Signer, SignatureError> {
        let methods = self.methods.unwrap_or_default();
        let entry = methods.entry(&self.method)?.clone();
        let key = || {
            signature::signing_key(
                self.client.secret.expose_secret(),
                self.token.as_ref().map_or("", |t| t.secret.expose_secret()),
            )
        };
        let prepared = match entry {
            RegisteredMethod::HmacSha1 => Prepared::HmacSha1(keyed_hmac::keyed(HMAC_SHA1, &key())?),
            RegisteredMethod::HmacSha256 => {
                Prepared::HmacSha256(keyed_hmac::keyed(HMAC_SHA256, &key())?)
            }
            RegisteredMethod::RsaSha1 => {
                Prepared::Rsa(self.rsa_key.clone().ok_or(SignatureError::MissingKey {
                    method: self.method.clone(),
                    key: "an RSA private key",
                })?)
            }
            other => Prepared::Other(other),
        };
        let before: Vec<(&'static str, &str)> = [
            Some(("oauth_consumer_key", self.client.key.as_str())),
            self.token
                .as_ref()
                .map(|t| ("oauth_token", t.token.as_str())),
            Some(("oauth_signature_method", self.method.as_str())),
        ]
        .into_iter()
        .flatten()
        .collect();
        let after: Vec<(&'static str, &str)> = [
            self.version.then_some(("oauth_version", "1.0")),
            self.callback.as_deref().map(|c| ("oauth_callback", c)),
            self.verifier.as_deref().map(|v| ("oauth_verifier", v)),
        ]
        .into_iter()
        .flatten()
        .collect();
        let fixed = FixedParams::new(self.realm.as_deref(), &before, &after)?;
        Ok(Signer {
            fixed,
            client: self.client,
            token: self.token,
            method: self.method,
            prepared,
            rsa_key: self.rsa_key,
            signature_type: self.signature_type,
            realm: self.realm,
            freshness: self.freshness,
        })
    }
}

/// A reusable, cheap-to-clone OAuth 1 request signer (Authlib's `ClientAuth`, oauthlib's
/// `Client`). Sans-IO: it works on `http` types and bytes.
#[derive(Clone)]
pub struct Signer {
    client: ClientCredentials,
    token: Option<TokenCredentials>,
    method: String,
    prepared: Prepared,
    rsa_key: Option<RsaPrivateKey>,
    signature_type: SignatureType,
    realm: Option<String>,
    freshness: Freshness,
    /// The protocol parameters that are the same on every request, encoded at build time.
    fixed: FixedParams,
}

/// One protocol parameter whose value does not change between requests.
#[derive(Clone)]
struct FixedParam {
    name: &'static str,
    /// `name%3Dvalue`, encoded twice, as it appears in the signature base string.
    twice: Vec<u8>,
}

/// What the signer can prepare once: the fixed parameters for the base string, and the text
/// around the per-request `oauth_timestamp`, `oauth_nonce` and `oauth_signature` for both
/// output styles. The output keeps RFC 5849's order (consumer key, token, method, timestamp,
/// nonce, version, callback, verifier, signature): providers must not care, but people
/// comparing headers do.
#[derive(Clone)]
struct FixedParams {
    params: Vec<FixedParam>,
    /// Total length of `params` in the base string.
    params_len: usize,
    /// Where `oauth_nonce` and `oauth_timestamp` fall among `params` (sorted by name).
    nonce_at: usize,
    timestamp_at: usize,
    /// `OAuth realm="..", oauth_consumer_key="..", .. oauth_timestamp="`
    header_head: String,
    /// `oauth_consumer_key=..&..&oauth_timestamp=`
    form_head: String,
    /// `", oauth_version="1.0", .. oauth_signature="` (the nonce comes before it)
    header_tail: String,
    /// `&oauth_version=1.0&..&oauth_signature=`
    form_tail: String,
}

impl FixedParams {
    fn new(
        realm: Option<&str>,
        before: &[(&'static str, &str)],
        after: &[(&'static str, &str)],
    ) -> Result<Self, SignatureError> {
        let mut header_head = b"OAuth ".to_vec();
        if let Some(realm) = realm {
            let mut quoted = String::with_capacity(realm.len() + 12);
            quoted.push_str("realm=\"");
            push_realm(&mut quoted, realm)?;
            quoted.push_str("\", ");
            header_head.extend_from_slice(quoted.as_bytes());
        }
        let (mut form_head, mut header_tail, mut form_tail) = (Vec::new(), Vec::new(), Vec::new());
        for (name, value) in before {
            push_pair(&mut header_head, name, value, b"=\"", b"\", ");
            push_pair(&mut form_head, name, value, b"=", b"&");
        }
        header_head.extend_from_slice(b"oauth_timestamp=\"");
        form_head.extend_from_slice(b"oauth_timestamp=");
        header_tail.extend_from_slice(b"\", ");
        form_tail.push(b'&');
        for (name, value) in after {
            push_pair(&mut header_tail, name, value, b"=\"", b"\", ");
            push_pair(&mut form_tail, name, value, b"=", b"&");
        }
        header_tail.extend_from_slice(b"oauth_signature=\"");
        form_tail.extend_from_slice(b"oauth_signature=");
        let mut params: Vec<FixedParam> = before
            .iter()
            .chain(after)
            .map(|&(name, value)| {
                let mut twice = name.as_bytes().to_vec();
                twice.extend_from_slice(b"%3D");
                encode_twice_into(&mut twice, value.as_bytes());
                FixedParam { name, twice }
            })
            .collect();
        // Names are distinct, so sorting by name is the base string's order.
        params.sort_by_key(|p| p.name);
        Ok(Self {
            nonce_at: params.partition_point(|p| p.name < "oauth_nonce"),
            timestamp_at: params.partition_point(|p| p.name < "oauth_timestamp"),
            params_len: params.iter().map(|p| p.twice.len() + 3).sum(),
            params,
            header_head: ascii_string(header_head),
            form_head: ascii_string(form_head),
            header_tail: ascii_string(header_tail),
            form_tail: ascii_string(form_tail),
        })
    }
}

fn push_pair(out: &mut Vec<u8>, name: &str, value: &str, open: &[u8], close: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(open);
    encode_bytes_into(out, value.as_bytes());
    out.extend_from_slice(close);
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("client", &self.client)
            .field("token", &self.token)
            .field("method", &self.method)
            .field("signature_type", &self.signature_type)
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

/// Parameters that come with the request, besides the protocol ones.
enum Form<'a> {
    None,
    Raw(&'a [u8]),
    Pairs(&'a [(&'a str, &'a str)]),
}

/// How to write the protocol parameters out.
#[derive(Clone, Copy)]
enum ParameterLayout {
    Header,
    Form,
}

fn reject_oauth(location: ParameterLocation) -> impl Fn(&str) -> Result<(), SignatureError> {
    // Names are encoded by now; `oauth_` is all unreserved, so the prefix check is exact.
    move |name| {
        if name.starts_with("oauth_") {
            Err(SignatureError::ProtocolParameterPresent {
                name: name.to_owned(),
                location,
            })
        } else {
            Ok(())
        }
    }
}

impl Signer {
    /// Starts a signer for these client credentials: HMAC-SHA1, header placement,
    /// `oauth_version="1.0"`, fresh nonce and timestamp per request.
    pub fn builder(client: ClientCredentials) -> SignerBuilder {
        SignerBuilder {
            client,
            token: None,
            method: HMAC_SHA1.to_owned(),
            methods: None,
            rsa_key: None,
            signature_type: SignatureType::default(),
            realm: None,
            callback: None,
            verifier: None,
            version: true,
            freshness: Freshness::System,
        }
    }

    /// The signature method name.
    pub fn signature_method(&self) -> &str {
        &self.method
    }

    /// Where this signer puts the protocol parameters.
    pub fn signature_type(&self) -> SignatureType {
        self.signature_type
    }

    fn fresh(&self) -> Result<(Cow<'_, str>, Cow<'_, str>), SignatureError> {
        match &self.freshness {
            Freshness::Fixed { nonce, timestamp } => {
                Ok((Cow::Borrowed(nonce), Cow::Borrowed(timestamp)))
            }
            Freshness::System => {
                let mut raw = [0u8; 16];
                getrandom::fill(&mut raw).map_err(|_| SignatureError::Random)?;
                let mut nonce = String::with_capacity(32);
                for b in raw {
                    nonce.push(char::from(b"0123456789abcdef"[usize::from(b >> 4)]));
                    nonce.push(char::from(b"0123456789abcdef"[usize::from(b & 15)]));
                }
                let now = crate::wire::now_unix_secs();
                Ok((Cow::Owned(nonce), Cow::Owned(now.to_string())))
            }
            Freshness::Custom(source) => {
                let (nonce, timestamp) = source()?;
                Ok((Cow::Owned(nonce), Cow::Owned(timestamp.to_string())))
            }
        }
    }

    /// Signs and writes the protocol parameters (signature last) into `out` in `style`.
    fn sign_into(
        &self,
        out: &mut Vec<u8>,
        style: ParameterLayout,
        method: &str,
        uri: UriParts<'_>,
        form: Form<'_>,
    ) -> Result<(), SignatureError> {
        let (nonce, timestamp) = self.fresh()?;

        // Everything but the signature is written out first, around the per-request values;
        // the fixed text was prepared at build time.
        let (head, tail) = match style {
            ParameterLayout::Header => (&self.fixed.header_head, &self.fixed.header_tail),
            ParameterLayout::Form => (&self.fixed.form_head, &self.fixed.form_tail),
        };
        out.extend_from_slice(head.as_bytes());
        encode_bytes_into(out, timestamp.as_bytes());
        out.extend_from_slice(match style {
            ParameterLayout::Header => b"\", oauth_nonce=\"",
            ParameterLayout::Form => b"&oauth_nonce=",
        });
        encode_bytes_into(out, nonce.as_bytes());
        out.extend_from_slice(tail.as_bytes());

        let query = uri.query.unwrap_or("");
        let form_len = match form {
            Form::None => 0,
            Form::Raw(body) => body.len(),
            Form::Pairs(pairs) => pairs.iter().map(|(n, v)| n.len() + v.len() + 2).sum(),
        };
        // Room for the parameters and then the base string, which copies them: one allocation
        // in the usual case (encoding rarely triples the user's text).
        let params_len = 3 * (query.len() + form_len) + self.fixed.params_len + 96;
        let capacity = 2 * params_len + 3 * uri.path.len() + 64;
        let mut params = EncodedParams::with_capacity(capacity, 16);
        // Protocol parameters first, in order, so the sort only has to place the request's
        // own parameters among them.
        let fixed = &self.fixed;
        for i in 0..=fixed.params.len() {
            if i == fixed.nonce_at {
                params.push("oauth_nonce", &nonce);
            }
            if i == fixed.timestamp_at {
                params.push("oauth_timestamp", &timestamp);
            }
            if let Some(p) = fixed.params.get(i) {
                params.push_twice_encoded(&p.twice, p.name.len());
            }
        }
        params.push_form(
            query.as_bytes(),
            "the URI query",
            reject_oauth(ParameterLocation::Query),
        )?;
        match form {
            Form::None => {}
            Form::Raw(body) => {
                params.push_form(body, "the form body", reject_oauth(ParameterLocation::Body))?
            }
            Form::Pairs(pairs) => {
                let check = reject_oauth(ParameterLocation::Body);
                for (name, value) in pairs {
                    check(name)?;
                    params.push(name, value);
                }
            }
        }
        params.sort();

        let base = params.append_base_string(method, uri)?;

        // HMAC signatures go through a stack buffer: no allocation for the Base64 text.
        let mut b64 = [0u8; 64];
        let signature: Cow<'_, [u8]> = match &self.prepared {
            Prepared::HmacSha1(keyed) => encode_b64(&keyed_hmac::mac(keyed, base), &mut b64),
            Prepared::HmacSha256(keyed) => encode_b64(&keyed_hmac::mac(keyed, base), &mut b64),
            // The base string is ASCII, so the lossy view borrows and never replaces anything.
            Prepared::Rsa(key) => {
                Cow::Owned(key.sign(&String::from_utf8_lossy(base))?.into_bytes())
            }
            Prepared::Other(entry) => {
                let token_secret = self.token.as_ref().map(|t| &t.secret);
                let mut keys = KeyMaterial::new(Some(&self.client.secret), token_secret);
                if let Some(key) = &self.rsa_key {
                    keys = keys.with_rsa_private_key(key);
                }
                Cow::Owned(
                    entry
                        .method()
                        .sign(&String::from_utf8_lossy(base), &keys)?
                        .into_bytes(),
                )
            }
        };

        encode_bytes_into(out, &signature);
        if let ParameterLayout::Header = style {
            out.push(b'"');
        }
        Ok(())
    }

    /// The `Authorization` header value for a request, whatever this signer's
    /// [`SignatureType`]: `form_params` are the decoded form body parameters (empty when the
    /// body is not form-encoded); query parameters are read from `uri`.
    pub fn authorization_header(
        &self,
        method: &Method,
        uri: &Uri,
        form_params: &[(&str, &str)],
    ) -> Result<String, SignatureError> {
        let mut out = Vec::with_capacity(320);
        self.sign_into(
            &mut out,
            ParameterLayout::Header,
            method.as_str(),
            uri.into(),
            Form::Pairs(form_params),
        )?;
        Ok(ascii_string(out))
    }

    /// The protocol parameters (`oauth_signature` last), decoded, for placing them yourself.
    pub fn protocol_parameters(
        &self,
        method: &Method,
        uri: &Uri,
        form_params: &[(&str, &str)],
    ) -> Result<Vec<(String, String)>, SignatureError> {
        let mut out = Vec::with_capacity(320);
        self.sign_into(
            &mut out,
            ParameterLayout::Form,
            method.as_str(),
            uri.into(),
            Form::Pairs(form_params),
        )?;
        super::encode::form_decode_bytes(&out, "the protocol parameters")
    }

    /// Signs a request given as parts, in place, per this signer's [`SignatureType`]: sets the
    /// `Authorization` header, or appends to the URI query, or appends to the form body (which
    /// must be `application/x-www-form-urlencoded`: [`SignatureError::BodyNotForm`] otherwise; an empty
    /// body without `Content-Type` gets the form type). Nothing changes on error.
    pub fn sign_parts(
        &self,
        method: &Method,
        uri: &mut Uri,
        headers: &mut HeaderMap,
        body: &mut Vec<u8>,
    ) -> Result<(), SignatureError> {
        let Some(signed) = self.sign_at(method, (&*uri).into(), headers, body)? else {
            return Ok(());
        };
        let path = uri.path();
        let path_and_query = match uri.query() {
            Some(q) if !q.is_empty() => format!("{path}?{q}&{signed}"),
            _ => format!("{path}?{signed}"),
        };
        let mut parts = uri.clone().into_parts();
        parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).map_err(|_| {
            SignatureError::InvalidUri {
                reason: "the signed query could not be built",
            }
        })?);
        *uri = Uri::from_parts(parts).map_err(|_| SignatureError::InvalidUri {
            reason: "the signed URI could not be built",
        })?;
        Ok(())
    }

    /// [`sign_parts`](Self::sign_parts) on a URL already parsed (a client's joined URL), so
    /// it is not printed and parsed again to be signed; the base string is the same.
    pub(crate) fn sign_url(
        &self,
        method: &Method,
        url: &mut Url,
        headers: &mut HeaderMap,
        body: &mut Vec<u8>,
    ) -> Result<(), SignatureError> {
        let Some(signed) = self.sign_at(method, (&*url).into(), headers, body)? else {
            return Ok(());
        };
        let query = match url.query() {
            Some(q) if !q.is_empty() => format!("{q}&{signed}"),
            _ => signed,
        };
        url.set_query(Some(&query));
        Ok(())
    }

    /// Signs at `uri`: sets the `Authorization` header or appends to the body, or returns
    /// the protocol parameters to append to the query (query placement).
    fn sign_at(
        &self,
        method: &Method,
        uri: UriParts<'_>,
        headers: &mut HeaderMap,
        body: &mut Vec<u8>,
    ) -> Result<Option<String>, SignatureError> {
        let mut is_form = has_form_body(headers);
        if self.signature_type == SignatureType::Body && !is_form {
            match headers.get(header::CONTENT_TYPE) {
                None if body.is_empty() => is_form = true,
                found => {
                    return Err(SignatureError::BodyNotForm {
                        found: found.map_or_else(
                            || "none".to_owned(),
                            |v| String::from_utf8_lossy(v.as_bytes()).into_owned(),
                        ),
                    });
                }
            }
        }
        if self.signature_type != SignatureType::Header {
            // One set of protocol parameters only: an OAuth header here would be a second.
            if let Some(value) = headers.get(header::AUTHORIZATION)
                && super::header::parse_authorization_header(value.as_bytes())
                    .ok()
                    .flatten()
                    .is_some()
            {
                return Err(SignatureError::ProtocolParameterPresent {
                    name: "Authorization".to_owned(),
                    location: ParameterLocation::Header,
                });
            }
        }
        let form = if is_form { Form::Raw(body) } else { Form::None };
        let mut out = Vec::with_capacity(320);
        match self.signature_type {
            SignatureType::Header => {
                self.sign_into(
                    &mut out,
                    ParameterLayout::Header,
                    method.as_str(),
                    uri,
                    form,
                )?;
                // Everything but the realm is percent-encoded ASCII, and the realm was checked
                // for control characters at build time, so this cannot fail; if it did, the
                // realm would be why.
                let value = HeaderValue::from_maybe_shared(out).map_err(|_| {
                    SignatureError::InvalidParameter {
                        name: "realm",
                        reason: "it cannot be sent in an HTTP header",
                    }
                })?;
                headers.insert(header::AUTHORIZATION, value);
            }
            SignatureType::Query => {
                self.sign_into(&mut out, ParameterLayout::Form, method.as_str(), uri, form)?;
                return Ok(Some(ascii_string(out)));
            }
            SignatureType::Body => {
                self.sign_into(&mut out, ParameterLayout::Form, method.as_str(), uri, form)?;
                if !body.is_empty() {
                    body.push(b'&');
                }
                body.extend_from_slice(&out);
                if !headers.contains_key(header::CONTENT_TYPE) {
                    headers.insert(
                        header::CONTENT_TYPE,
                        HeaderValue::from_static(FORM_CONTENT_TYPE),
                    );
                }
                if headers.contains_key(header::CONTENT_LENGTH) {
                    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(body.len()));
                }
            }
        }
        Ok(None)
    }

    /// Signs an `http::Request` in place (see [`Signer::sign_parts`]).
    pub fn sign_request(&self, request: &mut http::Request<Vec<u8>>) -> Result<(), SignatureError> {
        let method = request.method().clone();
        let mut uri = request.uri().clone();
        let mut body = std::mem::take(request.body_mut());
        let result = self.sign_parts(&method, &mut uri, request.headers_mut(), &mut body);
        *request.body_mut() = body;
        *request.uri_mut() = uri;
        result
    }
}

fn encode_b64<'b>(raw: &[u8], buf: &'b mut [u8; 64]) -> Cow<'b, [u8]> {
    match STANDARD.encode_slice(raw, buf) {
        Ok(n) => Cow::Borrowed(&buf[..n]),
        Err(_) => Cow::Owned(STANDARD.encode(raw).into_bytes()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::oauth1::{SignedRequest, signature::SignatureMethod};
    use crate::secret::{ClientSecret, TokenSecret};

    fn builder() -> SignerBuilder {
        Signer::builder(ClientCredentials::new("key", "client-secret-value"))
            .token(TokenCredentials::new("tok", "token-secret-value"))
            .with_nonce_and_timestamp("n0nce", 1_700_000_000)
    }

    fn verify(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        methods: &SignatureMethods,
        name: &str,
    ) {
        let request = SignedRequest::from_parts(method, uri, headers, body).unwrap();
        let (cs, ts) = (
            ClientSecret::from("client-secret-value"),
            TokenSecret::from("token-secret-value"),
        );
        request
            .verify(methods, &[name], &KeyMaterial::new(Some(&cs), Some(&ts)))
            .unwrap();
    }

    #[test]
    fn query_placement_appends_and_verifies() {
        let signer = builder()
            .signature_type(SignatureType::Query)
            .build()
            .unwrap();
        let mut uri: Uri = "https://e.com/p?a=1".parse().unwrap();
        let (mut headers, mut body) = (HeaderMap::new(), Vec::new());
        signer
            .sign_parts(&Method::GET, &mut uri, &mut headers, &mut body)
            .unwrap();
        let q = uri.query().unwrap();
        assert!(q.starts_with("a=1&oauth_consumer_key=key&"), "{q}");
        assert!(!headers.contains_key(header::AUTHORIZATION));
        verify(
            &Method::GET,
            &uri,
            &headers,
            &body,
            &SignatureMethods::new(),
            HMAC_SHA1,
        );
        // Signing again would add a second set: refused, and nothing changes.
        let before = uri.clone();
        let err = signer
            .sign_parts(&Method::GET, &mut uri, &mut headers, &mut body)
            .unwrap_err();
        assert!(matches!(
            err,
            SignatureError::ProtocolParameterPresent {
                location: ParameterLocation::Query,
                ..
            }
        ));
        assert_eq!(uri, before);
    }

    #[test]
    fn body_placement_needs_form() {
        let signer = builder()
            .signature_type(SignatureType::Body)
            .build()
            .unwrap();
        let mut uri: Uri = "https://e.com/p".parse().unwrap();
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        let mut body = b"{}".to_vec();
        match signer.sign_parts(&Method::POST, &mut uri, &mut headers, &mut body) {
            Err(SignatureError::BodyNotForm { found }) => assert_eq!(found, "application/json"),
            other => panic!("{other:?}"),
        }
        assert_eq!(body, b"{}");

        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded; charset=UTF-8"),
        );
        headers.insert(header::CONTENT_LENGTH, HeaderValue::from(7));
        let mut body = b"x=a+b&y".to_vec();
        signer
            .sign_parts(&Method::POST, &mut uri, &mut headers, &mut body)
            .unwrap();
        assert!(body.starts_with(b"x=a+b&y&oauth_consumer_key=key&"));
        assert_eq!(
            headers[header::CONTENT_LENGTH],
            body.len().to_string().as_str()
        );
        verify(
            &Method::POST,
            &uri,
            &headers,
            &body,
            &SignatureMethods::new(),
            HMAC_SHA1,
        );
    }

    #[test]
    fn body_placement_on_empty_body_sets_form_type() {
        let signer = builder()
            .signature_type(SignatureType::Body)
            .build()
            .unwrap();
        let mut uri: Uri = "https://e.com/p".parse().unwrap();
        let (mut headers, mut body) = (HeaderMap::new(), Vec::new());
        signer
            .sign_parts(&Method::POST, &mut uri, &mut headers, &mut body)
            .unwrap();
        assert_eq!(headers[header::CONTENT_TYPE], FORM_CONTENT_TYPE);
        verify(
            &Method::POST,
            &uri,
            &headers,
            &body,
            &SignatureMethods::new(),
            HMAC_SHA1,
        );
    }

    #[test]
    fn version_switchable_and_on_by_default() {
        let uri: Uri = "https://e.com/".parse().unwrap();
        let on = builder()
            .build()
            .unwrap()
            .authorization_header(&Method::GET, &uri, &[])
            .unwrap();
        assert!(on.contains("oauth_version=\"1.0\""));
        let off = builder()
            .version(false)
            .build()
            .unwrap()
            .authorization_header(&Method::GET, &uri, &[])
            .unwrap();
        assert!(!off.contains("oauth_version"));
    }

    #[test]
    fn fresh_nonces_differ_and_timestamp_is_now() {
        let signer = Signer::builder(ClientCredentials::new("k", "s"))
            .build()
            .unwrap();
        let uri: Uri = "https://e.com/".parse().unwrap();
        let a = signer.protocol_parameters(&Method::GET, &uri, &[]).unwrap();
        let b = signer.protocol_parameters(&Method::GET, &uri, &[]).unwrap();
        let get =
            |p: &[(String, String)], n: &str| p.iter().find(|(k, _)| k == n).unwrap().1.clone();
        assert_ne!(get(&a, "oauth_nonce"), get(&b, "oauth_nonce"));
        assert_eq!(get(&a, "oauth_nonce").len(), 32);
        let ts: u64 = get(&a, "oauth_timestamp").parse().unwrap();
        assert!(ts > 1_700_000_000);
        assert_eq!(a.last().unwrap().0, "oauth_signature");
    }

    #[test]
    fn injected_source_is_used() {
        let source: NonceAndTimestampSource = Arc::new(|| Ok(("fixed".to_owned(), 42)));
        let signer = Signer::builder(ClientCredentials::new("k", "s"))
            .nonce_and_timestamp_source(source)
            .build()
            .unwrap();
        let header = signer
            .authorization_header(&Method::GET, &"https://e.com/".parse().unwrap(), &[])
            .unwrap();
        assert!(
            header.contains("oauth_nonce=\"fixed\"") && header.contains("oauth_timestamp=\"42\"")
        );
    }

    #[test]
    fn unknown_method_and_missing_rsa_key() {
        match builder().signature_method("HMAC-MD5").build() {
            Err(SignatureError::UnknownSignatureMethod { method }) => {
                assert_eq!(method, "HMAC-MD5")
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            builder().signature_method("RSA-SHA1").build(),
            Err(SignatureError::MissingKey { .. })
        ));
    }

    struct Upper;
    impl SignatureMethod for Upper {
        fn sign(
            &self,
            base_string: &str,
            keys: &KeyMaterial<'_>,
        ) -> Result<String, SignatureError> {
            Ok(format!(
                "{}:{}",
                keys.signing_key().len(),
                base_string.to_ascii_uppercase().len()
            ))
        }
    }

    #[test]
    fn custom_method_used_by_signer_and_verifier() {
        let mut methods = SignatureMethods::new();
        methods.register("X-UPPER", Upper);
        let signer = builder()
            .signature_method("X-UPPER")
            .signature_methods(methods.clone())
            .build()
            .unwrap();
        let mut req = http::Request::get("https://e.com/p?q=1")
            .body(Vec::new())
            .unwrap();
        signer.sign_request(&mut req).unwrap();
        let (parts, body) = req.into_parts();
        verify(
            &parts.method,
            &parts.uri,
            &parts.headers,
            &body,
            &methods,
            "X-UPPER",
        );
        // Without the registration the provider cannot check it.
        let request =
            SignedRequest::from_parts(&parts.method, &parts.uri, &parts.headers, &body).unwrap();
        assert!(matches!(
            request.verify(
                &SignatureMethods::new(),
                &["X-UPPER"],
                &KeyMaterial::default()
            ),
            Err(SignatureError::UnknownSignatureMethod { .. })
        ));
    }

    #[test]
    fn plaintext_and_sha256_round_trip() {
        for name in ["PLAINTEXT", "HMAC-SHA256"] {
            let signer = builder().signature_method(name).build().unwrap();
            let mut req = http::Request::post("https://e.com/p")
                .body(Vec::new())
                .unwrap();
            signer.sign_request(&mut req).unwrap();
            let (parts, body) = req.into_parts();
            verify(
                &parts.method,
                &parts.uri,
                &parts.headers,
                &body,
                &SignatureMethods::new(),
                name,
            );
        }
    }

    #[test]
    fn secrets_absent_from_debug() {
        let signer = builder().build().unwrap();
        let dbg = format!("{signer:?} {:?}", builder());
        assert!(
            !dbg.contains("client-secret-value") && !dbg.contains("token-secret-value"),
            "{dbg}"
        );
    }
}
