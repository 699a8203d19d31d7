"""The REST API, /api/v1: JSON in and out, bearer tokens, problem documents for errors.

Each module is one resource, its views named in RULES below and loaded on the API's first
call; spec.py holds the models' SpecTree and the `endpoint` decorator, auth.py the token
check and rate limit run before every view, docs.py the OpenAPI document and its reference
page.
"""
import importlib

from flask import Blueprint, Flask, current_app, request
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


# The API's rules: (method, path, module, view); the endpoint is "api.<view>". The resource
# modules (their pydantic models and SpecTree: ~10 MiB of a worker, 0.4 s of a start) load
# on the first call to any of them, not in every process that serves pages: Flask's lazily
# loaded views (bench/README.md, "Worker memory to 100 MiB"). docs.py's two views are light.
RULES = (
    ("GET", "/tickets", "tickets", "list_tickets"),
    ("POST", "/tickets", "tickets", "create_ticket"),
    ("GET", "/tickets/<int:ticket_id>", "tickets", "get_ticket"),
    ("PATCH", "/tickets/<int:ticket_id>", "tickets", "update_ticket"),
    ("GET", "/tickets/<int:ticket_id>/messages", "messages", "list_messages"),
    ("POST", "/tickets/<int:ticket_id>/messages", "messages", "post_message"),
    ("GET", "/inboxes", "channels", "list_inboxes"),
    ("POST", "/inboxes/<int:inbox_id>/messages", "channels", "post_inbound"),
    ("GET", "/customers", "customers", "list_customers"),
    ("POST", "/customers", "customers", "create_customer"),
    ("GET", "/customers/<int:customer_id>", "customers", "get_customer"),
    ("PATCH", "/customers/<int:customer_id>", "customers", "update_customer"),
    ("POST", "/customers/<int:customer_id>/merge", "customers", "merge_customers"),
    ("GET", "/teammates", "team", "list_teammates"),
    ("GET", "/teammates/<int:user_id>", "team", "get_teammate"),
    ("GET", "/segments", "team", "list_segments"),
    ("GET", "/segments/<int:segment_id>", "team", "get_segment"),
    ("GET", "/articles", "knowledge", "list_articles"),
    ("POST", "/articles", "knowledge", "create_article"),
    ("GET", "/articles/<int:article_id>", "knowledge", "get_article"),
    ("PATCH", "/articles/<int:article_id>", "knowledge", "update_article"),
    ("DELETE", "/articles/<int:article_id>", "knowledge", "delete_article"),
    ("GET", "/saved-replies", "knowledge", "list_saved_replies"),
    ("POST", "/saved-replies", "knowledge", "create_saved_reply"),
    ("GET", "/saved-replies/<int:reply_id>", "knowledge", "get_saved_reply"),
    ("PATCH", "/saved-replies/<int:reply_id>", "knowledge", "update_saved_reply"),
    ("DELETE", "/saved-replies/<int:reply_id>", "knowledge", "delete_saved_reply"),
)


class _Deferred:
    """Stands in for an API view until the first call loads them all (load_views)."""

    def __init__(self, name: str):
        self.__name__ = name

    def __call__(self, **kwargs):
        return load_views(current_app)[f"{bp.name}.{self.__name__}"](**kwargs)


def load_views(app: Flask) -> dict:
    """Import the resource modules and put their views in the stand-ins' places (once per
    app; the import itself once per process). Returns the app's view functions."""
    views = app.view_functions
    for _method, _path, module, name in RULES:
        endpoint = f"{bp.name}.{name}"
        if isinstance(views.get(endpoint), _Deferred):
            views[endpoint] = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    return views


for _method, _path, _module, _name in RULES:
    bp.add_url_rule(_path, endpoint=_name, view_func=_Deferred(_name), methods=[_method])

from halo.blueprints.api import docs  # noqa: E402,F401  (its views register on bp)
