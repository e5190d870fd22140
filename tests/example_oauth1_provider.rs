//! Runs the built `oauth1_provider` example as the outside world does (its env contract, a free
//! port, SIGTERM to stop) and drives it with our `OAuth1Client`, with raw HTTP for the refusals,
//! and with requests-oauthlib (tests/interop/oauth1_client_driver.py), Flask-OAuthlib 0.9.6
//! (tests/interop/flask_oauthlib_client_driver.py) and Authlib
//! (tests/interop/authlib_client_driver.py) as independent clients.
//!
//! Also the nonce guarantee end to end: one signed request sent 100 times at once is accepted
//! exactly once, by one process and by two processes sharing a store (a SQLite file; with the
//! `postgres` and `redis` features, PostgreSQL and Redis servers the tests start).

mod support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use http::{Method, header};
use oauth_compat::MapEnv;
use oauth_compat::OAuth1Client;
use oauth_compat::oauth1::{
    ClientCredentials, RsaPrivateKey, SignatureType, Signer, SignerBuilder, TokenCredentials,
};
use oauth_compat::oauth2::Token;
use oauth_compat::{Engine, reqwest};
use serde_json::{Value, json};
use support::full_flows::full_flow_tests;
#[cfg(feature = "postgres")]
use support::postgres;
#[cfg(feature = "redis")]
use support::redis_server;
use support::{example_binary, temp_dir::TempDir};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;
use tokio::task::JoinSet;
use url::Url;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");
const CLIENT_KEY: &str = "printer-client";
const CLIENT_SECRET: &str = "kd94hf93k423kf44";
const TEST_USER: &str = "jane";
/// Never contacted: the tests read the redirect instead of following it.
const CALLBACK: &str = "http://127.0.0.1:9/ready";
const RSA_PRIVATE_PEM: &str = include_str!("interop/keys/oauth1_rsa_private.pem");
const METHODS: [&str; 4] = ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"];
/// The operator's opt-in to PLAINTEXT, which the example does not accept by default.
const WITH_PLAINTEXT: (&str, &str) = (
    "OAUTH1_SUPPORTED_SIGNATURE_METHODS",
    "HMAC-SHA1,HMAC-SHA256,RSA-SHA1,PLAINTEXT",
);
const START_TIMEOUT: Duration = Duration::from_secs(30);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(20);

// --- the example process ---------------------------------------------------------------------

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("bind 127.0.0.1:0")
        .port()
}

/// The env contract, for the client above, plus `extra`.
fn contract_env(port: u16, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let public_key = format!("{ROOT}/tests/interop/keys/oauth1_rsa_public.pem");
    let mut env: Vec<(String, String)> = [
        ("PORT", port.to_string().as_str()),
        ("CLIENT_KEY", CLIENT_KEY),
        ("CLIENT_SECRET", CLIENT_SECRET),
        ("CLIENT_RSA_PUBLIC_KEY_FILE", &public_key),
        ("CALLBACK_URL", CALLBACK),
        ("TEST_USER", TEST_USER),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    env
}

/// The example with exactly `env` (plus PATH), so the caller's variables never leak in.
fn command(env: &[(String, String)]) -> Command {
    command_after("", env)
}

/// As [`command`], run by `sh` after the shell commands `shell` (none if empty), which `exec`s
/// the example in the same process: a `ulimit` applies to it, and `$$` is its pid.
fn command_after(shell: &str, env: &[(String, String)]) -> Command {
    let mut command = if shell.is_empty() {
        Command::new(example_binary::path("oauth1_provider"))
    } else {
        let mut sh = Command::new("sh");
        sh.arg("-c")
            .arg(format!("{shell} && exec \"$0\""))
            .arg(example_binary::path("oauth1_provider"));
        sh
    };
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.envs(env.iter().map(|(k, v)| (k, v)));
    command
}

/// A running example, stopped (and reaped) when dropped: SIGTERM, then SIGKILL only if it is
/// still running after [`STOP_TIMEOUT`]. Its `TMPDIR` (where its default database goes) is a
/// directory of the test's own, removed after it exits, so nothing is left in /tmp even if it
/// had to be killed.
struct Example {
    child: Child,
    port: u16,
    /// Dropped after [`Drop::drop`] has reaped the child.
    _tmp: TempDir,
}

impl Example {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// Started so that it accepts `method`: PLAINTEXT needs the opt-in.
    fn accepting(method: &str) -> Self {
        if method == "PLAINTEXT" {
            Self::start_with(&[WITH_PLAINTEXT])
        } else {
            Self::start()
        }
    }

    /// Starts on a free port (another one if it was taken meanwhile) and waits, bounded, for
    /// the line that says it listens there.
    fn start_with(extra: &[(&str, &str)]) -> Self {
        Self::start_after("", extra)
    }

    /// As [`start_with`](Self::start_with), after the shell commands `shell` ([`command_after`]).
    fn start_after(shell: &str, extra: &[(&str, &str)]) -> Self {
        for _ in 0..5 {
            let port = free_port();
            if let Some(example) = Self::start_on(port, shell, extra) {
                return example;
            }
        }
        panic!("the example did not start on any of 5 free ports");
    }

    /// `None` when the port was taken meanwhile; a panic with its stderr if it exits otherwise.
    fn start_on(port: u16, shell: &str, extra: &[(&str, &str)]) -> Option<Self> {
        let tmp = TempDir::new("provider-tmp");
        let mut env = contract_env(port, extra);
        if !env.iter().any(|(k, _)| k == "TMPDIR") {
            env.push(("TMPDIR".to_owned(), tmp.path().display().to_string()));
        }
        let mut child = command_after(shell, &env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start the oauth1_provider example");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let mut example = Self {
            child,
            port,
            _tmp: tmp,
        };
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let _ = tx.send(reader.read_line(&mut line).map(|_| line));
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        // Its stderr, kept for the panic message and echoed into the test's output.
        let (err_tx, err_rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut all = String::new();
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                eprintln!("[oauth1_provider :{port}] {line}");
                all.push_str(&line);
                all.push('\n');
            }
            let _ = err_tx.send(all);
        });
        let line = match rx.recv_timeout(START_TIMEOUT) {
            Ok(Ok(line)) => line,
            Ok(Err(err)) => panic!("reading the example's stdout: {err}"),
            Err(_) => panic!("the example printed nothing within {START_TIMEOUT:?}"),
        };
        if line.is_empty() {
            let status = example.child.wait().expect("wait for the example");
            let stderr = err_rx.recv_timeout(STOP_TIMEOUT).unwrap_or_default();
            if stderr.contains("cannot listen") {
                return None;
            }
            panic!(
                "the example exited with {status} before listening (a binary built without \
                 this test's features? `cargo test` builds it with them): {stderr}"
            );
        }
        assert_eq!(
            line.trim_end(),
            format!("listening on http://127.0.0.1:{port}")
        );
        Some(example)
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// Sends SIGTERM and asserts a clean exit within [`STOP_TIMEOUT`].
    fn stop(mut self) {
        let status = terminate(&mut self.child);
        assert!(
            status.success(),
            "the example exited with {status} after SIGTERM"
        );
    }
}

