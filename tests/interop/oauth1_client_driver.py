"""requests-oauthlib's OAuth1Session as an independent client of examples/oauth1_provider.rs.

Usage: oauth1_client_driver.py flow|refusals BASE_URL

Reads the provider's env contract from the environment (CLIENT_KEY, CLIENT_SECRET, TEST_USER,
CALLBACK_URL) plus SIGNATURE_METHOD, SIGNATURE_TYPE (AUTH_HEADER, QUERY or BODY) and
RSA_PRIVATE_KEY_FILE (for RSA-SHA1), and prints one JSON object: what each step got back.

flow: the whole dance (initiate, the user's visit to /authorize, token), then /api/me and
/api/echo by GET with a query and by POST with a form.

refusals: with token credentials from a flow, requests the provider must refuse: a tampered
signature, a wrong client or token secret, a replayed nonce, an unknown client, an unsigned
request, an old timestamp, and a wrong verifier (after which the right one no longer works).
Each as [status, error code].
"""

import json
import os
import sys
import time
from urllib.parse import parse_qsl, urlsplit

import requests
from oauthlib.oauth1 import SIGNATURE_TYPE_AUTH_HEADER, SIGNATURE_TYPE_BODY, SIGNATURE_TYPE_QUERY
from requests_oauthlib import OAuth1, OAuth1Session

TIMEOUT = 10
TYPES = {
    "AUTH_HEADER": SIGNATURE_TYPE_AUTH_HEADER,
    "QUERY": SIGNATURE_TYPE_QUERY,
    "BODY": SIGNATURE_TYPE_BODY,
}

BASE = sys.argv[2]
KEY = os.environ["CLIENT_KEY"]
SECRET = os.environ["CLIENT_SECRET"]
USER = os.environ["TEST_USER"]
CALLBACK = os.environ["CALLBACK_URL"]
METHOD = os.environ.get("SIGNATURE_METHOD", "HMAC-SHA1")
TYPE = TYPES[os.environ.get("SIGNATURE_TYPE", "AUTH_HEADER")]
RSA_KEY = None
if os.environ.get("RSA_PRIVATE_KEY_FILE"):
    with open(os.environ["RSA_PRIVATE_KEY_FILE"]) as f:
        RSA_KEY = f.read()


def session(**kwargs):
    return OAuth1Session(
        KEY,
        client_secret=SECRET,
        signature_method=METHOD,
        signature_type=TYPE,
        rsa_key=RSA_KEY,
        **kwargs,
    )


def authorize(oauth):
    """The user's visit: /authorize?oauth_token=..&user=.., redirects off."""
    url = oauth.authorization_url(BASE + "/authorize", user=USER)
    resp = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
    assert resp.status_code == 302, (resp.status_code, resp.text)
    return resp.headers["Location"]


def request_token():
    oauth = session(callback_uri=CALLBACK)
    temporary = oauth.fetch_request_token(BASE + "/initiate", timeout=TIMEOUT)
    return oauth, temporary


def token_credentials():
    oauth, _ = request_token()
    oauth.parse_authorization_response(authorize(oauth))
    return oauth, oauth.fetch_access_token(BASE + "/token", timeout=TIMEOUT)


def answer(resp):
    try:
        body = resp.json()
    except ValueError:
        body = dict(parse_qsl(resp.text))
    return [resp.status_code, body.get("error")]


def flow():
    oauth, temporary = request_token()
    location = authorize(oauth)
    callback = dict(parse_qsl(urlsplit(location).query))
    oauth.parse_authorization_response(location)
    token = oauth.fetch_access_token(BASE + "/token", timeout=TIMEOUT)
    # oauthlib refuses body signatures on GET (a GET has no form body): sign those in the header.
    getter = oauth
    if TYPE == SIGNATURE_TYPE_BODY:
        getter = session(
            resource_owner_key=token["oauth_token"],
            resource_owner_secret=token["oauth_token_secret"],
        )
        getter.auth.client.signature_type = SIGNATURE_TYPE_AUTH_HEADER
    me = getter.get(BASE + "/api/me", timeout=TIMEOUT)
    echo_get = getter.get(BASE + "/api/echo", params={"q": "a b", "n": "1"}, timeout=TIMEOUT)
    echo_post = oauth.post(
        BASE + "/api/echo",
        data={"status": "Hello Ladies + Gentlemen, a signed OAuth request!"},
        timeout=TIMEOUT,
    )
    return {
        "callback_confirmed": temporary.get("oauth_callback_confirmed"),
        "redirect": location.split("?")[0],
        "callback_token_matches": callback.get("oauth_token") == temporary["oauth_token"],
        "verifier": bool(callback.get("oauth_verifier")),
        "token": bool(token.get("oauth_token")) and bool(token.get("oauth_token_secret")),
        "me": [me.status_code, me.headers.get("Content-Type"), me.json()],
        "echo_get": [echo_get.status_code, echo_get.json()],
        "echo_post": [echo_post.status_code, echo_post.json()],
    }


def signed(auth, method="GET", path="/api/me"):
    return requests.Request(method, BASE + path, auth=auth).prepare()


def send(prepared):
    with requests.Session() as s:
        return s.send(prepared, timeout=TIMEOUT)


def refusals():
    _, token = token_credentials()
    access, access_secret = token["oauth_token"], token["oauth_token_secret"]

    def auth(key=KEY, secret=SECRET, token_secret=access_secret, **kwargs):
        return OAuth1(
            key,
            client_secret=secret,
            resource_owner_key=access,
            resource_owner_secret=token_secret,
            signature_method=METHOD,
            rsa_key=RSA_KEY,
            **kwargs,
        )

    out = {}
    out["good"] = answer(send(signed(auth())))

    tampered = signed(auth())
    header = tampered.headers["Authorization"]
    if isinstance(header, bytes):
        header = header.decode()
    start = header.index('oauth_signature="') + len('oauth_signature="')
    tampered.headers["Authorization"] = header[:start] + "AAAA" + header[start + 4 :]
    out["tampered_signature"] = answer(send(tampered))

    out["wrong_client_secret"] = answer(send(signed(auth(secret="not-the-secret"))))
    out["wrong_token_secret"] = answer(send(signed(auth(token_secret="not-the-secret"))))

    once = signed(auth())
    out["replay_first"] = answer(send(once))
    out["replay_second"] = answer(send(once))

    out["unknown_client"] = answer(send(signed(auth(key="nobody"))))
    out["unsigned"] = answer(requests.get(BASE + "/api/me", timeout=TIMEOUT))
    old = str(int(time.time()) - 3600)
    out["old_timestamp"] = answer(send(signed(auth(timestamp=old))))

    oauth, temporary = request_token()
    right = dict(parse_qsl(urlsplit(authorize(oauth)).query))["oauth_verifier"]
    wrong = session(
        resource_owner_key=temporary["oauth_token"],
        resource_owner_secret=temporary["oauth_token_secret"],
        verifier="wrong-verifier",
    )
    out["wrong_verifier"] = answer(wrong.post(BASE + "/token", timeout=TIMEOUT))
    retry = session(
        resource_owner_key=temporary["oauth_token"],
        resource_owner_secret=temporary["oauth_token_secret"],
        verifier=right,
    )
    out["right_verifier_after_wrong"] = answer(retry.post(BASE + "/token", timeout=TIMEOUT))
    return out


if __name__ == "__main__":
    print(json.dumps({"flow": flow, "refusals": refusals}[sys.argv[1]]()))
