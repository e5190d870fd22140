//! Authlib's `load_server_metadata`: an app's endpoints from its provider's discovery document
//! (RFC 8414 `/.well-known/oauth-authorization-server`, or OpenID Connect Discovery's
//! `/.well-known/openid-configuration`) at `server_metadata_url`.

use http::Method;
use http::header::{ACCEPT, HeaderValue};
use serde_json::{Map, Value};

use super::FlowError;
use crate::Engine;
use crate::hooks::Hooks;
use crate::wire::redact::redact_url_str;
use crate::wire::{OutgoingRequest, RequestKind};

/// Metadata field → the app setting it fills when the app does not set it (Authlib's
/// `authorize_url or metadata['authorization_endpoint']`, ...).
pub(crate) const ENDPOINTS: &[(&str, &str)] = &[
    ("authorization_endpoint", "authorize_url"),
    ("token_endpoint", "access_token_url"),
    ("revocation_endpoint", "revocation_endpoint"),
];

/// GETs the document and checks it is a JSON object whose endpoint fields are strings.
pub(crate) async fn fetch(
    engine: &Engine,
    app: &str,
    url: &str,
) -> Result<Map<String, Value>, crate::Error> {
    // Redacted as the engine's errors are: the URL may carry credentials (userinfo, a key in
    // the query), and this error ends up in logs.
    let bad = |reason: String| FlowError::BadServerMetadata {
        app: app.to_owned(),
        url: redact_url_str(url),
        reason,
    };
    let mut request = OutgoingRequest::new(Method::GET, url);
    request
        .headers
        .insert(ACCEPT, HeaderValue::from_static("application/json"));
    let response = engine
        .send(request, RequestKind::Withheld, &Hooks::default())
        .await?;
    if !response.status.is_success() {
        return Err(bad(format!("HTTP {}", response.status)).into());
    }
    let document: Value =
        serde_json::from_slice(&response.body).map_err(|err| bad(format!("not JSON: {err}")))?;
    let Value::Object(document) = document else {
        return Err(bad("not a JSON object".to_owned()).into());
    };
    for (field, _) in ENDPOINTS {
        match document.get(*field) {
            None | Some(Value::Null) => {}
            // RFC 8414 §2: endpoints are absolute URLs (a relative one would be joined to the
            // app's api_base_url, possibly another host).
            Some(Value::String(endpoint)) if url::Url::parse(endpoint).is_ok() => {}
            Some(Value::String(_)) => {
                return Err(bad(format!("`{field}` is not an absolute URL")).into());
            }
            Some(_) => return Err(bad(format!("`{field}` is not a string")).into()),
        }
    }
    Ok(document)
}