impl Drop for Example {
    /// SIGTERM and a bounded wait, so it removes its own files; SIGKILL only as a fallback.
    /// Never panics (it runs while a failed test unwinds).
    fn drop(&mut self) {
        if matches!(self.child.try_wait(), Ok(None)) {
            let _ = Command::new("kill")
                .args(["-TERM", &self.child.id().to_string()])
                .status();
            let deadline = Instant::now() + STOP_TIMEOUT;
            while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if matches!(self.child.try_wait(), Ok(None)) {
                eprintln!(
                    "[oauth1_provider :{}] still running {STOP_TIMEOUT:?} after SIGTERM: SIGKILL",
                    self.port
                );
                let _ = self.child.kill();
            }
        }
        let _ = self.child.wait();
    }
}

fn terminate(child: &mut Child) -> ExitStatus {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .expect("run kill");
    assert!(sent.success(), "kill -TERM failed");
    let deadline = Instant::now() + STOP_TIMEOUT;
    loop {
        if let Some(status) = child.try_wait().expect("wait for the example") {
            return status;
        }
        assert!(
            Instant::now() < deadline,
            "the example was still running {STOP_TIMEOUT:?} after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The SQLite database two example processes share, in `dir`.
fn shared_sqlite_url(dir: &TempDir) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        dir.path().join("shared.db").display()
    )
}

// --- clients ---------------------------------------------------------------------------------

/// An engine that reads no process variable and bounds every request.
fn engine() -> Engine {
    Engine::builder()
        .env(MapEnv::new())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("engine")
}

fn client(example: &Example, method: &str, placement: SignatureType) -> OAuth1Client {
    let builder = OAuth1Client::builder(ClientCredentials::new(CLIENT_KEY, CLIENT_SECRET))
        .signature_method(method)
        .signature_type(placement)
        .request_token_url(example.url("/initiate"))
        .access_token_url(example.url("/token"))
        .authorize_url(example.url("/authorize"))
        .api_base_url(example.url("/api/"))
        .engine(engine());
    let builder = if method == "RSA-SHA1" {
        builder.rsa_key(RsaPrivateKey::from_pem(RSA_PRIVATE_PEM).expect("test RSA key"))
    } else {
        builder
    };
    builder.build().expect("client")
}

/// A browser that does not follow redirects: the `Location` is what the tests read.
fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(REQUEST_TIMEOUT)
        .build()
        .expect("reqwest client")
}

/// Where a 302 sends the browser.
fn redirect_of(resp: &reqwest::Response) -> Url {
    assert_eq!(resp.status(), 302, "expected a redirect");
    let location = resp.headers()[header::LOCATION].to_str().unwrap();
    Url::parse(location).expect("absolute Location")
}

fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.into_owned())
}

/// The user's visit: `GET /authorize?oauth_token=..&user=..`, which grants at once.
async fn visit_as_user(client: &OAuth1Client, request_token: &Token) -> Url {
    let url = client
        .authorization_url(request_token, &[("user", TEST_USER)])
        .unwrap();
    redirect_of(&browser().get(url).send().await.unwrap())
}

/// Token credentials for `client`, through the whole dance.
async fn token_credentials(client: &OAuth1Client) -> Token {
    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    let callback = visit_as_user(client, &request_token).await;
    let verifier = query_value(&callback, "oauth_verifier").expect("a verifier");
    client
        .fetch_access_token(&request_token, &verifier, &[])
        .await
        .unwrap()
}

async fn body_json(resp: reqwest::Response) -> Value {
    serde_json::from_slice(&resp.bytes().await.unwrap()).expect("a JSON body")
}

async fn body_form(resp: reqwest::Response) -> Vec<(String, String)> {
    let bytes = resp.bytes().await.unwrap();
    url::form_urlencoded::parse(&bytes).into_owned().collect()
}

fn form_error(form: &[(String, String)]) -> Option<&str> {
    form.iter()
        .find(|(n, _)| n == "error")
        .map(|(_, v)| v.as_str())
}

// --- full flows with our client --------------------------------------------------------------

