//! Provider-side verification (RFC 5849 §3.2).
//!
//! Two steps, so the provider can look things up in between: [`SignedRequest::from_parts`]
//! extracts and checks the protocol parameters (exactly one place, no duplicates, required ones
//! present) and exposes consumer key, token, timestamp, nonce, callback, verifier and realm;
//! then [`SignedRequest::verify`] checks the signature in constant time with the secrets the
//! provider found. Timestamp windows and nonce replay are the provider's to check.
//!
//! ```
//! use http::{HeaderMap, HeaderValue, Method, Uri, header};
//! use oauth_compat::oauth1::{KeyMaterial, SignatureMethods, SignedRequest};
//! use oauth_compat::{ClientSecret, TokenSecret};
//!
//! let uri: Uri = "http://photos.example.net/photos?file=vacation.jpg&size=original".parse().unwrap();
//! let mut headers = HeaderMap::new();
//! headers.insert(header::AUTHORIZATION, HeaderValue::from_static(
//!     r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D""#));
//! let request = SignedRequest::from_parts(&Method::GET, &uri, &headers, b"")?;
//! assert_eq!(request.consumer_key(), "dpf43f3p2l4k3l03");
//! assert_eq!(request.timestamp(), Some(137131202));
//! // Look up the secrets by consumer key and token, check timestamp and nonce, then:
//! let (cs, ts) = (ClientSecret::new("kd94hf93k423kf44"), TokenSecret::new("pfkkdhi9sl3r4s00"));
//! request.verify(&SignatureMethods::new(), &["HMAC-SHA1"], &KeyMaterial::new(Some(&cs), Some(&ts)))?;
//! # Ok::<(), oauth_compat::oauth1::SignatureError>(())
//! ```

use std::collections::HashSet;
use std::fmt;

use http::{HeaderMap, Method, Uri, header};

use super::base_string::{base_string_uri, signature_base_string};
use super::encode::{decode_component, form_decode_bytes, raw_form_pairs};
use super::header::parse_authorization_header_within;
use super::normalize::normalize_parameters;
use super::params::{
    DEFAULT_MAX_PARAMETERS, ParameterBudget, count_form_parameters, has_form_body,
    signed_parameters,
};
use super::signature::{KeyMaterial, PLAINTEXT, SignatureMethod, SignatureMethods};
use super::twice_decoded::twice_decoded_parameters;
use super::{ParameterLocation, SignatureError};

/// A request's OAuth 1 protocol parameters, extracted and checked, ready to verify.
#[derive(Clone)]
pub struct SignedRequest {
    method: String,
    base_uri: String,
    /// Every signed parameter (query, body, protocol), without `oauth_signature`.
    params: Vec<(String, String)>,
    location: ParameterLocation,
    realm: Option<String>,
    consumer_key: String,
    token: Option<String>,
    signature_method: String,
    signature: String,
    timestamp: Option<u64>,
    nonce: Option<String>,
    callback: Option<String>,
    verifier: Option<String>,
}

impl fmt::Debug for SignedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignedRequest")
            .field("method", &self.method)
            .field("base_uri", &self.base_uri)
            .field("location", &self.location)
            .field("realm", &self.realm)
            .field("consumer_key", &self.consumer_key)
            .field("token", &self.token)
            .field("signature_method", &self.signature_method)
            .field("signature", &"[redacted]")
            .field("timestamp", &self.timestamp)
            .field("nonce", &self.nonce)
            .field("callback", &self.callback)
            .field("verifier", &self.verifier.as_ref().map(|_| "[redacted]"))
            .finish_non_exhaustive()
    }
}

fn take_unique(
    params: &[(String, String)],
    name: &'static str,
) -> Result<Option<String>, SignatureError> {
    let mut found = params.iter().filter(|(n, _)| n == name);
    let first = found.next().map(|(_, v)| v.clone());
    if found.next().is_some() {
        return Err(SignatureError::DuplicateParameter {
            name: name.to_owned(),
        });
    }
    Ok(first)
}

/// The `oauth_*` parameters of a query or body, each name at most once: a repeated one is
/// ambiguous, so it is refused by name (a set, so a body of many names stays linear). Names are
/// decoded borrowed where they can be; only `oauth_*` values are decoded.
fn protocol_params(raw: &[u8], within: &str) -> Result<Vec<(String, String)>, SignatureError> {
    let mut seen = HashSet::new();
    let mut protocol = Vec::new();
    for (name, value) in raw_form_pairs(raw) {
        let name = decode_component(name, true, within)?;
        if !name.starts_with("oauth_") {
            continue;
        }
        if !seen.insert(name.clone()) {
            return Err(SignatureError::DuplicateParameter {
                name: name.into_owned(),
            });
        }
        let value = decode_component(value, true, within)?.into_owned();
        protocol.push((name.into_owned(), value));
    }
    Ok(protocol)
}

