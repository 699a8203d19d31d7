"""Response headers and cookies every page gets: a strict Content-Security-Policy, framing,
Referrer-Policy, and Secure cookies with HSTS once the site is served over HTTPS.

HTTPS is read from the request: directly (gunicorn with a certificate), or from a reverse
proxy the admin declares with HALO_PROXY_HOPS (ProxyFix then trusts that many
X-Forwarded-For / X-Forwarded-Proto entries; with 0, the default, such headers from a
client are ignored, so nobody can claim HTTPS or another address by sending them).
"""
from flask import Flask, current_app, request
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style, no eval, nothing from another origin; the app's own sockets
# ('self' covers ws: and wss: on this host). A view that serves something else (an original
# email, an attachment) sets its own policy; frame-ancestors is added to it if it has none.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'")
NO_FRAMING = "frame-ancestors 'none'"
HSTS = "max-age=31536000"
# Blueprints whose pages other sites frame: the chat widget's, on customers' own sites.
FRAMEABLE_BLUEPRINTS = {"widget"}


def frameable(view):
    """Mark a view whose page other sites may frame (the chat widget's): it gets no
    frame-ancestors 'none' and no X-Frame-Options."""
    view.halo_frameable = True
    return view


def add_headers(response):
    """after_request: the policy headers, unless the view chose its own."""
    headers = response.headers
    frameable_view = _view_is_frameable()
    policy = headers.get("Content-Security-Policy")
    if policy is None:
        policy = CSP
    if not frameable_view and "frame-ancestors" not in policy:
        policy = f"{policy}; {NO_FRAMING}"
    headers["Content-Security-Policy"] = policy
    if not frameable_view:
        headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if request.is_secure:
        headers.setdefault("Strict-Transport-Security", HSTS)
    return response


def _view_is_frameable() -> bool:
    if request.blueprint in FRAMEABLE_BLUEPRINTS:
        return True
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    return bool(getattr(view, "halo_frameable", False))


class SecureCookies:
    """WSGI middleware: every cookie set on an HTTPS request gets the Secure attribute.

    Below Flask, so it covers the session cookie (saved after every after_request
    function), Flask-Login's remember cookie and any cookie a later part sets.
    """

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("wsgi.url_scheme") != "https":
            return self.wsgi_app(environ, start_response)

        def start(status, headers, exc_info=None):
            return start_response(status, [_secure(name, value) for name, value in headers], exc_info)
        return self.wsgi_app(environ, start)


def _secure(name: str, value: str) -> tuple[str, str]:
    if name.lower() != "set-cookie":
        return name, value
    attributes = {part.strip().split("=", 1)[0].lower() for part in value.split(";")[1:]}
    return name, value if "secure" in attributes else f"{value}; Secure"


def init_security_headers(app: Flask) -> None:
    """Wire the headers, the cookie middleware and, when declared, the proxy fix."""
    app.after_request(add_headers)
    app.wsgi_app = SecureCookies(app.wsgi_app)
    hops = int(app.config.get("HALO_PROXY_HOPS") or 0)
    if hops > 0:  # outermost: the scheme and address are fixed before anything reads them
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)
