"""App-wide web glue: login loading, error pages, template helpers, response headers."""
import mimetypes
import re
import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask import (
    Flask,
    Response,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    send_file,
    session,
    stream_with_context,
    url_for,
)
from flask.globals import _cv_request
from flask_babel import format_date, gettext, lazy_gettext
from flask_login import current_user, login_url
from flask_wtf.csrf import CSRFError, generate_csrf
from markupsafe import Markup

from halo import clock
from halo.extensions import htmx, login_manager
from halo.i18n import N_, Translated
from halo.models import CHANNEL_LABELS, DELIVERY_LABELS, STATUS_LABELS, User
from halo.security.redirects import UnsafeRedirect, local_path, safe_next  # noqa: F401  (views use safe_next)
from halo.services import audit
from halo.services.access import roles
from halo.services.accounts import users as accounts
from halo.services.errors import HaloError
from halo.services.inbox import stamps
from halo.services.inbox.views import view_counts
from halo.services.tickets import status
from halo.storage import StoredFile

login_manager.login_view = "auth.login"
login_manager.login_message = lazy_gettext("Please sign in to continue.")
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(login_id: str) -> User | None:
    """The teammate while this device's sign-in stands: signing out, a new password or a
    deactivation ends it at once, for copies of the cookies too."""
    return accounts.signed_in_user(login_id)


@login_manager.unauthorized_handler
def sign_in_first():
    """Send the visitor to sign in, with next pointing back at their page.

    An HTMX request would follow a 302 and swap the login page into the control that
    asked (a status dropdown, the composer), so it gets HX-Redirect instead. htmx 2 reads
    that header before it looks at the status, so a 401 still moves the whole page.
    """
    flash(str(login_manager.login_message), login_manager.login_message_category)  # the session holds text
    if not htmx:
        if request.method == "GET":
            return redirect(login_url(login_manager.login_view, next_url=request.url))
        # A form posted after the session ended: back to the page it was on (its URL
        # may answer POST only, a 405 after signing in).
        return redirect(url_for(login_manager.login_view, next=_next_page(request.referrer)))
    target = url_for(login_manager.login_view, next=_next_page(request.headers.get("HX-Current-URL")))
    return "", 401, {"HX-Redirect": target}


def _next_page(url: str | None) -> str:
    """The page a request came from (HX-Current-URL, Referer) if it is ours, else the requested path."""
    page = urlsplit(url or "")
    if page.netloc.lower() == request.host.lower():
        path = page.path + (f"?{page.query}" if page.query else "")
    elif request.method == "GET":
        path = request.full_path.rstrip("?")
    else:
        path = "/"
    return local_path(path) or "/"


def is_fragment_request() -> bool:
    """An HTMX request that wants a partial (boosted navigation wants the page)."""
    return bool(htmx) and not htmx.boosted


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """'just now', '5m', '3h', '2d', or a date for anything older than a week."""
    if value is None:
        return ""
    seconds = ((now or clock.now()) - value).total_seconds()
    if seconds < 60:
        return gettext("just now") if seconds > -60 else gettext("soon")
    for limit, unit, size in ((3600, "m", 60), (86400, "h", 3600), (7 * 86400, "d", 86400)):
        if seconds < limit:
            return f"{int(seconds // size)}{unit}"
    # Babel's patterns in the page's locale ("Mar 4" / "4 mar"); the stored time is already UTC.
    return format_date(value, "MMM dd, y" if value.year != clock.now().year else "MMM dd", rebase=False)


def ago(value: datetime, now: datetime | None = None) -> str:
    """'just now', '5m ago', or a date: relative_time as a phrase."""
    text = relative_time(value, now)
    return gettext("%(time)s ago", time=text) if text[-1:] in "mhd" and text[:1].isdigit() else text


_SIGNED_CSRF: dict[tuple, str] = {}
_SIGNED_CSRF_BOUND = 4096


def csrf_token_once() -> str:
    """The CSRF token, signed once per session token per process.

    Flask-WTF's generate_csrf() keeps the raw token per request but signs it again
    (itsdangerous HMAC + timestamp) on every call; a page calls csrf_token() in every
    form (the ticket page once per message). Any signed copy is valid, so one is enough:
    with WTF_CSRF_TIME_LIMIT = None (config.py) its time is never checked, so a copy
    signed on an earlier request is as good as a new one. Keyed by the secret too, so a
    new key signs afresh; the table is emptied when it is full.
    """
    token = g.get("_halo_csrf_token")
    if token is None:
        raw = session.get("csrf_token")
        secret = current_app.config.get("WTF_CSRF_SECRET_KEY") or current_app.secret_key
        timed = current_app.config.get("WTF_CSRF_TIME_LIMIT") is not None
        token = _SIGNED_CSRF.get((secret, raw)) if raw and not timed else None
        if token is None:
            token = generate_csrf()
            if not timed:
                if len(_SIGNED_CSRF) >= _SIGNED_CSRF_BOUND:
                    _SIGNED_CSRF.clear()
                _SIGNED_CSRF[(secret, session["csrf_token"])] = token
        g._halo_csrf_token = token
    return token