fn has_protocol_params(raw: &[u8], within: &str) -> Result<bool, SignatureError> {
    for (name, _) in raw_form_pairs(raw) {
        if decode_component(name, true, within)?.starts_with("oauth_") {
            return Ok(true);
        }
    }
    Ok(false)
}

const QUERY: &str = "the URI query";
const BODY: &str = "the form body";

/// A request's protocol parameters, found and checked, its other parameters counted but not
/// yet decoded: a provider looks up the client and token by them before it pays for the rest
/// ([`into_signed_request`](Self::into_signed_request)).
pub(crate) struct ProtocolParameters<'a> {
    /// Every field but `method`, `base_uri` and `params`, which
    /// [`into_signed_request`](Self::into_signed_request) fills.
    fields: SignedRequest,
    /// The raw query, and the raw body when it is form-encoded (else empty).
    query: &'a [u8],
    body: &'a [u8],
    /// Every `Authorization` header parameter but `realm`, when the protocol parameters are there.
    header_signed: Option<Vec<(String, String)>>,
}

impl<'a> ProtocolParameters<'a> {
    /// Counts the parameters of the query, a form body and the `Authorization` header
    /// ([`SignatureError::TooManyParameters`] past `max_parameters`, before any is decoded), then finds
    /// and checks the protocol parameters: in exactly one place, no duplicates, the required
    /// ones present.
    pub(crate) fn locate(
        uri: &'a Uri,
        headers: &HeaderMap,
        body: &'a [u8],
        max_parameters: usize,
    ) -> Result<Self, SignatureError> {
        let query = uri.query().map_or(&[][..], str::as_bytes);
        let body = if has_form_body(headers) { body } else { &[] };
        let mut budget = ParameterBudget::new(max_parameters);
        budget.spend(count_form_parameters(query))?;
        budget.spend(count_form_parameters(body))?;

        let mut header_params = None;
        let mut other_scheme = None;
        for value in headers.get_all(header::AUTHORIZATION) {
            match parse_authorization_header_within(value.as_bytes(), &mut budget)? {
                Some(_) if header_params.is_some() => {
                    return Err(SignatureError::DuplicateParameter {
                        name: "Authorization".to_owned(),
                    });
                }
                Some(parsed) => header_params = Some(parsed),
                None => {
                    let scheme = value
                        .as_bytes()
                        .split(|b| b.is_ascii_whitespace())
                        .find(|s| !s.is_empty());
                    other_scheme = scheme.map(|s| String::from_utf8_lossy(s).into_owned());
                }
            }
        }

        let mut places = Vec::with_capacity(3);
        if header_params.is_some() {
            places.push(ParameterLocation::Header);
        }
        if has_protocol_params(query, QUERY)? {
            places.push(ParameterLocation::Query);
        }
        if has_protocol_params(body, BODY)? {
            places.push(ParameterLocation::Body);
        }
        let location = match places.as_slice() {
            [one] => *one,
            [first, second, ..] => {
                return Err(SignatureError::ParametersInSeveralPlaces {
                    first: *first,
                    second: *second,
                });
            }
            [] => {
                return Err(match other_scheme {
                    Some(scheme) => SignatureError::NotOAuthScheme { scheme },
                    None => SignatureError::MissingParameter {
                        name: "oauth_consumer_key",
                    },
                });
            }
        };

        let mut realm = None;
        let mut header_signed = None;
        let protocol: Vec<(String, String)> = match location {
            ParameterLocation::Header => {
                let parsed = header_params.unwrap_or_default();
                realm = parsed.realm;
                // Every header parameter is signed (§3.4.1.3.1); the parser already refused
                // repeated names there.
                header_signed = Some(parsed.params.clone());
                parsed
                    .params
                    .into_iter()
                    .filter(|(n, _)| n.starts_with("oauth_"))
                    .collect()
            }
            ParameterLocation::Query => protocol_params(query, QUERY)?,
            ParameterLocation::Body => protocol_params(body, BODY)?,
        };

        let consumer_key = take_unique(&protocol, "oauth_consumer_key")?.ok_or(
            SignatureError::MissingParameter {
                name: "oauth_consumer_key",
            },
        )?;
        let signature_method = take_unique(&protocol, "oauth_signature_method")?.ok_or(
            SignatureError::MissingParameter {
                name: "oauth_signature_method",
            },
        )?;
        let signature =
            take_unique(&protocol, "oauth_signature")?.ok_or(SignatureError::MissingParameter {
                name: "oauth_signature",
            })?;
        let timestamp = take_unique(&protocol, "oauth_timestamp")?;
        let nonce = take_unique(&protocol, "oauth_nonce")?;
        if signature_method != PLAINTEXT {
            if timestamp.is_none() {
                return Err(SignatureError::MissingParameter {
                    name: "oauth_timestamp",
                });
            }
            if nonce.is_none() {
                return Err(SignatureError::MissingParameter {
                    name: "oauth_nonce",
                });
            }
        }
        let timestamp = match timestamp {
            Some(t) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => Some(
                t.parse::<u64>()
                    .map_err(|_| SignatureError::InvalidParameter {
                        name: "oauth_timestamp",
                        reason: "it is too large for seconds since 1970",
                    })?,
            ),
            Some(_) => {
                return Err(SignatureError::InvalidParameter {
                    name: "oauth_timestamp",
                    reason: "it must be a positive integer of seconds since 1970",
                });
            }
            None => None,
        };
        if let Some(version) = take_unique(&protocol, "oauth_version")?
            && version != "1.0"
        {
            return Err(SignatureError::InvalidParameter {
                name: "oauth_version",
                reason: "it must be \"1.0\" when sent",
            });
        }

        Ok(Self {
            fields: SignedRequest {
                method: String::new(),
                base_uri: String::new(),
                params: Vec::new(),
                location,
                realm,
                token: take_unique(&protocol, "oauth_token")?,
                callback: take_unique(&protocol, "oauth_callback")?,
                verifier: take_unique(&protocol, "oauth_verifier")?,
                consumer_key,
                signature_method,
                signature,
                timestamp,
                nonce,
            },
            query,
            body,
            header_signed,
        })
    }

