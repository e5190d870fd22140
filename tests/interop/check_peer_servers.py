"""Self-check for the Authlib peer servers (a dev tool; the Rust tests are the real suite).

Run: ``.venv/bin/python tests/interop/check_peer_servers.py``

Starts tests/interop/authlib_oauth1_server.py and authlib_oauth2_server.py the way the Rust
tests do (stdin and stdout piped, wait for the ``LISTENING <port>`` line), drives full flows
through them with Authlib's own clients (requests_client.OAuth1Session / OAuth2Session), and
with oauthlib's Client for HMAC-SHA256, which Authlib's client does not implement. Ends
the servers by PID. Prints one line per check and a closing ``N passed, N failed`` line;
exits non-zero on any failure.
"""

import os
import select
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlparse

os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

import requests  # noqa: E402
from authlib.integrations.requests_client import (  # noqa: E402
    OAuth1Session,
    OAuth2Session,
    OAuthError,
)
from oauthlib.oauth1 import Client as OAuthlibClient  # noqa: E402

HERE = Path(__file__).resolve().parent
PRIVATE_KEY = (HERE / "keys" / "oauth1_rsa_private.pem").read_text()
CALLBACK = "http://127.0.0.1/callback"
START_TIMEOUT = 20.0

RESULTS = {"passed": 0, "failed": 0}


def check(name, func):
    try:
        func()
    except Exception:  # noqa: BLE001 - report every failure and go on
        RESULTS["failed"] += 1
        print(f"FAIL {name}")
        traceback.print_exc(file=sys.stdout)
    else:
        RESULTS["passed"] += 1
        print(f"ok   {name}")


def expect(condition, message):
    if not condition:
        raise AssertionError(message)


class PeerServer:
    """One peer server process, started as the Rust tests start it."""

    def __init__(self, script):
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / script)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        line = self._read_line(START_TIMEOUT)
        words = line.split()
        if len(words) != 2 or words[0] != "LISTENING":
            self.kill()
            raise RuntimeError(f"{script}: unexpected first line {line!r}")
        self.base = f"http://127.0.0.1:{int(words[1])}"

    def _read_line(self, timeout):
        deadline = time.monotonic() + timeout
        data = b""
        fd = self.proc.stdout.fileno()
        while not data.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([fd], [], [], left)[0]:
                self.kill()
                raise RuntimeError(f"no LISTENING line within {timeout} s")
            chunk = os.read(fd, 1)
            if not chunk:
                raise RuntimeError(f"server exited early with {self.proc.wait()}")
            data += chunk
        return data.decode()

    def url(self, path):
        return self.base + path

    def stats(self):
        return requests.get(self.url("/stats"), timeout=10).json()

    def kill(self):
        if self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        return self.proc.returncode


# --- OAuth 1 -----------------------------------------------------------------------

API_QUERY = [("a", "1"), ("b", "x y"), ("a", "2"), ("sym", "~!*'()")]
API_FORM = [("z", "last"), ("c", "3"), ("z", "first"), ("u", "\u00e9")]


def pairs(items):
    return [list(p) for p in items]


def authorize_oauth1(srv, authorize_url):
    resp = requests.get(authorize_url, allow_redirects=False, timeout=10)
    expect(resp.status_code == 302, f"authorize answered {resp.status_code}")
    location = resp.headers["Location"]
    expect(location.startswith(CALLBACK + "?"), f"redirected to {location}")
    return location


