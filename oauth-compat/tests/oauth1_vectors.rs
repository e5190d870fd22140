//! Every RFC 5849 vector in `tests/vectors/oauth1_signatures.json`, byte-exact: normalized
//! parameters, base string, signing key, signature (and its encoded form); then each request
//! through the signer (header placement, fixed nonce and timestamp) and back through the verifier.

use http::{HeaderMap, HeaderValue, Method, Uri, header};
use oauth_compat::oauth1::normalize_parameters;
use oauth_compat::oauth1::percent_encode;
use oauth_compat::oauth1::signing_key;
use oauth_compat::oauth1::{
    ClientCredentials, KeyMaterial, RsaPrivateKey, RsaPublicKey, SignatureMethods, SignedRequest,
    Signer, TokenCredentials, format_authorization_header, parse_authorization_header,
};
use oauth_compat::oauth1::{base_string_uri, signature_base_string};
use oauth_compat::oauth1::{body_parameters, query_parameters};
use oauth_compat::{ClientSecret, TokenSecret};
use serde_json::Value;

const ALL_METHODS: &[&str] = &["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"];

fn file() -> Value {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/vectors/oauth1_signatures.json"
    ))
    .expect("vector file");
    serde_json::from_str(&text).expect("vector JSON")
}

struct Vector<'a> {
    v: &'a Value,
    keys: &'a Value,
}

impl<'a> Vector<'a> {
    fn s(&self, field: &str) -> Option<&'a str> {
        self.v[field].as_str()
    }
    fn name(&self) -> &'a str {
        self.s("name").unwrap()
    }
    fn method(&self) -> Method {
        self.s("http_method").unwrap().parse().unwrap()
    }
    fn uri(&self) -> Uri {
        self.s("url").unwrap().parse().unwrap()
    }
    fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        if let Some(ct) = self.s("content_type") {
            headers.insert(header::CONTENT_TYPE, HeaderValue::from_str(ct).unwrap());
        }
        headers
    }
    fn body(&self) -> Vec<u8> {
        self.s("body").unwrap_or("").as_bytes().to_vec()
    }
    fn oauth_params(&self) -> Vec<(String, String)> {
        self.v["oauth_params"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
            .collect()
    }
    fn oauth(&self, name: &str) -> Option<&'a str> {
        self.v["oauth_params"][name].as_str()
    }
    fn rsa_key(&self) -> Option<&'a Value> {
        self.s("rsa_key").map(|id| &self.keys[id])
    }
}

fn sorted(mut v: Vec<(String, String)>) -> Vec<(String, String)> {
    v.sort();
    v
}

