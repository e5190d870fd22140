//! Hooks that rewrite requests and responses: Flask-OAuthlib's `pre_request` and Authlib's
//! compliance hooks, composed in registration order.

use std::fmt;
use std::sync::Arc;

use crate::wire::{OutgoingRequest, RawResponse, RequestKind};

type RequestHook = Arc<dyn Fn(&mut OutgoingRequest) + Send + Sync>;
type ResponseHook = Arc<dyn Fn(&mut RawResponse) + Send + Sync>;

/// An ordered set of request and response hooks. Cheap to clone (the hooks are shared).
///
/// Every request runs the same pipeline: build → authenticate (OAuth 1 signature, or the OAuth 2
/// token) → `pre_request` hooks → the compliance hooks for its kind → send → the response
/// compliance hooks for its kind → decode. Each hook runs where the Python original runs it:
///
/// | hook | runs on |
/// |---|---|
/// | `pre_request` (Flask-OAuthlib) | API requests (`OAuthRemoteApp.request`), after signing or adding the token; not token-endpoint requests |
/// | `protected_request` | API requests that carry a token (Authlib's `TokenAuth`), after it is added |
/// | `refresh_token_request` | refresh-token grant requests |
/// | `revoke_token_request` | RFC 7009 revocation requests |
/// | `access_token_response` | token responses (OAuth 1 token credentials, OAuth 2 grants) |
/// | `refresh_token_response` | refresh-token grant responses |
///
/// Hooks are plain functions: they rewrite, they do no I/O.
///
/// ```
/// use http::header::AUTHORIZATION;
/// use oauth_compat::Hooks;
///
/// // Seed 004's Weibo fix: Weibo wants `OAuth2 <token>` where RFC 6750 says `Bearer <token>`.
/// let mut hooks = Hooks::new();
/// hooks.pre_request(|req| {
///     if let Some(auth) = req.headers.get(AUTHORIZATION).and_then(|v| v.to_str().ok()) {
///         let fixed = auth.replacen("Bearer", "OAuth2", 1);
///         req.headers.insert(AUTHORIZATION, fixed.parse().unwrap());
///     }
/// });
///
/// // The Slack fix of seeds 001/002: its token response has no `token_type`.
/// hooks.access_token_response(|resp| {
///     if let Ok(serde_json::Value::Object(mut token)) = serde_json::from_slice(&resp.body) {
///         token.entry("token_type").or_insert("Bearer".into());
///         resp.body = serde_json::to_vec(&token).expect("a JSON map serializes");
///     }
/// });
/// assert_eq!(hooks.len(), 2);
/// ```
#[derive(Clone, Default)]
pub struct Hooks {
    pre_request: Vec<RequestHook>,
    protected_request: Vec<RequestHook>,
    refresh_token_request: Vec<RequestHook>,
    revoke_token_request: Vec<RequestHook>,
    access_token_response: Vec<ResponseHook>,
    refresh_token_response: Vec<ResponseHook>,
}

impl Hooks {
    /// No hooks.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a Flask-OAuthlib `pre_request(uri, headers, body)` hook: runs on API requests,
    /// after they are signed or carry their token, as `OAuthRemoteApp.request` runs it (token
    /// endpoints do not run it).
    pub fn pre_request(
        &mut self,
        hook: impl Fn(&mut OutgoingRequest) + Send + Sync + 'static,
    ) -> &mut Self {
        self.pre_request.push(Arc::new(hook));
        self
    }

    /// Adds an Authlib `protected_request` compliance hook (API requests).
    pub fn protected_request(
        &mut self,
        hook: impl Fn(&mut OutgoingRequest) + Send + Sync + 'static,
    ) -> &mut Self {
        self.protected_request.push(Arc::new(hook));
        self
    }

    /// Adds an Authlib `refresh_token_request` compliance hook.
    pub fn refresh_token_request(
        &mut self,
        hook: impl Fn(&mut OutgoingRequest) + Send + Sync + 'static,
    ) -> &mut Self {
        self.refresh_token_request.push(Arc::new(hook));
        self
    }

    /// Adds an Authlib `revoke_token_request` compliance hook.
    pub fn revoke_token_request(
        &mut self,
        hook: impl Fn(&mut OutgoingRequest) + Send + Sync + 'static,
    ) -> &mut Self {
        self.revoke_token_request.push(Arc::new(hook));
        self
    }

    /// Adds an Authlib `access_token_response` compliance hook (token responses other than
    /// refresh).
    pub fn access_token_response(
        &mut self,
        hook: impl Fn(&mut RawResponse) + Send + Sync + 'static,
    ) -> &mut Self {
        self.access_token_response.push(Arc::new(hook));
        self
    }

