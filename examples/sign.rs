//! A signing debugger: signs one OAuth 1 request and prints every intermediate piece
//! (normalized parameters, signature base string, signature, and the Authorization header or
//! the signed URL / body), so they can be compared with what a provider says it expected.
//!
//! ```sh
//! cargo run --example sign                 # RFC 5849 §1.2's protected resource request
//! OAUTH_CONSUMER_KEY=... OAUTH_CONSUMER_SECRET=... \
//!   cargo run --example sign -- POST 'https://api.example.com/r?x=1' 'status=Hello%20there'
//! cargo run --example sign -- --help       # every variable
//! ```
//!
//! Each printed piece comes from the library's own public functions, so what you see is what
//! the library signs.

use std::error::Error;
use std::fmt;
use std::io::{self, Write};
use std::process::ExitCode;

use http::{HeaderMap, HeaderValue, Method, Uri, header};
use oauth_compat::oauth1::normalize_parameters;
use oauth_compat::oauth1::{
    ClientCredentials, RsaPrivateKey, SignatureMethods, SignatureType, Signer, TokenCredentials,
    parse_authorization_header,
};
use oauth_compat::oauth1::{
    FORM_CONTENT_TYPE, body_parameters, collect_parameters, query_parameters,
};
use oauth_compat::oauth1::{base_string_uri, signature_base_string};
use oauth_compat::{EnvSource, ProcessEnv};

const USAGE: &str = "\
usage: sign [METHOD URL [FORM_BODY]]
       sign --help

Signs one OAuth 1.0 request (RFC 5849) and prints the normalized parameters, the signature
base string, the signature, and the Authorization header (or the signed URL or body).

