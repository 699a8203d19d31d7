"""Signed in as an agent of team A, every rule of the URL map is tried against team B's
ticket, its customer, messages, attachment, inline image, original email, AI draft,
HaloPilot answer and merge: 403 or 404 for whatever names them, nothing changed, and no
word of them in any page, count or search snippet. Then the same walk as team A's
read-only teammate tries every way of sending something to a customer on team A's own
ticket: refused, nothing sent."""
from urllib.parse import quote, unquote

import pytest
from werkzeug.routing import IntegerConverter

from halo.extensions import db
from halo.models import AiDraft, Message, OutboundEmail, Ticket
from tests.access_support import SECRETS, two_teams
from tests.conftest import Browser
from tests.email_support import attachment_dir, sync_queue  # noqa: F401
from tests.web.test_route_walk import PUBLIC, _rules

# The id arguments that name team B's things, and what each is given.
B_IDS = {"ticket_id": "tb", "message_id": "message", "attachment_id": "attachment",
         "inbound_id": "inbound", "draft_id": "draft", "answer_id": "answer", "event_id": "merge_event"}
STRINGS = {"view": "all", "mode": "email", "action": "delete", "token": "not-a-real-token",
           "name": "0123456789abcdef.png", "filename": "favicon.svg"}
# Pages that name no ticket of their own but list or count tickets: they answer, without B.
LISTS = {"inbox.home", "inbox.view", "inbox.counts", "inbox.search_page", "inbox.segment_nav",
         "live.index", "settings.notifications_page", "knowledge.training"}


@pytest.fixture
def world(sync_queue, attachment_dir):  # noqa: F811
    return two_teams()


def _url(rule, world) -> str:
    values = {}
    for name, conv in rule._converters.items():
        if isinstance(conv, IntegerConverter):
            values[name] = world[B_IDS[name]] if name in B_IDS else 1
        else:
            values[name] = world["content_id"] if name == "content_id" else STRINGS.get(name, "x")
    return rule.build(values)[1]


def _names_b(rule) -> bool:
    return any(name in B_IDS or name == "content_id" for name in rule._converters)


def _form(world, mode="email"):
    """What the forms read, every id pointing at team B."""
    tb = world["tb"]
    return {"status": "resolved", "assignee_id": world["sara"].id, "mode": mode, "body": "Walked",
            "ticket_ids": tb, "do": "status:resolved", "target": tb, "into": tb, "ids": tb,
            "source_ids": world["dupe"], "inbox_id": world["a"], "question": "What plan?",
            "action": "summarize", "text": "Walked", "name": "Walker", "query": "q=walk",
            "view": "all", "next": "/inbox/open"}


def _leaks(text: str) -> list[str]:
    return [s for s in SECRETS if s.lower() in text.lower()]


def _b_rows(world):
    """Team B's ticket and thread as stored: what no request of Sara's may change."""
    db.session.expire_all()
    tickets = db.session.execute(db.select(Ticket.__table__).where(
        Ticket.id.in_([world["tb"], world["dupe"]]))).all()
    lines = db.session.execute(db.select(Message.__table__).where(
        Message.ticket_id.in_([world["tb"], world["dupe"]]))).all()
    drafts = db.session.execute(db.select(AiDraft.__table__)).all()
    return tickets, lines, drafts


def test_team_a_reaches_nothing_of_team_b(client, world, app):
    sara = Browser(client)
    sara.login(world["sara"].email)
    wrong, before = [], _b_rows(world)
    for rule in _rules(app):
        if rule.endpoint in PUBLIC or rule.endpoint == "auth.logout":
            continue
        url = _url(rule, world)
        if rule.websocket:  # the socket's subscriptions: tests/integration/test_visibility_socket.py
            continue
        for method in sorted(rule.methods & {"GET", "POST"}):
            for hx in (False, True):
                response = (sara.get(url, hx=hx) if method == "GET"
                            else sara.post(url, _form(world), hx=hx))
                code, text = response.status_code, response.get_data(as_text=True)
                label = f"{rule.endpoint} {method}{' hx' if hx else ''} {url}"
                if _names_b(rule) and code not in (403, 404):
                    wrong.append(f"{label}: {code}")
                if leaked := _leaks(text):
                    wrong.append(f"{label}: shows {leaked}")
        if _b_rows(world) != before:
            wrong.append(f"{rule.endpoint}: changed team B's ticket")
            before = _b_rows(world)
    assert not wrong, "\n".join(wrong)


