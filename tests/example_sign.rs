//! Runs the built `sign` example (the README's other example) as a user would, with a controlled
//! environment: no arguments, a full request from arguments and variables, and bad input.

mod support;

use std::process::{Command, Output};
use support::example_binary;

/// Runs the example with exactly `env` set (plus PATH), so the caller's OAUTH_* never leak in.
fn run(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(example_binary::path("sign"));
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
    assert!(!out.contains("oauth_version"), "{out}");
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

/// Runs the example; its stdout when it succeeds, its stderr when it fails (with a non-zero
/// exit code, as a script would see it).
fn run_with(args: &[&str], env: &[(&str, &str)]) -> Result<String, String> {
    let output = run(args, env);
    if output.status.success() {
        Ok(stdout(&output))
    } else {
        assert_eq!(output.status.code(), Some(1), "{output:?}");
        Err(String::from_utf8_lossy(&output.stderr).into_owned())
    }
}

#[test]
fn placements_print_the_signed_url_and_body() {
    let out = run_with(&[], &[("OAUTH_SIGNATURE_TYPE", "query")]).unwrap();
    assert!(
        out.contains("signed URL:\n  http://photos.example.net/photos?file=vacation.jpg&size=original&oauth_consumer_key=dpf43f3p2l4k3l03&"),
        "{out}"
    );
    assert!(
        out.contains("oauth_signature=MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D\n"),
        "{out}"
    );
    let out = run_with(
        &["POST", "https://e.com/p", "a=1"],
        &[
            ("OAUTH_CONSUMER_KEY", "k"),
            ("OAUTH_SIGNATURE_TYPE", "BODY"),
        ],
    )
    .unwrap();
    assert!(out.contains("signed body (Content-Type: application/x-www-form-urlencoded):\n  a=1&oauth_consumer_key=k&"), "{out}");
    assert!(out.contains("oauth_version%3D1.0"), "{out}");
}

#[test]
fn fresh_nonce_and_timestamp_when_unset() {
    let env = [("OAUTH_CONSUMER_KEY", "k"), ("OAUTH_NONCE", "abc")];
    let out = run_with(&["get", "http://e.com/"], &env).unwrap();
    assert!(
        out.contains(
            "oauth_nonce%3Dabc%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1"
        ),
        "{out}"
    );
}

#[test]
fn help_lists_every_variable() {
    let out = run_with(&["--help"], &[]).unwrap();
    assert!(out.starts_with("usage: sign"), "{out}");
    for name in [
        "OAUTH_CONSUMER_KEY",
        "OAUTH_CONSUMER_SECRET",
        "OAUTH_TOKEN",
        "OAUTH_TOKEN_SECRET",
        "OAUTH_SIGNATURE_METHOD",
        "OAUTH_SIGNATURE_TYPE",
        "OAUTH_REALM",
        "OAUTH_NONCE",
        "OAUTH_TIMESTAMP",
        "OAUTH_VERSION",
        "OAUTH_CALLBACK",
        "OAUTH_VERIFIER",
        "OAUTH_RSA_KEY_FILE",
    ] {
        assert!(out.contains(name), "{name} missing from --help");
    }
}

#[test]
fn bad_input_names_what_to_fix() {
    let key = ("OAUTH_CONSUMER_KEY", "k");
    // (arguments, variables, what the message must say)
    type Case<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)], &'a str);
    let cases: &[Case<'_>] = &[
        (&["GET", "http://e.com/"], &[], "OAUTH_CONSUMER_KEY"),
        (&["GET"], &[key], "URL is missing"),
        (
            &["GET", "http://e.com/", "a=1", "b"],
            &[key],
            "unexpected argument `b`",
        ),
        (
            &["https://e.com/", "GET"],
            &[key],
            "METHOD `https://e.com/`",
        ),
        (
            &["GET", "/relative"],
            &[key],
            "URL `/relative` must be absolute",
        ),
        (&["GET", "ftp://e.com/"], &[key], "URL `ftp://e.com/`"),
        (
            &["GET", "http://e.com/?a=%zz"],
            &[key],
            "URL: invalid percent-encoding",
        ),
        (
            &["POST", "http://e.com/", "a=%zz"],
            &[key],
            "FORM_BODY: invalid percent-encoding",
        ),
        (
            &["GET", "http://e.com/"],
            &[key, ("OAUTH_SIGNATURE_METHOD", "HMAC-MD5")],
            "OAUTH_SIGNATURE_METHOD `HMAC-MD5`",
        ),
        (
            &["GET", "http://e.com/"],
            &[key, ("OAUTH_SIGNATURE_TYPE", "cookie")],
            "OAUTH_SIGNATURE_TYPE `cookie`",
        ),
        (
            &["GET", "http://e.com/"],
            &[key, ("OAUTH_VERSION", "2.0")],
            "OAUTH_VERSION `2.0`",
        ),
        (
            &["GET", "http://e.com/"],
            &[key, ("OAUTH_TIMESTAMP", "yesterday")],
            "OAUTH_TIMESTAMP `yesterday`",
        ),
        (
            &["GET", "http://e.com/"],
            &[key, ("OAUTH_TOKEN_SECRET", "s")],
            "OAUTH_TOKEN_SECRET is set",
        ),
        (
            &["GET", "http://e.com/"],
            &[key, ("OAUTH_SIGNATURE_METHOD", "RSA-SHA1")],
            "OAUTH_RSA_KEY_FILE is not set",
        ),
        (
            &["GET", "http://e.com/"],
            &[key, ("OAUTH_RSA_KEY_FILE", "/nonexistent/key.pem")],
            "OAUTH_RSA_KEY_FILE `/nonexistent/key.pem` cannot be read",
        ),
        (
            &["GET", "http://e.com/?oauth_nonce=x"],
            &[key],
            "oauth_nonce",
        ),
    ];
    for (args, env, expected) in cases {
        match run_with(args, env) {
            Err(message) => {
                assert!(message.contains(expected), "{args:?}: {message}");
                assert!(!message.contains("panicked"), "{args:?}: {message}");
            }
            Ok(out) => panic!("{args:?} {env:?} should fail, printed:\n{out}"),
        }
    }
}