    /// The protocol parameters (the accessors of [`SignedRequest`] but
    /// [`parameters`](SignedRequest::parameters), empty until
    /// [`into_signed_request`](Self::into_signed_request)).
    pub(crate) fn fields(&self) -> &SignedRequest {
        &self.fields
    }

    /// Decodes the other parameters: the request, ready to verify. `uri` is the one
    /// [`locate`](Self::locate) was given, or the same with another scheme and authority (a
    /// provider's public URI).
    pub(crate) fn into_signed_request(
        self,
        method: &Method,
        uri: &Uri,
    ) -> Result<SignedRequest, SignatureError> {
        let params = signed_parameters(
            form_decode_bytes(self.query, QUERY)?,
            form_decode_bytes(self.body, BODY)?,
            self.header_signed,
        );
        Ok(SignedRequest {
            method: method.as_str().to_ascii_uppercase(),
            base_uri: base_string_uri(uri)?,
            params,
            ..self.fields
        })
    }
}

impl SignedRequest {
    /// Extracts the protocol parameters of a request. `uri` must be absolute (scheme and host as
    /// the client signed them: behind a proxy, rebuild it from the forwarded scheme and host).
    /// A request of more than [`DEFAULT_MAX_PARAMETERS`] parameters is refused
    /// ([`SignatureError::TooManyParameters`]); [`from_parts_bounded`](Self::from_parts_bounded) sets
    /// another bound.
    pub fn from_parts(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
    ) -> Result<Self, SignatureError> {
        Self::from_parts_bounded(method, uri, headers, body, DEFAULT_MAX_PARAMETERS)
    }

    /// [`from_parts`](Self::from_parts), accepting at most `max_parameters` parameters (URI
    /// query, form body and `Authorization` header together): more is
    /// [`SignatureError::TooManyParameters`], found by counting before anything is decoded, so a flood
    /// of tiny parameters costs no memory.
    ///
    /// ```
    /// use http::{HeaderMap, Method, Uri};
    /// use oauth_compat::oauth1::{SignatureError, SignedRequest};
    ///
    /// let uri: Uri = "https://example.com/r?a&a&a&oauth_consumer_key=k".parse().unwrap();
    /// let err = SignedRequest::from_parts_bounded(&Method::GET, &uri, &HeaderMap::new(), b"", 3)
    ///     .unwrap_err();
    /// assert!(matches!(err, SignatureError::TooManyParameters { limit: 3 }));
    /// ```
    pub fn from_parts_bounded(
        method: &Method,
        uri: &Uri,
        headers: &HeaderMap,
        body: &[u8],
        max_parameters: usize,
    ) -> Result<Self, SignatureError> {
        ProtocolParameters::locate(uri, headers, body, max_parameters)?
            .into_signed_request(method, uri)
    }

