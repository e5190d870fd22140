//! Runs the built `oauth1_client` and `oauth2_client` examples as the outside world does (their
//! env contract only, nothing inherited but `PATH`) against the Authlib peer servers
//! (`tests/interop/authlib_oauth{1,2}_server.py`, one per test), and checks their exit status,
//! their `ME` lines exactly, what the provider counted (`/stats`), and their stderr on failure.

mod support;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use authlib_peer::PeerServer;
use support::{authlib_peer, example_binary};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
/// The redirect URI registered for every client of both servers.
const CALLBACK: &str = "http://127.0.0.1/callback";
/// How long one example run may take, its sleeps between calls included.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

// --- the example process ---------------------------------------------------------------------

/// An environment: `base`, with `changes` replacing or adding variables (`None` removes one).
fn env(base: &[(&str, &str)], changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let mut env: Vec<(String, String)> = base
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    for (name, value) in changes {
        env.retain(|(k, _)| k != name);
        if let Some(value) = value {
            env.push(((*name).to_owned(), (*value).to_owned()));
        }
    }
    env
}

/// How a run ended.
struct Finished {
    status: ExitStatus,
    /// Every stdout line, in order.
    lines: Vec<String>,
    stderr: String,
}

/// A running example: its stdout lines as they come, its stderr collected. Killed (and
/// reaped) if dropped before it exits.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
    stderr: Option<JoinHandle<String>>,
    started: Instant,
}

