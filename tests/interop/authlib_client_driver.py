"""Authlib's OAuth 1 client (requests_client.OAuth1Session) as a client of
examples/oauth1_provider.rs, with a callback that holds an escape.

Usage: authlib_client_driver.py BASE_URL

Reads the provider's env contract (CLIENT_KEY, CLIENT_SECRET, TEST_USER) plus CALLBACK (the
callback to send, such as http://127.0.0.1:9/ready?next=%2Fhome), SIGNATURE_METHOD (HMAC-SHA1
or RSA-SHA1) and RSA_PRIVATE_KEY_FILE, and prints one JSON object:

- "HEADER", "QUERY", "BODY": the whole flow with that signature placement (temporary
  credentials, the user's visit to /authorize, token credentials, GET /api/me), or, where a
  step was refused, {"refused": [status, error]} from the provider's answer.
- "replay": one signed temporary-credentials request (header placement) sent twice;
  "old_timestamp": one signed with a timestamp an hour old. [status, error] each.

Authlib decodes `oauth_*` values twice before signing, so with such a callback its signatures
verify only where the provider accepts that variant.
"""

import json
import os
import sys
import time
from unittest import mock
from urllib.parse import parse_qsl, urlsplit

import requests
from authlib.integrations.requests_client import OAuth1Auth, OAuth1Session
from authlib.oauth1.rfc5849 import client_auth

TIMEOUT = 10
BASE = sys.argv[1]
KEY = os.environ["CLIENT_KEY"]
SECRET = os.environ["CLIENT_SECRET"] or None
USER = os.environ["TEST_USER"]
CALLBACK = os.environ["CALLBACK"]
METHOD = os.environ.get("SIGNATURE_METHOD", "HMAC-SHA1")
RSA_KEY = None
if METHOD == "RSA-SHA1":
    with open(os.environ["RSA_PRIVATE_KEY_FILE"]) as f:
        RSA_KEY = f.read()


def answer(resp):
    try:
        body = resp.json()
    except ValueError:
        body = dict(parse_qsl(resp.text))
    return [resp.status_code, body.get("error")]


def flow(placement):
    oauth = OAuth1Session(
        KEY,
        client_secret=SECRET,
        redirect_uri=CALLBACK,
        signature_method=METHOD,
        signature_type=placement,
        rsa_key=RSA_KEY,
    )
    # The provider's answers, in order: what a refused step got back.
    answers = []
    oauth.hooks["response"].append(lambda resp, **kwargs: answers.append(resp))
    try:
        temporary = oauth.fetch_request_token(BASE + "/initiate", timeout=TIMEOUT)
        url = oauth.create_authorization_url(BASE + "/authorize", user=USER)
        visit = requests.get(url, allow_redirects=False, timeout=TIMEOUT)
        assert visit.status_code == 302, (visit.status_code, visit.text)
        location = visit.headers["Location"]
        callback = dict(parse_qsl(urlsplit(location).query))
        oauth.parse_authorization_response(location)
        token = oauth.fetch_access_token(BASE + "/token", timeout=TIMEOUT)
        me = oauth.get(BASE + "/api/me", timeout=TIMEOUT)
    except Exception:
        if not answers or answers[-1].status_code < 400:
            raise
        return {"refused": answer(answers[-1])}
    return {
        "redirect": location.split("&oauth_token=")[0],
        "callback_token_matches": callback.get("oauth_token") == temporary["oauth_token"],
        "verifier": bool(callback.get("oauth_verifier")),
        "token": bool(token.get("oauth_token")) and bool(token.get("oauth_token_secret")),
        "me": [me.status_code, me.json()],
    }


def initiate_request():
    auth = OAuth1Auth(
        KEY,
        client_secret=SECRET,
        redirect_uri=CALLBACK,
        signature_method=METHOD,
        rsa_key=RSA_KEY,
    )
    return requests.Request("POST", BASE + "/initiate", auth=auth).prepare()


def send(prepared):
    with requests.Session() as s:
        return s.send(prepared, timeout=TIMEOUT)


def main():
    out = {placement: flow(placement) for placement in ("HEADER", "QUERY", "BODY")}
    once = initiate_request()
    out["replay"] = [answer(send(once)), answer(send(once))]
    # A client whose clock is an hour behind: Authlib reads the time through this function.
    old = str(int(time.time()) - 3600)
    with mock.patch.object(client_auth, "generate_timestamp", return_value=old):
        out["old_timestamp"] = answer(send(initiate_request()))
    return out


if __name__ == "__main__":
    print(json.dumps(main()))