    /// Adds an Authlib `refresh_token_response` compliance hook.
    pub fn refresh_token_response(
        &mut self,
        hook: impl Fn(&mut RawResponse) + Send + Sync + 'static,
    ) -> &mut Self {
        self.refresh_token_response.push(Arc::new(hook));
        self
    }

    /// Appends every hook of `other` after this set's, kind by kind.
    pub fn extend(&mut self, other: &Hooks) -> &mut Self {
        self.pre_request.extend(other.pre_request.iter().cloned());
        self.protected_request
            .extend(other.protected_request.iter().cloned());
        self.refresh_token_request
            .extend(other.refresh_token_request.iter().cloned());
        self.revoke_token_request
            .extend(other.revoke_token_request.iter().cloned());
        self.access_token_response
            .extend(other.access_token_response.iter().cloned());
        self.refresh_token_response
            .extend(other.refresh_token_response.iter().cloned());
        self
    }

    /// The number of hooks of every kind.
    pub fn len(&self) -> usize {
        self.pre_request.len()
            + self.protected_request.len()
            + self.refresh_token_request.len()
            + self.revoke_token_request.len()
            + self.access_token_response.len()
            + self.refresh_token_response.len()
    }

    /// Whether there are no hooks at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Runs `pre_request` (API requests only), then the compliance request hooks for `kind`, in
    /// order.
    pub(crate) fn run_request(&self, kind: RequestKind, request: &mut OutgoingRequest) {
        let (pre_request, compliance): (&[RequestHook], &[RequestHook]) = match kind {
            RequestKind::Protected => (&self.pre_request, &self.protected_request),
            RequestKind::Withheld => (&self.pre_request, &[]),
            RequestKind::RefreshToken => (&[], &self.refresh_token_request),
            RequestKind::Revoke => (&[], &self.revoke_token_request),
            RequestKind::RequestToken | RequestKind::AccessToken => (&[], &[]),
        };
        for hook in pre_request.iter().chain(compliance) {
            hook(request);
        }
    }

    /// Runs the compliance response hooks for `kind`, in order.
    pub(crate) fn run_response(&self, kind: RequestKind, response: &mut RawResponse) {
        let hooks: &[ResponseHook] = match kind {
            RequestKind::AccessToken => &self.access_token_response,
            RequestKind::RefreshToken => &self.refresh_token_response,
            RequestKind::Protected
            | RequestKind::Withheld
            | RequestKind::RequestToken
            | RequestKind::Revoke => &[],
        };
        for hook in hooks {
            hook(response);
        }
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Hooks")
            .field("pre_request", &self.pre_request.len())
            .field("protected_request", &self.protected_request.len())
            .field("refresh_token_request", &self.refresh_token_request.len())
            .field("revoke_token_request", &self.revoke_token_request.len())
            .field("access_token_response", &self.access_token_response.len())
            .field("refresh_token_response", &self.refresh_token_response.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::Method;

    #[test]
    fn pre_request_runs_on_api_requests_first_then_compliance_hooks_by_kind() {
        let mut hooks = Hooks::new();
        hooks.protected_request(|r| r.url.push_str("/c"));
        hooks.pre_request(|r| r.url.push_str("/a"));
        hooks.pre_request(|r| r.url.push_str("/b"));
        hooks.refresh_token_request(|r| r.url.push_str("/refresh"));
        let mut req = OutgoingRequest::new(Method::GET, "x");
        hooks.run_request(RequestKind::Protected, &mut req);
        assert_eq!(req.url, "x/a/b/c");
        let mut req = OutgoingRequest::new(Method::GET, "x");
        hooks.run_request(RequestKind::Withheld, &mut req);
        assert_eq!(req.url, "x/a/b");
        let mut req = OutgoingRequest::new(Method::POST, "x");
        hooks.run_request(RequestKind::RefreshToken, &mut req);
        assert_eq!(req.url, "x/refresh");
        let mut req = OutgoingRequest::new(Method::POST, "x");
        hooks.run_request(RequestKind::AccessToken, &mut req);
        assert_eq!(req.url, "x");
    }

    #[test]
    fn response_hooks_pick_by_kind_and_extend_appends() {
        let mut a = Hooks::new();
        a.access_token_response(|r| r.body.push(b'1'));
        let mut b = Hooks::new();
        b.access_token_response(|r| r.body.push(b'2'));
        b.refresh_token_response(|r| r.body.push(b'r'));
        a.extend(&b);
        let mut resp = RawResponse::new(http::StatusCode::OK, Default::default(), vec![]);
        a.run_response(RequestKind::AccessToken, &mut resp);
        assert_eq!(resp.body, b"12");
        a.run_response(RequestKind::Protected, &mut resp);
        assert_eq!(resp.body, b"12");
        a.run_response(RequestKind::RefreshToken, &mut resp);
        assert_eq!(resp.body, b"12r");
        assert_eq!(a.len(), 3);
    }
}