impl Running {
    /// Starts `name` with exactly `env` (plus `PATH`), so the caller's variables never leak in.
    fn start(name: &str, env: &[(String, String)]) -> Self {
        let mut command = Command::new(example_binary::path(name));
        command.env_clear();
        if let Some(path) = std::env::var_os("PATH") {
            command.env("PATH", path);
        }
        let mut child = command
            .envs(env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("starting {name}: {err}"));
        let stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            text
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
            stderr: Some(stderr),
            started: Instant::now(),
        }
    }

    fn remaining(&self) -> Duration {
        RUN_TIMEOUT.saturating_sub(self.started.elapsed())
    }

    /// The next stdout line, waiting for it (bounded).
    fn next_line(&mut self) -> String {
        let line = self
            .lines
            .recv_timeout(self.remaining())
            .unwrap_or_else(|err| panic!("no stdout line ({err}); so far: {:?}", self.seen));
        self.seen.push(line.clone());
        line
    }

    /// Waits (bounded) for the exit, then collects the rest of the output.
    fn finish(mut self) -> Finished {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                break status;
            }
            assert!(
                !self.remaining().is_zero(),
                "the example still runs after {RUN_TIMEOUT:?}"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        // The reader ends at end of file, which follows the exit.
        let mut lines = std::mem::take(&mut self.seen);
        lines.extend(self.lines.iter());
        let stderr = self
            .stderr
            .take()
            .expect("stderr is read once")
            .join()
            .expect("stderr reader");
        Finished {
            status,
            lines,
            stderr,
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn run(name: &str, env: &[(String, String)]) -> Finished {
    Running::start(name, env).finish()
}

/// The run succeeded and printed exactly `want`.
fn assert_me_lines(finished: &Finished, want: &[&str]) {
    assert!(
        finished.status.success(),
        "exit {:?}; stdout {:?}; stderr:\n{}",
        finished.status.code(),
        finished.lines,
        finished.stderr
    );
    assert_eq!(finished.lines, want, "stderr:\n{}", finished.stderr);
    assert_eq!(
        finished.stderr, "",
        "a successful run writes nothing to stderr"
    );
}

/// The run failed with `code` and printed no `ME` line.
fn assert_failed(finished: &Finished, code: i32) {
    assert_eq!(
        finished.status.code(),
        Some(code),
        "stdout {:?}; stderr:\n{}",
        finished.lines,
        finished.stderr
    );
    assert!(finished.lines.is_empty(), "stdout: {:?}", finished.lines);
}

// --- OAuth 1 ---------------------------------------------------------------------------------

const O1_SECRET: &str = "interop-secret";

fn rsa_key_file() -> String {
    format!("{ROOT}/tests/interop/keys/oauth1_rsa_private.pem")
}

/// The OAuth 1 contract for the server's client, calling `/api/me` once as `bob`, with URLs
/// relative to `PROVIDER_URL`.
fn oauth1_env(server: &PeerServer, changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    let key_file = rsa_key_file();
    env(
        &[
            ("PROVIDER_URL", server.base.as_str()),
            ("CLIENT_KEY", "interop-client"),
            ("CLIENT_SECRET", O1_SECRET),
            ("CALLBACK_URL", CALLBACK),
            ("REQUEST_TOKEN_URL", "/initiate"),
            ("AUTHORIZE_URL", "/authorize"),
            ("ACCESS_TOKEN_URL", "/token"),
            ("SIGNATURE_METHOD", "HMAC-SHA1"),
            ("RSA_PRIVATE_KEY_FILE", &key_file),
            ("API_URL", "/api/me"),
            ("FORCE_CONTENT_TYPE", ""),
            ("API_CALLS", "1"),
            ("API_CALL_INTERVAL", "0"),
            ("TEST_USER", "bob"),
        ],
        changes,
    )
}

fn oauth1_me(method: &str) -> String {
    format!(r#"ME {{"client_key":"interop-client","signature_method":"{method}","user":"bob"}}"#)
}

/// The whole flow signed with `method`, then one call to the JSON `/api/me`.
async fn oauth1_flow_with(method: &str) {
    let server = PeerServer::oauth1();
    let finished = run(
        "oauth1_client",
        &oauth1_env(&server, &[("SIGNATURE_METHOD", Some(method))]),
    );
    assert_me_lines(&finished, &[&oauth1_me(method)]);
    let stats = server.stats().await;
    assert_eq!(stats["initiate"], 1);
    // RFC 5849 §2.1's POST (set by the example over remote_app's GET default).
    assert_eq!(stats["last_initiate_method"], "POST");
    assert_eq!(stats["token"], 1);
    assert_eq!(stats["api"], 1);
}

#[tokio::test]
async fn oauth1_hmac_sha1() {
    oauth1_flow_with("HMAC-SHA1").await;
}

#[tokio::test]
async fn oauth1_hmac_sha256() {
    oauth1_flow_with("HMAC-SHA256").await;
}

#[tokio::test]
async fn oauth1_rsa_sha1() {
    oauth1_flow_with("RSA-SHA1").await;
}

#[tokio::test]
async fn oauth1_plaintext() {
    oauth1_flow_with("PLAINTEXT").await;
}

#[tokio::test]
async fn oauth1_xml_api_prints_tag_text_twice() {
    let server = PeerServer::oauth1();
    let finished = run(
        "oauth1_client",
        &oauth1_env(
            &server,
            &[
                ("SIGNATURE_METHOD", Some("HMAC-SHA256")),
                ("API_URL", Some("/api/me/xml")),
                ("API_CALLS", Some("2")),
                ("API_CALL_INTERVAL", Some("0.2")),
            ],
        ),
    );
    let me = oauth1_me("HMAC-SHA256");
    assert_me_lines(&finished, &[&me, &me]);
    let stats = server.stats().await;
    assert_eq!(
        (stats["token"].clone(), stats["api"].clone()),
        (1.into(), 2.into())
    );
}

#[tokio::test]
async fn oauth1_form_api_with_absolute_urls() {
    let server = PeerServer::oauth1();
    let (initiate, authorize, token, api) = (
        server.url("/initiate"),
        server.url("/authorize"),
        server.url("/token"),
        server.url("/api/me/form"),
    );
    let finished = run(
        "oauth1_client",
        &oauth1_env(
            &server,
            &[
                // PROVIDER_URL is only a base: absolute endpoint URLs do not use it.
                ("PROVIDER_URL", Some("http://127.0.0.1:9/unused/")),
                ("REQUEST_TOKEN_URL", Some(&initiate)),
                ("AUTHORIZE_URL", Some(&authorize)),
                ("ACCESS_TOKEN_URL", Some(&token)),
                ("API_URL", Some(&api)),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth1_me("HMAC-SHA1")]);
}

#[tokio::test]
async fn oauth1_text_plain_json_with_forced_content_type() {
    let server = PeerServer::oauth1();
    let finished = run(
        "oauth1_client",
        &oauth1_env(
            &server,
            &[
                ("SIGNATURE_METHOD", Some("PLAINTEXT")),
                ("API_URL", Some("/api/me/text")),
                ("FORCE_CONTENT_TYPE", Some("application/json")),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth1_me("PLAINTEXT")]);
}

#[tokio::test]
async fn oauth1_text_plain_without_forced_content_type_is_an_error() {
    let server = PeerServer::oauth1();
    let finished = run(
        "oauth1_client",
        &oauth1_env(&server, &[("API_URL", Some("/api/me/text"))]),
    );
    assert_failed(&finished, 1);
    assert_eq!(
        finished.stderr.lines().next(),
        Some(
            "oauth1_client: error: API_URL's text body is not a JSON object: it was served as \
             text/plain; charset=utf-8; set FORCE_CONTENT_TYPE if that label is wrong"
        ),
        "{}",
        finished.stderr
    );
}

#[tokio::test]
async fn oauth1_wrong_secret_fails_without_printing_it() {
    let server = PeerServer::oauth1();
    let secret = "wrong-secret-4711";
    let finished = run(
        "oauth1_client",
        &oauth1_env(&server, &[("CLIENT_SECRET", Some(secret))]),
    );
    assert_failed(&finished, 1);
    let first = finished.stderr.lines().next().unwrap_or_default();
    // The app, the step and the URL, then the provider's answer with OAuth 1's own hint.
    assert_eq!(
        first,
        format!(
            "oauth1_client: error: `provider` request_token {}/initiate: the OAuth 1 provider \
             refused the request: provider error invalid_signature (HTTP 401); check the \
             consumer secret, the signature method and, behind a proxy, the URL the provider sees",
            server.base
        ),
        "{}",
        finished.stderr
    );
    assert!(
        finished
            .stderr
            .contains("ProviderError { status: 401, error: \"invalid_signature\""),
        "the typed error: {}",
        finished.stderr
    );
    assert!(
        !finished.stderr.contains("wrong-secret"),
        "{}",
        finished.stderr
    );
    let stats = server.stats().await;
    assert_eq!(
        (stats["initiate"].clone(), stats["token"].clone()),
        (1.into(), 0.into())
    );
}

#[tokio::test]
async fn oauth1_rsa_sha1_without_a_key_file_names_the_variable() {
    let server = PeerServer::oauth1();
    let finished = run(
        "oauth1_client",
        &oauth1_env(
            &server,
            &[
                ("SIGNATURE_METHOD", Some("RSA-SHA1")),
                ("RSA_PRIVATE_KEY_FILE", None),
            ],
        ),
    );
    assert_failed(&finished, 2);
    assert_eq!(
        finished.stderr,
        "oauth1_client: RSA_PRIVATE_KEY_FILE: is not set, and SIGNATURE_METHOD is RSA-SHA1\n"
    );
    assert_eq!(server.stats().await["initiate"], 0);
}

#[tokio::test]
async fn oauth1_unknown_signature_method_names_the_variable() {
    let server = PeerServer::oauth1();
    let finished = run(
        "oauth1_client",
        &oauth1_env(&server, &[("SIGNATURE_METHOD", Some("HMAC-MD5"))]),
    );
    assert_failed(&finished, 2);
    assert_eq!(
        finished.stderr,
        "oauth1_client: SIGNATURE_METHOD: \"HMAC-MD5\" is not one of \
         HMAC-SHA1, HMAC-SHA256, RSA-SHA1, PLAINTEXT\n"
    );
}

// --- OAuth 2 ---------------------------------------------------------------------------------

/// `basic-client`'s secret holds `/`, `;` and `&`, which RFC 6749 §2.3.1 form-encodes.
const BASIC_SECRET: &str = "basic/secret;&";
/// base64("basic-client:basic%2Fsecret%3B%26").
const BASIC_ENCODED_HEADER: &str = "Basic YmFzaWMtY2xpZW50OmJhc2ljJTJGc2VjcmV0JTNCJTI2";

/// The OAuth 2 contract for `basic-client`, calling `/api/me` once as `bob`, with URLs
/// relative to `PROVIDER_URL`.
fn oauth2_env(server: &PeerServer, changes: &[(&str, Option<&str>)]) -> Vec<(String, String)> {
    env(
        &[
            ("PROVIDER_URL", server.base.as_str()),
            ("CLIENT_KEY", "basic-client"),
            ("CLIENT_SECRET", BASIC_SECRET),
            ("CALLBACK_URL", CALLBACK),
            ("AUTHORIZE_URL", "/authorize"),
            ("TOKEN_URL", "/token"),
            ("TOKEN_ENDPOINT_AUTH_METHOD", "client_secret_basic"),
            ("PKCE", ""),
            ("SCOPE", ""),
            ("API_URL", "/api/me"),
            ("FORCE_CONTENT_TYPE", ""),
            ("API_CALLS", "1"),
            ("API_CALL_INTERVAL", "0"),
            ("TEST_USER", "bob"),
        ],
        changes,
    )
}

fn oauth2_me(client_id: &str, scope: &str) -> String {
    format!(
        r#"ME {{"client_id":"{client_id}","name":"bob","scope":"{scope}","token_placement":"header"}}"#
    )
}

#[tokio::test]
async fn oauth2_client_secret_basic_with_absolute_urls() {
    let server = PeerServer::oauth2();
    let (authorize, token, api) = (
        server.url("/authorize"),
        server.url("/token"),
        server.url("/api/me"),
    );
    let finished = run(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("PROVIDER_URL", Some("http://127.0.0.1:9/unused/")),
                ("AUTHORIZE_URL", Some(&authorize)),
                ("TOKEN_URL", Some(&token)),
                ("API_URL", Some(&api)),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth2_me("basic-client", "profile email")]);
    let stats = server.stats().await;
    assert_eq!(stats["last_client_auth"], "client_secret_basic");
    assert_eq!(stats["last_authorization_header"], BASIC_ENCODED_HEADER);
    assert_eq!(stats["token_requests"], 1);
    assert_eq!(stats["refresh_grants"], 0);
}

#[tokio::test]
async fn oauth2_client_secret_post_with_an_xml_api() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("CLIENT_KEY", Some("post-client")),
                ("CLIENT_SECRET", Some("post-secret")),
                ("TOKEN_ENDPOINT_AUTH_METHOD", Some("client_secret_post")),
                ("API_URL", Some("/api/me/xml")),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth2_me("post-client", "profile email")]);
    let stats = server.stats().await;
    assert_eq!(stats["last_client_auth"], "client_secret_post");
    assert_eq!(stats["last_authorization_header"], serde_json::Value::Null);
}

#[tokio::test]
async fn oauth2_xml_with_a_default_namespace_prints_its_tags() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(&server, &[("API_URL", Some("/api/me/xml-ns"))]),
    );
    assert_me_lines(&finished, &[&oauth2_me("basic-client", "profile email")]);
}