def oauth1_authlib_flow(srv, method, placement):
    def run():
        kwargs = {"client_secret": "interop-secret"}
        if method == "RSA-SHA1":
            kwargs = {"rsa_key": PRIVATE_KEY}
        sess = OAuth1Session(
            "interop-client",
            redirect_uri=CALLBACK,
            signature_method=method,
            signature_type=placement,
            **kwargs,
        )
        request_token = sess.fetch_request_token(srv.url("/initiate"))
        # Authlib's server writes the Python bool: "True", not RFC 5849's "true".
        expect(request_token.get("oauth_callback_confirmed") == "True", request_token)
        url = sess.create_authorization_url(srv.url("/authorize"), user="alice")
        location = authorize_oauth1(srv, url)
        params = sess.parse_authorization_response(location)
        expect(params["oauth_token"] == request_token["oauth_token"], params)
        sess.fetch_access_token(srv.url("/token"))
        for http_method in ("GET", "POST"):
            data = API_FORM if http_method == "POST" else None
            resp = sess.request(
                http_method, srv.url("/api/echo"), params=API_QUERY, data=data, timeout=10
            )
            expect(resp.status_code == 200, f"{http_method} api: {resp.status_code} {resp.text}")
            echo = resp.json()
            scheme = "OAuth" if placement == "HEADER" else None
            want = {
                "method": http_method,
                "query": pairs(API_QUERY),
                "form": pairs(API_FORM) if data else [],
                "user": "alice",
                "authorization_scheme": scheme,
                "signature_method": method,
                "signature_type": placement,
            }
            got = {k: echo[k] for k in want}
            expect(got == want, f"echo {got} != {want}")

    return run


def oauthlib_request(client, method, url, query=(), form=None):
    """Sign with oauthlib's Client and send with requests."""
    if query:
        url = url + "?" + urlencode(list(query))
    headers = {}
    body = None
    if form is not None or client.signature_type == "BODY":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        # A string: oauthlib folds a list of pairs into a dict, losing repeated names.
        body = urlencode(list(form or []))
    uri, headers, body = client.sign(url, http_method=method, body=body, headers=headers)
    return requests.request(method, uri, headers=headers, data=body, timeout=10)


def oauth1_oauthlib_flow(srv, method, placement):
    signature_type = {"HEADER": "AUTH_HEADER", "QUERY": "QUERY", "BODY": "BODY"}[placement]

    def run():
        common = {
            "client_secret": "interop-secret",
            "signature_method": method,
            "signature_type": signature_type,
        }
        client = OAuthlibClient("interop-client", callback_uri=CALLBACK, **common)
        resp = oauthlib_request(client, "POST", srv.url("/initiate"))
        expect(resp.status_code == 200, f"initiate: {resp.status_code} {resp.text}")
        temp = dict(parse_qsl(resp.text))
        location = authorize_oauth1(
            srv, srv.url("/authorize?user=alice&oauth_token=" + temp["oauth_token"])
        )
        verifier = dict(parse_qsl(urlparse(location).query))["oauth_verifier"]
        client = OAuthlibClient(
            "interop-client",
            resource_owner_key=temp["oauth_token"],
            resource_owner_secret=temp["oauth_token_secret"],
            verifier=verifier,
            **common,
        )
        resp = oauthlib_request(client, "POST", srv.url("/token"))
        expect(resp.status_code == 200, f"token: {resp.status_code} {resp.text}")
        token = dict(parse_qsl(resp.text))
        client = OAuthlibClient(
            "interop-client",
            resource_owner_key=token["oauth_token"],
            resource_owner_secret=token["oauth_token_secret"],
            **common,
        )
        resp = oauthlib_request(client, "POST", srv.url("/api/echo"), API_QUERY, API_FORM)
        expect(resp.status_code == 200, f"api: {resp.status_code} {resp.text}")
        echo = resp.json()
        expect(echo["query"] == pairs(API_QUERY), echo)
        expect(echo["form"] == pairs(API_FORM), echo)
        expect(echo["signature_method"] == method, echo)
        expect(echo["signature_type"] == placement, echo)
        # A wrong secret is refused: the server really verifies HMAC-SHA256.
        bad = OAuthlibClient(
            "interop-client",
            client_secret="wrong",
            resource_owner_key=token["oauth_token"],
            resource_owner_secret=token["oauth_token_secret"],
            signature_method=method,
            signature_type=signature_type,
        )
        resp = oauthlib_request(bad, "POST", srv.url("/api/echo"), form=[("q", "1")])
        expect(resp.status_code == 401, f"bad signature: {resp.status_code}")
        expect(resp.json()["error"] == "invalid_signature", resp.text)

    return run


