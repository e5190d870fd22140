"""OAuth 2.0 authorization and resource server built on Authlib's Flask integration: an
independent peer for the Rust interop tests of the OAuth 2 client.

Start: ``.venv/bin/python tests/interop/authlib_oauth2_server.py`` (no arguments). It binds
127.0.0.1 on a port the OS picks, prints exactly one line ``LISTENING <port>`` to stdout,
then serves forever, writing nothing more to stdout (errors, if any, go to stderr; request
logs are off unless INTEROP_PEER_LOG=1, then they go to stderr too). It exits with status 0
on SIGTERM, and also as soon as its stdin reaches end of file, so keep stdin an open pipe
(a server started with stdin from /dev/null exits at once). Storage is in memory only.

Fixtures (constants for the tests). Every client has redirect_uri
http://127.0.0.1/callback and scope "profile email" (the default when none is asked for;
a scope outside those two is refused with invalid_scope).
  client_id       secret            token endpoint auth   grant types
  basic-client    basic/secret;&    client_secret_basic   authorization_code,
                                                          refresh_token,
                                                          client_credentials, password
  post-client     post-secret       client_secret_post    (same four)
  public-client   (none)            none                  authorization_code,
                                                          refresh_token; PKCE required
  Resource owner: alice / wonderland (password grant). The client secret of basic-client
  holds characters that the RFC 6749 2.3.1 form-encoding changes; Authlib's server
  percent-decodes both halves of the Basic credentials, so an encoded secret
  (basic%2Fsecret%3B%26) and the raw one both pass. Each client may authenticate only by
  its own method, at /token and at /revoke alike.

Endpoints
  GET /authorize?response_type=code&client_id=..&redirect_uri=..&scope=..&state=..
        [&code_challenge=..&code_challenge_method=S256][&user=NAME][&deny=1]
        no login page: approves at once for user NAME (default "alice") and answers 302 to
        redirect_uri with code and state (Authlib's create_authorization_response). With
        deny=1: 302 with error=access_denied (and state). For public-client a
        code_challenge with code_challenge_method=S256 is required (else 302 with
        error=invalid_request); confidential clients may use PKCE (plain or S256) too.
        An unknown client or redirect_uri gets a 400 JSON error, no redirect. Codes live
        600 s and are single-use.
  POST /token
        Authlib's token endpoint, all grants: authorization_code (code_verifier checked by
        rfc7636 CodeChallenge(required=True)), refresh_token, client_credentials, password.
        JSON reply {"access_token", "token_type": "Bearer", "expires_in": 3600, "scope",
        "refresh_token" (not for client_credentials)}. Errors: Authlib's JSON errors
        (invalid_client is 401 with WWW-Authenticate when Basic was an accepted method).
  GET /token
        also works, with the parameters in the query string: Authlib reads the grant
        parameters from request.form, so here request.form is the query for a GET, and
        the grants allow GET (TOKEN_ENDPOINT_HTTP_METHODS).
  POST /token/form
        the same endpoint, but a successful body is re-encoded as
        application/x-www-form-urlencoded (as GitHub and Facebook once answered), so
        expires_in is a string. Error replies stay JSON.
  POST /token/typeless
        the same endpoint, but a successful JSON body has no token_type and expires_in is a
        string ("3600"), as Slack answered. Error replies are unchanged.
  Short-lived tokens: add ?expires_in=N to the token endpoint URL (any of the three, any
        grant, also for POST, where the rest stays in the body): the issued access token's
        expires_in is N seconds. N=0 omits expires_in and the token never expires. N that
        is not a non-negative integer gets 400 invalid_request.
  Refresh tokens rotate: each refresh_token grant issues a new refresh token and revokes
        the old refresh token and the access token issued with it; reusing the old refresh
        token fails with 400 invalid_grant. Token requests are served one at a time, so of
        two concurrent refreshes with one token, exactly one succeeds.
  POST /revoke
        RFC 7009 (Authlib's RevocationEndpoint), form body token=..[&token_type_hint=
        access_token|refresh_token], client authenticated by its own method. Revoking a
        refresh token revokes its access token too; revoking an access token leaves the
        refresh token usable. The hint only orders the lookup. An unknown token answers
        200 {}; another client's token answers 400 invalid_grant; an unknown hint answers
        400 unsupported_token_type.
  GET|POST /api/me
        protected by Authlib's ResourceProtector with a BearerTokenValidator. The token is
        taken from the Authorization header ("Bearer T"), else from the query parameter
        access_token, else from a form body parameter access_token (not for GET; Content-
        Type application/x-www-form-urlencoded), as RFC 6750 allows; Authlib itself reads
        only the header, so parse_request_authorization is extended here. A request
        carrying it in more than one place gets 400 invalid_request (RFC 6750 section 2).
        Reply JSON {"name": "alice" (null for a client_credentials token), "client_id",
        "scope", "token_placement": "header"|"query"|"body"}. Missing, unknown, expired
        or revoked tokens get 401 (invalid_token / missing_authorization).
  GET|POST /api/me/xml, /api/me/form, /api/me/text
        the same resource, protected the same way (errors stay JSON), in other formats:
          xml   Content-Type application/xml; charset=utf-8:
                <me><name>alice</name><client_id>..</client_id><scope>..</scope>
                <token_placement>header</token_placement></me> (no whitespace between
                elements; <name /> for a client_credentials token)
          form  Content-Type application/x-www-form-urlencoded: name=alice&client_id=..
                &scope=..&token_placement=.. in that order (name= empty for a
                client_credentials token)
          text  Content-Type text/plain; charset=utf-8: the JSON body of /api/me, as a
                provider that labels JSON as text does (a client must force the type)
  GET|POST /api/me/xml-ns
        as /api/me/xml, but the root declares a default namespace:
        <me xmlns="urn:example:me">..</me>
  GET|POST /api/empty
        protected the same way; 200 with an empty body labelled application/json (a
        provider that answered nothing)
  GET /stats
        JSON {"token_requests": n (all three token URLs, any method, success or not),
              "refresh_grants": n (token requests with grant_type=refresh_token),
              "revocations": n (requests to /revoke),
              "last_client_auth": how the client authenticated on the last token request:
                  "client_secret_basic"|"client_secret_post"|"none", null if it failed,
              "last_authorization_header": raw Authorization header of the last token
                  request, or null,
              "last_token_method", "last_token_query": the last token request's method and
                  raw query string,
              "last_revocation_client_auth", "last_revocation_authorization_header": the
                  same two for the last /revoke request,
              "authorize": n, "api": n (requests to /api/me and its variants, served or
                  refused)}
"""

