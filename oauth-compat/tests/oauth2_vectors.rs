//! Every vector in `tests/vectors/pkce.json` (RFC 7636) and `tests/vectors/client_auth.json`
//! (RFC 6749 §2.3.1, plus what Authlib 1.9.9 sends), byte-exact.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http::header::AUTHORIZATION;
use oauth_compat::oauth2::{
    ClientAuth, ClientAuthMethod, CodeChallengeMethod, CodeVerifier, OAuth2Error, TokenRequest,
};
use serde_json::Value;
use sha2::{Digest as _, Sha256};

fn vectors(file: &str) -> Vec<Value> {
    let path = format!("{}/tests/vectors/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).expect("vector file");
    let json: Value = serde_json::from_str(&text).expect("vector JSON");
    let list = json["vectors"]
        .as_array()
        .expect("a `vectors` array")
        .clone();
    assert!(!list.is_empty(), "{path} has no vectors");
    list
}

fn octets(value: &Value) -> Option<Vec<u8>> {
    value.as_array().map(|list| {
        list.iter()
            .map(|b| u8::try_from(b.as_u64().unwrap()).unwrap())
            .collect()
    })
}

#[test]
fn pkce_vectors() {
    let (mut valid, mut invalid) = (0, 0);
    for v in vectors("pkce.json") {
        let name = v["name"].as_str().unwrap();
        let raw = v["code_verifier"].as_str().unwrap();
        assert_eq!(
            raw.chars().count() as u64,
            v["code_verifier_length"].as_u64().unwrap(),
            "{name}"
        );
        let parsed = CodeVerifier::new(raw);
        if !v["expected_verifier_valid"].as_bool().unwrap() {
            let err = parsed.expect_err(name);
            assert!(
                matches!(
                    err,
                    OAuth2Error::CodeVerifierLength { .. }
                        | OAuth2Error::CodeVerifierCharacter { .. }
                ),
                "{name}: {err:?}"
            );
            assert!(v["expected_code_challenge"].is_null(), "{name}");
            invalid += 1;
            continue;
        }
        let verifier = parsed.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(verifier.as_str(), raw, "{name}");
        let method: CodeChallengeMethod = v["code_challenge_method"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(
            verifier.code_challenge(method),
            v["expected_code_challenge"].as_str().unwrap(),
            "{name}"
        );
        if let Some(want) = octets(&v["code_verifier_octets"]) {
            let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(raw)
                .unwrap();
            assert_eq!(decoded, want, "{name}");
        }
        if let Some(want) = octets(&v["expected_sha256_octets"]) {
            assert_eq!(Sha256::digest(raw.as_bytes()).as_slice(), want, "{name}");
        }
        valid += 1;
    }
    assert_eq!((valid, invalid), (5, 4));
}

#[test]
fn pkce_invalid_vectors_name_length_or_position() {
    let find = |name: &str| {
        vectors("pkce.json")
            .into_iter()
            .find(|v| v["name"] == name)
            .unwrap()["code_verifier"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(matches!(
        CodeVerifier::new(find("invalid_verifier_too_short_42")),
        Err(OAuth2Error::CodeVerifierLength { length: 42 })
    ));
    assert!(matches!(
        CodeVerifier::new(find("invalid_verifier_too_long_129")),
        Err(OAuth2Error::CodeVerifierLength { length: 129 })
    ));
    // `+` at 12, then `/` and `=`: the first is named.
    assert!(matches!(
        CodeVerifier::new(find("invalid_verifier_standard_base64")),
        Err(OAuth2Error::CodeVerifierCharacter { position: 12 })
    ));
    assert!(matches!(
        CodeVerifier::new(find("invalid_verifier_space")),
        Err(OAuth2Error::CodeVerifierCharacter { position: 20 })
    ));
}

fn authorization_header(method: &ClientAuthMethod, id: &str, secret: &str) -> String {
    let mut request = TokenRequest::client_credentials("https://server.example.com/token", None);
    method
        .apply(&mut request, &ClientAuth::new(id, secret))
        .unwrap();
    assert!(request.form.iter().all(|(name, _)| name == "grant_type"));
    request.headers[AUTHORIZATION].to_str().unwrap().to_owned()
}

#[test]
fn client_secret_basic_vectors_rfc_mode() {
    for v in vectors("client_auth.json") {
        let name = v["name"].as_str().unwrap();
        let id = v["client_id"].as_str().unwrap();
        let secret = v["client_secret"].as_str().unwrap();
        let header = authorization_header(&ClientAuthMethod::ClientSecretBasic, id, secret);
        assert_eq!(
            header,
            v["expected_authorization_header"].as_str().unwrap(),
            "{name}"
        );
        // The intermediate values, too.
        let credentials = STANDARD
            .decode(header.strip_prefix("Basic ").unwrap())
            .unwrap();
        let credentials = String::from_utf8(credentials).unwrap();
        assert_eq!(
            credentials,
            v["expected_basic_credentials"].as_str().unwrap(),
            "{name}"
        );
        let (username, password) = credentials.split_once(':').unwrap();
        assert_eq!(username, v["expected_username"].as_str().unwrap(), "{name}");
        assert_eq!(password, v["expected_password"].as_str().unwrap(), "{name}");
    }
}

#[test]
fn client_secret_basic_vectors_authlib_mode() {
    let mut checked = 0;
    for v in vectors("client_auth.json") {
        let name = v["name"].as_str().unwrap();
        let id = v["client_id"].as_str().unwrap();
        let secret = v["client_secret"].as_str().unwrap();
        let header =
            authorization_header(&ClientAuthMethod::ClientSecretBasicUnencoded, id, secret);
        let observed = &v["authlib_observed"];
        match observed["client_sends"].as_str() {
            Some(want) => {
                assert_eq!(header, want, "{name}");
                let same = header == v["expected_authorization_header"].as_str().unwrap();
                assert_eq!(
                    same,
                    observed["client_matches_rfc"].as_bool().unwrap(),
                    "{name}"
                );
                checked += 1;
            }
            // Authlib raises UnicodeEncodeError outside Latin-1; this mode sends UTF-8.
            None => {
                let raw = STANDARD
                    .decode(header.strip_prefix("Basic ").unwrap())
                    .unwrap();
                assert_eq!(raw, format!("{id}:{secret}").into_bytes(), "{name}");
            }
        }
    }
    assert_eq!(checked, 5);
}
