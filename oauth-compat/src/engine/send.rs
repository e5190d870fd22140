//! One exchange through the pipeline: request hooks, the transport check, send, a bounded read
//! of the body, response hooks. Decoding is the caller's (API and token responses differ).

use std::time::Instant;

use tracing::Instrument;
use url::Url;

use super::redirect::{self, Hop};
use super::{Engine, EngineError};
use crate::hooks::Hooks;
use crate::wire::redact::{redact_url, redact_url_str};
use crate::wire::{OutgoingRequest, RawResponse, RequestKind, transport};

impl Engine {
    /// Runs `request` through `hooks` (as a request of `kind`), sends it, reads the response
    /// within the size bound, and runs the response hooks.
    ///
    /// Nothing is sent when the final URL (after the hooks) fails the transport rule. A span
    /// `oauth_compat.request` carries `kind`, `method`, `host`, `path`, then `status` and
    /// `duration_ms`; never the query, headers or body.
    pub async fn send(
        &self,
        mut request: OutgoingRequest,
        kind: RequestKind,
        hooks: &Hooks,
    ) -> Result<RawResponse, EngineError> {
        hooks.run_request(kind, &mut request);
        let url = Url::parse(&request.url).map_err(|err| EngineError::InvalidUrl {
            url: redact_url_str(&request.url),
            reason: err.to_string(),
        })?;
        if !self.inner.insecure_transport && !transport::is_secure_transport(&url) {
            return Err(EngineError::InsecureTransport {
                url: redact_url(&url),
            });
        }
        let span = tracing::debug_span!(
            "oauth_compat.request",
            kind = kind.as_str(),
            method = %request.method,
            host = url.host_str().unwrap_or(""),
            path = url.path(),
            status = tracing::field::Empty,
            duration_ms = tracing::field::Empty,
        );
        let mut response = self.exchange(request, url).instrument(span.clone()).await?;
        let _entered = span.enter();
        hooks.run_response(kind, &mut response);
        Ok(response)
    }

    /// Sends `request` to `url`, following redirects by the engine's rules (see
    /// [`redirect`](super::redirect)), and reads the final response within the size bound.
    async fn exchange(
        &self,
        request: OutgoingRequest,
        url: Url,
    ) -> Result<RawResponse, EngineError> {
        let started = Instant::now();
        let mut hop = Hop {
            method: request.method,
            url,
            headers: request.headers,
            body: request.body,
        };
        let mut hops = 0;
        let mut response = loop {
            let response = self.send_hop(&hop).await?;
            if response.url() != &hop.url {
                self.warn_client_followed_redirect();
            }
            let Some(next) = redirect::next_hop(
                &hop,
                response.status(),
                response.headers(),
                hops,
                self.inner.insecure_transport,
            )?
            else {
                break response;
            };
            tracing::debug!(
                status = response.status().as_u16(),
                to_host = next.url.host_str().unwrap_or(""),
                to_path = next.url.path(),
                "redirect"
            );
            hops += 1;
            hop = next;
        };
        let status = response.status();
        let url = &hop.url;
        let limit = self.inner.max_response_bytes;
        let too_large = || EngineError::ResponseTooLarge {
            url: redact_url(url),
            limit,
        };
        if response
            .content_length()
            .is_some_and(|len| len > limit as u64)
        {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(
            response
                .content_length()
                .map_or(0, |len| len as usize)
                .min(limit),
        );
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|err| self.failed(&hop, err))?
        {
            if body.len() + chunk.len() > limit {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let span = tracing::Span::current();
        span.record("status", status.as_u16());
        span.record("duration_ms", started.elapsed().as_millis() as u64);
        tracing::debug!(status = status.as_u16(), bytes = body.len(), "response");
        Ok(RawResponse::new(status, response.headers().clone(), body))
    }

    /// One hop on the wire; the body is kept for a 307/308 that repeats it.
    async fn send_hop(&self, hop: &Hop) -> Result<reqwest::Response, EngineError> {
        let mut builder = self
            .inner
            .client
            .request(hop.method.clone(), hop.url.clone())
            .headers(hop.headers.clone())
            .body(hop.body.clone());
        if let Some(timeout) = self.inner.per_request_timeout {
            builder = builder.timeout(timeout);
        }
        builder.send().await.map_err(|err| self.failed(hop, err))
    }

    fn failed(&self, hop: &Hop, err: reqwest::Error) -> EngineError {
        if err.is_timeout() {
            EngineError::Timeout {
                method: hop.method.to_string(),
                url: redact_url(&hop.url),
                after: self.inner.timeout,
            }
        } else {
            EngineError::Transport {
                method: hop.method.to_string(),
                url: redact_url(&hop.url),
                source: err.without_url(),
            }
        }
    }

    /// A client passed to the builder followed a redirect by its own policy, so reqwest's
    /// rules applied to that hop (a `Referer`, a 307 body re-sent across origins): say so once.
    fn warn_client_followed_redirect(&self) {
        if !self
            .inner
            .warned_client_redirect
            .swap(true, std::sync::atomic::Ordering::Relaxed)
        {
            tracing::warn!(
                "the reqwest client given to the engine followed a redirect itself; build it \
                 with `.redirect(reqwest::redirect::Policy::none()).referer(false)` so the \
                 engine's rules apply (no Referer, no body to another origin)"
            );
        }
    }
}
