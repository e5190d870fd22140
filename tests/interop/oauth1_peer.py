"""OAuth 1 peer for tests/interop_oauth1.rs: oauthlib and Authlib sign and verify requests.

Reads one JSON object on stdin:
  {"verify": [case...], "sign": [case...]}
and writes one JSON object on stdout:
  {"verify": [{"oauthlib": bool, "authlib": bool | null}...],
   "sign":   [{"oauthlib": signed, "authlib": signed | null}...]}
where `signed` is {"url", "headers", "body"} as the library would send it, and null means
the library cannot take that case (Authlib has no HMAC-SHA256 and refuses an empty client
secret). Each case carries the request and the credentials; see the Rust side for fields.
"""

import contextlib
import json
import os
import sys

# Both libraries refuse http:// unless told otherwise; the tests use RFC-style http URLs.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"
os.environ["OAUTHLIB_INSECURE_TRANSPORT"] = "1"


def oauthlib_verify(case):
    from oauthlib.oauth1.rfc5849 import signature
    from oauthlib.oauth1.rfc5849.endpoints.base import BaseEndpoint

    req = BaseEndpoint(None)._create_request(
        case["url"], case["method"], case.get("body") or "", case["headers"]
    )
    method = case["signature_method"]
    if method == "HMAC-SHA1":
        return signature.verify_hmac_sha1(req, case["client_secret"], case["token_secret"])
    if method == "HMAC-SHA256":
        return signature.verify_hmac_sha256(req, case["client_secret"], case["token_secret"])
    if method == "RSA-SHA1":
        return signature.verify_rsa_sha1(req, case["rsa_public_key_pem"])
    if method == "PLAINTEXT":
        return signature.verify_plaintext(req, case["client_secret"], case["token_secret"])
    raise ValueError("unknown method " + method)


class _Holder:
    def __init__(self, secret=None, token_secret=None, public_key=None):
        self.secret, self.token_secret, self.public_key = secret, token_secret, public_key

    def get_client_secret(self):
        return self.secret

    def get_rsa_public_key(self):
        return self.public_key

    def get_oauth_token_secret(self):
        return self.token_secret


def authlib_verify(case):
    from authlib.oauth1.rfc5849 import signature
    from authlib.oauth1.rfc5849.wrapper import OAuth1Request

    method = case["signature_method"]
    verify = {
        "HMAC-SHA1": signature.verify_hmac_sha1,
        "RSA-SHA1": signature.verify_rsa_sha1,
        "PLAINTEXT": signature.verify_plaintext,
    }.get(method)
    if verify is None or (method != "RSA-SHA1" and not case["client_secret"]):
        return None
    req = OAuth1Request(
        case["method"], case["url"], body=case.get("body") or "", headers=case["headers"]
    )
    req.client = _Holder(case["client_secret"], public_key=case.get("rsa_public_key_pem"))
    req.credential = _Holder(token_secret=case["token_secret"])
    return bool(verify(req))


def _headers_for(case):
    if case.get("content_type"):
        return {"Content-Type": case["content_type"]}
    return {}


def oauthlib_sign(case):
    from oauthlib.oauth1 import Client

    client = Client(
        case["consumer_key"],
        client_secret=case["client_secret"],
        resource_owner_key=case.get("token"),
        resource_owner_secret=case.get("token_secret"),
        callback_uri=case.get("callback"),
        verifier=case.get("verifier"),
        signature_method=case["signature_method"],
        # oauthlib names header placement AUTH_HEADER; Authlib names it HEADER.
        signature_type={"HEADER": "AUTH_HEADER"}.get(
            case["signature_type"].upper(), case["signature_type"].upper()
        ),
        rsa_key=case.get("rsa_private_key_pem"),
        nonce=case["nonce"],
        timestamp=case["timestamp"],
        realm=case.get("realm"),
    )
    url, headers, body = client.sign(
        case["url"],
        http_method=case["method"],
        body=case.get("body"),
        headers=_headers_for(case) or None,
    )
    return {"url": url, "headers": dict(headers), "body": body}


@contextlib.contextmanager
def _fixed(nonce, timestamp):
    import authlib.oauth1.rfc5849.client_auth as client_auth

    saved = client_auth.generate_nonce, client_auth.generate_timestamp
    client_auth.generate_nonce = lambda: nonce
    client_auth.generate_timestamp = lambda: timestamp
    try:
        yield
    finally:
        client_auth.generate_nonce, client_auth.generate_timestamp = saved


def authlib_sign(case):
    from authlib.oauth1.rfc5849.client_auth import ClientAuth

    if case["signature_method"] not in ClientAuth.SIGNATURE_METHODS:
        return None
    auth = ClientAuth(
        case["consumer_key"],
        client_secret=case["client_secret"],
        token=case.get("token"),
        token_secret=case.get("token_secret"),
        redirect_uri=case.get("callback"),
        rsa_key=case.get("rsa_private_key_pem"),
        verifier=case.get("verifier"),
        signature_method=case["signature_method"],
        signature_type=case["signature_type"].upper(),
        realm=case.get("realm"),
    )
    with _fixed(case["nonce"], case["timestamp"]):
        url, headers, body = auth.sign(
            case["method"], case["url"], _headers_for(case), case.get("body") or ""
        )
    if isinstance(body, bytes):
        body = body.decode()
    return {"url": url, "headers": dict(headers), "body": body}


def main():
    job = json.load(sys.stdin)
    out = {
        "verify": [
            {"oauthlib": bool(oauthlib_verify(c)), "authlib": authlib_verify(c)}
            for c in job.get("verify", [])
        ],
        "sign": [
            {"oauthlib": oauthlib_sign(c), "authlib": authlib_sign(c)}
            for c in job.get("sign", [])
        ],
    }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