def test_lists_counts_and_search_hold_only_team_a(client, world):
    sara = Browser(client)
    sara.login(world["sara"].email)
    for url in ("/inbox/all", "/inbox/open", "/inbox/all?q=zebrafish", "/inbox/all?q=kumquat",
                "/search?q=zebrafish", "/search?q=kumquat", "/search?q=Hiddenperson",
                "/search?q=" + quote("hidden-b@customer.test"), "/inbox/counts", "/notifications",
                f"/tickets/{world['ta']}", "/live", "/segments/nav", "/inbox/mentions"):
        response = sara.get(url)
        assert response.status_code == 200, url
        asked = unquote(url.partition("q=")[2]).lower()  # the search box and filter chip repeat the query
        assert [s for s in _leaks(response.text) if s.lower() not in asked] == [], url
        assert f"/tickets/{world['tb']}" not in response.text and "breach report" not in response.text, url
    counts = sara.get("/inbox/counts").text
    assert _count(counts, "all") == 1 and _count(counts, "open") == 1  # team A's one ticket
    assert "Zebrafish" not in sara.get("/search?q=breach").text
    assert f"/tickets/{world['ta']}" in sara.get("/search?q=invoice").text


def _count(html: str, view: str) -> int:
    after = html.split(f'data-view="{view}"', 1)[1]
    return int(after.split('<span class="count">', 1)[1].split("<", 1)[0])


def test_bulk_and_merge_forms_leave_team_b_alone(client, world):
    sara = Browser(client)
    sara.login(world["sara"].email)
    before = _b_rows(world)
    response = sara.post("/inbox/bulk", {"ticket_ids": [world["tb"], world["ta"]], "do": "status:resolved"}, hx=True)
    assert _leaks(response.text) == [] and f"#{world['tb']}" in response.text  # "does not exist"
    sara.post(f"/tickets/{world['ta']}/merge", {"source_ids": world["tb"], "target": world["tb"]})
    sara.post(f"/tickets/{world['ta']}/inbox", {"inbox_id": world["b"]})  # an inbox she does not see
    assert _b_rows(world) == before
    assert db.session.get(Ticket, world["ta"]).inbox_id == world["a"]


CUSTOMER_SENDS = [
    ("post", "/tickets/{ta}/messages", {"mode": "email", "body": "Hello customer"}),
    ("post", "/tickets/{ta}/messages", {"mode": "chat", "body": "Hello visitor"}),
    ("post", "/tickets/{ta}/take-over", {}),
    ("post", "/tickets/{ta}/pass-to-ai", {}),
    ("post", "/tickets/{ta}/ai/draft", {"mode": "email"}),
    ("post", "/tickets/{ta}/status", {"status": "resolved"}),
    ("post", "/tickets/{ta}/assignee", {"assignee_id": "{sara}"}),
    ("post", "/tickets/{ta}/messages", {"mode": "training", "body": "Always offer refunds."}),
    ("post", "/inbox/bulk", {"ticket_ids": "{ta}", "do": "status:resolved"}),
    ("post", "/email/messages/{reply}/retry", {}),
    ("post", "/knowledge/articles/new", {"title": "Refunds", "body": "Always", "published": "on"}),
]


def test_the_read_only_role_sends_nothing_to_customers(client, world):
    agent_reply = Message(ticket_id=world["ta"], kind="agent", channel="email", author_id=world["sara"].id,
                          body_text="Earlier reply", delivery="failed")
    db.session.add(agent_reply)
    db.session.commit()
    rita = Browser(client)
    rita.login(world["rita"].email)
    ids = {"ta": world["ta"], "sara": world["sara"].id, "reply": agent_reply.id}
    sent_before = db.session.scalar(db.select(db.func.count()).select_from(OutboundEmail))
    lines_before = db.session.scalar(db.select(db.func.count()).select_from(Message).where(
        Message.ticket_id == world["ta"]))
    wrong = []
    for _method, url, form in CUSTOMER_SENDS:
        url = url.format(**ids)
        data = {k: v.format(**ids) for k, v in form.items()}
        for hx in (False, True):
            code = rita.post(url, data, hx=hx).status_code
            if code != 403:
                wrong.append(f"{url} {data} hx={hx}: {code}")
    assert not wrong, "\n".join(wrong)
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(OutboundEmail)) == sent_before
    assert db.session.scalar(db.select(db.func.count()).select_from(Message).where(
        Message.ticket_id == world["ta"])) == lines_before
    # What the role may do: read the ticket, write a note.
    assert rita.get(f"/tickets/{world['ta']}").status_code == 200
    assert rita.post(f"/tickets/{world['ta']}/messages", {"mode": "note", "body": "Read it"}).status_code == 302
    assert db.session.scalar(db.select(Message).where(Message.ticket_id == world["ta"],
                                                      Message.kind == "note")).body_text == "Read it"