#[test]
fn every_vector_byte_exact() {
    let file = file();
    let vectors = file["vectors"].as_array().unwrap();
    assert_eq!(vectors.len(), 29);
    let methods = SignatureMethods::new();
    for v in vectors {
        let v = Vector {
            v,
            keys: &file["rsa_keys"],
        };
        let name = v.name();
        let uri = v.uri();
        let headers = v.headers();
        let body = v.body();

        // Body decoding matches the vector's decoded `body_params`.
        let body_params = body_parameters(&headers, &body).unwrap();
        match v.v["body_params"].as_array() {
            Some(expected) => {
                let expected: Vec<(String, String)> = expected
                    .iter()
                    .map(|p| {
                        (
                            p[0].as_str().unwrap().to_owned(),
                            p[1].as_str().unwrap().to_owned(),
                        )
                    })
                    .collect();
                assert_eq!(body_params, expected, "{name}: body params");
            }
            None => assert!(body_params.is_empty(), "{name}"),
        }

        let mut params = query_parameters(&uri).unwrap();
        params.extend(body_params);
        params.extend(v.oauth_params());
        let normalized = normalize_parameters(params.iter().map(|(n, v)| (n.as_str(), v.as_str())));
        if let Some(expected) = v.s("expected_normalized_parameters") {
            assert_eq!(normalized, expected, "{name}: normalized parameters");
        }
        let base = signature_base_string(
            v.method().as_str(),
            &base_string_uri(&uri).unwrap(),
            &normalized,
        );
        if let Some(expected) = v.s("expected_signature_base_string") {
            assert_eq!(base, expected, "{name}: base string");
        }

        let cs = v.s("client_secret").map(ClientSecret::new);
        let ts = v.s("token_secret").map(TokenSecret::new);
        if let Some(expected) = v.s("expected_signing_key") {
            assert_eq!(
                signing_key(
                    v.s("client_secret").unwrap_or(""),
                    v.s("token_secret").unwrap_or("")
                ),
                expected,
                "{name}: signing key"
            );
        }

        let sig_method = v.s("signature_method").unwrap();
        let expected_sig = v.s("expected_oauth_signature").unwrap();
        let expected_enc = v.s("expected_oauth_signature_encoded").unwrap();
        assert_eq!(
            percent_encode(expected_sig),
            expected_enc,
            "{name}: encoded signature"
        );

        let public = v
            .rsa_key()
            .map(|k| RsaPublicKey::from_pem(k["public_key_pem"].as_str().unwrap()).unwrap());
        if let Some(key) = v.rsa_key() {
            // PKCS#1 v1.5 is deterministic, so both private PEM forms give the published bytes.
            for pem_field in ["private_key_pem", "private_key_pem_pkcs1"] {
                let private = RsaPrivateKey::from_pem(key[pem_field].as_str().unwrap()).unwrap();
                let keys = KeyMaterial::default().with_rsa_private_key(&private);
                assert_eq!(
                    methods.sign(sig_method, &base, &keys).unwrap(),
                    expected_sig,
                    "{name}: {pem_field}"
                );
                let derived = private.public_key();
                methods
                    .verify(
                        sig_method,
                        &base,
                        &KeyMaterial::default().with_rsa_public_key(&derived),
                        expected_sig,
                    )
                    .unwrap();
            }
            let mut publics = vec![public.clone().unwrap()];
            if let Some(pkcs1) = key["public_key_pem_pkcs1"].as_str() {
                publics.push(RsaPublicKey::from_pem(pkcs1).unwrap());
            }
            for public in &publics {
                let keys = KeyMaterial::default().with_rsa_public_key(public);
                methods
                    .verify(sig_method, &base, &keys, expected_sig)
                    .unwrap();
                assert!(
                    methods
                        .verify(sig_method, &format!("{base}x"), &keys, expected_sig)
                        .is_err()
                );
            }
        } else {
            let keys = KeyMaterial::new(cs.as_ref(), ts.as_ref());
            assert_eq!(
                methods.sign(sig_method, &base, &keys).unwrap(),
                expected_sig,
                "{name}: signature"
            );
            methods
                .verify(sig_method, &base, &keys, expected_sig)
                .unwrap();
        }

        // The provider side: the request with the published signature in its header verifies.
        let mut header_params = v.oauth_params();
        header_params.push(("oauth_signature".to_owned(), expected_sig.to_owned()));
        let value = format_authorization_header(
            v.s("realm"),
            header_params.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        )
        .unwrap();
        let mut signed_headers = headers.clone();
        signed_headers.insert(
            header::AUTHORIZATION,
            HeaderValue::from_str(&value).unwrap(),
        );
        let request = SignedRequest::from_parts(&v.method(), &uri, &signed_headers, &body).unwrap();
        assert_eq!(
            request.signature_base_string(),
            base,
            "{name}: verifier base string"
        );
        assert_eq!(request.realm(), v.s("realm"));
        assert_eq!(
            request.consumer_key(),
            v.oauth("oauth_consumer_key").unwrap()
        );
        let mut keys = KeyMaterial::new(cs.as_ref(), ts.as_ref());
        if let Some(public) = &public {
            keys = keys.with_rsa_public_key(public);
        }
        request
            .verify(&methods, ALL_METHODS, &keys)
            .unwrap_or_else(|e| panic!("{name}: verify: {e}"));
        let other = ClientSecret::new("wrong");
        if public.is_none() {
            let bad = KeyMaterial::new(Some(&other), ts.as_ref());
            assert!(
                request.verify(&methods, ALL_METHODS, &bad).is_err(),
                "{name}: wrong secret accepted"
            );
        }
    }
}