#[tokio::test]
async fn oauth2_an_empty_api_body_is_an_error_not_an_empty_object() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(&server, &[("API_URL", Some("/api/empty"))]),
    );
    assert_ne!(finished.status.code(), Some(0), "{}", finished.stderr);
    assert!(finished.lines.is_empty(), "{:?}", finished.lines);
    assert!(
        finished.stderr.contains("the body is empty"),
        "{}",
        finished.stderr
    );
}

#[tokio::test]
async fn oauth2_public_client_with_pkce_s256_and_a_form_api() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("CLIENT_KEY", Some("public-client")),
                ("CLIENT_SECRET", Some("")),
                ("TOKEN_ENDPOINT_AUTH_METHOD", Some("")),
                ("PKCE", Some("S256")),
                ("SCOPE", Some("profile")),
                ("API_URL", Some("/api/me/form")),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth2_me("public-client", "profile")]);
    // The provider refuses public-client's code without an S256 code_challenge, and its code
    // exchange without the matching code_verifier.
    assert_eq!(server.stats().await["last_client_auth"], "none");
}

#[tokio::test]
async fn oauth2_text_plain_json_with_forced_content_type() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("API_URL", Some("/api/me/text")),
                ("FORCE_CONTENT_TYPE", Some("application/json")),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth2_me("basic-client", "profile email")]);
}

