//! Body limits of protected routes, over real HTTP on 127.0.0.1: a body over the limit gets the
//! provider's 413 (JSON, with the headers of its other refusals), never axum's plain text,
//! whether the route is protected by the `require_oauth` layer or by the `OAuth1Credential`
//! extractor alone, and whoever reads the body; a form with too many parameters is refused as
//! it arrives.
#![cfg(feature = "axum")]

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::routing::post;
use http::{Method, header};
use oauth_compat::integrations::axum::{DEFAULT_BODY_LIMIT, OAuth1Credential, require_oauth};
use oauth_compat::oauth1::{ClientCredentials, Signer, TokenCredentials};
use oauth_compat::server::{Client, TokenCredential};
use oauth_compat::server::{ResourceProtector, ServerConfig};
use oauth_compat::store::MemoryStore;
use oauth_compat::{ClientSecret, TokenSecret};
use serde_json::Value;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

const CLIENT_ID: &str = "printer";
const CLIENT_SECRET: &str = "kd94hf93k423kf44";
const TOKEN: &str = "nnch734d00sl2jdk";
const TOKEN_SECRET: &str = "pfkkdhi9sl3r4s00";
const SMALL_LIMIT: usize = 1024;
const BIG_LIMIT: usize = 3 * 1024 * 1024;
const MAX_PARAMETERS: usize = 50;

async fn echo(credential: OAuth1Credential, body: Bytes) -> String {
    format!("{} {}", credential.user_id(), body.len())
}

