"""The REST API, /api/v1: JSON in and out, bearer tokens, problem documents for errors.

Each module is one resource; spec.py holds the models' SpecTree and the `endpoint`
decorator, auth.py the token check and rate limit run before every view, docs.py the
OpenAPI document and its reference page.
"""
from flask import Blueprint, request
from werkzeug.exceptions import HTTPException

from halo.blueprints.api import auth, idempotency, problems
from halo.extensions import csrf
from halo.services.errors import HaloError, InvalidTransition, NotFound

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # no cookie authenticates the API, so there is no request to forge
bp.before_request(auth.authenticate)
bp.before_request(idempotency.before)
bp.after_request(auth.rate_headers)
bp.after_request(idempotency.after)  # after_request runs in reverse: this one first


@bp.errorhandler(problems.Problem)
def _problem(problem: problems.Problem):
    return auth.rate_headers(problems.response(problem, request.path))


@bp.errorhandler(HaloError)
def _service_error(error: HaloError):
    """A service's refusal: its message is written for people, so it is the detail."""
    if isinstance(error, NotFound):
        problem = problems.Problem(404, str(error))
    elif isinstance(error, InvalidTransition) or error.status_code == 400:
        problem = problems.Problem(409 if isinstance(error, InvalidTransition) else 422, str(error),
                                   "rule-violation")
    else:
        problem = problems.Problem(error.status_code, str(error),
                                   "insufficient-scope" if error.status_code == 403 else None)
    return _problem(problem)


@bp.errorhandler(HTTPException)
def _http_error(error: HTTPException):
    return _problem(http_problem(error))


def http_problem(error: HTTPException) -> problems.Problem:
    """A Werkzeug HTTP error (404, 405, 413...) as a problem."""
    headers = {"Allow": ", ".join(error.valid_methods)} if getattr(error, "valid_methods", None) else {}
    detail = {404: "There is nothing at this address.",
              405: f"{request.method} is not allowed here.",
              413: "The body is too large."}.get(error.code, error.description or "")
    return problems.Problem(error.code or 500, detail, headers=headers)


def not_routed(error: HTTPException):
    """The app's 404/405 for an /api/ path no rule matched (the blueprint's handlers only
    see errors raised inside its views): a problem document, not the HTML error page."""
    return problems.response(http_problem(error), request.path)


from halo.blueprints.api import (  # noqa: E402,F401  (views register on bp)
    channels,
    customers,
    docs,
    knowledge,
    messages,
    team,
    tickets,
)
