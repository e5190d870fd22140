"""Flask-OAuthlib's own client, unmodified, as a client of examples/oauth1_provider.rs.

Usage: flask_oauthlib_client_driver.py BASE_URL

Runs from .venv-flask-oauthlib (tests/interop/flask_oauthlib_requirements.txt, installed by
scripts/test). Reads the provider's env contract (CLIENT_KEY, CLIENT_SECRET, TEST_USER) plus
SIGNATURE_METHOD (HMAC-SHA1 or RSA-SHA1) and RSA_PRIVATE_KEY_FILE, and prints one JSON object.
An empty CLIENT_SECRET configures the remote app with the RSA key alone, as Flask-OAuthlib
allows for RSA-SHA1.

A Flask app uses `OAuth().remote_app(...)` as the Flask-OAuthlib client guide does: `/login`
calls `authorize(callback=url_for("authorized", next=...))`, which asks for temporary
credentials by GET (Flask-OAuthlib's default `request_token_method`) and redirects to the
provider; `/authorized` takes the provider's redirect through `authorized_response()`, keeps
the token for the tokengetter, and calls the protected API with `get` and `post`. The app runs
under Flask's test client (its session cookie carries the request token between the two
views); every request to the provider is real HTTP. The user's visit to the provider's
authorization page is a plain HTTP GET that grants at once (`&user=...`).

Output: what `/authorized` saw (`next`, the URL it was called at up to the provider's
`oauth_token`, the token response's keys, and the API answers as [status, data]); or, when
`/login` could not get temporary credentials, `{"login_refused": {"type": ..., "data": ...}}`
from Flask-OAuthlib's `OAuthException`.
"""

import json
import os
import sys
from urllib.parse import urlsplit

import requests
from flask import Flask, jsonify, request, session, url_for
from flask_oauthlib.client import OAuth, OAuthException

TIMEOUT = 10
BASE = sys.argv[1]
KEY = os.environ["CLIENT_KEY"]
SECRET = os.environ["CLIENT_SECRET"] or None
USER = os.environ["TEST_USER"]
METHOD = os.environ.get("SIGNATURE_METHOD", "HMAC-SHA1")
RSA_KEY = None
if METHOD == "RSA-SHA1":
    with open(os.environ["RSA_PRIVATE_KEY_FILE"]) as f:
        RSA_KEY = f.read()

app = Flask(__name__)
app.secret_key = os.urandom(24)
oauth = OAuth(app)
provider = oauth.remote_app(
    "provider",
    base_url=BASE + "/api/",
    request_token_url=BASE + "/initiate",
    access_token_url=BASE + "/token",
    authorize_url=BASE + "/authorize",
    consumer_key=KEY,
    consumer_secret=SECRET,
    signature_method=METHOD,
    rsa_key=RSA_KEY,
)


@provider.tokengetter
def get_provider_token():
    return session.get("provider_token")


@app.route("/login")
def login():
    try:
        return provider.authorize(
            callback=url_for("authorized", next=request.args.get("next") or None)
        )
    except OAuthException as e:
        return jsonify(login_refused={"type": e.type, "data": e.data}), 502


@app.route("/authorized")
def authorized():
    resp = provider.authorized_response()
    if resp is None:
        return jsonify(denied=True)
    session["provider_token"] = (resp["oauth_token"], resp["oauth_token_secret"])
    me = provider.get("me")
    echo_get = provider.get("echo", data={"q": "a b", "n": "1"})
    echo_post = provider.post(
        "echo", data={"status": "Hello Ladies + Gentlemen, a signed OAuth request!"}
    )
    return jsonify(
        next=request.args.get("next"),
        callback=request.url.split("&oauth_token=")[0],
        token_keys=sorted(resp),
        me=[me.status, me.data],
        echo_get=[echo_get.status, echo_get.data],
        echo_post=[echo_post.status, echo_post.data],
    )


def main():
    with app.test_client() as browser:
        login = browser.get("/login?next=/home")
        if login.status_code != 302:
            return login.get_json()
        # The user at the provider's authorization page, granting at once.
        grant = requests.get(
            login.headers["Location"] + "&user=" + USER,
            allow_redirects=False,
            timeout=TIMEOUT,
        )
        assert grant.status_code == 302, (grant.status_code, grant.text)
        back = urlsplit(grant.headers["Location"])
        assert (back.scheme, back.netloc) == ("http", "localhost"), back
        return browser.get(back.path + "?" + back.query).get_json()


if __name__ == "__main__":
    print(json.dumps(main()))
