//! The request as its client signed it, built from axum's parts without copying them.

use axum::body::Bytes;
use axum::extract::OriginalUri;
use http::request::Parts;
use http::{Request, Uri};

/// A request whose URI is the one the client signed: a router nested under a prefix sees the
/// path without it, so the URI from before routing ([`OriginalUri`]) is put back while the
/// signature is checked, and the routed one restored afterwards.
pub(crate) struct SignedParts {
    request: Request<Bytes>,
    routed_uri: Option<Uri>,
}

impl SignedParts {
    pub(crate) fn new(mut parts: Parts, body: Bytes) -> Self {
        let original = parts.extensions.get::<OriginalUri>().map(|o| o.0.clone());
        let routed_uri = original.map(|uri| std::mem::replace(&mut parts.uri, uri));
        Self {
            request: Request::from_parts(parts, body),
            routed_uri,
        }
    }

    /// Takes the parts out of `parts` (leaving empty ones until [`Self::restore`]).
    pub(crate) fn take(parts: &mut Parts, body: Bytes) -> Self {
        let (empty, ()) = Request::new(()).into_parts();
        Self::new(std::mem::replace(parts, empty), body)
    }

    pub(crate) fn request(&self) -> &Request<Bytes> {
        &self.request
    }

    /// The parts as routing left them, and the body.
    pub(crate) fn into_parts(self) -> (Parts, Bytes) {
        let (mut parts, body) = self.request.into_parts();
        if let Some(uri) = self.routed_uri {
            parts.uri = uri;
        }
        (parts, body)
    }

    /// Puts the parts back where [`Self::take`] found them.
    pub(crate) fn restore(self, parts: &mut Parts) {
        *parts = self.into_parts().0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signs_the_original_uri_and_restores_the_routed_one() {
        let (mut parts, ()) = Request::get("/me?x=1").body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(OriginalUri("/api/me?x=1".parse().unwrap()));
        let signed = SignedParts::take(&mut parts, Bytes::new());
        assert_eq!(signed.request().uri(), "/api/me?x=1");
        signed.restore(&mut parts);
        assert_eq!(parts.uri, "/me?x=1");
        assert!(parts.extensions.get::<OriginalUri>().is_some());
    }
}