import hmac
import os
import threading
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

# Authlib refuses http:// URLs unless this is set before it is used.
os.environ["AUTHLIB_INSECURE_TRANSPORT"] = "1"

from flask import Flask, Response, g, json, jsonify, request  # noqa: E402
from peer_serve import serve  # noqa: E402

from authlib.common.security import generate_token  # noqa: E402
from authlib.common.urls import url_encode  # noqa: E402
from authlib.integrations.flask_oauth2 import (  # noqa: E402
    AuthorizationServer,
    ResourceProtector,
    current_token,
)
from authlib.integrations.flask_oauth2.requests import FlaskOAuth2Request  # noqa: E402
from authlib.oauth2 import OAuth2Error  # noqa: E402
from authlib.oauth2.rfc6749 import (  # noqa: E402
    AuthorizationCodeMixin,
    ClientMixin,
    InvalidRequestError,
    TokenMixin,
    grants,
)
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list  # noqa: E402
from authlib.oauth2.rfc6750 import BearerTokenGenerator, BearerTokenValidator  # noqa: E402
from authlib.oauth2.rfc7009 import RevocationEndpoint  # noqa: E402
from authlib.oauth2.rfc7636 import CodeChallenge  # noqa: E402

REDIRECT_URI = "http://127.0.0.1/callback"
SCOPE = "profile email"
DEFAULT_USER = "alice"
USERS = {"alice": "wonderland"}
DEFAULT_EXPIRES_IN = 3600
CODE_LIFETIME = 600
ALL_GRANTS = ("authorization_code", "refresh_token", "client_credentials", "password")
FORM_MIMETYPE = "application/x-www-form-urlencoded"


# --- models and in-memory storage --------------------------------------------------

LOCK = threading.RLock()
# Token requests run one at a time so that refresh-token rotation is atomic.
TOKEN_ENDPOINT_LOCK = threading.Lock()


@dataclass(frozen=True)
class User:
    name: str

    def get_user_id(self):
        return self.name


@dataclass
class Client(ClientMixin):
    client_id: str
    client_secret: str
    auth_method: str
    grant_types: tuple
    redirect_uris: tuple = (REDIRECT_URI,)
    scope: str = SCOPE

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return self.redirect_uris[0]

    def get_allowed_scope(self, scope):
        if not scope:
            return self.scope
        allowed = set(scope_to_list(self.scope))
        return list_to_scope([s for s in scope_to_list(scope) if s in allowed])

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.redirect_uris

    def check_client_secret(self, client_secret):
        if not self.client_secret:
            return False
        return hmac.compare_digest(
            client_secret.encode("utf-8"), self.client_secret.encode("utf-8")
        )

    def check_endpoint_auth_method(self, method, endpoint):
        return method == self.auth_method

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type in self.grant_types


