"""Every rule in the URL map, not a kept list: login is checked before any view runs,
CSRF guards every form post, and an endpoint is public only where this file says why."""
from urllib.parse import parse_qs, urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from halo.blueprints.access import TOKEN_BLUEPRINTS
from halo.extensions import db
from halo.models import (
    AiDraft,
    AliasUser,
    Article,
    Directive,
    EmailAttachment,
    InboundEmail,
    Mailbox,
    Message,
    Notification,
    PilotMessage,
    SavedReply,
    Segment,
    SenderAddress,
    TrustedSender,
)
from tests.conftest import TOKEN
from tests.factories import make_ticket, make_user

PUBLIC = {
    "static": "CSS, scripts and icons the login page needs; nothing private is in halo/static",
    "auth.login": "where everyone else is sent",
    "auth.two_factor": "the second step of signing in: a signed session names who passed the first",
    "auth.forgot": "asking for a password reset link; answers the same for any address",
    "auth.choose_password": "the reset link's page: the signed, expiring, single-use token is the proof",
    "widget.script": "the chat widget's script, loaded by customers' own sites",
    "widget.avatar": "alias avatars the widget shows visitors",
    "widget.team_file": "files the team sent in a chat, by the signed link the widget was given",
    "widget.socket": "the visitor's chat socket: a signed visitor token and an Origin allow-list guard it",
    "inbound.receive": "mail providers post messages here; a bearer token guards it, not a session",
    "emails.verify": "the link emailed to a sender address; the token is the proof, GET only shows a button",
    "ops.healthz": "liveness for load balancers and containers: says only that the process answers",
    "ops.readyz": "readiness for load balancers: each check's state and reason, nothing secret",
    "ops.metrics_view": "Prometheus scrapes it without a session: HALO_METRICS_ALLOW or HALO_METRICS_TOKEN guard it",
    "survey.show": "a CSAT email's link: the signed, expiring token names the ticket; GET records nothing",
    "survey.answer": "the customer's rating from that page: the same token is the proof",
}
CSRF_EXEMPT = {"inbound.receive": "a machine posts raw mail with a bearer token; it has no session",
               "survey.answer": "the signed token in the URL is the form's secret; a customer has no session"}

# Plausible values for string arguments; int arguments get a row of the world, or 1.
STRINGS = {"view": "open", "mode": "note", "action": "delete", "token": "not-a-real-token",
           "name": "0123456789abcdef.png", "filename": "favicon.svg", "content_id": "part1@example.com"}
HTTP_METHODS = {"GET", "HEAD", "OPTIONS", "POST"}
CSRF_REFUSAL = "Your session expired or the form was stale."


@pytest.fixture
def world(admin, app, monkeypatch):
    """One row behind every id argument, so a view that ran would have something to change."""
    monkeypatch.setitem(app.config, "HALO_INBOUND_TOKEN", "walk-token")  # else /inbound/email is a 404
    agent = make_user()
    ticket, other = make_ticket(), make_ticket(subject="Another order")
    message = db.session.scalar(db.select(Message).where(Message.ticket_id == ticket.id))
    inbound = InboundEmail(dedupe_key="mid:<walk@example.com>", source="webhook",
                           raw=b"Subject: hi\r\n\r\nhi", ticket_id=ticket.id)
    rows = {"directive_id": Directive(body="Be kind.", scope={}, author_id=admin.id),
            "article_id": Article(title="Refunds", body="Within 30 days."),
            "reply_id": SavedReply(title="Thanks", body="Thank you!"),
            "segment_id": Segment(name="Mine", owner_id=admin.id),
            "sender_id": SenderAddress(email="help@example.com"),
            "trusted_id": TrustedSender(pattern="partner.example"),
            "mailbox_id": Mailbox(host="imap.example.com", username="help", password="secret"),
            "alias_id": AliasUser(name="Alex"),
            "draft_id": AiDraft(ticket_id=ticket.id, mode="email", state="done", text="Hi"),
            "answer_id": PilotMessage(ticket_id=ticket.id, role="assistant", body="Try a refund."),
            "inbound_id": inbound}
    db.session.add_all([*rows.values(), Notification(user_id=admin.id, kind="snooze", text="Back")])
    db.session.flush()
    rows["attachment_id"] = EmailAttachment(inbound_id=inbound.id, message_id=message.id,
                                            filename="a.txt", content_type="text/plain")
    db.session.add(rows["attachment_id"])
    db.session.commit()
    ids = {name: row.id for name, row in rows.items()}
    ids.update(ticket_id=ticket.id, message_id=message.id, event_id=message.id, user_id=agent.id,
               other=other.id)
    return ids


def _form(world):
    """Fields most POST views read, so a view that ran would change something."""
    return {"status": "resolved", "assignee_id": world["user_id"], "mode": "note", "body": "Walked",
            "title": "Walked", "name": "Walker", "email": "walker@example.com", "password": "password123",
            "role": "admin", "pattern": "walk.example", "ticket_ids": world["ticket_id"], "action": "resolve",
            "target": world["other"], "into": world["other"], "query": "walk"}