def oauth1_get_endpoints(srv):
    """GET /initiate and GET /token, as Flask-OAuthlib clients fetch request tokens."""

    def run():
        sess = OAuth1Session("interop-client", "interop-secret", redirect_uri=CALLBACK)
        resp = sess.get(srv.url("/initiate"), timeout=10)
        expect(resp.status_code == 200, f"GET initiate: {resp.status_code} {resp.text}")
        sess.token = sess.parse_response_token(resp.status_code, resp.text)
        location = authorize_oauth1(srv, sess.create_authorization_url(srv.url("/authorize")))
        sess.parse_authorization_response(location)
        resp = sess.get(srv.url("/token"), timeout=10)
        expect(resp.status_code == 200, f"GET token: {resp.status_code} {resp.text}")
        sess.auth.verifier = None
        sess.token = sess.parse_response_token(resp.status_code, resp.text)
        echo = sess.get(srv.url("/api/echo"), timeout=10).json()
        expect(echo["user"] == "alice", echo)

    return run


def oauth1_refusals(srv):
    def run():
        # Denied authorization redirects with error=access_denied.
        sess = OAuth1Session("interop-client", "interop-secret", redirect_uri=CALLBACK)
        sess.fetch_request_token(srv.url("/initiate"))
        url = sess.create_authorization_url(srv.url("/authorize"), deny="1")
        location = authorize_oauth1(srv, url)
        expect(dict(parse_qsl(urlparse(location).query))["error"] == "access_denied", location)

        # A replayed request (same nonce and timestamp) is refused.
        client = OAuthlibClient("interop-client", "interop-secret", callback_uri=CALLBACK)
        uri, headers, body = client.sign(srv.url("/initiate"), http_method="POST")
        first = requests.post(uri, headers=headers, timeout=10)
        again = requests.post(uri, headers=headers, timeout=10)
        expect(first.status_code == 200, first.text)
        expect(again.status_code == 401 and "invalid_nonce" in again.text, again.text)

        # A timestamp more than 300 s old is refused.
        stale = OAuthlibClient(
            "interop-client",
            "interop-secret",
            callback_uri=CALLBACK,
            timestamp=str(int(time.time()) - 400),
        )
        uri, headers, _ = stale.sign(srv.url("/initiate"), http_method="POST")
        resp = requests.post(uri, headers=headers, timeout=10)
        expect(resp.status_code == 400, f"stale timestamp: {resp.status_code} {resp.text}")

        stats = srv.stats()
        expect(stats["initiate"] > 0 and stats["token"] > 0 and stats["api"] > 0, stats)

    return run


def check_oauth1():
    srv = PeerServer("authlib_oauth1_server.py")
    try:
        for method in ("HMAC-SHA1", "RSA-SHA1", "PLAINTEXT"):
            for placement in ("HEADER", "QUERY", "BODY"):
                check(
                    f"oauth1 authlib {method} {placement}",
                    oauth1_authlib_flow(srv, method, placement),
                )
        for method in ("HMAC-SHA256", "HMAC-SHA1"):
            for placement in ("HEADER", "QUERY", "BODY"):
                check(
                    f"oauth1 oauthlib {method} {placement}",
                    oauth1_oauthlib_flow(srv, method, placement),
                )
        check("oauth1 GET /initiate and GET /token", oauth1_get_endpoints(srv))
        check("oauth1 deny, replayed nonce, stale timestamp", oauth1_refusals(srv))
    finally:
        rc = srv.kill()
    check("oauth1 server exits 0 on SIGTERM", lambda: expect(rc == 0, f"exit {rc}"))


# --- OAuth 2 -----------------------------------------------------------------------

CLIENTS = {
    "basic": ("basic-client", "basic/secret;&", "client_secret_basic"),
    "post": ("post-client", "post-secret", "client_secret_post"),
    "public": ("public-client", None, "none"),
}


