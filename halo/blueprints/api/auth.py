"""Who is calling: the bearer token, its rate limit, and the shape of the request body.

Runs before every API view (docs.py's document and reference page excepted). Only the
Authorization header is read: a session cookie sent along is ignored, so a page's
session can never act through the API (and no CSRF token is needed: nothing a browser
sends by itself authenticates here).
"""
import json

from flask import g, request

from halo.blueprints.api import problems
from halo.blueprints.api.problems import Problem
from halo.services.access import scope as access_scope
from halo.services.integrations import ratelimit, tokens

OPEN_ENDPOINTS = {"api.openapi_document", "api.reference"}
MAX_BODY = 1024 * 1024
BODY_METHODS = {"POST", "PATCH", "PUT"}


def authenticate():
    """before_request: the principal, the rate limit, a well-formed JSON body."""
    if request.endpoint in OPEN_ENDPOINTS:
        return None
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Problem(401, "Send an API token: Authorization: Bearer <token> (make one in "
                      "Settings > API tokens).", "invalid-token",
                      headers={"WWW-Authenticate": 'Bearer realm="halo"'})
    principal = tokens.authenticate(secret.strip())
    if principal is None:
        raise Problem(401, "This token is unknown or was revoked.", "invalid-token",
                      headers={"WWW-Authenticate": 'Bearer realm="halo", error="invalid_token"'})
    g.api_principal = principal
    if principal.user_id is not None:
        # The owner's sight, as for their pages: access.close_scope ends it on teardown.
        g._halo_scope_token = access_scope.open_scope(principal.user_id)
    verdict = ratelimit.hit(principal.limit_key)
    g.api_rate = verdict
    if verdict is not None and not verdict.allowed:
        raise Problem(429, f"This token may make {verdict.limit} requests every {verdict.window} "
                      f"seconds; try again in {max(1, verdict.reset)} s.", "rate-limited")
    if request.method in BODY_METHODS:
        _check_body()
    return None


def _check_body() -> None:
    """A body, when there is one, is a JSON object of at most MAX_BODY bytes."""
    if (request.content_length or 0) > MAX_BODY:
        raise Problem(413, f"The body may be at most {MAX_BODY} bytes.")
    request.max_content_length = MAX_BODY  # a chunked body has no Content-Length to check
    raw = request.get_data(cache=True)
    if not raw.strip():
        return
    if request.mimetype != "application/json":
        raise Problem(415, "Send the body as JSON, with Content-Type: application/json.",
                      headers={"Accept-Post": "application/json"})
    try:
        value = json.loads(raw)
    except UnicodeDecodeError:
        raise problems.invalid("The body is not UTF-8.", pointer="", status=400) from None
    except json.JSONDecodeError as exc:
        raise problems.invalid(f"The body is not valid JSON: {exc.msg} at line {exc.lineno}, "
                               f"column {exc.colno}.", pointer="", status=400) from None
    if not isinstance(value, dict):
        raise problems.invalid("The body must be a JSON object.", pointer="", status=400)


def rate_headers(response):
    """after_request: the RateLimit-* headers on every answer to a token."""
    verdict = g.get("api_rate")
    if verdict is not None:
        for name, value in verdict.headers().items():
            response.headers[name] = value
    response.headers.setdefault("Cache-Control", "no-store")
    return response