    /// [`SignedRequest::from_parts`] over an `http::Request` with an absolute URI.
    pub fn from_request<B: AsRef<[u8]>>(
        request: &http::Request<B>,
    ) -> Result<Self, SignatureError> {
        Self::from_parts(
            request.method(),
            request.uri(),
            request.headers(),
            request.body().as_ref(),
        )
    }

    /// Where the protocol parameters were found.
    pub fn location(&self) -> ParameterLocation {
        self.location
    }

    /// `realm` of the `Authorization` header.
    pub fn realm(&self) -> Option<&str> {
        self.realm.as_deref()
    }

    /// `oauth_consumer_key`: look up the client (and its secret or RSA public key) by it.
    pub fn consumer_key(&self) -> &str {
        &self.consumer_key
    }

    /// `oauth_token`, when sent.
    pub fn token(&self) -> Option<&str> {
        self.token.as_deref()
    }

    /// `oauth_signature_method`.
    pub fn signature_method(&self) -> &str {
        &self.signature_method
    }

    /// `oauth_timestamp` (always present unless the method is PLAINTEXT).
    pub fn timestamp(&self) -> Option<u64> {
        self.timestamp
    }

    /// `oauth_nonce` (always present unless the method is PLAINTEXT).
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    /// `oauth_callback`, when sent (temporary-credentials requests).
    pub fn callback(&self) -> Option<&str> {
        self.callback.as_deref()
    }

    /// `oauth_verifier`, when sent (token requests).
    pub fn verifier(&self) -> Option<&str> {
        self.verifier.as_deref()
    }

    /// Every signed parameter (query, body and protocol parameters, no `oauth_signature`).
    pub fn parameters(&self) -> &[(String, String)] {
        &self.params
    }

