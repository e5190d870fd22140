"""OAuth 1.0a provider built on Authlib's Flask integration: an independent peer for the
Rust interop tests of the OAuth 1 client.

Start: ``.venv/bin/python tests/interop/authlib_oauth1_server.py`` (no arguments). It binds
127.0.0.1 on a port the OS picks, prints exactly one line ``LISTENING <port>`` to stdout,
then serves forever, writing nothing more to stdout (errors, if any, go to stderr; request
logs are off unless INTEROP_PEER_LOG=1, then they go to stderr too). It exits with status 0
on SIGTERM, and also as soon as its stdin reaches end of file, so keep stdin an open pipe
(a server started with stdin from /dev/null exits at once). Storage is in memory only.

Fixtures (constants for the tests)
  client key            interop-client
  client secret         interop-secret
  RSA key pair          tests/interop/keys/oauth1_rsa_private.pem (PKCS#8, for the client)
                        tests/interop/keys/oauth1_rsa_public.pem  (SPKI, loaded here)
  default callback      http://127.0.0.1/callback  (used when oauth_callback is "oob")
  signature methods     HMAC-SHA1, HMAC-SHA256, RSA-SHA1, PLAINTEXT
                        (HMAC-SHA256 is not built into Authlib; it is registered here with
                        register_signature_method: HMAC-SHA256 over Authlib's signature base
                        string, key = escape(client secret) & escape(token secret), base64,
                        compared in constant time)
  signature placement   Authorization header, query string or form body (one of them only)
  timestamps            Authlib's default: refused (400) when more than 300 s in the
                        past; a timestamp in the future is not checked
  nonces                kept in an in-memory set keyed by (client key, token, timestamp,
                        nonce); a reuse is refused with 401 invalid_nonce. Authlib checks
                        the nonce before the signature, so a badly signed request uses its
                        nonce up too.

Endpoints
  POST|GET /initiate    temporary credentials. oauth_callback is required ("oob" or an
                        absolute URL). Authlib only allows the one method named by
                        AuthorizationServer.TEMPORARY_CREDENTIALS_METHOD ("POST"); here that
                        attribute is a property that answers with the method of the request
                        being served when it is GET or POST, so a GET is accepted (and must
                        be signed as a GET). Reply: form-encoded oauth_token,
                        oauth_token_secret, oauth_callback_confirmed=True (sic: Authlib
                        writes Python's True, not RFC 5849's "true").
  GET /authorize?oauth_token=T[&user=NAME][&deny=1]
                        no login page: approves at once for user NAME (default "alice") and
                        answers 302 to the callback with oauth_token and oauth_verifier
                        (Authlib's create_authorization_response). With deny=1 it answers 302
                        to the callback with error=access_denied instead. An unknown token
                        gets 401 with a form-encoded error body, no redirect.
  POST|GET /token       token credentials, in exchange for the authorized temporary
                        credentials and oauth_verifier. Reply: form-encoded oauth_token,
                        oauth_token_secret. Authlib deletes the temporary credentials after
                        this request, whether it succeeded or not.
  GET|POST /api/echo    protected resource (Authlib's ResourceProtector). Reply JSON:
                          {"method": "GET"|"POST"|...,
                           "query": [[k, v], ...],   # decoded, names not starting "oauth_",
                           "form":  [[k, v], ...],   #   in the order received
                           "user": "alice",
                           "authorization_scheme": "OAuth" | null,  # first word of the
                                                                    # Authorization header
                           "signature_method": "HMAC-SHA1" | ...,
                           "signature_type": "HEADER" | "QUERY" | "BODY",  # Authlib's names
                           "content_type": <Content-Type header> | null}
                        Errors: Authlib's OAuth1 error as JSON, status 400 or 401.
  GET|POST /api/me      protected resource, protected and refused as /api/echo. Reply JSON
                          {"user": "alice", "client_key": "interop-client",
                           "signature_method": "HMAC-SHA1" | ...}
  GET|POST /api/me/xml, /api/me/form, /api/me/text
                        the same resource in other formats (errors stay JSON):
                          xml   Content-Type application/xml; charset=utf-8:
                                <me><user>alice</user><client_key>..</client_key>
                                <signature_method>..</signature_method></me> (no
                                whitespace between elements)
                          form  Content-Type application/x-www-form-urlencoded:
                                user=alice&client_key=..&signature_method=.. in that order
                          text  Content-Type text/plain; charset=utf-8: the JSON body of
                                /api/me, as a provider that labels JSON as text does (a
                                client must force the type)
  GET /stats            JSON counters of requests received (successful or not):
                        {"initiate": n, "token": n, "api": n (/api/echo, /api/me and its
                         variants), "last_initiate_method": "GET" | "POST" | null}

Notes on request parsing
  - The form body (Content-Type application/x-www-form-urlencoded, any method) is handed to
    Authlib as a string, so repeated parameters keep every value in the signature base
    string; Authlib's own Flask glue passes request.form.to_dict() (one value per name,
    POST/PUT only).
  - Query and form body are decoded and re-encoded (every character but A-Z a-z 0-9 - . _ ~
    percent-encoded) before Authlib sees them: Authlib's parser refuses characters RFC 3986
    allows in a query, such as ' and $. The decoded pairs, and so the signature base
    string, are unchanged.
  - The base string URI takes its host from the Host header.
  - Authlib percent-decodes oauth_* values a second time when it builds the base string, so
    an oauth_* value holding "%" (say oauth_callback=http://127.0.0.1/cb?next=%2Fx) fails
    verification when signed per RFC 5849 in the Authorization header. Keep "%" out of
    callbacks (the fixed one has none).
  - A request Authlib cannot parse (such as a malformed Authorization header) gets 400
    {"error": "invalid_request", ...} rather than a 500.
"""