With no arguments it signs RFC 5849 section 1.2's protected resource request
(GET http://photos.example.net/photos?file=vacation.jpg&size=original, HMAC-SHA1, realm
\"Photos\", nonce \"chapoH\", timestamp 137131202, no oauth_version); variables that are set
override its values.

Arguments:
  METHOD      HTTP method (GET, POST, ...)
  URL         absolute http:// or https:// URL, query percent-encoded as sent
  FORM_BODY   application/x-www-form-urlencoded body, encoded as sent (optional)

Environment variables:
  OAUTH_CONSUMER_KEY       client key (required when arguments are given)
  OAUTH_CONSUMER_SECRET    client secret (default: empty)
  OAUTH_TOKEN              token (default: none, no oauth_token is sent)
  OAUTH_TOKEN_SECRET       token secret (needs OAUTH_TOKEN)
  OAUTH_SIGNATURE_METHOD   HMAC-SHA1 (default), HMAC-SHA256, RSA-SHA1 or PLAINTEXT
  OAUTH_SIGNATURE_TYPE     where the oauth_* parameters go: header (default), query or body
  OAUTH_REALM              realm of the Authorization header (default: none)
  OAUTH_NONCE              oauth_nonce (default: a fresh random one)
  OAUTH_TIMESTAMP          oauth_timestamp, seconds since 1970 (default: now)
  OAUTH_VERSION            1.0 (default), or none to omit oauth_version
  OAUTH_CALLBACK           oauth_callback (temporary-credentials request)
  OAUTH_VERIFIER           oauth_verifier (token request)
  OAUTH_RSA_KEY_FILE       PEM private key file (PKCS#1 or PKCS#8), for RSA-SHA1
";

/// A mistake in the arguments or variables, naming the one to fix.
#[derive(Debug)]
struct InputError(String);

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for InputError {}

fn input_error(message: impl Into<String>) -> Box<dyn Error> {
    Box::new(InputError(message.into()))
}

/// The request to sign and the values every variable defaults to.
struct Defaults {
    method: &'static str,
    url: &'static str,
    consumer_key: Option<&'static str>,
    consumer_secret: &'static str,
    token: Option<(&'static str, &'static str)>,
    realm: Option<&'static str>,
    nonce_and_timestamp: Option<(&'static str, &'static str)>,
    version: &'static str,
}

/// RFC 5849 §1.2, the protected resource request.
const RFC_5849_1_2: Defaults = Defaults {
    method: "GET",
    url: "http://photos.example.net/photos?file=vacation.jpg&size=original",
    consumer_key: Some("dpf43f3p2l4k3l03"),
    consumer_secret: "kd94hf93k423kf44",
    token: Some(("nnch734d00sl2jdk", "pfkkdhi9sl3r4s00")),
    realm: Some("Photos"),
    nonce_and_timestamp: Some(("chapoH", "137131202")),
    version: "none",
};

const NO_DEFAULTS: Defaults = Defaults {
    method: "",
    url: "",
    consumer_key: None,
    consumer_secret: "",
    token: None,
    realm: None,
    nonce_and_timestamp: None,
    version: "1.0",
};

/// Signs the request described by `args` and `env` and writes every piece to `out`.
fn run(args: &[String], env: &dyn EnvSource, out: &mut impl Write) -> Result<(), Box<dyn Error>> {
    if args.iter().any(|a| a == "--help" || a == "-h") {
        out.write_all(USAGE.as_bytes())?;
        return Ok(());
    }
    let (defaults, method, url, body) = match args {
        [] => (&RFC_5849_1_2, RFC_5849_1_2.method, RFC_5849_1_2.url, None),
        [_] => {
            return Err(input_error(
                "URL is missing: usage: sign METHOD URL [FORM_BODY]",
            ));
        }
        [method, url] => (&NO_DEFAULTS, method.as_str(), url.as_str(), None),
        [method, url, body] => (
            &NO_DEFAULTS,
            method.as_str(),
            url.as_str(),
            Some(body.as_str()),
        ),
        [_, _, _, extra, ..] => {
            return Err(input_error(format!(
                "unexpected argument `{extra}`: usage: sign METHOD URL [FORM_BODY] (quote a body that holds spaces or `&`)"
            )));
        }
    };
    let var = |name: &str| env.var(name);

    let method = parse_method(method)?;
    let mut uri = parse_url(url)?;

    let consumer_key = var("OAUTH_CONSUMER_KEY")
        .or(defaults.consumer_key.map(str::to_owned))
        .ok_or_else(|| {
            input_error(
                "OAUTH_CONSUMER_KEY is not set: it is required when METHOD and URL are given",
            )
        })?;
    let consumer_secret =
        var("OAUTH_CONSUMER_SECRET").unwrap_or_else(|| defaults.consumer_secret.to_owned());
    let token = match (var("OAUTH_TOKEN"), var("OAUTH_TOKEN_SECRET")) {
        (Some(token), secret) => Some((token, secret.unwrap_or_default())),
        (None, Some(_)) => {
            return Err(input_error(
                "OAUTH_TOKEN_SECRET is set but OAUTH_TOKEN is not: set both, or neither",
            ));
        }
        (None, None) => defaults.token.map(|(t, s)| (t.to_owned(), s.to_owned())),
    };

    let methods = SignatureMethods::new();
    let signature_method = var("OAUTH_SIGNATURE_METHOD").unwrap_or_else(|| "HMAC-SHA1".to_owned());
    if !methods.contains(&signature_method) {
        return Err(input_error(format!(
            "OAUTH_SIGNATURE_METHOD `{signature_method}` is unknown: use HMAC-SHA1, HMAC-SHA256, RSA-SHA1 or PLAINTEXT"
        )));
    }
    let signature_type = match var("OAUTH_SIGNATURE_TYPE")
        .map(|t| t.to_ascii_lowercase())
        .as_deref()
    {
        None | Some("header") => SignatureType::Header,
        Some("query") => SignatureType::Query,
        Some("body") => SignatureType::Body,
        Some(other) => {
            return Err(input_error(format!(
                "OAUTH_SIGNATURE_TYPE `{other}` is unknown: use header, query or body"
            )));
        }
    };
    let send_version = match var("OAUTH_VERSION")
        .unwrap_or_else(|| defaults.version.to_owned())
        .as_str()
    {
        "1.0" => true,
        "none" | "" => false,
        other => {
            return Err(input_error(format!(
                "OAUTH_VERSION `{other}` is not supported: use 1.0, or none to omit oauth_version"
            )));
        }
    };
    let (nonce, timestamp) = nonce_and_timestamp(env, defaults)?;

    let mut builder = Signer::builder(ClientCredentials::new(consumer_key, consumer_secret))
        .signature_method(signature_method.clone())
        .signature_type(signature_type)
        .version(send_version)
        .with_nonce_and_timestamp(nonce, timestamp);
    if let Some((token, secret)) = token {
        builder = builder.token(TokenCredentials::new(token, secret));
    }
    if let Some(realm) = var("OAUTH_REALM").or(defaults.realm.map(str::to_owned)) {
        builder = builder.realm(realm);
    }
    if let Some(callback) = var("OAUTH_CALLBACK") {
        builder = builder.callback(callback);
    }
    if let Some(verifier) = var("OAUTH_VERIFIER") {
        builder = builder.verifier(verifier);
    }
    if let Some(path) = var("OAUTH_RSA_KEY_FILE") {
        let pem = std::fs::read_to_string(&path)
            .map_err(|e| input_error(format!("OAUTH_RSA_KEY_FILE `{path}` cannot be read: {e}")))?;
        let key = RsaPrivateKey::from_pem(&pem)
            .map_err(|e| input_error(format!("OAUTH_RSA_KEY_FILE `{path}`: {e}")))?;
        builder = builder.rsa_private_key(key);
    } else if signature_method == "RSA-SHA1" {
        return Err(input_error(
            "OAUTH_RSA_KEY_FILE is not set: RSA-SHA1 needs a PEM private key file",
        ));
    }
    let signer = builder
        .build()
        .map_err(|e| input_error(format!("OAUTH_SIGNATURE_METHOD: {e}")))?;

    let mut headers = HeaderMap::new();
    let mut body = body.map(|b| b.as_bytes().to_vec()).unwrap_or_default();
    if !body.is_empty() || signature_type == SignatureType::Body {
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(FORM_CONTENT_TYPE),
        );
    }
    // Check the inputs parse before signing, to name the argument at fault.
    query_parameters(&uri).map_err(|e| input_error(format!("URL: {e}")))?;
    body_parameters(&headers, &body).map_err(|e| input_error(format!("FORM_BODY: {e}")))?;
    let shown_request = format!("{method} {uri}");

    signer.sign_parts(&method, &mut uri, &mut headers, &mut body)?;

    // Everything below reads the signed request back, the way a provider would.
    let params = collect_parameters(&uri, &headers, &body)?;
    let normalized = normalize_parameters(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let base_string = signature_base_string(method.as_str(), &base_string_uri(&uri)?, &normalized);
    let signature = sent_signature(signature_type, &uri, &headers, &body)?;

    writeln!(out, "request:\n  {shown_request}")?;
    writeln!(
        out,
        "signature method:\n  {signature_method} (parameters in the {})",
        match signature_type {
            SignatureType::Header => "Authorization header",
            SignatureType::Query => "URL query",
            SignatureType::Body => "form body",
        }
    )?;
    writeln!(out, "normalized parameters:\n  {normalized}")?;
    if signature_method == "PLAINTEXT" {
        writeln!(
            out,
            "signature base string (PLAINTEXT does not sign it):\n  {base_string}"
        )?;
    } else {
        writeln!(out, "signature base string:\n  {base_string}")?;
    }
    writeln!(out, "signature:\n  {signature}")?;
    match signature_type {
        SignatureType::Header => {
            let value = headers
                .get(header::AUTHORIZATION)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
                .unwrap_or_default();
            writeln!(out, "Authorization header:\n  Authorization: {value}")?;
        }
        SignatureType::Query => writeln!(out, "signed URL:\n  {uri}")?,
        SignatureType::Body => writeln!(
            out,
            "signed body (Content-Type: {FORM_CONTENT_TYPE}):\n  {}",
            String::from_utf8_lossy(&body)
        )?,
    }
    Ok(())
}

fn parse_method(method: &str) -> Result<Method, Box<dyn Error>> {
    let upper = method.to_ascii_uppercase();
    if upper.is_empty() || !upper.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(input_error(format!(
            "METHOD `{method}` is not an HTTP method name such as GET or POST: usage: sign METHOD URL [FORM_BODY]"
        )));
    }
    Ok(Method::from_bytes(upper.as_bytes())?)
}

fn parse_url(url: &str) -> Result<Uri, Box<dyn Error>> {
    let uri: Uri = url
        .parse()
        .map_err(|e| input_error(format!("URL `{url}` is not a valid URL: {e}")))?;
    match uri.scheme_str() {
        Some("http" | "https") if uri.host().is_some() => Ok(uri),
        _ => Err(input_error(format!(
            "URL `{url}` must be absolute, with an http or https scheme and a host"
        ))),
    }
}

/// The nonce and timestamp from the variables (or the defaults), fresh ones otherwise.
fn nonce_and_timestamp(
    env: &dyn EnvSource,
    defaults: &Defaults,
) -> Result<(String, u64), Box<dyn Error>> {
    let (default_nonce, default_timestamp) = defaults.nonce_and_timestamp.unzip();
    let nonce = env.var("OAUTH_NONCE").or(default_nonce.map(str::to_owned));
    let timestamp = match env
        .var("OAUTH_TIMESTAMP")
        .or(default_timestamp.map(str::to_owned))
    {
        Some(t) => Some(t.parse::<u64>().map_err(|_| {
            input_error(format!(
                "OAUTH_TIMESTAMP `{t}` is not a whole number of seconds since 1970"
            ))
        })?),
        None => None,
    };
    if let (Some(nonce), Some(timestamp)) = (&nonce, timestamp) {
        return Ok((nonce.clone(), timestamp));
    }
    // Fresh values come from the library's own generator (OS CSPRNG nonce, system clock), read
    // off a throwaway signer, so that the one signature printed uses values we can show.
    let fresh = Signer::builder(ClientCredentials::new("", ""))
        .build()?
        .protocol_parameters(&Method::GET, &Uri::from_static("http://localhost/"), &[])?;
    let get = |name: &str| {
        fresh
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    Ok((
        nonce.unwrap_or_else(|| get("oauth_nonce")),
        match timestamp {
            Some(t) => t,
            None => get("oauth_timestamp").parse()?,
        },
    ))
}

/// The `oauth_signature` as sent, read from where the signer put it.
fn sent_signature(
    signature_type: SignatureType,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<String, Box<dyn Error>> {
    let params = match signature_type {
        SignatureType::Header => headers
            .get(header::AUTHORIZATION)
            .map(|v| parse_authorization_header(v.as_bytes()))
            .transpose()?
            .flatten()
            .map(|h| h.params)
            .unwrap_or_default(),
        SignatureType::Query => query_parameters(uri)?,
        SignatureType::Body => body_parameters(headers, body)?,
    };
    params
        .into_iter()
        .find(|(n, _)| n == "oauth_signature")
        .map(|(_, v)| v)
        .ok_or_else(|| "the signed request carries no oauth_signature".into())
}

fn main() -> ExitCode {
    let mut args = Vec::new();
    for arg in std::env::args_os().skip(1) {
        match arg.into_string() {
            Ok(arg) => args.push(arg),
            Err(arg) => {
                eprintln!("sign: argument {arg:?} is not valid UTF-8");
                return ExitCode::FAILURE;
            }
        }
    }
    let stdout = io::stdout();
    match run(&args, &ProcessEnv, &mut stdout.lock()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("sign: {e}");
            eprintln!("(`cargo run --example sign -- --help` lists the arguments and variables)");
            ExitCode::FAILURE
        }
    }
}
