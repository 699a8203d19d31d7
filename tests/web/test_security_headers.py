"""Headers every page carries: a strict CSP (and pages that need no inline script to work),
no framing, Referrer-Policy; Secure cookies and HSTS over HTTPS or behind a declared proxy."""
from html.parser import HTMLParser

import pytest

from halo import create_app
from halo.security.headers import CSP
from tests.conftest import TOKEN
from tests.web.test_route_walk import _rules, _url, world  # noqa: F401  (world is a fixture)


def _directives(policy: str) -> dict:
    out = {}
    for part in policy.split(";"):
        name, *values = part.split()
        out[name] = values
    return out


class InlineCode(HTMLParser):
    """Everything in a page that a CSP without 'unsafe-inline' would block, or that only
    works with eval: inline <script>, on* handlers, hx-on, javascript: URLs, style."""

    def __init__(self):
        super().__init__()
        self.found = []
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            if not attrs.get("src"):
                self.found.append("inline <script>")
            self._in_script = True
        if tag == "style":
            self.found.append("<style> element")
        for name, value in attrs.items():
            if name.startswith("on") or name.startswith("hx-on") or name.startswith("data-hx-on"):
                self.found.append(f"<{tag} {name}>")
            if name == "style":
                self.found.append(f"<{tag} style>")
            if name in ("href", "src", "action", "formaction") and (value or "").strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}=javascript:>")
            if name in ("hx-vals", "hx-vars") and (value or "").strip().startswith("js:"):
                self.found.append(f"<{tag} {name}=js:>")


def _inline_code(html: str) -> list[str]:
    parser = InlineCode()
    parser.feed(html)
    return parser.found


def _check(response, url, frameable=False) -> list[str]:
    wrong = []
    policy = response.headers.get("Content-Security-Policy")
    if not policy:
        return [f"{url}: no Content-Security-Policy"]
    d = _directives(policy)
    script = d.get("script-src", d.get("default-src"))
    if "sandbox" not in d:
        if script is None or script != ["'self'"] and script != ["'none'"]:
            wrong.append(f"{url}: script-src {script}")
        if "'unsafe-eval'" in policy:
            wrong.append(f"{url}: unsafe-eval")
    if not frameable and d.get("frame-ancestors") != ["'none'"]:
        wrong.append(f"{url}: frame-ancestors {d.get('frame-ancestors')}")
    if response.headers.get("Referrer-Policy") not in ("same-origin", "no-referrer"):  # no-referrer: stricter
        wrong.append(f"{url}: Referrer-Policy {response.headers.get('Referrer-Policy')}")
    if response.mimetype == "text/html":
        found = _inline_code(response.get_data(as_text=True))
        # The original email shows the customer's own styles, under its own policy.
        style_ok = "'unsafe-inline'" in d.get("style-src", [])
        found = [f for f in found if not (style_ok and "style" in f)]
        wrong += [f"{url}: {f}" for f in found]
    return wrong


def test_every_page_has_the_policy_and_no_inline_script(as_admin, world, app):  # noqa: F811
    """Every GET rule in the URL map, as a page and as an HTMX fragment, signed in as an admin."""
    wrong, pages = [], 0
    for rule in _rules(app):
        if rule.websocket or "GET" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        url = _url(rule, world)
        frameable = rule.endpoint.startswith("widget.")
        for hx in (False, True):
            response = as_admin.get(url, hx=hx)
            pages += response.mimetype == "text/html"
            wrong += _check(response, f"{url}{' (htmx)' if hx else ''}", frameable)
            # As a WSGI server does: a streamed body (the CSV exports) ends in its own contexts now,
            # not whenever the garbage collector closes it.
            response.close()
    assert pages > 30  # the walk really rendered pages
    assert not wrong, "\n".join(wrong)


def test_public_pages_and_errors_have_the_policy(client):
    for url in ("/login", "/no-such-page", "/login?next=//evil.example"):
        response = client.get(url)
        assert not _check(response, url), _check(response, url)
    assert _directives(client.get("/login").headers["Content-Security-Policy"]) == {
        **_directives(CSP), "frame-ancestors": ["'none'"]}


def test_the_widget_may_be_framed_and_the_app_may_not(client):
    widget = client.get("/widget.js")
    assert "frame-ancestors" not in widget.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in widget.headers
    assert client.get("/login").headers["X-Frame-Options"] == "DENY"


def test_a_view_with_its_own_policy_keeps_it_and_gets_no_framing(as_admin, world):  # noqa: F811
    response = as_admin.get(f"/email/inbound/{world['inbound_id']}")
    d = _directives(response.headers["Content-Security-Policy"])
    assert d["img-src"] == ["'self'", "data:"] and d["frame-ancestors"] == ["'none'"]


def _cookies(response) -> list[str]:
    return response.headers.getlist("Set-Cookie")


def test_plain_http_cookies_are_not_secure_and_there_is_no_hsts(client, admin):
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": admin.email, "password": "password123",
                                           "csrf_token": token, "remember": "on"})
    assert response.status_code == 302
    assert _cookies(response) and not any("Secure" in c for c in _cookies(response))
    assert "Strict-Transport-Security" not in response.headers


def test_https_signs_in_with_secure_cookies_and_hsts(client, admin):
    # Flask-WTF checks the Referer on HTTPS posts; a browser sends it (Referrer-Policy same-origin).
    https = {"base_url": "https://halo.example", "headers": {"Referer": "https://halo.example/login"}}
    token = TOKEN.search(client.get("/login", **https).get_data(as_text=True)).group(1)
    response = client.post("/login", data={"email": admin.email, "password": "password123",
                                           "csrf_token": token, "remember": "on"}, **https)
    assert response.status_code == 302
    names = {c.split("=", 1)[0]: c for c in _cookies(response)}
    assert {"session", "remember_token"} <= set(names)
    assert all(c.endswith("; Secure") or "; Secure;" in c for c in names.values())
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"


@pytest.fixture
def proxied_app(app):
    """The same database behind a declared proxy: one hop of X-Forwarded-* is trusted."""
    proxied = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
                          "SECRET_KEY": app.config["SECRET_KEY"], "HALO_PROXY_HOPS": 1})
    with proxied.app_context():
        yield proxied


def test_behind_a_declared_proxy_https_is_read_from_x_forwarded_proto(proxied_app, admin):
    client = proxied_app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    response = client.get("/login", headers=forwarded)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert all("Secure" in c for c in _cookies(response)) and _cookies(response)


def test_without_a_declared_proxy_x_forwarded_proto_is_ignored(client):
    response = client.get("/login", headers={"X-Forwarded-Proto": "https"})
    assert "Strict-Transport-Security" not in response.headers
    assert not any("Secure" in c for c in _cookies(response))