import base64
import hashlib
import hmac
import os
import threading
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlencode

# Authlib refuses http:// URLs unless this is set before it is used.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from flask import Flask, Response, g, json, jsonify, request  # noqa: E402
from peer_serve import serve  # noqa: E402

from authlib.integrations.flask_oauth1 import (  # noqa: E402
    AuthorizationServer,
    ResourceProtector,
)
from authlib.oauth1 import OAuth1Request, TemporaryCredential  # noqa: E402
from authlib.oauth1.errors import OAuth1Error  # noqa: E402
from authlib.oauth1.rfc5849.signature import generate_signature_base_string  # noqa: E402
from authlib.oauth1.rfc5849.util import escape  # noqa: E402

CLIENT_KEY = "interop-client"
CLIENT_SECRET = "interop-secret"
DEFAULT_CALLBACK = "http://127.0.0.1/callback"
DEFAULT_USER = "alice"
SIGNATURE_METHODS = ["HMAC-SHA1", "HMAC-SHA256", "RSA-SHA1", "PLAINTEXT"]
RSA_PUBLIC_KEY = (Path(__file__).parent / "keys" / "oauth1_rsa_public.pem").read_text()

FORM_MIMETYPE = "application/x-www-form-urlencoded"


# --- in-memory storage -------------------------------------------------------------

LOCK = threading.RLock()
NONCES = set()  # (client_key, token, timestamp, nonce)
TEMPORARY = {}  # oauth_token -> TemporaryCredential
TOKENS = {}  # oauth_token -> TokenCredential
STATS = {"initiate": 0, "token": 0, "api": 0, "last_initiate_method": None}


def count(name):
    with LOCK:
        STATS[name] += 1


class Client:
    def __init__(self, key, secret, rsa_public_key, default_redirect_uri):
        self.client_id = key
        self.client_secret = secret
        self.rsa_public_key = rsa_public_key
        self.default_redirect_uri = default_redirect_uri

    def get_default_redirect_uri(self):
        return self.default_redirect_uri

    def get_client_secret(self):
        return self.client_secret

    def get_rsa_public_key(self):
        return self.rsa_public_key


CLIENTS = {CLIENT_KEY: Client(CLIENT_KEY, CLIENT_SECRET, RSA_PUBLIC_KEY, DEFAULT_CALLBACK)}


class TokenCredential:
    def __init__(self, oauth_token, oauth_token_secret, client_id, user):
        self.oauth_token = oauth_token
        self.oauth_token_secret = oauth_token_secret
        self.client_id = client_id
        self.user = user

    def get_oauth_token(self):
        return self.oauth_token

    def get_oauth_token_secret(self):
        return self.oauth_token_secret


def query_client(client_id):
    return CLIENTS.get(client_id)