def session(name, **kwargs):
    client_id, secret, method = CLIENTS[name]
    return OAuth2Session(
        client_id,
        secret,
        token_endpoint_auth_method=method,
        revocation_endpoint_auth_method=method,
        redirect_uri=CALLBACK,
        scope="profile email",
        **kwargs,
    )


def code_flow(srv, sess, token_path="/token", **auth_kwargs):
    url, state = sess.create_authorization_url(srv.url("/authorize"), user="alice", **auth_kwargs)
    resp = requests.get(url, allow_redirects=False, timeout=10)
    expect(resp.status_code == 302, f"authorize: {resp.status_code} {resp.text}")
    location = resp.headers["Location"]
    query = dict(parse_qsl(urlparse(location).query))
    expect(query.get("state") == state and "code" in query, location)
    fetch_kwargs = {}
    if "code_verifier" in auth_kwargs:
        fetch_kwargs["code_verifier"] = auth_kwargs["code_verifier"]
    return sess.fetch_token(srv.url(token_path), authorization_response=location, **fetch_kwargs)


def me(srv, sess, placement="header", method="GET"):
    sess.token_auth.token_placement = placement
    # RFC 6750 takes a body token only from a form body, so send a form field along
    # (Authlib's client adds access_token to the body but sets no Content-Type itself).
    data = {"note": "x"} if method == "POST" else None
    return sess.request(method, srv.url("/api/me"), data=data, timeout=10)


def oauth2_code(srv, name):
    def run():
        sess = session(name)
        token = code_flow(srv, sess)
        expect(token["token_type"] == "Bearer" and token["expires_in"] == 3600, token)
        expect(token["scope"] == "profile email" and "refresh_token" in token, token)
        stats = srv.stats()
        expect(stats["last_client_auth"] == CLIENTS[name][2], stats)
        if name == "basic":
            expect(stats["last_authorization_header"].startswith("Basic "), stats)
        else:
            expect(stats["last_authorization_header"] is None, stats)
        for placement, method in (("header", "GET"), ("uri", "GET"), ("body", "POST")):
            resp = me(srv, sess, placement, method)
            expect(resp.status_code == 200, f"{placement}: {resp.status_code} {resp.text}")
            body = resp.json()
            want = {"header": "header", "uri": "query", "body": "body"}[placement]
            expect(body["token_placement"] == want, body)
            expect(body["name"] == "alice" and body["client_id"] == CLIENTS[name][0], body)

    return run


def oauth2_public_pkce(srv):
    def run():
        verifier = "v" * 20 + "-._~" + "0123456789" * 3
        sess = session("public", code_challenge_method="S256")
        token = code_flow(srv, sess, code_verifier=verifier)
        expect("refresh_token" in token, token)
        expect(srv.stats()["last_client_auth"] == "none", srv.stats())
        expect(me(srv, sess).json()["client_id"] == "public-client", "me")
        # Without PKCE the authorization request is refused (redirect with an error).
        url, _ = session("public").create_authorization_url(srv.url("/authorize"))
        location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        expect("error=invalid_request" in location, location)
        # A wrong verifier fails the token request.
        sess = session("public", code_challenge_method="S256")
        try:
            url, _ = sess.create_authorization_url(srv.url("/authorize"), code_verifier=verifier)
            location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
            sess.fetch_token(
                srv.url("/token"), authorization_response=location, code_verifier=verifier[::-1]
            )
        except OAuthError as error:
            expect(error.error == "invalid_grant", error)
        else:
            raise AssertionError("a wrong code_verifier was accepted")

    return run


def oauth2_refresh_rotation(srv):
    def run():
        sess = session("basic")
        first = code_flow(srv, sess)
        before = srv.stats()["refresh_grants"]
        second = sess.refresh_token(srv.url("/token"), refresh_token=first["refresh_token"])
        expect(second["refresh_token"] != first["refresh_token"], second)
        expect(srv.stats()["refresh_grants"] == before + 1, srv.stats())
        expect(me(srv, sess).status_code == 200, "new token works")
        try:
            sess.refresh_token(srv.url("/token"), refresh_token=first["refresh_token"])
        except OAuthError as error:
            expect(error.error == "invalid_grant", error)
        else:
            raise AssertionError("an old refresh token was accepted")
        old = requests.get(
            srv.url("/api/me"),
            headers={"Authorization": "Bearer " + first["access_token"]},
            timeout=10,
        )
        expect(old.status_code == 401, f"old access token: {old.status_code}")

    return run