#[tokio::test]
async fn oauth2_text_plain_without_forced_content_type_is_an_error() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(&server, &[("API_URL", Some("/api/me/text"))]),
    );
    assert_failed(&finished, 1);
    assert_eq!(
        finished.stderr.lines().next(),
        Some(
            "oauth2_client: error: API_URL's text body is not a JSON object: it was served as \
             text/plain; charset=utf-8; set FORCE_CONTENT_TYPE if that label is wrong"
        ),
        "{}",
        finished.stderr
    );
}

/// Two calls across the expiry of a 3 s token: the client refreshes a token only within 2 s of
/// its expiry, so the first call (at once) uses the token of the code exchange, and the second
/// (4.5 s later, after the expiry) refreshes it first. `/stats`, read while the example sleeps
/// between the calls, shows the refresh came between them.
#[tokio::test]
async fn oauth2_token_is_refreshed_between_two_calls_across_its_expiry() {
    let server = PeerServer::oauth2();
    let mut running = Running::start(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("TOKEN_URL", Some("/token?expires_in=3")),
                ("API_CALLS", Some("2")),
                ("API_CALL_INTERVAL", Some("4.5")),
            ],
        ),
    );
    let me = oauth2_me("basic-client", "profile email");
    assert_eq!(running.next_line(), me);
    let between = server.stats().await;
    assert_eq!(between["token_requests"], 1, "{between}");
    assert_eq!(between["refresh_grants"], 0, "{between}");
    assert_eq!(between["api"], 1, "{between}");

    let finished = running.finish();
    assert_me_lines(&finished, &[&me, &me]);
    let after = server.stats().await;
    assert_eq!(after["token_requests"], 2, "{after}");
    assert_eq!(after["refresh_grants"], 1, "{after}");
    assert_eq!(after["api"], 2, "{after}");
}