    /// The signature base string the client should have signed (§3.4.1.1).
    pub fn signature_base_string(&self) -> String {
        let normalized =
            normalize_parameters(self.params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        signature_base_string(&self.method, &self.base_uri, &normalized)
    }

    /// Checks the signature with the method named in the request, which must be in `allowed`
    /// ([`SignatureError::UnsupportedSignatureMethod`]) and in `methods`
    /// ([`SignatureError::UnknownSignatureMethod`]). A mismatch is [`SignatureError::BadSignature`]; comparisons
    /// are constant-time.
    pub fn verify(
        &self,
        methods: &SignatureMethods,
        allowed: &[&str],
        keys: &KeyMaterial<'_>,
    ) -> Result<(), SignatureError> {
        self.verify_with(self.accepted_method(methods, allowed)?, keys)
    }

    /// The method named in the request, when it is in `allowed`
    /// ([`SignatureError::UnsupportedSignatureMethod`]) and in `methods`
    /// ([`SignatureError::UnknownSignatureMethod`]): the one place a verifier decides which signature
    /// methods it accepts. The provider decides here once, before its other checks, and then
    /// verifies with the method it got.
    pub(crate) fn accepted_method<'m, S: AsRef<str>>(
        &self,
        methods: &'m SignatureMethods,
        allowed: &[S],
    ) -> Result<&'m dyn SignatureMethod, SignatureError> {
        if !allowed.iter().any(|a| a.as_ref() == self.signature_method) {
            return Err(SignatureError::UnsupportedSignatureMethod {
                method: self.signature_method.clone(),
            });
        }
        methods.get(&self.signature_method)
    }

    /// Checks the signature with `method`, which [`accepted_method`](Self::accepted_method)
    /// returned for this request.
    pub(crate) fn verify_with(
        &self,
        method: &dyn SignatureMethod,
        keys: &KeyMaterial<'_>,
    ) -> Result<(), SignatureError> {
        if method.verify(&self.signature_base_string(), keys, &self.signature)? {
            Ok(())
        } else {
            Err(SignatureError::BadSignature {
                method: self.signature_method.clone(),
            })
        }
    }

    /// The base string Authlib's client signs for this request: every `oauth_*` value
    /// percent-decoded once more (see
    /// [`verify_allowing_twice_decoded`](Self::verify_allowing_twice_decoded)). `None` when no
    /// value changes, so it is [`signature_base_string`](Self::signature_base_string).
    pub fn twice_decoded_signature_base_string(&self) -> Option<String> {
        let params = twice_decoded_parameters(&self.params)?;
        let normalized = normalize_parameters(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        Some(signature_base_string(
            &self.method,
            &self.base_uri,
            &normalized,
        ))
    }

    /// [`verify`](Self::verify), and when the signature does not match, the same check over
    /// [`twice_decoded_signature_base_string`](Self::twice_decoded_signature_base_string) (when
    /// it differs): Authlib's client decodes `oauth_*` values twice before signing, so a
    /// callback such as `https://client.example/cb?next=%2Fhome` is signed as `…?next=/home`.
    /// Each comparison is constant-time; the error is the RFC check's.
    ///
    /// Accepting the variant means the signature no longer covers how an `oauth_*` value is
    /// percent-encoded: `…?next=%2Fhome` and `…?next=/home` verify with the same signature.
    ///
    /// ```
    /// use http::{HeaderMap, HeaderValue, Method, header};
    /// use oauth_compat::oauth1::{SignatureError, KeyMaterial, SignatureMethods, SignedRequest};
    /// use oauth_compat::ClientSecret;
    ///
    /// // Signed by Authlib 1.9.9's client (nonce and timestamp fixed) with the callback
    /// // "http://127.0.0.1:9/ready?next=%2Fhome".
    /// let mut headers = HeaderMap::new();
    /// headers.insert(header::AUTHORIZATION, HeaderValue::from_static(
    ///     r#"OAuth oauth_nonce="abcNONCE", oauth_timestamp="1700000000", oauth_version="1.0", oauth_signature_method="HMAC-SHA1", oauth_consumer_key="printer-client", oauth_callback="http%3A%2F%2F127.0.0.1%3A9%2Fready%3Fnext%3D%252Fhome", oauth_signature="OhQQlEjDadWISqzQd7O6KQhD%2FNo%3D""#));
    /// let uri = "http://127.0.0.1:5000/initiate".parse().unwrap();
    /// let request = SignedRequest::from_parts(&Method::POST, &uri, &headers, b"")?;
    /// assert_eq!(request.callback(), Some("http://127.0.0.1:9/ready?next=%2Fhome"));
    ///
    /// let secret = ClientSecret::new("kd94hf93k423kf44");
    /// let keys = KeyMaterial::new(Some(&secret), None);
    /// let methods = SignatureMethods::new();
    /// assert!(matches!(
    ///     request.verify(&methods, &["HMAC-SHA1"], &keys),
    ///     Err(SignatureError::BadSignature { .. })
    /// ));
    /// request.verify_allowing_twice_decoded(&methods, &["HMAC-SHA1"], &keys)?;
    /// # Ok::<(), oauth_compat::oauth1::SignatureError>(())
    /// ```
    pub fn verify_allowing_twice_decoded(
        &self,
        methods: &SignatureMethods,
        allowed: &[&str],
        keys: &KeyMaterial<'_>,
    ) -> Result<(), SignatureError> {
        self.verify_allowing_twice_decoded_with(self.accepted_method(methods, allowed)?, keys)
    }

    /// [`verify_allowing_twice_decoded`](Self::verify_allowing_twice_decoded) with `method`,
    /// which [`accepted_method`](Self::accepted_method) returned for this request.
    pub(crate) fn verify_allowing_twice_decoded_with(
        &self,
        method: &dyn SignatureMethod,
        keys: &KeyMaterial<'_>,
    ) -> Result<(), SignatureError> {
        let mismatch = match self.verify_with(method, keys) {
            Err(err @ SignatureError::BadSignature { .. }) => err,
            checked => return checked,
        };
        let Some(base) = self.twice_decoded_signature_base_string() else {
            return Err(mismatch);
        };
        if method.verify(&base, keys, &self.signature)? {
            Ok(())
        } else {
            Err(mismatch)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::ClientSecret;
    use http::HeaderValue;

    const FULL: &str = r#"OAuth oauth_consumer_key="k", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1", oauth_nonce="n", oauth_signature="c2lnbmF0dXJlLXZhbHVl""#;

    fn parts(auth: Option<&str>, uri: &str, body: &[u8]) -> Result<SignedRequest, SignatureError> {
        let headers = form_headers(auth);
        SignedRequest::from_parts(&Method::POST, &uri.parse().unwrap(), &headers, body)
    }

    #[test]
    fn params_in_two_places_rejected() {
        match parts(Some(FULL), "https://e.com/?oauth_nonce=x", b"") {
            Err(SignatureError::ParametersInSeveralPlaces { first, second }) => {
                assert_eq!(
                    (first, second),
                    (ParameterLocation::Header, ParameterLocation::Query)
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parts(
                None,
                "https://e.com/?oauth_consumer_key=k",
                b"oauth_nonce=n"
            ),
            Err(SignatureError::ParametersInSeveralPlaces {
                first: ParameterLocation::Query,
                second: ParameterLocation::Body
            })
        ));
    }

    #[test]
    fn missing_params_named_each() {
        let all = [
            ("oauth_consumer_key", "k"),
            ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_signature", "s"),
            ("oauth_timestamp", "1"),
            ("oauth_nonce", "n"),
        ];
        for skip in 0..all.len() {
            let query: Vec<String> = all
                .iter()
                .enumerate()
                .filter(|(i, _)| *i != skip)
                .map(|(_, (n, v))| format!("{n}={v}"))
                .collect();
            match parts(None, &format!("https://e.com/?{}", query.join("&")), b"") {
                Err(SignatureError::MissingParameter { name }) => assert_eq!(name, all[skip].0),
                other => panic!("{other:?}"),
            }
        }
        // PLAINTEXT needs neither timestamp nor nonce.
        let r = parts(Some(r#"OAuth oauth_consumer_key="k", oauth_signature_method="PLAINTEXT", oauth_signature="a%26b""#), "https://e.com/", b"").unwrap();
        assert_eq!((r.timestamp(), r.nonce()), (None, None));
        let (cs, ts) = (ClientSecret::new("a"), crate::secret::TokenSecret::new("b"));
        r.verify(
            &SignatureMethods::new(),
            &["PLAINTEXT"],
            &KeyMaterial::new(Some(&cs), Some(&ts)),
        )
        .unwrap();
    }

    #[test]
    fn duplicates_in_query_or_body_named() {
        match parts(
            None,
            "https://e.com/",
            b"oauth_consumer_key=k&oauth_nonce=a&oauth_nonce=b",
        ) {
            Err(SignatureError::DuplicateParameter { name }) => assert_eq!(name, "oauth_nonce"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn non_oauth_scheme_reported() {
        match parts(Some("Bearer secret-token-value"), "https://e.com/", b"") {
            Err(SignatureError::NotOAuthScheme { scheme }) => assert_eq!(scheme, "Bearer"),
            other => panic!("{other:?}"),
        }
        let err = parts(Some("Bearer secret-token-value"), "https://e.com/", b"").unwrap_err();
        assert!(!err.to_string().contains("secret-token-value"));
        assert!(matches!(
            parts(None, "https://e.com/", b""),
            Err(SignatureError::MissingParameter {
                name: "oauth_consumer_key"
            })
        ));
    }

    #[test]
    fn method_allow_list_and_bad_signature() {
        let r = parts(Some(FULL), "https://e.com/", b"").unwrap();
        let cs = ClientSecret::new("s");
        let keys = KeyMaterial::new(Some(&cs), None);
        match r.verify(&SignatureMethods::new(), &["RSA-SHA1"], &keys) {
            Err(SignatureError::UnsupportedSignatureMethod { method }) => {
                assert_eq!(method, "HMAC-SHA1")
            }
            other => panic!("{other:?}"),
        }
        let err = r
            .verify(&SignatureMethods::new(), &["HMAC-SHA1"], &keys)
            .unwrap_err();
        assert!(matches!(err, SignatureError::BadSignature { .. }));
        assert!(!err.to_string().contains("c2lnbmF0dXJl"));
        assert!(!format!("{r:?}").contains("c2lnbmF0dXJl"));
    }

    #[test]
    fn accepted_method_is_the_one_decision_on_the_method() {
        let r = parts(Some(FULL), "https://e.com/", b"").unwrap();
        let methods = SignatureMethods::new();
        match r.accepted_method(&methods, &["RSA-SHA1".to_owned()]) {
            Err(SignatureError::UnsupportedSignatureMethod { method }) => {
                assert_eq!(method, "HMAC-SHA1")
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        let custom = FULL.replace("HMAC-SHA1", "X-CUSTOM");
        let r_custom = parts(Some(&custom), "https://e.com/", b"").unwrap();
        match r_custom.accepted_method(&methods, &["X-CUSTOM"]) {
            Err(SignatureError::UnknownSignatureMethod { method }) => {
                assert_eq!(method, "X-CUSTOM")
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
        // The method it returns is the one verify_with checks the signature with.
        let cs = ClientSecret::new("s");
        let keys = KeyMaterial::new(Some(&cs), None);
        let method = r.accepted_method(&methods, &["HMAC-SHA1"]).unwrap();
        assert!(matches!(
            r.verify_with(method, &keys),
            Err(SignatureError::BadSignature { .. })
        ));
    }

    #[test]
    fn invalid_timestamp_and_version() {
        let bad_ts = FULL.replace("oauth_timestamp=\"1\"", "oauth_timestamp=\"-1\"");
        assert!(matches!(
            parts(Some(&bad_ts), "https://e.com/", b""),
            Err(SignatureError::InvalidParameter {
                name: "oauth_timestamp",
                ..
            })
        ));
        let bad_v = format!("{FULL}, oauth_version=\"2.0\"");
        assert!(matches!(
            parts(Some(&bad_v), "https://e.com/", b""),
            Err(SignatureError::InvalidParameter {
                name: "oauth_version",
                ..
            })
        ));
    }

    #[test]
    fn exposes_provider_fields() {
        let h = format!(
            r#"{FULL}, realm="R", oauth_token="t", oauth_callback="oob", oauth_verifier="v""#
        );
        let r = parts(Some(&h), "https://e.com/?x=1", b"y=2").unwrap();
        assert_eq!(r.realm(), Some("R"));
        assert_eq!(
            (r.token(), r.callback(), r.verifier()),
            (Some("t"), Some("oob"), Some("v"))
        );
        assert_eq!(r.location(), ParameterLocation::Header);
        assert!(
            r.parameters().iter().any(|(n, _)| n == "x")
                && r.parameters().iter().any(|(n, _)| n == "y")
        );
        assert!(
            !r.parameters()
                .iter()
                .any(|(n, _)| n == "oauth_signature" || n == "realm")
        );
    }

    #[test]
    fn non_oauth_header_parameters_are_signed() {
        // §3.4.1.3.1 signs every header parameter but `realm`; oauthlib does too.
        let cs = ClientSecret::new("cs");
        let keys = KeyMaterial::new(Some(&cs), None);
        let unsigned = r#"OAuth realm="r", oauth_consumer_key="k", oauth_signature_method="HMAC-SHA1", oauth_timestamp="1", oauth_nonce="n", x="y""#;
        let base = parts(
            Some(&format!("{unsigned}, oauth_signature=\"\"")),
            "https://e.com/",
            b"",
        )
        .unwrap()
        .signature_base_string();
        assert!(base.ends_with("%26x%3Dy"), "{base}");
        let signature = SignatureMethods::new()
            .sign("HMAC-SHA1", &base, &keys)
            .unwrap();
        let signed = format!(
            "{unsigned}, oauth_signature=\"{}\"",
            crate::oauth1::encode::percent_encode(&signature)
        );
        let methods = SignatureMethods::new();
        parts(Some(&signed), "https://e.com/", b"")
            .unwrap()
            .verify(&methods, &["HMAC-SHA1"], &keys)
            .unwrap();
        let tampered = signed.replace(r#"x="y""#, r#"x="z""#);
        assert!(matches!(
            parts(Some(&tampered), "https://e.com/", b"")
                .unwrap()
                .verify(&methods, &["HMAC-SHA1"], &keys),
            Err(SignatureError::BadSignature { .. })
        ));
    }

    fn form_headers(auth: Option<&str>) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(auth) = auth {
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(auth).unwrap());
        }
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        headers
    }

    #[test]
    fn twice_decoded_variant_is_tried_only_after_a_mismatch() {
        use crate::oauth1::{ClientCredentials, SignatureType, Signer};

        let callback = "http://127.0.0.1:9/ready?next=%2Fhome";
        let methods = SignatureMethods::new();
        let cs = ClientSecret::new("kd94hf93k423kf44");
        let keys = KeyMaterial::new(Some(&cs), None);
        for placement in [
            SignatureType::Header,
            SignatureType::Query,
            SignatureType::Body,
        ] {
            // An RFC-correct signature over a callback holding `%2F` verifies either way.
            let signer =
                Signer::builder(ClientCredentials::new("printer-client", "kd94hf93k423kf44"))
                    .callback(callback)
                    .signature_type(placement)
                    .build()
                    .unwrap();
            let mut req = http::Request::post("http://127.0.0.1:5000/initiate")
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                .body(Vec::new())
                .unwrap();
            signer.sign_request(&mut req).unwrap();
            let signed = SignedRequest::from_request(&req).unwrap();
            assert_eq!(signed.callback(), Some(callback));
            assert!(signed.twice_decoded_signature_base_string().is_some());
            signed.verify(&methods, &["HMAC-SHA1"], &keys).unwrap();
            signed
                .verify_allowing_twice_decoded(&methods, &["HMAC-SHA1"], &keys)
                .unwrap();

            // A wrong secret matches neither base string: the RFC check's error.
            let wrong = ClientSecret::new("not-the-secret");
            let err = signed
                .verify_allowing_twice_decoded(
                    &methods,
                    &["HMAC-SHA1"],
                    &KeyMaterial::new(Some(&wrong), None),
                )
                .unwrap_err();
            assert!(
                matches!(err, SignatureError::BadSignature { .. }),
                "{err:?}"
            );
            // A method outside the allowed list is refused before any signature check.
            assert!(matches!(
                signed.verify_allowing_twice_decoded(&methods, &["RSA-SHA1"], &keys),
                Err(SignatureError::UnsupportedSignatureMethod { .. })
            ));
        }
    }

    #[test]
    fn repeated_protocol_parameter_in_a_large_body_is_named() {
        // Many distinct oauth_* names, then one repeated: found by name, in one pass.
        let mut body: String = (0..20_000).map(|i| format!("oauth_p{i}=v&")).collect();
        body.push_str("oauth_p7=again");
        let uri = "https://e.com/".parse().unwrap();
        let headers = form_headers(None);
        match SignedRequest::from_parts_bounded(
            &Method::POST,
            &uri,
            &headers,
            body.as_bytes(),
            usize::MAX,
        ) {
            Err(SignatureError::DuplicateParameter { name }) => assert_eq!(name, "oauth_p7"),
            other => panic!("{other:?}"),
        }
    }

    /// FULL's five parameters, one in the query, `n` in the body.
    fn bounded(n: usize, max: usize) -> Result<SignedRequest, SignatureError> {
        let body = vec!["a"; n].join("&");
        let uri = "https://e.com/?q=1".parse().unwrap();
        SignedRequest::from_parts_bounded(
            &Method::POST,
            &uri,
            &form_headers(Some(FULL)),
            body.as_bytes(),
            max,
        )
    }

    #[test]
    fn the_parameter_bound_counts_query_body_and_header() {
        // 1 + 94 + 5 = 100: at the bound, accepted; one more anywhere, refused.
        let r = bounded(94, 100).unwrap();
        assert_eq!(r.parameters().len(), 99, "all but oauth_signature");
        assert!(matches!(
            bounded(95, 100),
            Err(SignatureError::TooManyParameters { limit: 100 })
        ));
        // The header's parameters count (`realm` too).
        let with_realm = format!("{FULL}, realm=\"r\"");
        let uri = "https://e.com/?q=1".parse().unwrap();
        let body = vec!["a"; 94].join("&");
        assert!(matches!(
            SignedRequest::from_parts_bounded(
                &Method::POST,
                &uri,
                &form_headers(Some(&with_realm)),
                body.as_bytes(),
                100
            ),
            Err(SignatureError::TooManyParameters { limit: 100 })
        ));
        // The default bound, through `from_parts`.
        let body = vec!["a"; 996].join("&");
        let err = parts(Some(FULL), "https://e.com/", body.as_bytes()).unwrap_err();
        assert!(
            matches!(err, SignatureError::TooManyParameters { limit: 1000 }),
            "{err:?}"
        );
        assert!(err.to_string().contains("at most 1000"), "{err}");
    }

    #[test]
    fn too_many_parameters_are_refused_before_any_is_decoded() {
        // A million bytes of undecodable parameters: counted, not decoded (decoding would stop
        // at the first, with another error).
        let body = "%zz&".repeat(250_000);
        match parts(None, "https://e.com/", body.as_bytes()) {
            Err(SignatureError::TooManyParameters { limit }) => {
                assert_eq!(limit, DEFAULT_MAX_PARAMETERS)
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn other_parameters_are_decoded_after_the_protocol_ones() {
        // The protocol parameters are found and checked with the other values undecoded (a
        // provider looks up the client in between); decoding them comes last, and still
        // refuses what does not decode.
        let uri: Uri = "https://e.com/?x=%zz".parse().unwrap();
        let headers = form_headers(Some(FULL));
        let located = ProtocolParameters::locate(&uri, &headers, b"y=%FF", 1000).unwrap();
        assert_eq!(located.fields().consumer_key(), "k");
        assert_eq!(located.fields().nonce(), Some("n"));
        assert!(matches!(
            located.into_signed_request(&Method::GET, &uri),
            Err(SignatureError::InvalidPercentEncoding { .. })
        ));
        // Without protocol parameters, that is what is reported, whatever else is wrong.
        assert!(matches!(
            parts(None, "https://e.com/?x=%zz", b""),
            Err(SignatureError::MissingParameter {
                name: "oauth_consumer_key"
            })
        ));
    }
}
