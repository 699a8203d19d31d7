"""The API's one SpecTree: the pydantic models that validate each request and shape each
answer are the ones the OpenAPI document is generated from (docs.py serves it).

`endpoint(...)` is the decorator every API view wears: the scope it needs, its query and
body models, its answer's model; a request that fails validation becomes a problem
document naming each field (problems.py), before the view runs and before anything is
written.
"""
from functools import wraps

from flask import g, request
from pydantic import BaseModel, ConfigDict, Field
from spectree import Response, SecurityScheme, SpecTree
from spectree.models import SecuritySchemeData

from halo.blueprints.api import problems

TITLE = "Halo API"
VERSION = "1.0.0"
DESCRIPTION = """The Halo helpdesk's REST API.

Authenticate with a token from Settings > API tokens: `Authorization: Bearer halo_pat_...`.
A token's scope (read, write, admin) and its owner's role and inboxes decide what it may
see and do; session cookies never authenticate the API.

Errors are `application/problem+json` documents (RFC 9457). Their `type` is one of
/api/v1/problems/invalid-request, invalid-token, insufficient-scope, rate-limited,
idempotency-conflict and rule-violation, or "about:blank" with the HTTP status's title;
`errors` names each field at fault (a JSON Pointer into the body, or a query parameter).

Every POST takes an `Idempotency-Key` header: the same key with the same request within
24 hours answers what the first one did, without doing it again. Each token has a rate
limit, announced on every answer by `RateLimit-Limit`, `RateLimit-Remaining` and
`RateLimit-Reset`; past it the answer is 429 with `Retry-After`.

Lists are paginated by cursor: pass `next_cursor` from a page as `cursor` for the next.
"""


class Strict(BaseModel):
    """A request model: unknown fields are an error, not silently dropped."""
    model_config = ConfigDict(extra="forbid")


class ProblemError(BaseModel):
    detail: str
    pointer: str | None = Field(None, description="JSON Pointer into the request body")
    parameter: str | None = Field(None, description="the query parameter at fault")
    header: str | None = Field(None, description="the request header at fault")


class ProblemDocument(BaseModel):
    """An RFC 9457 problem document (served as application/problem+json)."""
    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    errors: list[ProblemError] | None = None


spec = SpecTree(
    "flask", mode="strict", annotations=False, title=TITLE, version=VERSION,
    description=DESCRIPTION, validation_error_status=422, validation_error_model=ProblemDocument,
    naming_strategy=lambda model: model.__name__,
    nested_naming_strategy=lambda _parent, child: child,
    security_schemes=[SecurityScheme(name="bearer", data=SecuritySchemeData(
        type="http", scheme="bearer",
        description="A personal (halo_pat_...) or workspace (halo_bot_...) API token."))],
    security={"bearer": []},
)

ERRORS = {"HTTP_401": ProblemDocument, "HTTP_403": ProblemDocument, "HTTP_429": ProblemDocument}


def endpoint(scope: str = "read", *, query=None, json=None, resp=None, status: int = 200,
             errors: tuple[int, ...] = (), tags: tuple[str, ...] = (), also: tuple[int, ...] = ()):
    """Declare an API view: the scope it needs, its models, its answer's status and model
    (also: other success statuses answered with the same model)."""
    codes = {f"HTTP_{code}": resp for code in (status, *also)}
    codes.update(ERRORS)
    for code in (400, 404, *errors):
        codes[f"HTTP_{code}"] = ProblemDocument

    def before(_req, _resp, error, _instance, _adapter):
        if error is not None:
            where = "query" if query is not None and error.title == query.__name__ else "json"
            raise problems.from_validation_errors(error.errors(include_context=False), where)

    def decorate(func):
        validated = spec.validate(query=query, json=json, resp=Response(**codes), tags=tags,
                                  before=before)(func)

        @wraps(validated)
        def view(*args, **kwargs):
            require(scope)
            return validated(*args, **kwargs)
        view.api_scope = scope
        return view
    return decorate


def require(scope: str) -> None:
    """Refuse the call unless the token's scope covers scope."""
    principal = g.api_principal
    if not principal.allows(scope):
        raise problems.Problem(403, f"This token's scope is {principal.scope!r}; this needs {scope!r}.",
                               "insufficient-scope")


def principal():
    """Who the current API call acts as (auth.py set it)."""
    return g.api_principal


def body():
    """The validated body model of the current call."""
    return request.context.json


def params():
    """The validated query model of the current call."""
    return request.context.query