def exists_nonce(nonce, timestamp, client_id, token):
    """True when this nonce was seen before for the same client, token and timestamp;
    otherwise records it and answers False."""
    key = (client_id, token, timestamp, nonce)
    with LOCK:
        if key in NONCES:
            return True
        NONCES.add(key)
        return False


def create_temporary_credential(token, client_id, redirect_uri):
    credential = TemporaryCredential(token)
    credential["client_id"] = client_id
    if redirect_uri:
        credential["oauth_callback"] = redirect_uri
    with LOCK:
        TEMPORARY[credential["oauth_token"]] = credential
    return credential


def get_temporary_credential(oauth_token):
    if not oauth_token:
        return None
    with LOCK:
        return TEMPORARY.get(oauth_token)


def delete_temporary_credential(oauth_token):
    with LOCK:
        TEMPORARY.pop(oauth_token, None)


def create_authorization_verifier(credential, grant_user, verifier):
    with LOCK:
        credential["oauth_verifier"] = verifier
        credential["user_id"] = grant_user


def create_token_credential(token, temporary_credential):
    credential = TokenCredential(
        token["oauth_token"],
        token["oauth_token_secret"],
        temporary_credential.get_client_id(),
        temporary_credential.get_user_id(),
    )
    with LOCK:
        TOKENS[credential.oauth_token] = credential
    return credential


def query_token(client_id, oauth_token):
    with LOCK:
        credential = TOKENS.get(oauth_token)
    if credential is not None and credential.client_id == client_id:
        return credential
    return None


# --- HMAC-SHA256 (not built into Authlib) ------------------------------------------


def verify_hmac_sha256(oauth1_request):
    """RFC 5849 section 3.4.2 with SHA-256 in place of SHA-1."""
    client_secret = oauth1_request.client_secret
    if not client_secret:
        return False
    base_string = generate_signature_base_string(oauth1_request)
    key = escape(client_secret) + "&" + escape(oauth1_request.token_secret or "")
    digest = hmac.new(key.encode("utf-8"), base_string.encode("utf-8"), hashlib.sha256)
    expected = base64.b64encode(digest.digest())
    received = (oauth1_request.signature or "").encode("utf-8")
    return hmac.compare_digest(expected, received)


# --- request glue ------------------------------------------------------------------


def raw_form_body(req):
    """The form body as sent, or None when the request does not carry one."""
    if req.mimetype == FORM_MIMETYPE:
        return req.get_data(as_text=True)
    return None


def canonical_form(raw):
    """Re-encode form-encoded text so that Authlib's strict parser takes it.

    Authlib's url_decode refuses characters RFC 3986 allows in a query (such as ' and $).
    Decoding and re-encoding every character but the unreserved ones leaves the decoded
    name/value pairs, and so the signature base string, unchanged."""
    pairs = parse_qsl(raw, keep_blank_values=True)
    return urlencode(pairs, quote_via=quote, safe="~")


def authlib_view(req):
    """(url, body) of a request in the form handed to Authlib."""
    url = req.base_url
    query = req.query_string.decode("utf-8", "replace")
    if query:
        url += "?" + canonical_form(query)
    body = raw_form_body(req)
    if body:
        body = canonical_form(body)
    return url, body


def bad_request(description):
    body = {"error": "invalid_request", "error_description": description}
    return jsonify(body), 400


class PeerAuthorizationServer(AuthorizationServer):
    @property
    def TEMPORARY_CREDENTIALS_METHOD(self):  # noqa: N802 (Authlib's attribute name)
        # Authlib compares the request method with this one value; answering with the
        # method being served lets both GET and POST through, and nothing else.
        method = request.method.upper()
        return method if method in ("GET", "POST") else "POST"

    def create_oauth1_request(self, req):
        if req is None:
            req = request
        url, body = authlib_view(req)
        return OAuth1Request(req.method, url, body, req.headers)


class PeerResourceProtector(ResourceProtector):
    def acquire_credential(self):
        url, body = authlib_view(request)
        oauth1_request = self.validate_request(request.method, url, body, request.headers)
        g.oauth1_request = oauth1_request
        return oauth1_request.credential


app = Flask(__name__)
app.config["OAUTH1_SUPPORTED_SIGNATURE_METHODS"] = SIGNATURE_METHODS

