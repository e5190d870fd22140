//! Runs the built `sign` example (the README's main job) as a user would, with a controlled
//! environment: no arguments, a full request from arguments and variables, and bad input.

use std::path::PathBuf;
use std::process::{Command, Output};

/// `target/<profile>/examples/sign`, which `cargo test` builds before the integration tests.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("current test executable");
    // target/<profile>/deps/example_sign-<hash> -> target/<profile>
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("test executable under target/<profile>/deps");
    let path = profile_dir
        .join("examples")
        .join(format!("sign{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.is_file(),
        "{} is missing: build it with `cargo test` (which builds the examples) or scripts/test",
        path.display()
    );
    path
}

/// Runs the example with exactly `env` set (plus PATH), so the caller's OAUTH_* never leak in.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(example_binary());
    command.args(args).env_clear();
    if let Some(path) = std::env::var_os("PATH") {
        command.env("PATH", path);
    }
    command.envs(env.iter().copied());
    command.output().expect("run the sign example")
}

fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 stdout")
}

#[test]
fn no_arguments_prints_rfc_5849_1_2() {
    let output = run(&[], &[]);
    let out = stdout(&output);
    assert!(output.status.success(), "{output:?}");
    assert!(
        out.contains(
            "file=vacation.jpg&oauth_consumer_key=dpf43f3p2l4k3l03&oauth_nonce=chapoH&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131202&oauth_token=nnch734d00sl2jdk&size=original"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3DchapoH%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131202%26oauth_token%3Dnnch734d00sl2jdk%26size%3Doriginal\n"
        ),
        "{out}"
    );
    assert!(out.contains("  MdpQcU8iPSUjWoN/UDMsK2sui9I=\n"), "{out}");
    assert!(
        out.contains(
            r#"Authorization: OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D""#
        ),
        "{out}"
    );
}

const TWITTER_ENV: &[(&str, &str)] = &[
    ("OAUTH_CONSUMER_KEY", "xvz1evFS4wEEPTGEFPHBog"),
    (
        "OAUTH_CONSUMER_SECRET",
        "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
    ),
    (
        "OAUTH_TOKEN",
        "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
    ),
    (
        "OAUTH_TOKEN_SECRET",
        "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
    ),
    ("OAUTH_NONCE", "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg"),
    ("OAUTH_TIMESTAMP", "1318622958"),
    ("OAUTH_VERSION", "1.0"),
];

const TWITTER_ARGS: &[&str] = &[
    "POST",
    "https://api.twitter.com/1.1/statuses/update.json?include_entities=true",
    "status=Hello%20Ladies%20%2B%20Gentlemen%2C%20a%20signed%20OAuth%20request%21",
];

#[test]
fn arguments_and_variables_sign_the_twitter_request() {
    let output = run(TWITTER_ARGS, TWITTER_ENV);
    let out = stdout(&output);
    assert!(output.status.success(), "{output:?}");
    assert!(
        out.contains(
            "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate.json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4wEEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3DHello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520signed%2520OAuth%2520request%2521\n"
        ),
        "{out}"
    );
    assert!(out.contains("  hCtSmYh+iHYCEqBWrE7C7hYmtUk=\n"), "{out}");
    assert!(
        out.contains(r#"oauth_signature="hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D""#),
        "{out}"
    );
}

#[test]
fn query_placement_prints_the_signed_url() {
    let mut env = TWITTER_ENV.to_vec();
    env.push(("OAUTH_SIGNATURE_TYPE", "query"));
    let output = run(TWITTER_ARGS, &env);
    let out = stdout(&output);
    assert!(output.status.success(), "{output:?}");
    // Same parameters, same signature: placement does not change what is signed.
    assert!(out.contains("  hCtSmYh+iHYCEqBWrE7C7hYmtUk=\n"), "{out}");
    assert!(
        out.contains("signed URL:\n  https://api.twitter.com/1.1/statuses/update.json?include_entities=true&oauth_consumer_key=xvz1evFS4wEEPTGEFPHBog&"),
        "{out}"
    );
}

#[test]
fn bad_input_fails_naming_the_variable() {
    let mut env = TWITTER_ENV.to_vec();
    env.push(("OAUTH_SIGNATURE_METHOD", "HMAC-MD5"));
    let output = run(TWITTER_ARGS, &env);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{output:?}");
    assert!(err.contains("OAUTH_SIGNATURE_METHOD `HMAC-MD5`"), "{err}");
    assert!(!err.contains("panicked"), "{err}");

    // Arguments without a consumer key: the variable is named.
    let output = run(TWITTER_ARGS, &[]);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{output:?}");
    assert!(err.contains("OAUTH_CONSUMER_KEY is not set"), "{err}");

    let mut env = TWITTER_ENV.to_vec();
    env.push(("OAUTH_SIGNATURE_METHOD", "RSA-SHA1"));
    env.push(("OAUTH_RSA_KEY_FILE", "/nonexistent/oauth-compat-key.pem"));
    let output = run(TWITTER_ARGS, &env);
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{output:?}");
    assert!(
        err.contains("OAUTH_RSA_KEY_FILE `/nonexistent/oauth-compat-key.pem` cannot be read"),
        "{err}"
    );
}

#[test]
fn help_lists_the_variables() {
    let output = run(&["--help"], &[]);
    let out = stdout(&output);
    assert!(output.status.success(), "{output:?}");
    assert!(out.starts_with("usage: sign"), "{out}");
    assert!(
        out.contains("OAUTH_RSA_KEY_FILE") && out.contains("OAUTH_SIGNATURE_TYPE"),
        "{out}"
    );
}
