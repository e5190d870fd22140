//! Signing the Twitter example request (vector `twitter_creating_a_signature_hmac_sha1`):
//! the HMAC-SHA1 floor, oauth-compat, and the `oauth1-request` crate; then our verification.
//!
//! `cargo bench --bench sign -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::num::NonZeroU64;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use criterion::{Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use http::{HeaderMap, HeaderValue, Method, Uri, header};
use oauth_compat::oauth1::{
    ClientCredentials, KeyMaterial, SignatureMethods, SignedRequest, Signer, TokenCredentials,
    parse_authorization_header,
};
use oauth_compat::{ClientSecret, TokenSecret};
use sha1::Sha1;

const CONSUMER_KEY: &str = "xvz1evFS4wEEPTGEFPHBog";
const CONSUMER_SECRET: &str = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw";
const TOKEN: &str = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb";
const TOKEN_SECRET: &str = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";
const NONCE: &str = "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg";
const TIMESTAMP: u64 = 1318622958;
const URI: &str = "https://api.twitter.com/1.1/statuses/update.json?include_entities=true";
const STATUS: &str = "Hello Ladies + Gentlemen, a signed OAuth request!";
const BASE_STRING: &str = "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521";
const SIGNING_KEY: &str =
    "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw&LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE";

fn floor() -> String {
    let mut mac =
        <Hmac<Sha1> as KeyInit>::new_from_slice(SIGNING_KEY.as_bytes()).expect("any key length");
    mac.update(BASE_STRING.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

fn ours() -> Signer {
    Signer::builder(ClientCredentials::new(CONSUMER_KEY, CONSUMER_SECRET))
        .token(TokenCredentials::new(TOKEN, TOKEN_SECRET))
        .with_nonce_and_timestamp(NONCE, TIMESTAMP)
        .build()
        .expect("HMAC-SHA1 signer")
}

fn theirs() -> String {
    let mut builder = oauth1_request::Builder::new(
        oauth1_request::Credentials::new(CONSUMER_KEY, CONSUMER_SECRET),
        oauth1_request::HMAC_SHA1,
    );
    builder
        .token(oauth1_request::Credentials::new(TOKEN, TOKEN_SECRET))
        .nonce(NONCE)
        .timestamp(NonZeroU64::new(TIMESTAMP))
        .version(true);
    let request =
        oauth1_request::ParameterList::new([("include_entities", "true"), ("status", STATUS)]);
    builder.post(
        black_box("https://api.twitter.com/1.1/statuses/update.json"),
        black_box(&request),
    )
}

fn bench(c: &mut Criterion) {
    let signer = ours();
    let uri: Uri = URI.parse().expect("URI");
    let form = [("status", STATUS)];
    let our_header = signer
        .authorization_header(&Method::POST, &uri, &form)
        .expect("signs");

    // The three ids must measure the same work: same header content, published signature.
    let params = |h: &str| {
        let mut p = parse_authorization_header(h.as_bytes())
            .expect("parses")
            .expect("OAuth")
            .params;
        p.sort();
        p
    };
    assert_eq!(params(&our_header), params(&theirs()));
    assert_eq!(floor(), "hCtSmYh+iHYCEqBWrE7C7hYmtUk=");
    assert!(our_header.contains("oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\""));

    let mut group = c.benchmark_group("sign");
    group.bench_function("raw_hmac_sha1_floor", |b| b.iter(floor));
    group.bench_function("oauth_compat", |b| {
        b.iter(|| {
            signer.authorization_header(black_box(&Method::POST), black_box(&uri), black_box(&form))
        })
    });
    group.bench_function("oauth1_request", |b| b.iter(theirs));
    group.finish();

    let mut headers = HeaderMap::new();
    headers.insert(
        header::AUTHORIZATION,
        HeaderValue::from_str(&our_header).expect("ASCII"),
    );
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-www-form-urlencoded"),
    );
    let body =
        b"status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21".to_vec();
    let methods = SignatureMethods::new();
    let (cs, ts) = (
        ClientSecret::new(CONSUMER_SECRET),
        TokenSecret::new(TOKEN_SECRET),
    );
    let keys = KeyMaterial::new(Some(&cs), Some(&ts));
    let verify = || -> Result<(), oauth_compat::oauth1::SignatureError> {
        let request = SignedRequest::from_parts(
            &Method::POST,
            black_box(&uri),
            black_box(&headers),
            black_box(&body),
        )?;
        request.verify(&methods, &["HMAC-SHA1"], &keys)
    };
    verify().expect("our own header verifies");
    let mut group = c.benchmark_group("verify");
    group.bench_function("oauth_compat", |b| b.iter(verify));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