CLIENTS = {
    c.client_id: c
    for c in (
        Client("basic-client", "basic/secret;&", "client_secret_basic", ALL_GRANTS),
        Client("post-client", "post-secret", "client_secret_post", ALL_GRANTS),
        Client("public-client", "", "none", ("authorization_code", "refresh_token")),
    )
}


@dataclass
class AuthorizationCode(AuthorizationCodeMixin):
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    user: str
    code_challenge: str
    code_challenge_method: str
    issued_at: float = field(default_factory=time.time)

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def is_expired(self):
        return time.time() > self.issued_at + CODE_LIFETIME


@dataclass
class Token(TokenMixin):
    access_token: str
    refresh_token: str
    token_type: str
    client_id: str
    user: str
    scope: str
    expires_in: int
    issued_at: float = field(default_factory=time.time)
    access_revoked: bool = False
    refresh_revoked: bool = False

    def check_client(self, client):
        return client.get_client_id() == self.client_id

    def get_scope(self):
        return self.scope

    def get_expires_in(self):
        return self.expires_in

    def is_expired(self):
        if not self.expires_in:
            return False
        return time.time() >= self.issued_at + self.expires_in

    def is_revoked(self):
        return self.access_revoked

    def get_user(self):
        return User(self.user) if self.user else None

    def get_client(self):
        return CLIENTS.get(self.client_id)


CODES = {}  # code -> AuthorizationCode
ACCESS_TOKENS = {}  # access_token -> Token
REFRESH_TOKENS = {}  # refresh_token -> Token
STATS = {
    "token_requests": 0,
    "refresh_grants": 0,
    "revocations": 0,
    "last_client_auth": None,
    "last_authorization_header": None,
    "last_token_method": None,
    "last_token_query": None,
    "last_revocation_client_auth": None,
    "last_revocation_authorization_header": None,
    "authorize": 0,
    "api": 0,
}


def query_client(client_id):
    return CLIENTS.get(client_id)


def save_token(token, oauth2_request):
    user = oauth2_request.user
    item = Token(
        access_token=token["access_token"],
        refresh_token=token.get("refresh_token"),
        token_type=token["token_type"],
        client_id=oauth2_request.client.get_client_id(),
        user=user.name if user else None,
        scope=token.get("scope"),
        expires_in=token.get("expires_in") or 0,
    )
    with LOCK:
        ACCESS_TOKENS[item.access_token] = item
        if item.refresh_token:
            REFRESH_TOKENS[item.refresh_token] = item


def requested_expires_in(client, grant_type):
    """expires_in for a new access token: ?expires_in=N on the token URL, else 3600."""
    value = request.args.get("expires_in")
    return int(value) if value is not None else DEFAULT_EXPIRES_IN


# --- grants ------------------------------------------------------------------------

SECRET_METHODS = ["client_secret_basic", "client_secret_post"]
ALL_METHODS = SECRET_METHODS + ["none"]
TOKEN_HTTP_METHODS = ["GET", "POST"]


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    TOKEN_ENDPOINT_HTTP_METHODS = TOKEN_HTTP_METHODS

    def save_authorization_code(self, code, oauth2_request):
        data = oauth2_request.payload.data
        item = AuthorizationCode(
            code=code,
            client_id=oauth2_request.client.get_client_id(),
            redirect_uri=oauth2_request.payload.redirect_uri,
            scope=oauth2_request.scope,
            user=oauth2_request.user.name,
            code_challenge=data.get("code_challenge"),
            code_challenge_method=data.get("code_challenge_method"),
        )
        with LOCK:
            CODES[code] = item

    def query_authorization_code(self, code, client):
        with LOCK:
            item = CODES.get(code)
        if item and item.client_id == client.get_client_id() and not item.is_expired():
            return item
        return None

    def delete_authorization_code(self, authorization_code):
        with LOCK:
            CODES.pop(authorization_code.code, None)

    def authenticate_user(self, authorization_code):
        return User(authorization_code.user)