/// A token of 3 s, called three times 3.5 s apart: the second and third calls each refresh
/// first. The provider rotates refresh tokens, so the third call succeeds only if update_token
/// stored the first refresh's token and fetch_token handed it back (the code exchange's
/// refresh token was revoked by the first refresh).
#[tokio::test]
async fn oauth2_short_lived_token_refreshes_from_the_token_the_last_refresh_stored() {
    let server = PeerServer::oauth2();
    let mut running = Running::start(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("TOKEN_URL", Some("/token?expires_in=3")),
                ("API_CALLS", Some("3")),
                ("API_CALL_INTERVAL", Some("3.5")),
            ],
        ),
    );
    let me = oauth2_me("basic-client", "profile email");
    assert_eq!(running.next_line(), me);
    assert_eq!(running.next_line(), me);
    let between = server.stats().await;
    assert_eq!(between["refresh_grants"], 1, "{between}");

    let finished = running.finish();
    assert_me_lines(&finished, &[&me, &me, &me]);
    let after = server.stats().await;
    assert_eq!(after["token_requests"], 3, "{after}");
    assert_eq!(after["refresh_grants"], 2, "{after}");
    assert_eq!(after["last_token_query"], "expires_in=3", "{after}");
}

/// A 10 s token is used while it is valid, not refreshed first: the refresh leeway is not the
/// library's 60 s, under which it would count as expired at once (and a provider that gives
/// no refresh token with it could not be used at all). Also: an unset `CLIENT_SECRET` is an
/// empty one, a public client.
#[tokio::test]
async fn oauth2_short_lived_token_is_used_without_refreshing_while_valid() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("CLIENT_KEY", Some("public-client")),
                ("CLIENT_SECRET", None),
                ("TOKEN_ENDPOINT_AUTH_METHOD", None),
                ("PKCE", Some("S256")),
                ("SCOPE", Some("profile")),
                ("TOKEN_URL", Some("/token?expires_in=10")),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth2_me("public-client", "profile")]);
    let stats = server.stats().await;
    assert_eq!(stats["refresh_grants"], 0, "{stats}");
    assert_eq!(stats["last_client_auth"], "none", "{stats}");
}