def _rules(app):
    """Every rule of the pages, /logout last: if its CSRF check broke, signing out would hide
    the rest. The API's rules (REST verbs, bearer tokens, never a session) are walked by
    tests/api/test_api_auth.py."""
    pages = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint.partition(".")[0] not in TOKEN_BLUEPRINTS]
    return sorted(pages, key=lambda rule: (rule.endpoint == "auth.logout", rule.rule))


def _url(rule, world) -> str:
    """A URL that matches rule: ids of the world's rows (1 for others), plausible strings."""
    # Rule has no public way to tell an int argument from a string one.
    values = {name: world.get(name, 1) if isinstance(conv, IntegerConverter) else STRINGS.get(name, "x")
              for name, conv in rule._converters.items()}
    return rule.build(values)[1]


def _snapshot():
    """Every row of every table: the world is small, and a change anywhere counts."""
    db.session.expire_all()
    return {table.name: db.session.execute(table.select().order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables}


def _sent_to_login(response, url) -> bool:
    location = urlsplit(response.location or "")
    return (response.status_code == 302 and location.path == "/login"
            and parse_qs(location.query).get("next") == [url])


def _post_sent_to_login(response, url) -> bool:
    """A form posted without a session: to sign in, then back to the page the form was on
    (the Referer; none here, so "/"), never to the URL posted to, which may answer POST only."""
    location = urlsplit(response.location or "")
    return (response.status_code == 302 and location.path == "/login"
            and parse_qs(location.query).get("next") == ["/"])


def _hx_sent_to_login(response, url) -> bool:
    target = urlsplit(response.headers.get("HX-Redirect", ""))
    return (response.status_code == 401 and target.path == "/login"
            and parse_qs(target.query).get("next") == [url] and not response.data)


# flask-sock rules only match a WebSocket handshake (a plain GET is a routing 400 before
# any check runs), so the walk sends one, from our own origin so the Origin check passes.
# A public socket would then really open, and the test client has no socket to give it:
# tests/integration drives those.
HANDSHAKE = {"Connection": "Upgrade", "Upgrade": "websocket", "Sec-WebSocket-Version": "13",
             "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Origin": "http://localhost"}


def _anonymous_requests(rule, form):
    """(label, method, request arguments, check) for each way into rule."""
    if rule.websocket:
        public = rule.endpoint in PUBLIC
        return [] if public else [("handshake", "GET", {"headers": HANDSHAKE}, _sent_to_login)]
    requests = []
    if "GET" in rule.methods:
        requests += [("GET", "GET", {}, _sent_to_login),
                     ("HTMX GET", "GET", {"headers": {"HX-Request": "true"}}, _hx_sent_to_login)]
    if "POST" in rule.methods:  # with a valid token: login must be checked, not only CSRF
        requests.append(("POST", "POST", {"data": form}, _post_sent_to_login))
    return requests


def test_public_list_is_what_the_app_marks_public(app):
    marked = {name for name, view in app.view_functions.items() if getattr(view, "halo_public", False)}
    assert marked | {"static"} == set(PUBLIC)  # access.require_login lets "static" through by name
    assert set(CSRF_EXEMPT) <= set(PUBLIC)


def test_every_rule_uses_only_get_and_post(app):
    assert [rule.rule for rule in _rules(app) if not rule.methods <= HTTP_METHODS] == []


def test_anonymous_is_sent_to_login_everywhere_but_public(client, world, app):
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    form = {**_form(world), "csrf_token": token}
    wrong = []
    for rule in _rules(app):
        url, public = _url(rule, world), rule.endpoint in PUBLIC
        for label, method, kwargs, to_login in _anonymous_requests(rule, form):
            before = None if public else _snapshot()
            try:
                response = client.open(url, method=method, **kwargs)
            except Exception as exc:  # TESTING re-raises a view's error: list it with the rest
                wrong.append(f"{rule.endpoint} {label}: raised {exc!r}")
                continue
            if to_login(response, url) == public:
                wrong.append(f"{rule.endpoint} {label} {url}: {response.status_code} "
                             f"{response.location or response.headers.get('HX-Redirect') or ''}")
            if before is not None and _snapshot() != before:
                wrong.append(f"{rule.endpoint} {label}: changed the database")
    assert not wrong, "\n".join(wrong)


def test_signed_in_post_without_csrf_is_refused_and_changes_nothing(as_admin, world, app):
    wrong = []
    for rule in _rules(app):
        if "POST" not in rule.methods:
            continue
        before = _snapshot()
        try:
            response = as_admin.post(_url(rule, world), _form(world), csrf=False)
        except Exception as exc:
            wrong.append(f"{rule.endpoint}: raised {exc!r}")
            continue
        refused = response.status_code == 400 and CSRF_REFUSAL in response.get_data(as_text=True)
        if refused == (rule.endpoint in CSRF_EXEMPT):  # a view's own 400 (a bad form) is not enough
            wrong.append(f"{rule.endpoint}: {response.status_code}")
        if _snapshot() != before:
            wrong.append(f"{rule.endpoint}: changed the database")
    assert not wrong, "\n".join(wrong)
    assert as_admin.get("/inbox/open").status_code == 200  # /logout without a token kept the session