server = PeerAuthorizationServer(app, query_client=query_client)
server.register_signature_method("HMAC-SHA256", verify_hmac_sha256)
server.register_hook("exists_nonce", exists_nonce)
server.register_hook("create_temporary_credential", create_temporary_credential)
server.register_hook("get_temporary_credential", get_temporary_credential)
server.register_hook("delete_temporary_credential", delete_temporary_credential)
server.register_hook("create_authorization_verifier", create_authorization_verifier)
server.register_hook("create_token_credential", create_token_credential)

protector = PeerResourceProtector(
    app, query_client=query_client, query_token=query_token, exists_nonce=exists_nonce
)
protector.register_signature_method("HMAC-SHA256", verify_hmac_sha256)


@app.route("/initiate", methods=["GET", "POST"])
def initiate():
    count("initiate")
    with LOCK:
        STATS["last_initiate_method"] = request.method
    try:
        return server.create_temporary_credentials_response()
    except ValueError as error:
        return bad_request(str(error))


@app.route("/authorize", methods=["GET"])
def authorize():
    user = request.args.get("user") or DEFAULT_USER
    grant_user = None if request.args.get("deny") else user
    try:
        return server.create_authorization_response(grant_user=grant_user)
    except OAuth1Error as error:
        return server.handle_error_response(error)
    except ValueError as error:
        return bad_request(str(error))


@app.route("/token", methods=["GET", "POST"])
def token():
    count("token")
    try:
        return server.create_token_response()
    except ValueError as error:
        return bad_request(str(error))


def _without_oauth_params(pairs):
    return [[k, v] for k, v in pairs if not k.startswith("oauth_")]


def protected(view):
    """Counts the request in "api", then serves `view(credential)` if the request is signed
    with a valid token credential, else Authlib's OAuth1 error as JSON."""

    def wrapper():
        count("api")
        try:
            credential = protector.acquire_credential()
        except OAuth1Error as error:
            return Response(
                json.dumps(dict(error.get_body())),
                status=error.status_code,
                content_type="application/json",
            )
        except ValueError as error:
            return bad_request(str(error))
        return view(credential)

    wrapper.__name__ = view.__name__
    return wrapper


@app.route("/api/echo", methods=["GET", "POST"])
@protected
def api_echo(credential):
    query = parse_qsl(request.query_string.decode("utf-8", "replace"), keep_blank_values=True)
    body = raw_form_body(request)
    form = parse_qsl(body, keep_blank_values=True) if body else []
    authorization = request.headers.get("Authorization")
    oauth1_request = g.oauth1_request
    return jsonify(
        {
            "method": request.method,
            "query": _without_oauth_params(query),
            "form": _without_oauth_params(form),
            "user": credential.user,
            "authorization_scheme": authorization.split()[0] if authorization else None,
            "signature_method": oauth1_request.signature_method,
            "signature_type": oauth1_request.signature_type,
            "content_type": request.headers.get("Content-Type"),
        }
    )


def me_fields(credential):
    """The /api/me fields, in reply order."""
    return {
        "user": credential.user,
        "client_key": credential.client_id,
        "signature_method": g.oauth1_request.signature_method,
    }


@app.route("/api/me", methods=["GET", "POST"])
@protected
def api_me(credential):
    return jsonify(me_fields(credential))


@app.route("/api/me/xml", methods=["GET", "POST"])
@protected
def api_me_xml(credential):
    root = ET.Element("me")
    for name, value in me_fields(credential).items():
        ET.SubElement(root, name).text = value
    body = ET.tostring(root, encoding="unicode")
    return Response(body, status=200, content_type="application/xml; charset=utf-8")


@app.route("/api/me/form", methods=["GET", "POST"])
@protected
def api_me_form(credential):
    body = urlencode(list(me_fields(credential).items()))
    return Response(body, status=200, content_type=FORM_MIMETYPE)


@app.route("/api/me/text", methods=["GET", "POST"])
@protected
def api_me_text(credential):
    body = json.dumps(me_fields(credential))
    return Response(body, status=200, content_type="text/plain; charset=utf-8")


@app.route("/stats", methods=["GET"])
def stats():
    with LOCK:
        return jsonify(dict(STATS))


# --- process plumbing (shared: peer_serve.py) ----------------------------------------

if __name__ == "__main__":
    serve(app)
