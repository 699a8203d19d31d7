"""Errors as problem documents (RFC 9457, application/problem+json).

Every error the API answers names what went wrong in `detail`, and, where a field or
parameter is at fault, lists each in `errors` the way RFC 9457's own example does: a
JSON Pointer into the body (`pointer`), or the name of a query `parameter` or `header`.
`type` is a URI relative to the API (the reference page explains each); generic HTTP
errors use "about:blank" with the status's title, as the RFC says.
"""
import json
from http import HTTPStatus

from flask import current_app

MEDIA_TYPE = "application/problem+json"
TYPES = {
    "invalid-request": "The request's body or parameters are not what this endpoint takes.",
    "invalid-token": "The bearer token is missing, unknown or revoked.",
    "insufficient-scope": "The token's scope or its owner's role does not allow this.",
    "rate-limited": "Too many requests with this token; wait for the time Retry-After gives.",
    "idempotency-conflict": "An Idempotency-Key was reused for another request, or its first "
                            "request is still running.",
    "rule-violation": "The request is well-formed, but Halo's rules refuse it (a status "
                      "change the ticket's status does not allow, say).",
}


class Problem(Exception):
    """An error answer: raise it anywhere under the api blueprint."""

    def __init__(self, status: int, detail: str, type_: str | None = None,
                 errors: list[dict] | None = None, headers: dict | None = None):
        super().__init__(detail)
        self.status, self.detail, self.type, self.errors = status, detail, type_, errors
        self.headers = headers or {}

    def document(self, instance: str | None = None) -> dict:
        """The problem document."""
        doc = {"type": f"/api/v1/problems/{self.type}" if self.type else "about:blank",
               "title": _title(self.status, self.type), "status": self.status, "detail": self.detail}
        if instance:
            doc["instance"] = instance
        if self.errors:
            doc["errors"] = self.errors
        return doc


def _title(status: int, type_: str | None) -> str:
    if type_:
        return type_.replace("-", " ").capitalize()
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def response(problem: Problem, instance: str | None = None):
    """The Flask response for a problem."""
    body = json.dumps(problem.document(instance), ensure_ascii=False)
    resp = current_app.response_class(body, status=problem.status, mimetype=MEDIA_TYPE)
    for name, value in problem.headers.items():
        resp.headers[name] = value
    return resp


def invalid(detail: str, *, pointer: str | None = None, parameter: str | None = None,
            header: str | None = None, status: int = 422) -> Problem:
    """A request problem with one named field (body pointer, query parameter or header)."""
    where = {"pointer": pointer} if pointer is not None else (
        {"parameter": parameter} if parameter is not None else {"header": header})
    return Problem(status, detail, "invalid-request", [{"detail": detail, **where}])


def from_validation_errors(errors: list[dict], location: str) -> Problem:
    """A pydantic ValidationError's errors, in the body ("json") or the query ("query")."""
    items = []
    for error in errors:
        path = [str(p) for p in error.get("loc", ())]
        message = _message(error)
        if location == "query":
            name = path[0] if path else ""
            items.append({"detail": f"{name}: {message}", "parameter": name})
        else:
            pointer = "#/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in path)
            items.append({"detail": f"{'.'.join(path) or 'body'}: {message}", "pointer": pointer})
    status = 400 if location == "query" else 422
    first = items[0]["detail"] if items else "The request is not valid."
    more = f" (and {len(items) - 1} more)" if len(items) > 1 else ""
    return Problem(status, first + more, "invalid-request", items)


def _message(error: dict) -> str:
    kind = error.get("type", "")
    if kind == "extra_forbidden":
        return "is not a field this endpoint takes"
    if kind == "missing":
        return "is required"
    return error.get("msg", "is not valid")