/// The provider on a free port: `/layer` behind the default layer, `/small` and `/big` behind
/// layers with other limits, `/bare` protected by the extractor alone.
async fn serve() -> u16 {
    let store = Arc::new(MemoryStore::new());
    store.add_client(Client {
        client_id: CLIENT_ID.into(),
        client_secret: ClientSecret::new(CLIENT_SECRET),
        rsa_public_key: None,
        default_redirect_uri: None,
    });
    store.add_token(TokenCredential {
        client_id: CLIENT_ID.into(),
        oauth_token: TOKEN.into(),
        oauth_token_secret: TokenSecret::new(TOKEN_SECRET),
        user_id: "jane".into(),
    });
    let config = ServerConfig::default()
        .max_parameters(MAX_PARAMETERS)
        .unwrap();
    let protector = ResourceProtector::from_store(store, config);
    let behind = |layer| Router::new().route("/echo", post(echo)).route_layer(layer);
    let app = Router::new()
        .nest("/layer", behind(require_oauth(protector.clone())))
        .nest(
            "/small",
            behind(require_oauth(protector.clone()).body_limit(SMALL_LIMIT)),
        )
        .nest(
            "/big",
            behind(require_oauth(protector.clone()).body_limit(BIG_LIMIT)),
        )
        .nest("/bare", Router::new().route("/echo", post(echo)))
        .with_state(protector);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

/// How the body goes out.
enum Send {
    /// `Content-Length` of this many bytes, with `Expect: 100-continue`: the body (zeros) is
    /// sent only if the server asks for it, so one refused on its length is never sent.
    Declared(usize),
    /// Chunked, all of it at once (no length for the server to judge by).
    Chunked(Vec<u8>),
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The provider's refusal: its status, JSON with its headers, the error code.
    fn assert_refusal(&self, status: u16, description: &str) {
        assert_eq!(self.status, status, "{}", self.body);
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert_eq!(self.header("cache-control"), Some("no-store"));
        assert_eq!(self.header("pragma"), Some("no-cache"));
        let json: Value = serde_json::from_str(&self.body).unwrap();
        assert_eq!(json["error"], "invalid_request");
        let text = json["error_description"].as_str().unwrap();
        assert!(text.contains(description), "{text}");
    }
}

/// A POST to `path`, signed with the token credentials unless `signed` is false, its body
/// (not signed: it is not a form) sent as `send` says.
async fn post_to(port: u16, path: &str, content_type: &str, signed: bool, send: Send) -> Answer {
    let mut req = http::Request::builder()
        .method(Method::POST)
        .uri(format!("http://127.0.0.1:{port}{path}"))
        .body(Vec::new())
        .unwrap();
    if signed {
        Signer::builder(ClientCredentials::new(CLIENT_ID, CLIENT_SECRET))
            .token(TokenCredentials::new(TOKEN, TOKEN_SECRET))
            .build()
            .unwrap()
            .sign_request(&mut req)
            .unwrap();
    }
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: {content_type}\r\nConnection: close\r\n"
    );
    if let Some(auth) = req.headers().get(header::AUTHORIZATION) {
        head.push_str(&format!("Authorization: {}\r\n", auth.to_str().unwrap()));
    }
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    match send {
        Send::Declared(length) => {
            head.push_str(&format!(
                "Content-Length: {length}\r\nExpect: 100-continue\r\n\r\n"
            ));
            stream.write_all(head.as_bytes()).await.unwrap();
            let answer = read_answer(&mut stream).await;
            if answer.status != 100 {
                return answer;
            }
            stream.write_all(&vec![b'0'; length]).await.unwrap();
            read_answer(&mut stream).await
        }
        Send::Chunked(body) => {
            head.push_str("Transfer-Encoding: chunked\r\n\r\n");
            let mut out = head.into_bytes();
            for chunk in body.chunks(256) {
                out.extend_from_slice(format!("{:x}\r\n", chunk.len()).as_bytes());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0\r\n\r\n");
            // The server may answer before reading it all: what it answered still counts.
            let _ = stream.write_all(&out).await;
            read_answer(&mut stream).await
        }
    }
}

/// One response: a `100 Continue` as it comes, a final one read to the end of its body.
async fn read_answer(stream: &mut TcpStream) -> Answer {
    let mut buf = Vec::new();
    let head_end = loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the connection closed before an answer: {buf:?}");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(n, v)| (n.to_owned(), v.to_owned()))
        .collect();
    let mut body = buf[head_end..].to_vec();
    if status != 100 {
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .map(|(_, v)| v.parse().unwrap())
            .expect("a content-length");
        while body.len() < length {
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the connection closed mid-answer");
            body.extend_from_slice(&chunk[..n]);
        }
    }
    Answer {
        status,
        headers,
        body: String::from_utf8(body).unwrap(),
    }
}

#[tokio::test]
async fn a_body_declared_over_the_limit_gets_the_providers_413_from_layer_and_extractor() {
    let port = serve().await;
    let limit = DEFAULT_BODY_LIMIT.to_string();
    for path in ["/layer/echo", "/bare/echo"] {
        for signed in [true, false] {
            let answer = post_to(
                port,
                path,
                "application/json",
                signed,
                Send::Declared(DEFAULT_BODY_LIMIT + 1),
            )
            .await;
            answer.assert_refusal(413, &limit);
        }
        // At the limit: read by the handler.
        let answer = post_to(
            port,
            path,
            "application/json",
            true,
            Send::Declared(DEFAULT_BODY_LIMIT),
        )
        .await;
        assert_eq!(
            (answer.status, answer.body.as_str()),
            (200, format!("jane {DEFAULT_BODY_LIMIT}").as_str())
        );
    }
}

#[tokio::test]
async fn a_body_the_handler_reads_past_the_layers_limit_gets_the_providers_413() {
    let port = serve().await;
    // Chunked: nothing to judge by before the handler reads it.
    let answer = post_to(
        port,
        "/small/echo",
        "application/json",
        true,
        Send::Chunked(vec![b'x'; 3 * SMALL_LIMIT]),
    )
    .await;
    answer.assert_refusal(413, &SMALL_LIMIT.to_string());
    let answer = post_to(
        port,
        "/small/echo",
        "application/json",
        true,
        Send::Chunked(vec![b'x'; SMALL_LIMIT]),
    )
    .await;
    assert_eq!((answer.status, answer.body.as_str()), (200, "jane 1024"));

    // A form read by the layer past the limit: the same answer.
    let answer = post_to(
        port,
        "/small/echo",
        "application/x-www-form-urlencoded",
        true,
        Send::Chunked(vec![b'x'; 3 * SMALL_LIMIT]),
    )
    .await;
    answer.assert_refusal(413, &SMALL_LIMIT.to_string());
}

#[tokio::test]
async fn the_layers_limit_is_the_handlers_limit() {
    // Past axum's own 2 MiB default, which the handler's `Bytes` would refuse in plain text.
    let port = serve().await;
    let length = DEFAULT_BODY_LIMIT + 1024;
    let answer = post_to(
        port,
        "/big/echo",
        "application/octet-stream",
        true,
        Send::Declared(length),
    )
    .await;
    assert_eq!(
        (answer.status, answer.body.as_str()),
        (200, format!("jane {length}").as_str())
    );
}

#[tokio::test]
async fn a_form_of_too_many_parameters_is_refused() {
    let port = serve().await;
    let flood = "a&".repeat(MAX_PARAMETERS + 1).into_bytes();
    for signed in [true, false] {
        let answer = post_to(
            port,
            "/layer/echo",
            "application/x-www-form-urlencoded",
            signed,
            Send::Chunked(flood.clone()),
        )
        .await;
        answer.assert_refusal(400, &format!("at most {MAX_PARAMETERS}"));
    }
}