/// The signer, configured from a vector, produces exactly the vector's protocol parameters and
/// signature in the `Authorization` header. Needs nonce and timestamp (all but the two
/// published PLAINTEXT examples, which omit them).
fn signer_for(v: &Vector<'_>) -> Option<Signer> {
    let nonce = v.oauth("oauth_nonce")?;
    let timestamp: u64 = v.oauth("oauth_timestamp")?.parse().unwrap();
    let client = ClientCredentials::new(
        v.oauth("oauth_consumer_key").unwrap(),
        v.s("client_secret").unwrap_or(""),
    );
    let mut b = Signer::builder(client)
        .signature_method(v.s("signature_method").unwrap())
        .version(v.oauth("oauth_version").is_some())
        .with_nonce_and_timestamp(nonce, timestamp);
    if let Some(token) = v.oauth("oauth_token") {
        b = b.token(TokenCredentials::new(
            token,
            v.s("token_secret").unwrap_or(""),
        ));
    }
    if let Some(realm) = v.s("realm") {
        b = b.realm(realm);
    }
    if let Some(cb) = v.oauth("oauth_callback") {
        b = b.callback(cb);
    }
    if let Some(verifier) = v.oauth("oauth_verifier") {
        b = b.verifier(verifier);
    }
    if let Some(key) = v.rsa_key() {
        b = b.rsa_private_key(
            RsaPrivateKey::from_pem(key["private_key_pem"].as_str().unwrap()).unwrap(),
        );
    }
    Some(b.build().unwrap())
}

#[test]
fn every_vector_through_the_signer_and_back() {
    let file = file();
    let mut signed = Vec::new();
    for v in file["vectors"].as_array().unwrap() {
        let v = Vector {
            v,
            keys: &file["rsa_keys"],
        };
        let Some(signer) = signer_for(&v) else {
            continue;
        };
        let name = v.name();
        let mut uri = v.uri();
        let mut headers = v.headers();
        let mut body = v.body();
        signer
            .sign_parts(&v.method(), &mut uri, &mut headers, &mut body)
            .unwrap();
        assert_eq!(
            uri,
            v.uri(),
            "{name}: header placement leaves the URI alone"
        );
        assert_eq!(body, v.body(), "{name}: and the body");

        let value = headers[header::AUTHORIZATION].to_str().unwrap();
        let parsed = parse_authorization_header(value.as_bytes())
            .unwrap()
            .unwrap();
        assert_eq!(parsed.realm.as_deref(), v.s("realm"), "{name}");
        let mut expected = v.oauth_params();
        expected.push((
            "oauth_signature".to_owned(),
            v.s("expected_oauth_signature").unwrap().to_owned(),
        ));
        assert_eq!(
            sorted(parsed.params),
            sorted(expected),
            "{name}: the whole parameter set"
        );
        assert!(value.contains(&format!(
            "oauth_signature=\"{}\"",
            v.s("expected_oauth_signature_encoded").unwrap()
        )));

        let request = SignedRequest::from_parts(&v.method(), &uri, &headers, &body).unwrap();
        let (cs, ts) = (
            v.s("client_secret").map(ClientSecret::new),
            v.s("token_secret").map(TokenSecret::new),
        );
        let public = v
            .rsa_key()
            .map(|k| RsaPublicKey::from_pem(k["public_key_pem"].as_str().unwrap()).unwrap());
        let mut keys = KeyMaterial::new(cs.as_ref(), ts.as_ref());
        if let Some(public) = &public {
            keys = keys.with_rsa_public_key(public);
        }
        request
            .verify(&SignatureMethods::new(), ALL_METHODS, &keys)
            .unwrap();
        assert_eq!(request.nonce(), v.oauth("oauth_nonce"));
        assert_eq!(request.callback(), v.oauth("oauth_callback"));
        assert_eq!(request.verifier(), v.oauth("oauth_verifier"));
        assert_eq!(request.token(), v.oauth("oauth_token"));
        signed.push(name);
    }
    assert_eq!(signed.len(), 27);
    for rfc in [
        "rfc5849_1_2_temporary_credentials_request",
        "rfc5849_1_2_token_request",
        "rfc5849_1_2_protected_resource_request",
    ] {
        assert!(signed.contains(&rfc), "{rfc} went through the signer");
    }
}