def require_s256_for_public_clients(grant):
    """Grant extension: a client without a secret must send an S256 code_challenge."""

    def check(grant, _result):
        if grant.request.client.auth_method != "none":
            return
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("PKCE is required: missing 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("PKCE 'code_challenge_method' must be S256.")

    grant.register_hook("after_validate_authorization_request_payload", check)


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = ALL_METHODS
    TOKEN_ENDPOINT_HTTP_METHODS = TOKEN_HTTP_METHODS
    INCLUDE_NEW_REFRESH_TOKEN = True

    def authenticate_refresh_token(self, refresh_token):
        with LOCK:
            item = REFRESH_TOKENS.get(refresh_token)
        if item and not item.refresh_revoked:
            return item
        return None

    def authenticate_user(self, credential):
        return credential.get_user()

    def revoke_old_credential(self, credential):
        with LOCK:
            credential.refresh_revoked = True
            credential.access_revoked = True


class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_METHODS
    TOKEN_ENDPOINT_HTTP_METHODS = TOKEN_HTTP_METHODS

    def authenticate_user(self, username, password):
        expected = USERS.get(username)
        if expected is not None and hmac.compare_digest(
            password.encode("utf-8"), expected.encode("utf-8")
        ):
            return User(username)
        return None


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = SECRET_METHODS
    TOKEN_ENDPOINT_HTTP_METHODS = TOKEN_HTTP_METHODS


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = ALL_METHODS

    def query_token(self, token_string, token_type_hint):
        with LOCK:
            if token_type_hint == "refresh_token":
                return REFRESH_TOKENS.get(token_string) or ACCESS_TOKENS.get(token_string)
            return ACCESS_TOKENS.get(token_string) or REFRESH_TOKENS.get(token_string)

    def revoke_token(self, token, oauth2_request):
        with LOCK:
            token.access_revoked = True
            if oauth2_request.form.get("token") == token.refresh_token:
                token.refresh_revoked = True


# --- server glue -------------------------------------------------------------------


class PeerOAuth2Request(FlaskOAuth2Request):
    @property
    def form(self):
        # Authlib's grants read their parameters from request.form; for GET /token they
        # are in the query string.
        if self._request.method == "GET":
            return self._request.args
        return self._request.form


class PeerAuthorizationServer(AuthorizationServer):
    def create_oauth2_request(self, req):
        return PeerOAuth2Request(request)

    def authenticate_client(self, oauth2_request, methods, endpoint="token"):
        client = super().authenticate_client(oauth2_request, methods, endpoint)
        key = "last_client_auth" if endpoint == "token" else "last_revocation_client_auth"
        with LOCK:
            STATS[key] = oauth2_request.auth_method
        return client


class PeerBearerTokenValidator(BearerTokenValidator):
    def authenticate_token(self, token_string):
        with LOCK:
            return ACCESS_TOKENS.get(token_string)


class PeerResourceProtector(ResourceProtector):
    def parse_request_authorization(self, oauth2_request):
        """Header as Authlib does, plus the query and form-body placements of RFC 6750."""
        found = []
        if request.headers.get("Authorization"):
            found.append(("header", None))
        if "access_token" in request.args:
            found.append(("query", request.args["access_token"]))
        if (
            request.method != "GET"
            and request.mimetype == FORM_MIMETYPE
            and "access_token" in request.form
        ):
            found.append(("body", request.form["access_token"]))
        if len(found) > 1:
            raise InvalidRequestError(
                "The access token was sent in more than one way: "
                + ", ".join(place for place, _ in found)
            )
        placement, token_string = found[0] if found else ("header", None)
        g.token_placement = placement
        if placement == "header":
            return super().parse_request_authorization(oauth2_request)
        return self.get_token_validator("bearer"), token_string


app = Flask(__name__)
app.config["OAUTH2_SCOPES_SUPPORTED"] = scope_to_list(SCOPE)

server = PeerAuthorizationServer(app, query_client=query_client, save_token=save_token)
server.register_token_generator(
    "default",
    BearerTokenGenerator(
        access_token_generator=lambda **_: generate_token(42),
        refresh_token_generator=lambda **_: generate_token(48),
        expires_generator=requested_expires_in,
    ),
)
server.register_grant(
    AuthorizationCodeGrant, [CodeChallenge(required=True), require_s256_for_public_clients]
)
server.register_grant(RefreshTokenGrant)
server.register_grant(PasswordGrant)
server.register_grant(ClientCredentialsGrant)
server.register_endpoint(Revocation)

require_oauth = PeerResourceProtector()
require_oauth.register_token_validator(PeerBearerTokenValidator())


def json_error(status, error, description):
    return jsonify({"error": error, "error_description": description}), status


@app.route("/authorize", methods=["GET"])
def authorize():
    with LOCK:
        STATS["authorize"] += 1
    user = User(request.args.get("user") or DEFAULT_USER)
    try:
        grant = server.get_consent_grant(end_user=user)
    except OAuth2Error as error:
        return server.handle_error_response(None, error)
    grant_user = None if request.args.get("deny") else user
    return server.create_authorization_response(grant_user=grant_user, grant=grant)


def token_endpoint(style):
    with LOCK:
        STATS["token_requests"] += 1
        if request.values.get("grant_type") == "refresh_token":
            STATS["refresh_grants"] += 1
        STATS["last_client_auth"] = None
        STATS["last_authorization_header"] = request.headers.get("Authorization")
        STATS["last_token_method"] = request.method
        STATS["last_token_query"] = request.query_string.decode("ascii")
    expires_in = request.args.get("expires_in")
    if expires_in is not None and not (expires_in.isascii() and expires_in.isdigit()):
        return json_error(400, "invalid_request", "expires_in must be a whole number.")
    with TOKEN_ENDPOINT_LOCK:
        response = server.create_token_response()
    if style == "json" or response.status_code != 200:
        return response

    token = json.loads(response.get_data(as_text=True))
    if "expires_in" in token:
        token["expires_in"] = str(token["expires_in"])
    if style == "form":
        body = url_encode([(k, str(v)) for k, v in token.items()])
        content_type = FORM_MIMETYPE
    else:  # typeless
        token.pop("token_type", None)
        body = json.dumps(token)
        content_type = "application/json"
    return Response(
        body,
        status=200,
        headers={"Cache-Control": "no-store", "Pragma": "no-cache"},
        content_type=content_type,
    )


@app.route("/token", methods=["GET", "POST"])
def token_json():
    return token_endpoint("json")


@app.route("/token/form", methods=["POST"])
def token_form():
    return token_endpoint("form")


@app.route("/token/typeless", methods=["POST"])
def token_typeless():
    return token_endpoint("typeless")


@app.route("/revoke", methods=["POST"])
def revoke():
    with LOCK:
        STATS["revocations"] += 1
        STATS["last_revocation_client_auth"] = None
        STATS["last_revocation_authorization_header"] = request.headers.get(
            "Authorization"
        )
    return server.create_endpoint_response(Revocation.ENDPOINT_NAME)


def me_fields():
    """The /api/me fields of the token being served, in reply order."""
    token = current_token._get_current_object()
    return {
        "name": token.user,
        "client_id": token.client_id,
        "scope": token.scope,
        "token_placement": g.token_placement,
    }


@app.route("/api/me", methods=["GET", "POST"])
@require_oauth()
def api_me():
    return jsonify(me_fields())


@app.route("/api/me/xml", methods=["GET", "POST"])
@require_oauth()
def api_me_xml():
    root = ET.Element("me")
    for name, value in me_fields().items():
        ET.SubElement(root, name).text = value
    body = ET.tostring(root, encoding="unicode")
    return Response(body, status=200, content_type="application/xml; charset=utf-8")


@app.route("/api/me/xml-ns", methods=["GET", "POST"])
@require_oauth()
def api_me_xml_ns():
    root = ET.Element("me", xmlns="urn:example:me")
    for name, value in me_fields().items():
        ET.SubElement(root, name).text = value
    body = ET.tostring(root, encoding="unicode")
    return Response(body, status=200, content_type="application/xml; charset=utf-8")


@app.route("/api/empty", methods=["GET", "POST"])
@require_oauth()
def api_empty():
    return Response("", status=200, content_type="application/json")


@app.route("/api/me/form", methods=["GET", "POST"])
@require_oauth()
def api_me_form():
    body = url_encode([(k, v or "") for k, v in me_fields().items()])
    return Response(body, status=200, content_type=FORM_MIMETYPE)


@app.route("/api/me/text", methods=["GET", "POST"])
@require_oauth()
def api_me_text():
    body = json.dumps(me_fields())
    return Response(body, status=200, content_type="text/plain; charset=utf-8")


API_PATHS = (
    "/api/me",
    "/api/me/xml",
    "/api/me/xml-ns",
    "/api/me/form",
    "/api/me/text",
    "/api/empty",
)


@app.before_request
def count_api():
    if request.path in API_PATHS:
        with LOCK:
            STATS["api"] += 1


@app.route("/stats", methods=["GET"])
def stats():
    with LOCK:
        return jsonify(dict(STATS))


# --- process plumbing (shared: peer_serve.py) ----------------------------------------

if __name__ == "__main__":
    serve(app)