CSRF_MARK = "halo-csrf-token-goes-here"
SEND_KEY_MARK = "halo-send-key-goes-here"


def send_key() -> str:
    """A new idempotency key for a form (sent twice, written once); a page being kept whole
    (halo/kept_pages.py) gets a mark instead, and each request that hands it out a new key."""
    return SEND_KEY_MARK if g.get("_halo_marking") else secrets.token_urlsafe(12)


def page_root() -> tuple:
    """What a page's links and identity depend on in its request: root, host and path."""
    return request.script_root, request.host, request.path


def kept(key: tuple, render) -> Markup:
    """stamps.cached() for a rendered piece that may hold forms.

    The CSRF token differs per session, so the piece is rendered (once) with a mark where
    the token goes, and each request puts its own in.
    """
    def render_marked() -> str:
        saved = g.pop("_halo_csrf_token", None)
        g._halo_csrf_token = CSRF_MARK
        try:
            return str(render())
        finally:
            g.pop("_halo_csrf_token")
            if saved is not None:
                g._halo_csrf_token = saved
    html = stamps.cached(key, render_marked)
    return Markup(html.replace(CSRF_MARK, csrf_token_once()) if CSRF_MARK in html else html)


# Apart from the page pieces, so the many small copies (a key per set of counts) never push
# a thread or an inbox page out: ~2 KB each, ~500 of them.
_COUNTS_NAVS = stamps.PieceCache(budget=1_000_000)


def counts_nav(counts: dict, view: str | None = None, oob: bool = False) -> Markup:
    """The sidebar's list of views with their counts (_counts.html), kept by what it shows.

    Every signed-in page shows it, and its HTML is a function of the counts, the current
    view and the language only, so the key is those values (and the page root, for its
    links): teammates with the same counts share it, a changed count is a new key.
    """
    def render() -> str:
        return render_template("_counts.html", counts=counts, view=view, oob=oob)
    try:
        key = ("counts-nav", request.script_root, view, bool(oob), tuple(counts.items()),
               getattr(counts, "notifications", None) if oob else None)
        hash(key)
    except TypeError:  # counts that are not plain numbers: rendered, not kept
        return Markup(render())
    return Markup(stamps.cached(key, render, _COUNTS_NAVS))


def id_url(endpoint: str, ident, **values) -> str:
    """url_for(endpoint, <its one id argument>=ident), for links in loops (a thread's 100
    messages, an inbox page's rows): values name the argument (e.g. message_id=None) plus any
    fixed ones, and url_for_cached fills the link's one kept pattern (~2 us, not ~20)."""
    name = next(k for k, v in values.items() if v is None)
    return url_for_cached(endpoint, **{**values, name: int(ident)})


_URLS: dict = {}
# Stand-ins for a URL's whole-number arguments while its pattern is built: a ticket's links
# are one pattern for every ticket, not a url_for on the first look at each.
_INT_MARK = 987654321000
_INT_MARKS = re.compile(r"987654321(\d{3})")


def url_for_cached(endpoint: str, **values) -> str:
    """Jinja's url_for, remembered per process for the same (page root, endpoint, arguments).

    A page builds ~35 URLs (static files, the sidebar's nine views, nav links), each ~20 us
    through Werkzeug's router; the answer for a relative URL depends only on the URL map
    and the request's root and host, which are part of the key. Whole-number arguments (a
    ticket's id) are not: the URL is kept as a pattern with a slot for each, so the
    composer's ten links on a ticket first seen cost one join, not ten url_for. External
    URLs, blueprint-relative endpoints and unhashable arguments go straight to url_for.
    (Halo registers no url_defaults, which would make the answer depend on more.)
    """
    ctx = _cv_request.get(None)
    if ctx is None or endpoint[:1] == "." or "_external" in values or "_scheme" in values:
        return url_for(endpoint, **values)
    req = ctx.request
    root = req.__dict__.get("_halo_url_root")  # the proxies and host parsing cost more than a key
    if root is None:
        root = req._halo_url_root = (req.script_root, req.host)
    try:
        shape = tuple(sorted((k, int if type(v) is int else v) for k, v in values.items()))
        key = (root, endpoint, shape)
        parts = _URLS.get(key)
    except TypeError:  # an unhashable argument
        return url_for(endpoint, **values)
    if parts is None:
        if len(_URLS) > 5000:  # arguments from requests (filters, cursors) must not pile up
            _URLS.clear()
        parts = _URLS[key] = _pattern(endpoint, values)
    if len(parts) == 1:
        return parts[0]
    return "".join(str(values[part]) if i % 2 else part for i, part in enumerate(parts))