/// `TOKEN_ENDPOINT_AUTH_METHOD=none` with a secret set: a public client, the secret unsent.
#[tokio::test]
async fn oauth2_method_none_with_a_secret_sends_no_secret() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("CLIENT_KEY", Some("public-client")),
                ("CLIENT_SECRET", Some("unused-secret")),
                ("TOKEN_ENDPOINT_AUTH_METHOD", Some("none")),
                ("PKCE", Some("S256")),
                ("SCOPE", Some("profile")),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth2_me("public-client", "profile")]);
    let stats = server.stats().await;
    assert_eq!(stats["last_client_auth"], "none", "{stats}");
    assert_eq!(stats["last_authorization_header"], serde_json::Value::Null);
}

/// `FORCE_CONTENT_TYPE` is for the API only: forced to XML, the JSON token response is still
/// read as JSON (the app-wide `content_type` setting would force it too).
#[tokio::test]
async fn oauth2_forced_content_type_leaves_the_token_response_alone() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(
            &server,
            &[
                ("API_URL", Some("/api/me/xml")),
                ("FORCE_CONTENT_TYPE", Some("application/xml")),
            ],
        ),
    );
    assert_me_lines(&finished, &[&oauth2_me("basic-client", "profile email")]);
}

#[tokio::test]
async fn oauth2_wrong_secret_fails_with_invalid_client_without_printing_it() {
    let server = PeerServer::oauth2();
    let secret = "wrong/secret-4711";
    let finished = run(
        "oauth2_client",
        &oauth2_env(&server, &[("CLIENT_SECRET", Some(secret))]),
    );
    assert_failed(&finished, 1);
    let first = finished.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with(&format!(
            "oauth2_client: error: `provider` access_token {}/token: provider error \
             invalid_client (HTTP 401): ",
            server.base
        )),
        "{}",
        finished.stderr
    );
    assert!(
        finished.stderr.contains(
            "error: OAuth2(Provider(ProviderError { status: 401, error: \"invalid_client\""
        ),
        "the typed error: {}",
        finished.stderr
    );
    // Neither the secret, nor its form-encoding, nor the Basic credentials made of it.
    for leak in ["wrong/secret", "wrong%2Fsecret", "Basic "] {
        assert!(
            !finished.stderr.contains(leak),
            "{leak}: {}",
            finished.stderr
        );
    }
    let stats = server.stats().await;
    assert_eq!(stats["token_requests"], 1);
    assert_eq!(stats["api"], 0);
}

#[tokio::test]
async fn oauth2_missing_token_url_names_the_variable() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(&server, &[("TOKEN_URL", None)]),
    );
    assert_failed(&finished, 2);
    assert_eq!(finished.stderr, "oauth2_client: TOKEN_URL: is not set\n");
    assert_eq!(server.stats().await["authorize"], 0);
}

#[tokio::test]
async fn oauth2_secret_method_without_a_secret_names_the_variable() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(&server, &[("CLIENT_SECRET", Some(""))]),
    );
    assert_failed(&finished, 2);
    assert_eq!(
        finished.stderr,
        "oauth2_client: TOKEN_ENDPOINT_AUTH_METHOD: client_secret_basic needs a secret, but \
         CLIENT_SECRET is empty\n"
    );
}

#[tokio::test]
async fn oauth2_bad_api_call_interval_names_the_variable() {
    let server = PeerServer::oauth2();
    let finished = run(
        "oauth2_client",
        &oauth2_env(&server, &[("API_CALL_INTERVAL", Some("-1"))]),
    );
    assert_failed(&finished, 2);
    assert_eq!(
        finished.stderr,
        "oauth2_client: API_CALL_INTERVAL: \"-1\" is not a non-negative number of seconds\n"
    );
}
