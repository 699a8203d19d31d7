"""App-wide web glue: login loading, error pages, template helpers, response headers."""
from datetime import datetime

from flask import Flask, render_template, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError

from . import clock
from .extensions import db, htmx, login_manager
from .models import STATUS_LABELS, User
from .services.errors import HaloError

login_manager.login_view = "auth.login"
login_manager.login_message = "Please sign in to continue."
login_manager.session_protection = "basic"


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    """A deactivated teammate's session stops working at once."""
    user = db.session.get(User, int(user_id))
    return user if user is not None and user.active else None


def is_fragment_request() -> bool:
    """An HTMX request that wants a partial (boosted navigation wants the page)."""
    return bool(htmx) and not htmx.boosted


def relative_time(value: datetime, now: datetime | None = None) -> str:
    """'just now', '5m', '3h', '2d', or a date for anything older than a week."""
    if value is None:
        return ""
    seconds = ((now or clock.now()) - value).total_seconds()
    if seconds < 60:
        return "just now" if seconds > -60 else "soon"
    for limit, unit, size in ((3600, "m", 60), (86400, "h", 3600), (7 * 86400, "d", 86400)):
        if seconds < limit:
            return f"{int(seconds // size)}{unit}"
    return value.strftime("%b %d, %Y") if value.year != clock.now().year else value.strftime("%b %d")


def ago(value: datetime, now: datetime | None = None) -> str:
    """'just now', '5m ago', or a date: relative_time as a phrase."""
    text = relative_time(value, now)
    return text + " ago" if text[-1:] in "mhd" and text[:1].isdigit() else text


def register_web(app: Flask) -> None:
    """Install handlers and helpers on the app."""
    app.jinja_env.filters["reltime"] = relative_time
    app.jinja_env.filters["ago"] = ago
    app.jinja_env.globals["STATUS_LABELS"] = STATUS_LABELS

    @app.context_processor
    def _globals():
        return {"is_fragment": is_fragment_request(), "now": clock.now(),
                "sidebar_counts": _sidebar_counts}

    @app.after_request
    def _headers(response):
        response.headers.add("Vary", "HX-Request")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    @app.errorhandler(HaloError)
    def _halo_error(error: HaloError):
        return _error_page(error.status_code, str(error))

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        return _error_page(400, "Your session expired or the form was stale. Reload the page and try again.")

    for code, text in ((403, "You do not have access to this page."),
                       (404, "There is nothing here."),
                       (405, "That method is not allowed here.")):
        app.register_error_handler(code, lambda e, code=code, text=text: _error_page(code, text))


def _sidebar_counts() -> dict:
    from .services.inbox import view_counts
    return view_counts(current_user.id, clock.now())


def _error_page(code: int, message: str):
    template = "_error.html" if is_fragment_request() else "error.html"
    show_nav = current_user.is_authenticated and request.endpoint != "auth.login"
    return render_template(template, code=code, message=message, show_nav=show_nav), code