/// initiate → the user grants by GET → token → signed GET and POST to /api.
async fn full_flow(method: &str, placement: SignatureType) {
    let example = Example::accepting(method);
    let client = client(&example, method, placement);

    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    assert_eq!(request_token["oauth_callback_confirmed"], "true");
    assert_eq!(request_token.access_token().len(), 42);
    assert_eq!(request_token.token_secret().map(str::len), Some(48));
    let callback = visit_as_user(&client, &request_token).await;
    assert_eq!(callback.as_str().split('?').next(), Some(CALLBACK));
    assert_eq!(
        query_value(&callback, "oauth_token").as_deref(),
        Some(request_token.access_token())
    );
    let verifier = query_value(&callback, "oauth_verifier").expect("a verifier");
    let token = client
        .fetch_access_token(&request_token, &verifier, &[])
        .await
        .unwrap();
    assert_ne!(token.access_token(), request_token.access_token());

    let resp = client.get("me").send().await.unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(resp.data["name"], TEST_USER);

    let resp = client
        .get("echo")
        .query(&[("q", "a b"), ("n", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.json::<Value>().unwrap(),
        json!({"method": "GET", "query": [["q", "a b"], ["n", "1"]], "form": [], "user": TEST_USER})
    );

    let status = "Hello Ladies + Gentlemen, a signed OAuth request!";
    let resp = client
        .post("echo")
        .form(&[("status", status)])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{}", resp.text());
    assert_eq!(
        resp.json::<Value>().unwrap(),
        json!({"method": "POST", "query": [], "form": [["status", status]], "user": TEST_USER})
    );
    example.stop();
}

full_flow_tests!(mod full_flow runs full_flow);

// --- the authorization page ------------------------------------------------------------------

async fn post_decision(example: &Example, oauth_token: &str, confirm: &str) -> reqwest::Response {
    let form = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("oauth_token", oauth_token),
            ("user", TEST_USER),
            ("confirm", confirm),
        ])
        .finish();
    browser()
        .post(example.url("/authorize"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(form)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn authorize_by_post_yes_and_no() {
    let example = Example::start();
    let client = client(&example, "HMAC-SHA1", SignatureType::Header);

    // Without `user`, the page asks.
    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    let url = client.authorization_url(&request_token, &[]).unwrap();
    let resp = browser().get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let page = resp.text().await.unwrap();
    assert!(
        page.contains(CLIENT_KEY) && page.contains("name=confirm"),
        "{page}"
    );

    // confirm=yes: a verifier that works.
    let resp = post_decision(&example, request_token.access_token(), "yes").await;
    let callback = redirect_of(&resp);
    assert_eq!(callback.as_str().split('?').next(), Some(CALLBACK));
    let verifier = query_value(&callback, "oauth_verifier").expect("a verifier");
    client
        .fetch_access_token(&request_token, &verifier, &[])
        .await
        .unwrap();
    let resp = client.get("me").send().await.unwrap();
    assert_eq!(resp.data["name"], TEST_USER);

    // confirm=no: access_denied, no verifier, and nothing to exchange.
    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    let resp = post_decision(&example, request_token.access_token(), "no").await;
    let callback = redirect_of(&resp);
    assert_eq!(callback.as_str().split('?').next(), Some(CALLBACK));
    assert_eq!(
        query_value(&callback, "error").as_deref(),
        Some("access_denied")
    );
    assert_eq!(query_value(&callback, "oauth_verifier"), None);
    let err = client
        .fetch_access_token(&request_token, "no-verifier-was-issued", &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("oauth_verifier"), "{err}");
    example.stop();
}

#[tokio::test]
async fn authorize_refusals_and_oob() {
    let example = Example::start();
    let client = client(&example, "HMAC-SHA1", SignatureType::Header);

    let resp = browser()
        .get(example.url("/authorize?oauth_token=not-a-token&user=jane"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert!(resp.text().await.unwrap().contains("invalid_token"));

    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    let url = client
        .authorization_url(&request_token, &[("user", "mallory")])
        .unwrap();
    assert_eq!(browser().get(url).send().await.unwrap().status(), 403);

    // oauth_callback=oob: the registered CALLBACK_URL receives the user.
    let request_token = client.fetch_request_token(None, &[]).await.unwrap();
    let callback = visit_as_user(&client, &request_token).await;
    assert_eq!(callback.as_str().split('?').next(), Some(CALLBACK));
    assert!(query_value(&callback, "oauth_verifier").is_some());
    example.stop();
}

// --- the protected resources -----------------------------------------------------------------

#[tokio::test]
async fn every_api_route_and_its_content_type() {
    let example = Example::start();
    let client = client(&example, "HMAC-SHA1", SignatureType::Header);
    token_credentials(&client).await;

    let resp = client.get("me").send().await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.media_type().unwrap().essence(), "application/json");
    assert_eq!(resp.data["name"], TEST_USER);

    let resp = client.get("me.xml").send().await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.media_type().unwrap().essence(), "application/xml");
    let root = resp.data.xml().expect("an XML body");
    assert_eq!(root.tag, "user");
    assert_eq!(root.find_text("name"), Some(TEST_USER));

    let resp = client.get("form").send().await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(
        resp.media_type().unwrap().essence(),
        "application/x-www-form-urlencoded"
    );
    assert_eq!(resp.data["name"], TEST_USER);

    let resp = client.get("me.txt").send().await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.media_type().unwrap().essence(), "text/plain");
    let json: Value = serde_json::from_slice(&resp.raw_data).expect("JSON as text/plain");
    assert_eq!(json["name"], TEST_USER);

    let resp = client
        .get("echo")
        .query(&[("q", "1"), ("x", "a&b"), ("q", "2")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().unwrap(),
        json!({"method": "GET", "query": [["q", "1"], ["x", "a&b"], ["q", "2"]], "form": [], "user": TEST_USER})
    );
    let resp = client
        .post("echo")
        .query(&[("page", "2")])
        .form(&[("status", "héllo wörld"), ("empty", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.json::<Value>().unwrap(),
        json!({"method": "POST", "query": [["page", "2"]], "form": [["status", "héllo wörld"], ["empty", ""]], "user": TEST_USER})
    );

    // An unknown path under /api is a 404, not a 401.
    let resp = browser()
        .get(example.url("/api/nothing"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 404);
    example.stop();
}

// --- the oauth1_client example against this one -----------------------------------------------

/// Runs the `oauth1_client` example against `example` with the client examples' env contract.
fn run_client_example(example: &Example, method: &str, api: &[(&str, &str)]) -> Output {
    let key_file = format!("{ROOT}/tests/interop/keys/oauth1_rsa_private.pem");
    let mut command = Command::new(example_binary::path("oauth1_client"));
    command.env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command
        .env("PROVIDER_URL", example.url(""))
        .env("CLIENT_KEY", CLIENT_KEY)
        .env("CLIENT_SECRET", CLIENT_SECRET)
        .env("CALLBACK_URL", CALLBACK)
        .env("REQUEST_TOKEN_URL", "/initiate")
        .env("AUTHORIZE_URL", "/authorize")
        .env("ACCESS_TOKEN_URL", "/token")
        .env("SIGNATURE_METHOD", method)
        .env("RSA_PRIVATE_KEY_FILE", &key_file)
        .env("FORCE_CONTENT_TYPE", "")
        .env("API_CALLS", "2")
        .env("API_CALL_INTERVAL", "0.1")
        .env("TEST_USER", TEST_USER)
        .envs(api.iter().copied());
    command.output().expect("run the oauth1_client example")
}

/// The `ME` lines, each parsed; the run must have succeeded and printed nothing else.
fn me_lines(output: &Output) -> Vec<Value> {
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "exit {:?}; stdout {stdout}; stderr {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
        .lines()
        .map(|line| {
            let json = line
                .strip_prefix("ME ")
                .unwrap_or_else(|| panic!("not a ME line: {line}"));
            serde_json::from_str(json).unwrap_or_else(|err| panic!("{line}: {err}"))
        })
        .collect()
}

/// The two examples the outside world runs, paired: our client's whole flow against our
/// provider, every signature method, every API format (XML `{tag: text}`, form, JSON sent as
/// `text/plain` with `FORCE_CONTENT_TYPE`).
#[test]
fn the_oauth1_client_example_completes_its_flow_against_this_one() {
    let example = Example::start_with(&[WITH_PLAINTEXT]);
    for method in METHODS {
        let lines = me_lines(&run_client_example(
            &example,
            method,
            &[("API_URL", "/api/me")],
        ));
        assert_eq!(lines.len(), 2, "{method}: {lines:?}");
        for line in &lines {
            assert_eq!(line["name"], TEST_USER, "{method}: {line}");
        }
    }
    for (api, force) in [
        ("/api/me.xml", ""),
        ("/api/form", ""),
        ("/api/me.txt", "application/json"),
    ] {
        let output = run_client_example(
            &example,
            "HMAC-SHA1",
            &[("API_URL", api), ("FORCE_CONTENT_TYPE", force)],
        );
        let lines = me_lines(&output);
        assert_eq!(lines.len(), 2, "{api}: {lines:?}");
        assert_eq!(lines[0]["name"], TEST_USER, "{api}: {lines:?}");
        assert_eq!(lines[0], lines[1], "{api}");
    }
    let output = run_client_example(
        &example,
        "HMAC-SHA1",
        &[("API_URL", "/api/me"), ("CLIENT_SECRET", "wrong")],
    );
    assert!(!output.status.success());
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("invalid_signature") || stderr.contains("invalid_client"),
        "{stderr}"
    );
    assert!(!stderr.contains("wrong"), "the secret leaked: {stderr}");
    example.stop();
}

// --- refusals --------------------------------------------------------------------------------

/// A request signed by `signer`, as reqwest sends it (to `example`, or with `host` as `Host`).
fn signed(signer: &Signer, method: Method, url: &str) -> reqwest::Request {
    let mut req = http::Request::builder()
        .method(method)
        .uri(url)
        .body(Vec::new())
        .unwrap();
    signer.sign_request(&mut req).unwrap();
    reqwest::Request::try_from(req.map(reqwest::Body::from)).unwrap()
}

fn signer() -> SignerBuilder {
    Signer::builder(ClientCredentials::new(CLIENT_KEY, CLIENT_SECRET))
}

fn token_signer(token: &Token) -> Signer {
    signer()
        .token(TokenCredentials::new(
            token.access_token(),
            token.token_secret().unwrap(),
        ))
        .build()
        .unwrap()
}

#[tokio::test]
async fn refusals_at_the_endpoints() {
    let example = Example::start();
    let http = browser();

    // GET /initiate: 405, as Authlib.
    let req = signed(
        &signer().callback(CALLBACK).build().unwrap(),
        Method::GET,
        &example.url("/initiate"),
    );
    let resp = http.execute(req).await.unwrap();
    assert_eq!(resp.status(), 405);
    assert_eq!(resp.headers()[header::ALLOW], "POST");
    assert_eq!(
        form_error(&body_form(resp).await),
        Some("method_not_allowed")
    );

    // A bad signature (wrong client secret): 401.
    let wrong = Signer::builder(ClientCredentials::new(CLIENT_KEY, "not-the-secret"))
        .callback(CALLBACK)
        .build()
        .unwrap();
    let resp = http
        .execute(signed(&wrong, Method::POST, &example.url("/initiate")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(
        form_error(&body_form(resp).await),
        Some("invalid_signature")
    );

    // An unknown client: 401.
    let unknown = Signer::builder(ClientCredentials::new("nobody", CLIENT_SECRET))
        .callback(CALLBACK)
        .build()
        .unwrap();
    let resp = http
        .execute(signed(&unknown, Method::POST, &example.url("/initiate")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(form_error(&body_form(resp).await), Some("invalid_client"));

    // A malformed Authorization header: 400 saying so, never a 500.
    let resp = http
        .post(example.url("/initiate"))
        .header(header::AUTHORIZATION, "OAuth oauth_consumer_key=\"printer")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(form_error(&body_form(resp).await), Some("invalid_request"));

    // An old timestamp: 400.
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let old = signer()
        .callback(CALLBACK)
        .with_nonce_and_timestamp("an-old-nonce", now - 3600)
        .build()
        .unwrap();
    let resp = http
        .execute(signed(&old, Method::POST, &example.url("/initiate")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(form_error(&body_form(resp).await), Some("invalid_request"));

    // A wrong verifier: 400, and the temporary credential is gone (as Authlib).
    let client = client(&example, "HMAC-SHA1", SignatureType::Header);
    let request_token = client
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap();
    let callback = visit_as_user(&client, &request_token).await;
    let verifier = query_value(&callback, "oauth_verifier").unwrap();
    let err = client
        .fetch_access_token(&request_token, "wrong-verifier", &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("oauth_verifier"), "{err}");
    let err = client
        .fetch_access_token(&request_token, &verifier, &[])
        .await
        .unwrap_err();
    assert!(err.to_string().contains("invalid_token"), "{err}");
    example.stop();
}

#[tokio::test]
async fn refusals_at_a_protected_resource() {
    let example = Example::start();
    let client = client(&example, "HMAC-SHA1", SignatureType::Header);
    let token = token_credentials(&client).await;
    let http = browser();

    // A replay: the same signed request twice.
    let req = signed(&token_signer(&token), Method::GET, &example.url("/api/me"));
    let again = req.try_clone().unwrap();
    let resp = http.execute(req).await.unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http.execute(again).await.unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(resp.headers()[header::CONTENT_TYPE], "application/json");
    assert_eq!(body_json(resp).await["error"], "invalid_nonce");

    // A wrong token secret: 401.
    let wrong = signer()
        .token(TokenCredentials::new(
            token.access_token(),
            "not-the-secret",
        ))
        .build()
        .unwrap();
    let resp = http
        .execute(signed(&wrong, Method::GET, &example.url("/api/me")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(body_json(resp).await["error"], "invalid_signature");

    // An unknown token: 401.
    let unknown = signer()
        .token(TokenCredentials::new("not-a-token", "x"))
        .build()
        .unwrap();
    let resp = http
        .execute(signed(&unknown, Method::GET, &example.url("/api/me")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 401);
    assert_eq!(body_json(resp).await["error"], "invalid_token");

    // Unsigned, and a malformed header: 400 with a JSON body.
    let resp = http.get(example.url("/api/me")).send().await.unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(body_json(resp).await["error"], "missing_required_parameter");
    let resp = http
        .get(example.url("/api/me"))
        .header(header::AUTHORIZATION, "OAuth realm=\"x\", ,=")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(body_json(resp).await["error"], "invalid_request");
    example.stop();
}

// --- signature methods -----------------------------------------------------------------------

/// PLAINTEXT's signature is the two secrets, with no nonce or timestamp in it: a captured
/// request replays forever. The example refuses it unless the operator opts in.
#[tokio::test]
async fn plaintext_is_refused_unless_the_operator_opts_in() {
    let example = Example::start();
    let http = browser();
    let plaintext = signer()
        .signature_method("PLAINTEXT")
        .callback(CALLBACK)
        .build()
        .unwrap();
    let resp = http
        .execute(signed(&plaintext, Method::POST, &example.url("/initiate")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        form_error(&body_form(resp).await),
        Some("unsupported_signature_method")
    );
    // Our client gets the provider's error, typed.
    let err = client(&example, "PLAINTEXT", SignatureType::Header)
        .fetch_request_token(Some(CALLBACK), &[])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("unsupported_signature_method"),
        "{err}"
    );

    // At a protected resource too, with a token issued through HMAC-SHA1.
    let token = token_credentials(&client(&example, "HMAC-SHA1", SignatureType::Header)).await;
    let plaintext = signer()
        .signature_method("PLAINTEXT")
        .token(TokenCredentials::new(
            token.access_token(),
            token.token_secret().unwrap(),
        ))
        .build()
        .unwrap();
    let resp = http
        .execute(signed(&plaintext, Method::GET, &example.url("/api/me")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 400);
    assert_eq!(
        body_json(resp).await["error"],
        "unsupported_signature_method"
    );
    let resp = http
        .execute(signed(
            &token_signer(&token),
            Method::GET,
            &example.url("/api/me"),
        ))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    example.stop();

    // Opted in, the same request is served.
    let example = Example::start_with(&[WITH_PLAINTEXT]);
    let plaintext = signer()
        .signature_method("PLAINTEXT")
        .callback(CALLBACK)
        .build()
        .unwrap();
    let resp = http
        .execute(signed(&plaintext, Method::POST, &example.url("/initiate")))
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    example.stop();
}

// --- shutdown --------------------------------------------------------------------------------

/// SIGTERM sent the moment the "listening" line is read finds the handler in place: a clean
/// exit 0 that removes the default database's temp dir, every time (it used to die of the
/// signal now and then, leaving the dir behind, since the handler came after the line).
#[test]
fn sigterm_right_after_the_listening_line_exits_0_and_cleans_up() {
    for round in 0..20 {
        let tmp = TempDir::new("sigterm");
        let tmpdir = tmp.path().display().to_string();
        let example = Example::start_with(&[("TMPDIR", &tmpdir)]);
        let pid = example.child.id();
        example.stop();
        let db_dir = tmp.path().join(format!("oauth1-provider-{pid}"));
        assert!(
            !db_dir.exists(),
            "round {round}: {} left behind",
            db_dir.display()
        );
    }
}

/// An example dropped without `stop` (as when a test fails) gets SIGTERM, not SIGKILL, so it
/// removes its default database's temp dir itself.
#[test]
fn a_dropped_example_is_terminated_and_cleans_up() {
    let tmp = TempDir::new("dropped");
    let tmpdir = tmp.path().display().to_string();
    let example = Example::start_with(&[("TMPDIR", &tmpdir)]);
    let db_dir = tmp
        .path()
        .join(format!("oauth1-provider-{}", example.child.id()));
    assert!(db_dir.is_dir(), "{} missing", db_dir.display());
    drop(example);
    assert!(!db_dir.exists(), "{} left behind", db_dir.display());
}

// --- the default database's directory ---------------------------------------------------------

/// Unix permission bits of `path` (not following a symlink).
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::symlink_metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// The SQLite file holds secrets in the clear: its directory is the owner's alone (0700), and
/// so is every file in it (0600), the database and SQLite's `-wal` and `-shm` alike.
#[tokio::test]
async fn the_default_database_directory_is_private() {
    let tmp = TempDir::new("private");
    let tmpdir = tmp.path().display().to_string();
    let example = Example::start_with(&[("TMPDIR", &tmpdir)]);
    // A whole flow, so the database has been written.
    token_credentials(&client(&example, "HMAC-SHA1", SignatureType::Header)).await;
    let db_dir = tmp
        .path()
        .join(format!("oauth1-provider-{}", example.child.id()));
    assert_eq!(mode(&db_dir), 0o700, "{}", db_dir.display());
    let files: Vec<PathBuf> = std::fs::read_dir(&db_dir)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    assert!(
        files.iter().any(|f| f.ends_with("provider.db")),
        "{files:?}"
    );
    for file in &files {
        assert_eq!(mode(file), 0o600, "{}", file.display());
    }
    example.stop();
    assert!(!db_dir.exists());
}

/// Whatever is already at the database directory's path (a directory, or a symlink to one,
/// planted by someone else) is refused, not used, and left alone.
#[test]
fn an_existing_database_directory_is_refused() {
    let tmp = TempDir::new("existing");
    let planted = tmp.path().join("planted");
    std::fs::create_dir(&planted).unwrap();
    let env = contract_env(
        free_port(),
        &[("TMPDIR", &tmp.path().display().to_string())],
    );
    for plant in [
        // `$$`: the shell's pid, which the example keeps (the shell `exec`s it).
        "mkdir \"$TMPDIR/oauth1-provider-$$\"",
        "ln -s \"$TMPDIR/planted\" \"$TMPDIR/oauth1-provider-$$\"",
    ] {
        let child = command_after(plant, &env)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run the example");
        let dir = tmp.path().join(format!("oauth1-provider-{}", child.id()));
        let output = child.wait_with_output().expect("wait for the example");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{plant}: {stderr}");
        assert!(
            stderr.contains(&format!("{}: already exists", dir.display())),
            "{plant}: {stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(output.stdout.is_empty(), "{plant}: it listened");
        // Left as it was: still there, nothing written into it.
        assert!(dir.exists(), "{plant}: {} was removed", dir.display());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0, "{plant}");
        std::fs::remove_file(&dir)
            .or_else(|_| std::fs::remove_dir(&dir))
            .unwrap();
    }
    assert_eq!(std::fs::read_dir(&planted).unwrap().count(), 0);
}

// --- settings --------------------------------------------------------------------------------

#[test]
fn missing_or_invalid_settings_exit_2_naming_the_variable() {
    let port = free_port().to_string();
    let cases: [(&str, &str, &str); 10] = [
        ("PORT", "", "PORT"),
        ("PORT", "http", "PORT"),
        ("CLIENT_KEY", "", "CLIENT_KEY"),
        ("CALLBACK_URL", "not a url", "CALLBACK_URL"),
        ("TEST_USER", "", "TEST_USER"),
        (
            "CLIENT_RSA_PUBLIC_KEY_FILE",
            "/nonexistent/key.pem",
            "CLIENT_RSA_PUBLIC_KEY_FILE",
        ),
        ("DATABASE_URL", "mysql://db/oauth", "DATABASE_URL"),
        ("HEADER_READ_TIMEOUT", "0", "HEADER_READ_TIMEOUT"),
        ("BODY_READ_TIMEOUT", "soon", "BODY_READ_TIMEOUT"),
        ("MAX_CONNECTIONS", "0", "MAX_CONNECTIONS"),
    ];
    for (variable, value, named) in cases {
        let mut env = contract_env(port.parse().unwrap(), &[]);
        env.retain(|(k, _)| k != variable);
        if !value.is_empty() {
            env.push((variable.to_owned(), value.to_owned()));
        }
        let output = command(&env)
            .stdin(Stdio::null())
            .output()
            .expect("run the example");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{variable}={value:?}: {stderr}"
        );
        assert!(stderr.contains(named), "{variable}={value:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
        assert!(output.stdout.is_empty());
    }
}

// --- one signed request, 100 times at once ---------------------------------------------------

/// Sends `req` 100 times at once, spread over `ports` (every copy keeps the `Host` it was
/// signed for, as behind a load balancer): the count of 200s, of 401 `invalid_nonce`, and
/// anything else.
async fn race(req: &reqwest::Request, ports: &[u16]) -> (usize, usize, Vec<String>) {
    let http = reqwest::Client::builder()
        .timeout(REQUEST_TIMEOUT)
        .pool_max_idle_per_host(0)
        .build()
        .unwrap();
    let host = req.url().authority().to_owned();
    let mut tasks = JoinSet::new();
    for i in 0..100 {
        let mut copy = req.try_clone().unwrap();
        copy.url_mut()
            .set_port(Some(ports[i % ports.len()]))
            .unwrap();
        copy.headers_mut()
            .insert(header::HOST, host.parse().unwrap());
        let http = http.clone();
        tasks.spawn(async move {
            let resp = http.execute(copy).await.expect("an answer");
            let status = resp.status().as_u16();
            (status, body_json(resp).await)
        });
    }
    let (mut ok, mut replays, mut other) = (0, 0, Vec::new());
    while let Some(result) = tasks.join_next().await {
        match result.unwrap() {
            (200, _) => ok += 1,
            (401, body) if body["error"] == "invalid_nonce" => replays += 1,
            (status, body) => other.push(format!("{status} {body}")),
        }
    }
    (ok, replays, other)
}

async fn accepted_once(examples: &[&Example]) {
    let first = examples[0];
    let client = client(first, "HMAC-SHA1", SignatureType::Header);
    let token = token_credentials(&client).await;
    // Every process knows the token (the store is shared).
    for example in examples {
        let req = signed(&token_signer(&token), Method::GET, &example.url("/api/me"));
        let resp = browser().execute(req).await.unwrap();
        assert_eq!(resp.status(), 200, "port {}", example.port);
    }
    let req = signed(&token_signer(&token), Method::GET, &first.url("/api/me"));
    let ports: Vec<u16> = examples.iter().map(|e| e.port).collect();
    let (ok, replays, other) = race(&req, &ports).await;
    assert_eq!((ok, replays), (1, 99), "other answers: {other:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn one_process_accepts_a_nonce_once() {
    let example = Example::start();
    accepted_once(&[&example]).await;
    example.stop();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_sharing_a_sqlite_file_accept_a_nonce_once() {
    let dir = TempDir::new("two-sqlite");
    let url = shared_sqlite_url(&dir);
    let a = Example::start_with(&[("DATABASE_URL", &url)]);
    let b = Example::start_with(&[("DATABASE_URL", &url)]);
    accepted_once(&[&a, &b]).await;
    a.stop();
    b.stop();
    assert!(Path::new(&dir.path().join("shared.db")).is_file());
}

#[cfg(feature = "postgres")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_sharing_postgres_accept_a_nonce_once() {
    let url = postgres::server().fresh_database().await;
    let a = Example::start_with(&[("DATABASE_URL", &url)]);
    let b = Example::start_with(&[("DATABASE_URL", &url)]);
    accepted_once(&[&a, &b]).await;
    a.stop();
    b.stop();
}

#[cfg(feature = "redis")]
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_processes_sharing_redis_accept_a_nonce_once() {
    let redis = redis_server::RedisServer::start();
    let dir = TempDir::new("two-redis");
    let (db, cache) = (shared_sqlite_url(&dir), redis.url());
    let env = [("DATABASE_URL", db.as_str()), ("REDIS_URL", cache.as_str())];
    let a = Example::start_with(&env);
    let b = Example::start_with(&env);
    accepted_once(&[&a, &b]).await;
    a.stop();
    b.stop();
}

// --- slow clients ----------------------------------------------------------------------------

/// The header-read and body-read timeout the slow-clients test gives the example.
const SLOW_T: Duration = Duration::from_secs(2);
/// The bound: closed, and served, by `SLOW_T + SLOW_MARGIN`.
const SLOW_MARGIN: Duration = Duration::from_secs(2);
const SLOW_CONNECTIONS: usize = 400;
/// The example's `ulimit -n`.
const FD_LIMIT: u64 = 256;

/// Raises this process's soft fd limit to `at_least` if it is lower (within its hard limit).
fn raise_own_fd_limit(at_least: u64) {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current.is_some_and(|soft| soft < at_least) {
        let soft = limit.maximum.map_or(at_least, |hard| hard.min(at_least));
        setrlimit(
            Resource::Nofile,
            Rlimit {
                current: Some(soft),
                maximum: limit.maximum,
            },
        )
        .expect("raise the soft fd limit");
    }
}

/// One slow client on `stream`, opened at `opened`: a head dripped a header line at a time
/// (`in_head`), or a whole head and then a body dripped a byte at a time that never ends. How
/// long after `opened` the server closed the connection; `None` if it was open after `give_up`.
async fn slow_client(
    stream: TcpStream,
    port: u16,
    in_head: bool,
    opened: Instant,
    give_up: Duration,
) -> Option<Duration> {
    let (mut reader, mut writer) = stream.into_split();
    let head = format!("POST /initiate HTTP/1.1\r\nhost: 127.0.0.1:{port}\r\n");
    let mut next = if in_head {
        head
    } else {
        format!(
            "{head}content-type: application/x-www-form-urlencoded\r\n\
             content-length: 1000000\r\n\r\n"
        )
    };
    let drip = tokio::spawn(async move {
        for n in 0u64.. {
            if writer.write_all(next.as_bytes()).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
            next = if in_head {
                format!("x-slow-{n}: 1\r\n")
            } else {
                "a".to_owned()
            };
        }
    });
    let closed = tokio::time::timeout(give_up, async {
        let mut buf = [0u8; 1024];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) | Err(_) => return opened.elapsed(),
                Ok(_) => {}
            }
        }
    })
    .await
    .ok();
    drip.abort();
    closed
}

/// The scenario: the example with 256 file descriptors and a header-read and body-read
/// timeout T of 2 s. 400 slow connections (half dripping a head, half a body that never ends)
/// are all closed by T + 2 s after they opened, and a properly signed request sent after them
/// gets its 200 within T + 2 s (its tries before are answered 503: every slot is held).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_256_fds_slow_clients_are_closed_in_time_and_a_signed_request_is_served() {
    raise_own_fd_limit(4 * SLOW_CONNECTIONS as u64);
    let t = SLOW_T.as_secs().to_string();
    let example = Example::start_after(
        &format!("ulimit -n {FD_LIMIT}"),
        &[("HEADER_READ_TIMEOUT", &t), ("BODY_READ_TIMEOUT", &t)],
    );
    // It runs with the limit (Linux shows it).
    if let Ok(limits) = std::fs::read_to_string(format!("/proc/{}/limits", example.child.id())) {
        let line = limits
            .lines()
            .find(|l| l.starts_with("Max open files"))
            .expect("an fd limit line");
        assert_eq!(
            line.split_whitespace().nth(3),
            Some(FD_LIMIT.to_string().as_str()),
            "{line}"
        );
    }
    let token = token_credentials(&client(&example, "HMAC-SHA1", SignatureType::Header)).await;

    let mut slow = JoinSet::new();
    for i in 0..SLOW_CONNECTIONS {
        let stream = TcpStream::connect(("127.0.0.1", example.port))
            .await
            .expect("open a slow connection");
        let opened = Instant::now();
        let give_up = (SLOW_T + SLOW_MARGIN) * 3;
        slow.spawn(slow_client(
            stream,
            example.port,
            i % 2 == 0,
            opened,
            give_up,
        ));
    }

    // Fresh connections and a fresh nonce each try.
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(0)
        .timeout(SLOW_T + SLOW_MARGIN)
        .build()
        .unwrap();
    let started = Instant::now();
    let mut refused = Vec::new();
    loop {
        let req = signed(&token_signer(&token), Method::GET, &example.url("/api/me"));
        match http.execute(req).await {
            Ok(resp) if resp.status() == 200 => {
                assert_eq!(body_json(resp).await["name"], TEST_USER);
                break;
            }
            Ok(resp) => {
                assert_eq!(resp.status(), 503, "{}", resp.text().await.unwrap());
                refused.push(resp.status().to_string());
            }
            // The limit's 503 may reach a client still sending as a reset.
            Err(err) => refused.push(err.to_string()),
        }
        assert!(
            started.elapsed() <= SLOW_T + SLOW_MARGIN,
            "no 200 within T + 2 s; the tries got {refused:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let served = started.elapsed();
    assert!(served <= SLOW_T + SLOW_MARGIN, "200 after {served:?}");

    let mut late = Vec::new();
    while let Some(closed) = slow.join_next().await {
        match closed.unwrap() {
            Some(after) if after <= SLOW_T + SLOW_MARGIN => {}
            other => late.push(other),
        }
    }
    assert!(
        late.is_empty(),
        "{} of {SLOW_CONNECTIONS} slow connections closed late (or still open: None): {late:?}",
        late.len()
    );
    eprintln!(
        "slow clients: the signed request got its 200 after {served:?} ({} tries refused)",
        refused.len()
    );
    example.stop();
}

// --- requests-oauthlib as the client ---------------------------------------------------------

/// Runs tests/interop/oauth1_client_driver.py `mode` against `example`: its JSON answer.
fn driver(example: &Example, mode: &str, method: &str, placement: &str) -> Value {
    let python = PathBuf::from(ROOT).join(".venv/bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/test, which installs requests-oauthlib into .venv",
        python.display()
    );
    let output = Command::new(&python)
        .arg(format!("{ROOT}/tests/interop/oauth1_client_driver.py"))
        .args([mode, &example.url("")])
        .env_clear()
        .envs(contract_env(example.port, &[]))
        .env("SIGNATURE_METHOD", method)
        .env("SIGNATURE_TYPE", placement)
        .env(
            "RSA_PRIVATE_KEY_FILE",
            format!("{ROOT}/tests/interop/keys/oauth1_rsa_private.pem"),
        )
        .stdin(Stdio::null())
        .output()
        .expect("run the driver");
    assert!(
        output.status.success(),
        "driver {mode} {method} {placement}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the driver's JSON")
}

fn requests_oauthlib_flows(method: &str) {
    let example = Example::accepting(method);
    for placement in ["AUTH_HEADER", "QUERY", "BODY"] {
        let got = driver(&example, "flow", method, placement);
        let status = "Hello Ladies + Gentlemen, a signed OAuth request!";
        assert_eq!(
            got,
            json!({
                "callback_confirmed": "true",
                "redirect": CALLBACK,
                "callback_token_matches": true,
                "verifier": true,
                "token": true,
                "me": [200, "application/json", {"name": TEST_USER, "client_id": CLIENT_KEY}],
                "echo_get": [200, {"method": "GET", "query": [["q", "a b"], ["n", "1"]], "form": [], "user": TEST_USER}],
                "echo_post": [200, {"method": "POST", "query": [], "form": [["status", status]], "user": TEST_USER}],
            }),
            "{method} {placement}"
        );
    }
    let got = driver(&example, "refusals", method, "AUTH_HEADER");
    // RSA-SHA1 signs with the private key alone: the shared secrets play no part.
    let secret_refusal = if method == "RSA-SHA1" {
        json!([200, null])
    } else {
        json!([401, "invalid_signature"])
    };
    assert_eq!(
        got,
        json!({
            "good": [200, null],
            "tampered_signature": [401, "invalid_signature"],
            "wrong_client_secret": secret_refusal,
            "wrong_token_secret": secret_refusal,
            "replay_first": [200, null],
            "replay_second": [401, "invalid_nonce"],
            "unknown_client": [401, "invalid_client"],
            "unsigned": [400, "missing_required_parameter"],
            "old_timestamp": [400, "invalid_request"],
            "wrong_verifier": [400, "invalid_request"],
            "right_verifier_after_wrong": [401, "invalid_token"],
        }),
        "{method} refusals"
    );
    example.stop();
}

#[test]
fn requests_oauthlib_hmac_sha1() {
    requests_oauthlib_flows(METHODS[0]);
}

#[test]
fn requests_oauthlib_hmac_sha256() {
    requests_oauthlib_flows(METHODS[1]);
}

#[test]
fn requests_oauthlib_rsa_sha1() {
    requests_oauthlib_flows(METHODS[2]);
}

#[test]
fn requests_oauthlib_plaintext() {
    requests_oauthlib_flows(METHODS[3]);
}

// --- Flask-OAuthlib and Authlib as clients ---------------------------------------------------

/// A callback with an escape in its query, as Flask's `url_for("authorized", next="/home")`
/// makes one.
const CALLBACK_WITH_ESCAPE: &str = "http://127.0.0.1:9/ready?next=%2Fhome";
/// The example's switch for Flask-OAuthlib, which asks for temporary credentials by GET.
const GET_INITIATE: (&str, &str) = ("OAUTH1_TEMPORARY_CREDENTIALS_METHODS", "GET,POST");
/// The example's opt-in for signatures over `oauth_*` values decoded twice (Authlib's client).
const TWICE_DECODED: (&str, &str) = ("OAUTH1_ACCEPT_TWICE_DECODED_OAUTH_VALUES", "1");

/// Runs `tests/interop/<script>` with the Python of `venv` (installed by scripts/test) against
/// `example`, with the env contract plus `env` (later entries win).
fn run_python(
    venv: &str,
    script: &str,
    args: &[&str],
    example: &Example,
    env: &[(&str, &str)],
) -> Output {
    let python = PathBuf::from(ROOT).join(venv).join("bin/python");
    assert!(
        python.is_file(),
        "{} is missing: run scripts/test, which installs it",
        python.display()
    );
    Command::new(&python)
        .arg(format!("{ROOT}/tests/interop/{script}"))
        .args(args)
        .arg(example.url(""))
        .env_clear()
        .envs(contract_env(example.port, env))
        .env(
            "RSA_PRIVATE_KEY_FILE",
            format!("{ROOT}/tests/interop/keys/oauth1_rsa_private.pem"),
        )
        .stdin(Stdio::null())
        .output()
        .expect("run the driver")
}

/// [`run_python`], which must succeed: its JSON answer.
fn python_json(
    venv: &str,
    script: &str,
    args: &[&str],
    example: &Example,
    env: &[(&str, &str)],
) -> Value {
    let output = run_python(venv, script, args, example, env);
    assert!(
        output.status.success(),
        "{script} {env:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("the driver's JSON")
}

/// The registered client's secret for `method`: RSA-SHA1 runs against a client registered with
/// its public key and no secret, so only an RSA-SHA1 signature can pass.
fn secret_for(method: &str) -> &'static str {
    if method == "RSA-SHA1" {
        ""
    } else {
        CLIENT_SECRET
    }
}

/// Flask-OAuthlib 0.9.6's own client (tests/interop/flask_oauthlib_client_driver.py, unmodified
/// `OAuth().remote_app`): by default its GET for temporary credentials gets 405
/// (`method_not_allowed`) and the flow stops; with `OAUTH1_TEMPORARY_CREDENTIALS_METHODS=GET,POST`
/// the whole flow runs, its callback's `next=%2Fhome` comes back intact, and the protected API
/// answers its `get` and `post`.
fn flask_oauthlib_flow(method: &str) {
    const VENV: &str = ".venv-flask-oauthlib";
    const SCRIPT: &str = "flask_oauthlib_client_driver.py";
    let secret = secret_for(method);
    let env = [("SIGNATURE_METHOD", method), ("CLIENT_SECRET", secret)];

    let post_only = Example::start_with(&[("CLIENT_SECRET", secret)]);
    let got = python_json(VENV, SCRIPT, &[], &post_only, &env);
    assert_eq!(
        got["login_refused"]["type"], "token_generation_failed",
        "{got}"
    );
    assert_eq!(
        got["login_refused"]["data"]["error"], "method_not_allowed",
        "{got}"
    );
    post_only.stop();

    let example = Example::start_with(&[GET_INITIATE, ("CLIENT_SECRET", secret)]);
    let got = python_json(VENV, SCRIPT, &[], &example, &env);
    let status = "Hello Ladies + Gentlemen, a signed OAuth request!";
    assert_eq!(
        got,
        json!({
            "next": "/home",
            "callback": "http://localhost/authorized?next=%2Fhome",
            "token_keys": ["oauth_token", "oauth_token_secret"],
            "me": [200, {"name": TEST_USER, "client_id": CLIENT_KEY}],
            "echo_get": [200, {"method": "GET", "query": [["q", "a b"], ["n", "1"]], "form": [], "user": TEST_USER}],
            "echo_post": [200, {"method": "POST", "query": [], "form": [["status", status]], "user": TEST_USER}],
        }),
        "{method}"
    );
    example.stop();
}

#[test]
fn flask_oauthlib_hmac_sha1() {
    flask_oauthlib_flow("HMAC-SHA1");
}

#[test]
fn flask_oauthlib_rsa_sha1() {
    flask_oauthlib_flow("RSA-SHA1");
}

/// Authlib 1.9.9's client (tests/interop/authlib_client_driver.py) with the callback
/// `…?next=%2Fhome`: it signs `oauth_*` values decoded twice, in every placement, so by default
/// its first request is refused (`invalid_signature`); with the opt-in the whole flow runs, the
/// provider redirects to the callback exactly as sent, and a replayed or an hour-old request
/// is still refused.
fn authlib_flows(method: &str) {
    const VENV: &str = ".venv";
    const SCRIPT: &str = "authlib_client_driver.py";
    let secret = secret_for(method);
    let env = [
        ("SIGNATURE_METHOD", method),
        ("CLIENT_SECRET", secret),
        ("CALLBACK", CALLBACK_WITH_ESCAPE),
    ];

    let rfc_only = Example::start_with(&[("CLIENT_SECRET", secret)]);
    let got = python_json(VENV, SCRIPT, &[], &rfc_only, &env);
    let refused = json!({"refused": [401, "invalid_signature"]});
    assert_eq!(
        got,
        json!({
            "HEADER": refused,
            "QUERY": refused,
            "BODY": refused,
            "replay": [[401, "invalid_signature"], [401, "invalid_signature"]],
            "old_timestamp": [400, "invalid_request"],
        }),
        "{method}, RFC 5849 decoding only"
    );
    rfc_only.stop();

    let opt_in = Example::start_with(&[TWICE_DECODED, ("CLIENT_SECRET", secret)]);
    let got = python_json(VENV, SCRIPT, &[], &opt_in, &env);
    let flow = json!({
        "redirect": CALLBACK_WITH_ESCAPE,
        "callback_token_matches": true,
        "verifier": true,
        "token": true,
        "me": [200, {"name": TEST_USER, "client_id": CLIENT_KEY}],
    });
    assert_eq!(
        got,
        json!({
            "HEADER": flow,
            "QUERY": flow,
            "BODY": flow,
            "replay": [[200, null], [401, "invalid_nonce"]],
            "old_timestamp": [400, "invalid_request"],
        }),
        "{method}, twice-decoded values accepted"
    );
    opt_in.stop();
}

#[test]
fn authlib_hmac_sha1_callback_with_an_escape() {
    authlib_flows("HMAC-SHA1");
}

#[test]
fn authlib_rsa_sha1_callback_with_an_escape() {
    authlib_flows("RSA-SHA1");
}

/// With the opt-in on, RFC-correct signatures still verify (they are checked first): our
/// client in every method and placement with the escaped callback, and requests-oauthlib's
/// header placement; and requests-oauthlib's refusals (tampered signature, wrong secrets,
/// replay, old timestamp, wrong verifier) are exactly those of the default provider.
#[tokio::test]
async fn rfc_clients_keep_working_with_twice_decoded_values_accepted() {
    let example = Example::start_with(&[TWICE_DECODED, WITH_PLAINTEXT]);
    for method in METHODS {
        for placement in [
            SignatureType::Header,
            SignatureType::Query,
            SignatureType::Body,
        ] {
            let client = client(&example, method, placement);
            let request_token = client
                .fetch_request_token(Some(CALLBACK_WITH_ESCAPE), &[])
                .await
                .unwrap();
            let callback = visit_as_user(&client, &request_token).await;
            assert!(
                callback
                    .as_str()
                    .starts_with(&format!("{CALLBACK_WITH_ESCAPE}&oauth_token=")),
                "{method} {placement:?}: {callback}"
            );
            let verifier = query_value(&callback, "oauth_verifier").expect("a verifier");
            client
                .fetch_access_token(&request_token, &verifier, &[])
                .await
                .unwrap();
            let resp = client.get("me").send().await.unwrap();
            assert_eq!(resp.status, 200, "{method} {placement:?}: {}", resp.text());
        }
    }
    let env = [
        ("SIGNATURE_METHOD", "HMAC-SHA1"),
        ("SIGNATURE_TYPE", "AUTH_HEADER"),
        ("CALLBACK_URL", CALLBACK_WITH_ESCAPE),
    ];
    let got = python_json(
        ".venv",
        "oauth1_client_driver.py",
        &["flow"],
        &example,
        &env,
    );
    assert_eq!(got["callback_token_matches"], true, "{got}");
    assert_eq!(got["me"][0], 200, "{got}");
    let got = driver(&example, "refusals", "HMAC-SHA1", "AUTH_HEADER");
    assert_eq!(
        got,
        json!({
            "good": [200, null],
            "tampered_signature": [401, "invalid_signature"],
            "wrong_client_secret": [401, "invalid_signature"],
            "wrong_token_secret": [401, "invalid_signature"],
            "replay_first": [200, null],
            "replay_second": [401, "invalid_nonce"],
            "unknown_client": [401, "invalid_client"],
            "unsigned": [400, "missing_required_parameter"],
            "old_timestamp": [400, "invalid_request"],
            "wrong_verifier": [400, "invalid_request"],
            "right_verifier_after_wrong": [401, "invalid_token"],
        })
    );
    example.stop();
}

/// requests-oauthlib (oauthlib) decodes `oauth_*` values twice too, but only in the query and
/// body placements (its header parser leaves them encoded): with the escaped callback its
/// header placement works by default and the other two need the opt-in.
#[test]
fn requests_oauthlib_query_and_body_callback_with_an_escape() {
    let flow = |example: &Example, placement: &str| {
        let env = [
            ("SIGNATURE_METHOD", "HMAC-SHA1"),
            ("SIGNATURE_TYPE", placement),
            ("CALLBACK_URL", CALLBACK_WITH_ESCAPE),
        ];
        run_python(".venv", "oauth1_client_driver.py", &["flow"], example, &env)
    };
    let rfc_only = Example::start();
    assert!(flow(&rfc_only, "AUTH_HEADER").status.success());
    for placement in ["QUERY", "BODY"] {
        let output = flow(&rfc_only, placement);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "{placement}");
        assert!(
            stderr.contains("invalid_signature"),
            "{placement}: {stderr}"
        );
    }
    rfc_only.stop();
    let opt_in = Example::start_with(&[TWICE_DECODED]);
    for placement in ["AUTH_HEADER", "QUERY", "BODY"] {
        let output = flow(&opt_in, placement);
        assert!(
            output.status.success(),
            "{placement}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let got: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(got["me"][0], 200, "{placement}: {got}");
    }
    opt_in.stop();
}