/// RFC 5849 §1.2, spelled out: the three requests' full `Authorization` headers.
#[test]
fn rfc5849_section_1_2_headers() {
    let client = ClientCredentials::new("dpf43f3p2l4k3l03", "kd94hf93k423kf44");
    let cases = [
        (
            Method::POST,
            "https://photos.example.net/initiate",
            Signer::builder(client.clone())
                .realm("Photos")
                .version(false)
                .callback("http://printer.example.com/ready")
                .with_nonce_and_timestamp("wIjqoS", 137131200),
            r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131200", oauth_nonce="wIjqoS", oauth_callback="http%3A%2F%2Fprinter.example.com%2Fready", oauth_signature="74KNZJeDHnMBp0EMJ9ZHt%2FXKycU%3D""#,
        ),
        (
            Method::POST,
            "https://photos.example.net/token",
            Signer::builder(client.clone())
                .token(TokenCredentials::new(
                    "hh5s93j4hdidpola",
                    "hdhd0244k9j7ao03",
                ))
                .realm("Photos")
                .version(false)
                .verifier("hfdp7dh39dks9884")
                .with_nonce_and_timestamp("walatlh", 137131201),
            r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="hh5s93j4hdidpola", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131201", oauth_nonce="walatlh", oauth_verifier="hfdp7dh39dks9884", oauth_signature="gKgrFCywp7rO0OXSjdot%2FIHF7IU%3D""#,
        ),
        (
            Method::GET,
            "http://photos.example.net/photos?file=vacation.jpg&size=original",
            Signer::builder(client)
                .token(TokenCredentials::new(
                    "nnch734d00sl2jdk",
                    "pfkkdhi9sl3r4s00",
                ))
                .realm("Photos")
                .version(false)
                .with_nonce_and_timestamp("chapoH", 137131202),
            r#"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D""#,
        ),
    ];
    for (method, uri, builder, expected) in cases {
        let signer = builder.build().unwrap();
        let uri: Uri = uri.parse().unwrap();
        assert_eq!(
            signer.authorization_header(&method, &uri, &[]).unwrap(),
            expected
        );
    }
}

/// Our header for the Twitter example equals what the independent `oauth1-request` crate sends
/// (as a parameter set; the order differs).
#[test]
fn twitter_example_matches_oauth1_request() {
    use oauth1_request::{Builder, Credentials, HMAC_SHA1};
    let ours = Signer::builder(ClientCredentials::new(
        "xvz1evFS4wEEPTGEFPHBog",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
    ))
    .token(TokenCredentials::new(
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    ))
    .with_nonce_and_timestamp("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", 1318622958)
    .build()
    .unwrap();
    let uri: Uri = "https://api.twitter.com/1.1/statuses/update.json?include_entities=true"
        .parse()
        .unwrap();
    let ours = ours
        .authorization_header(
            &Method::POST,
            &uri,
            &[(
                "status",
                "Hello Ladies + Gentlemen, a signed OAuth request!",
            )],
        )
        .unwrap();

    let client = Credentials::new(
        "xvz1evFS4wEEPTGEFPHBog",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
    );
    let token = Credentials::new(
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    );
    let mut builder = Builder::new(client, HMAC_SHA1);
    builder
        .token(token)
        .nonce("kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg")
        .timestamp(std::num::NonZeroU64::new(1318622958))
        .version(true);
    let request = oauth1_request::ParameterList::new([
        ("include_entities", "true"),
        (
            "status",
            "Hello Ladies + Gentlemen, a signed OAuth request!",
        ),
    ]);
    let theirs = builder.post("https://api.twitter.com/1.1/statuses/update.json", &request);

    let parse = |s: &str| {
        let h = parse_authorization_header(s.as_bytes()).unwrap().unwrap();
        sorted(h.params)
    };
    assert_eq!(parse(&ours), parse(&theirs));
    assert!(ours.contains(r#"oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D""#));
}