def oauth2_short_lived(srv):
    def run():
        # A 1-second token; Authlib's session (60 s leeway) refreshes it by itself.
        sess = session("post", token_endpoint=srv.url("/token?expires_in=1"))
        token = code_flow(srv, sess, token_path="/token?expires_in=1")
        expect(token["expires_in"] == 1, token)
        time.sleep(2)
        raw = requests.get(
            srv.url("/api/me"), params={"access_token": token["access_token"]}, timeout=10
        )
        expect(raw.status_code == 401, f"expired token: {raw.status_code}")
        before = srv.stats()["refresh_grants"]
        resp = me(srv, sess)
        expect(resp.status_code == 200, f"after auto-refresh: {resp.status_code}")
        expect(srv.stats()["refresh_grants"] == before + 1, srv.stats())
        expect(sess.token["access_token"] != token["access_token"], "token replaced")
        # N=0: no expires_in, the token does not expire.
        forever = session("post").fetch_token(
            srv.url("/token?expires_in=0"), grant_type="client_credentials"
        )
        expect("expires_in" not in forever, forever)

    return run


def oauth2_revoke(srv):
    def run():
        for name in ("basic", "post", "public"):
            kwargs = {"code_challenge_method": "S256"} if name == "public" else {}
            sess = session(name, **kwargs)
            extra = {"code_verifier": "x" * 50} if name == "public" else {}
            token = code_flow(srv, sess, **extra)
            before = srv.stats()["revocations"]
            resp = sess.revoke_token(
                srv.url("/revoke"), token=token["access_token"], token_type_hint="access_token"
            )
            expect(resp.status_code == 200, f"{name} revoke: {resp.status_code} {resp.text}")
            stats = srv.stats()
            expect(stats["revocations"] == before + 1, stats)
            expect(stats["last_revocation_client_auth"] == CLIENTS[name][2], stats)
            expect(me(srv, sess).status_code == 401, f"{name}: revoked token still works")
            # The refresh token survives an access-token revocation, then is revoked.
            sess.refresh_token(srv.url("/token"), refresh_token=token["refresh_token"])
            expect(me(srv, sess).status_code == 200, "refreshed after revoke")
            resp = sess.revoke_token(srv.url("/revoke"), token=sess.token["refresh_token"])
            expect(resp.status_code == 200, resp.text)
            expect(me(srv, sess).status_code == 401, "access token of revoked refresh token")

    return run


def oauth2_client_credentials_and_password(srv):
    def run():
        for name in ("basic", "post"):
            token = session(name).fetch_token(srv.url("/token"), grant_type="client_credentials")
            expect("refresh_token" not in token and token["expires_in"] == 3600, token)
            body = requests.get(
                srv.url("/api/me"),
                headers={"Authorization": "Bearer " + token["access_token"]},
                timeout=10,
            ).json()
            expect(body["name"] is None and body["client_id"] == CLIENTS[name][0], body)
            sess = session(name)
            token = sess.fetch_token(srv.url("/token"), username="alice", password="wonderland")
            expect("refresh_token" in token, token)
            expect(me(srv, sess).json()["name"] == "alice", "password grant user")
            try:
                session(name).fetch_token(srv.url("/token"), username="alice", password="no")
            except OAuthError as error:
                expect(error.error == "invalid_request", error)
            else:
                raise AssertionError("a wrong password was accepted")
        # GET /token (parameters in the query) works with Basic client auth.
        token = session("basic").fetch_token(
            srv.url("/token"), method="GET", username="alice", password="wonderland"
        )
        expect(token["token_type"] == "Bearer", token)
        # A wrong client secret is refused.
        try:
            OAuth2Session("basic-client", "wrong").fetch_token(
                srv.url("/token"), grant_type="client_credentials"
            )
        except OAuthError as error:
            expect(error.error == "invalid_client", error)
        else:
            raise AssertionError("a wrong client secret was accepted")

    return run


