"""Reading through the API: the inbox's views and filters with keyset pages, threads with
notes flagged, customers, teammates, segments with counts; bad parameters are problems
that name the parameter."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Message
from halo.services.inbox import segments
from halo.services.tickets.replies import post_reply
from tests.factories import make_customer, make_ticket, make_user


def _ids(response):
    assert response.status_code == 200, response.get_json()
    return [t["id"] for t in response.get_json()["data"]]


def test_keyset_pages_walk_every_ticket_once_newest_first(api_agent, frozen):
    made = [make_ticket(now=frozen.start + timedelta(minutes=n)).id for n in range(7)]
    seen, cursor = [], None
    for _ in range(5):
        response = api_agent.get("/tickets?limit=3" + (f"&cursor={cursor}" if cursor else ""))
        seen += _ids(response)
        cursor = response.get_json()["next_cursor"]
        if cursor is None:
            break
    assert seen == list(reversed(made))


def test_a_page_stays_right_when_a_ticket_moves_up(api_agent, frozen):
    made = [make_ticket(now=frozen.start + timedelta(minutes=n)) for n in range(4)]
    first = api_agent.get("/tickets?limit=2").get_json()
    made[0].last_activity_at = frozen.start + timedelta(hours=1)  # the oldest gets a new message
    db.session.commit()
    rest = _ids(api_agent.get(f"/tickets?limit=2&cursor={first['next_cursor']}"))
    assert [t["id"] for t in first["data"]] + rest == [made[3].id, made[2].id, made[1].id]


def test_views_and_filters(api_agent, agent, frozen):
    vip = make_customer(traits={"plan": "enterprise"})
    mine = make_ticket(customer=vip, assignee_id=agent.id)
    resolved = make_ticket(status="resolved")
    spam = make_ticket(status="spam")
    chat = make_ticket(channel="chat")
    assert set(_ids(api_agent.get("/tickets?view=mine"))) == {mine.id}
    assert set(_ids(api_agent.get("/tickets?view=open"))) == {mine.id, chat.id}
    assert set(_ids(api_agent.get("/tickets?status=resolved,spam"))) == {resolved.id, spam.id}
    assert set(_ids(api_agent.get("/tickets?channel=chat"))) == {chat.id}
    assert set(_ids(api_agent.get("/tickets?trait=plan:enterprise"))) == {mine.id}
    assert set(_ids(api_agent.get("/tickets?assignee=none&view=open"))) == {chat.id}
    assert set(_ids(api_agent.get(f"/tickets?assignee={agent.id}"))) == {mine.id}
    later = (frozen.start + timedelta(days=1)).date().isoformat()
    assert _ids(api_agent.get(f"/tickets?created_from={later}")) == []


@pytest.mark.parametrize("query, parameter", [
    ("status=bogus", "status"), ("assignee=someone", "assignee"), ("channel=fax", "channel"),
    ("trait=bad key", "trait"), ("lang=12345", "lang"), ("created_from=yesterday", "created_from"),
    ("limit=100000", "limit"), ("limit=0", "limit"), ("limit=ten", "limit"), ("view=everything", "view"),
    ("cursor=garbage", "cursor"), ("colour=red", "colour"), ("priority=maybe", "priority"),
])
def test_bad_parameters_are_problems_naming_the_parameter(api_agent, query, parameter):
    make_ticket()
    response = api_agent.get("/tickets?" + query)
    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["type"] == "/api/v1/problems/invalid-request"
    assert [e["parameter"] for e in problem["errors"]] == [parameter]
    assert parameter in problem["detail"] or problem["detail"]


def test_one_ticket_and_a_missing_one(api_agent):
    ticket = make_ticket(subject="Refund please")
    body = api_agent.get(f"/tickets/{ticket.id}").get_json()
    assert body["subject"] == "Refund please" and body["status"] == "open"
    assert body["customer"]["email"] == ticket.customer.email
    assert body["created_at"].endswith("Z")
    missing = api_agent.get(f"/tickets/{ticket.id + 1000}")
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert f"#{ticket.id + 1000}" in missing.get_json()["detail"]


def test_thread_flags_notes_and_pages_by_id(api_agent, agent):
    ticket = make_ticket()
    post_reply(ticket.id, agent.id, "Checking with billing @nobody", "note")
    post_reply(ticket.id, agent.id, "We refunded you.", "email")
    lines = api_agent.get(f"/tickets/{ticket.id}/messages").get_json()["data"]
    kinds = [(m["kind"], m["is_note"]) for m in lines if m["kind"] != "event"]
    assert kinds == [("customer", False), ("note", True), ("agent", False)]
    reply = next(m for m in lines if m["kind"] == "agent")
    assert reply["author"] == {"id": agent.id, "name": agent.name} and reply["delivery"]
    first = api_agent.get(f"/tickets/{ticket.id}/messages?limit=1").get_json()
    rest = api_agent.get(f"/tickets/{ticket.id}/messages?cursor={first['next_cursor']}").get_json()
    assert [m["id"] for m in first["data"] + rest["data"]] == [m["id"] for m in lines]
    assert api_agent.get(f"/tickets/{ticket.id}/messages?cursor=abc").status_code == 400


def test_customers_search_and_get(api_agent):
    ada = make_customer(name="Ada Lovelace", email="ada@analytical.example")
    make_customer(name="Charles Babbage", email="charles@engine.example")
    assert [c["id"] for c in api_agent.get("/customers?q=lovel").get_json()["data"]] == [ada.id]
    assert [c["id"] for c in api_agent.get("/customers?q=ANALYTICAL").get_json()["data"]] == [ada.id]
    assert [c["id"] for c in api_agent.get("/customers?email=ADA@analytical.example").get_json()["data"]] == [ada.id]
    assert api_agent.get("/customers?q=100%25").get_json()["data"] == []  # % is a character, not a wildcard
    got = api_agent.get(f"/customers/{ada.id}").get_json()
    assert got["traits"] == {"plan": "pro", "company": "Acme"} and got["name"] == "Ada Lovelace"
    page = api_agent.get("/customers?limit=1").get_json()
    assert len(page["data"]) == 1 and page["next_cursor"]


def test_teammates(api_agent, agent, admin):
    team = api_agent.get("/teammates").get_json()["data"]
    assert {t["email"] for t in team} == {agent.email, admin.email}
    assert api_agent.get(f"/teammates/{admin.id}").get_json()["role"] == "admin"
    assert api_agent.get("/teammates/99999").status_code == 404


def test_segments_with_counts(api_agent, agent, frozen):
    other = make_user()
    make_ticket(status="resolved")
    make_ticket(status="resolved")
    make_ticket()
    shared = segments.save_segment(other.id, "Resolved", "all", {"status": ["resolved"]}, shared=True)
    private = segments.save_segment(other.id, "Theirs", "all", {}, shared=False)
    mine = segments.save_segment(agent.id, "Open ones", "open", {})
    listed = {s["id"]: s for s in api_agent.get("/segments").get_json()["data"]}
    assert set(listed) == {shared.id, mine.id}
    assert listed[shared.id]["count"] == 2 and listed[shared.id]["filters"] == {"status": ["resolved"]}
    assert listed[mine.id]["count"] == 1
    assert api_agent.get(f"/segments/{private.id}").status_code == 404
    assert api_agent.get(f"/segments/{shared.id}").get_json()["count"] == 2


def test_messages_of_a_missing_ticket(api_agent):
    assert api_agent.get("/tickets/424242/messages").status_code == 404
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == 0