def _pattern(endpoint: str, values: dict) -> tuple:
    """url_for's answer split around its whole-number arguments: (text, name, text, ...)."""
    names = [k for k, v in values.items() if type(v) is int][:1000]
    url = url_for(endpoint, **{**values, **{k: _INT_MARK + i for i, k in enumerate(names)}})
    parts = _INT_MARKS.split(url)
    return tuple(names[int(p)] if i % 2 else p for i, p in enumerate(parts))


def register_web(app: Flask) -> None:
    """Install handlers and helpers on the app."""
    app.jinja_env.filters["reltime"] = relative_time
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.globals["STATUS_LABELS"] = Translated(STATUS_LABELS)  # read in the page's locale
    app.jinja_env.globals["DELIVERY_LABELS"] = Translated(DELIVERY_LABELS)
    app.jinja_env.globals["CHANNEL_LABELS"] = Translated(CHANNEL_LABELS)
    app.jinja_env.globals["status_choices"] = status.choices
    app.jinja_env.globals["csrf_token"] = csrf_token_once  # replaces Flask-WTF's (re-signs per call)
    app.jinja_env.globals["id_url"] = id_url
    app.jinja_env.globals["counts_nav"] = counts_nav
    app.jinja_env.globals["url_for"] = url_for_cached
    app.jinja_env.globals["send_key"] = send_key

    @app.context_processor
    def _globals():
        return {"is_fragment": is_fragment_request(), "now": clock.now(),
                "sidebar_counts": _sidebar_counts, "csrf_token": csrf_token_once, "can": _can}

    @app.before_request
    def _audit_origin():
        audit.set_origin(request.remote_addr, request.user_agent.string)

    @app.after_request
    def _vary(response):
        response.vary.add("HX-Request")  # merged into one Vary (a second line would be lost)
        return response

    @app.errorhandler(HaloError)
    def _halo_error(error: HaloError):
        return _error_page(error.status_code, str(error))

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        if htmx and not current_user.is_authenticated:  # the session is gone, not just the token
            return sign_in_first()
        return _error_page(400, gettext("Your session expired or the form was stale. Reload the page and try again."))

    @app.errorhandler(UnsafeRedirect)
    def _unsafe_redirect(error: UnsafeRedirect):
        return _error_page(400, error.description)

    for code, text in ((403, N_("You do not have access to this page.")),
                       (404, N_("There is nothing here.")),
                       (405, N_("That method is not allowed here."))):
        app.register_error_handler(code, lambda e, code=code, text=text: _error_page(code, gettext(text), e))


def _can(capability: str) -> bool:
    """can("reply") in a template: whether the signed-in teammate's role allows it."""
    return roles.can(current_user, capability) if current_user.is_authenticated else False


def _sidebar_counts() -> dict:
    return view_counts(current_user.id, clock.now())


def _error_page(code: int, message: str, error=None):
    api_errors = current_app.extensions.get("halo_api_errors")
    if error is not None and api_errors is not None and request.path.startswith("/api/"):
        return api_errors(error)  # an API client gets a problem document, not a page
    template = "_error.html" if is_fragment_request() else "error.html"
    show_nav = current_user.is_authenticated and request.endpoint != "auth.login"
    return render_template(template, code=code, message=message, show_nav=show_nav), code


def send_stored(stored: StoredFile, **kwargs) -> Response:
    """A stored file as a response: a local file with ranges and conditional requests, a
    remote object streamed with its length and its name as the ETag (names are never reused)."""
    kwargs.setdefault("mimetype", mimetypes.guess_type(stored.name)[0] or "application/octet-stream")
    if stored.path:
        return send_file(stored.path, **kwargs)
    response = send_file(stored.stream, etag=stored.name, **kwargs)
    if response.status_code == 200:
        response.content_length = stored.size
    else:  # 304: the body will not be read
        stored.close()
    return response


def send_csv(chunks, filename: str) -> Response:
    """A CSV download whose body is written while its rows are read (services/integrations/exports)."""
    response = Response(stream_with_context(chunks), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"  # a copy of the data: on no proxy's or browser's disk
    return response