def oauth2_quirky_token_endpoints(srv):
    def run():
        # /token/form: Authlib's client only reads JSON, so it refuses the body as is ...
        try:
            session("post").fetch_token(srv.url("/token/form"), grant_type="client_credentials")
        except ValueError as error:
            expect("not a JSON object" in str(error), error)
        else:
            raise AssertionError("Authlib parsed a form-encoded token response")

        # ... and reads it through an access_token_response compliance hook.
        def form_to_json(resp):
            data = dict(parse_qsl(resp.text))
            resp._content = requests.models.complexjson.dumps(data).encode()
            return resp

        sess = session("post")
        sess.register_compliance_hook("access_token_response", form_to_json)
        token = sess.fetch_token(srv.url("/token/form"), grant_type="client_credentials")
        expect(token["expires_in"] == "3600" and token["token_type"] == "Bearer", token)
        expect(isinstance(token["expires_at"], int), token)
        expect(me(srv, sess).status_code == 200, "form token works")

        # /token/typeless: Authlib defaults token_type to bearer and takes "3600".
        sess = session("basic")
        token = code_flow(srv, sess, token_path="/token/typeless")
        expect("token_type" not in token and token["expires_in"] == "3600", token)
        expect(isinstance(token["expires_at"], int), token)
        expect(me(srv, sess).status_code == 200, "typeless token works")

    return run


def oauth2_refusals(srv):
    def run():
        sess = session("basic")
        token = code_flow(srv, sess)
        both = requests.get(
            srv.url("/api/me"),
            params={"access_token": token["access_token"]},
            headers={"Authorization": "Bearer " + token["access_token"]},
            timeout=10,
        )
        expect(both.status_code == 400, f"two placements: {both.status_code}")
        expect(requests.get(srv.url("/api/me"), timeout=10).status_code == 401, "no token")
        url, _ = sess.create_authorization_url(srv.url("/authorize"), deny="1")
        location = requests.get(url, allow_redirects=False, timeout=10).headers["Location"]
        expect("error=access_denied" in location, location)
        resp = requests.post(srv.url("/token?expires_in=soon"), timeout=10)
        expect(resp.status_code == 400, resp.text)

    return run


def check_oauth2():
    srv = PeerServer("authlib_oauth2_server.py")
    try:
        for name in ("basic", "post"):
            check(f"oauth2 authorization code, {name} client, 3 placements", oauth2_code(srv, name))
        check("oauth2 public client with PKCE S256", oauth2_public_pkce(srv))
        check("oauth2 refresh token rotation", oauth2_refresh_rotation(srv))
        check("oauth2 ?expires_in=1 and auto refresh", oauth2_short_lived(srv))
        check("oauth2 revocation (basic, post, none)", oauth2_revoke(srv))
        check(
            "oauth2 client_credentials, password, GET /token",
            oauth2_client_credentials_and_password(srv),
        )
        check("oauth2 /token/form and /token/typeless", oauth2_quirky_token_endpoints(srv))
        check("oauth2 deny, two placements, bad expires_in", oauth2_refusals(srv))
    finally:
        rc = srv.kill()
    check("oauth2 server exits 0 on SIGTERM", lambda: expect(rc == 0, f"exit {rc}"))


def check_stdin_eof():
    srv = PeerServer("authlib_oauth2_server.py")
    srv.proc.stdin.close()
    try:
        rc = srv.proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = srv.kill()
        raise AssertionError("server outlived its stdin") from None
    expect(rc == 0, f"exit {rc}")


def main():
    check_oauth1()
    check_oauth2()
    check("server exits when its stdin closes", check_stdin_eof)
    print(f"{RESULTS['passed']} passed, {RESULTS['failed']} failed")
    return 1 if RESULTS["failed"] else 0


if __name__ == "__main__":
    sys.exit(main())
