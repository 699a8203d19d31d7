"""Writing through the API: tickets opened as a customer's message, changed with their
event lines, replies and notes through the composer's service, customers made, changed
and merged; every refusal names the field and writes nothing."""
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Customer, Message, Ticket, Visitor
from tests.api.conftest import Api, token_for
from tests.factories import make_customer, make_ticket, make_user


def _count(model):
    return db.session.scalar(db.select(db.func.count()).select_from(model))


def test_create_a_ticket_as_the_customers_first_message(api_agent, app):
    response = api_agent.post("/tickets", json={
        "customer": {"email": "Ada@Example.org", "name": "Ada"}, "body": "My order never came."})
    assert response.status_code == 201
    made = response.get_json()
    assert response.headers["Location"] == f"/api/v1/tickets/{made['id']}"
    assert made["status"] == "open" and made["channel"] == "email"
    assert made["subject"] == "My order never came." and made["customer"]["email"] == "ada@example.org"
    thread = db.session.scalars(db.select(Message).where(Message.ticket_id == made["id"])).all()
    assert [(m.kind, m.body_text) for m in thread] == [("customer", "My order never came.")]
    again = api_agent.post("/tickets", json={"customer": {"email": "ada@example.org"},
                                             "subject": "Second", "body": "Another thing"})
    assert again.get_json()["customer"]["id"] == made["customer"]["id"]  # found, not doubled
    assert _count(Customer) == 1


@pytest.mark.parametrize("payload, pointer", [
    ({"customer": {"email": "ada@example.org"}}, "#/body"),
    ({"customer": {"email": "ada@example.org"}, "body": ""}, "#/body"),
    ({"customer": {"email": "ada@example.org"}, "body": 42}, "#/body"),
    ({"customer": {"email": "ada@example.org", "phone": "1"}, "body": "Hi"}, "#/customer/phone"),
    ({"customer": "ada@example.org", "body": "Hi"}, "#/customer"),
    ({"customer": {"email": "ada@example.org"}, "body": "Hi", "status": "spam"}, "#/status"),
])
def test_bad_new_tickets_name_the_field_and_write_nothing(api_agent, payload, pointer):
    response = api_agent.post("/tickets", json=payload)
    assert response.status_code == 422
    assert pointer in [e["pointer"] for e in response.get_json()["errors"]]
    assert _count(Ticket) == 0 and _count(Customer) == 0


def test_a_ticket_for_nobody_is_refused(api_agent):
    response = api_agent.post("/tickets", json={"customer": {"name": "No address"}, "body": "Hi"})
    assert response.status_code == 422 and "customer" in response.get_json()["detail"]
    assert _count(Ticket) == 0 and _count(Customer) == 0


def test_update_status_assignee_and_tags_with_event_lines(api_agent, agent):
    ticket = make_ticket()
    teammate = make_user(name="Tom")
    response = api_agent.patch(f"/tickets/{ticket.id}", json={
        "status": "in_progress", "assignee_id": teammate.id, "tags": ["Refund", "vip", "refund"]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "in_progress" and body["assignee"]["id"] == teammate.id
    assert body["tags"] == ["Refund", "vip"]
    events = db.session.scalars(db.select(Message).where(Message.ticket_id == ticket.id,
                                                         Message.kind == "event")).all()
    assert {e.event_type for e in events} == {"status", "assignment", "tags"}
    assert all(e.author_id == agent.id for e in events)
    assert api_agent.patch(f"/tickets/{ticket.id}", json={"tags": ["vip"]}).get_json()["tags"] == ["vip"]
    tagged = api_agent.get("/tickets?tag=VIP").get_json()["data"]
    assert [t["id"] for t in tagged] == [ticket.id]
    unassigned = api_agent.patch(f"/tickets/{ticket.id}", json={"assignee_id": None}).get_json()
    assert unassigned["assignee"] is None


def test_priority_and_snooze(api_agent, frozen):
    ticket = make_ticket()
    assert api_agent.patch(f"/tickets/{ticket.id}", json={"priority": True}).get_json()["status"] == "priority"
    assert api_agent.patch(f"/tickets/{ticket.id}", json={"priority": False}).get_json()["status"] == "open"
    until = (frozen.start + timedelta(days=1)).isoformat() + "+00:00"
    snoozed = api_agent.patch(f"/tickets/{ticket.id}", json={"status": "snoozed", "snoozed_until": until})
    assert snoozed.get_json()["snoozed_until"] == (frozen.start + timedelta(days=1)).isoformat() + "Z"


@pytest.mark.parametrize("payload, status, field", [
    ({"status": "merged"}, 422, "#/status"),
    ({"status": "sleeping"}, 422, "#/status"),
    ({"status": "snoozed"}, 422, None),  # needs snoozed_until
    ({"status": "snoozed", "snoozed_until": "2020-01-01T00:00:00Z"}, 422, None),
    ({"status": "snoozed", "snoozed_until": "2030-01-01T00:00:00"}, 422, "#/snoozed_until"),  # no zone
    ({"assignee_id": 99999}, 422, None),
    ({"tags": ["<script>"]}, 422, None),
    ({"tags": "vip"}, 422, "#/tags"),
    ({"priority": True, "status": "open"}, 422, "#/priority"),
    ({"owner": 1}, 422, "#/owner"),
])
def test_bad_changes_write_nothing(api_agent, payload, status, field):
    ticket = make_ticket(status="resolved")
    before = _count(Message)
    response = api_agent.patch(f"/tickets/{ticket.id}", json={**payload, "tags": payload.get("tags", ["ok"])}
                               if "tags" in payload else payload)
    assert response.status_code == status, response.get_json()
    if field:
        assert field in [e.get("pointer") for e in response.get_json().get("errors", [])]
    db.session.expire_all()
    assert _count(Message) == before and db.session.get(Ticket, ticket.id).status == "resolved"


def test_a_transition_the_rules_refuse_is_a_409(api_agent):
    ticket = make_ticket(status="spam")
    response = api_agent.patch(f"/tickets/{ticket.id}", json={"status": "resolved"})
    assert response.status_code == 409
    assert response.get_json()["type"] == "/api/v1/problems/rule-violation"
    assert "reopen it first" in response.get_json()["detail"]


def test_reply_and_note_through_the_composers_service(api_agent, agent, app):
    ticket = make_ticket()
    reply = api_agent.post(f"/tickets/{ticket.id}/messages", json={"body": "We shipped it today."})
    assert reply.status_code == 201
    sent = reply.get_json()
    assert sent["kind"] == "agent" and sent["channel"] == "email" and sent["author"]["id"] == agent.id
    assert sent["delivery"] in ("queued", "sending", "sent", "failed")
    note = api_agent.post(f"/tickets/{ticket.id}/messages", json={"kind": "note", "body": "Courier says Friday"})
    assert note.get_json()["is_note"] is True and note.get_json()["delivery"] is None


def test_a_workspace_token_names_its_author(api_bot, agent):
    ticket = make_ticket()
    refused = api_bot.post(f"/tickets/{ticket.id}/messages", json={"body": "Hello"})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "#/author_id"
    wrong = api_bot.post(f"/tickets/{ticket.id}/messages", json={"body": "Hello", "author_id": 4242})
    assert wrong.status_code == 422
    ok = api_bot.post(f"/tickets/{ticket.id}/messages", json={"body": "Hello", "author_id": agent.id})
    assert ok.status_code == 201 and ok.get_json()["author"]["id"] == agent.id


def test_a_personal_token_writes_only_as_its_owner(api_agent, admin):
    ticket = make_ticket()
    response = api_agent.post(f"/tickets/{ticket.id}/messages", json={"body": "Hi", "author_id": admin.id})
    assert response.status_code == 422
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)
                             .where(Message.kind != "customer")) == 0


def test_customers_create_update_traits_and_conflicts(api_agent):
    made = api_agent.post("/customers", json={"name": "Ada", "email": "ada@example.org",
                                              "traits": {"plan": "pro", "seats": 5}})
    assert made.status_code == 201
    customer_id = made.get_json()["id"]
    clash = api_agent.post("/customers", json={"email": "ADA@example.org"})
    assert clash.status_code == 409
    changed = api_agent.patch(f"/customers/{customer_id}", json={"traits": {"plan": "enterprise", "seats": None,
                                                                            "vip": True}})
    assert changed.get_json()["traits"] == {"plan": "enterprise", "vip": True}
    assert changed.get_json()["name"] == "Ada"
    bad = api_agent.patch(f"/customers/{customer_id}", json={"traits": {"bad key!": 1}})
    assert bad.status_code == 422
    nested = api_agent.patch(f"/customers/{customer_id}", json={"traits": {"plan": {"a": 1}}})
    assert nested.status_code == 422 and nested.get_json()["errors"][0]["pointer"].startswith("#/traits/plan")
    assert api_agent.get(f"/customers/{customer_id}").get_json()["traits"] == {"plan": "enterprise", "vip": True}


def test_merge_customers_moves_tickets_and_visitors(api_agent):
    target = make_customer(email="ada@example.org", traits={"plan": "pro"})
    source = make_customer(email=None, name="Ada (chat)", traits={"plan": "free", "city": "London"})
    ticket, source_id = make_ticket(customer=source), source.id
    db.session.add(Visitor(key="v-merge", customer_id=source.id))
    db.session.commit()
    merged = api_agent.post(f"/customers/{target.id}/merge", json={"source_id": source_id})
    assert merged.status_code == 200
    assert merged.get_json()["traits"] == {"plan": "pro", "city": "London"}
    db.session.expire_all()
    assert db.session.get(Ticket, ticket.id).customer_id == target.id
    assert db.session.scalar(db.select(Visitor.customer_id).where(Visitor.key == "v-merge")) == target.id
    assert db.session.get(Customer, source_id) is None
    assert api_agent.post(f"/customers/{target.id}/merge", json={"source_id": target.id}).status_code == 422


def test_idempotency_key_replays_the_first_answer(api_agent):
    headers = {"Idempotency-Key": "order-1234-ticket"}
    payload = {"customer": {"email": "ada@example.org"}, "body": "Where is my order?"}
    first = api_agent.post("/tickets", json=payload, headers=headers)
    second = api_agent.post("/tickets", json=payload, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert second.headers["Location"] == first.headers["Location"]
    assert _count(Ticket) == 1
    other = api_agent.post("/tickets", json={**payload, "body": "Something else"}, headers=headers)
    assert other.status_code == 422 and other.get_json()["type"] == "/api/v1/problems/idempotency-conflict"
    assert _count(Ticket) == 1
    fresh = api_agent.post("/tickets", json=payload, headers={"Idempotency-Key": "order-1234-ticket-2"})
    assert fresh.status_code == 201 and _count(Ticket) == 2


def test_idempotency_keys_are_per_token(client, admin, agent):
    payload = {"title": "Refunds"}
    one, two = Api(client, token_for(admin)), Api(client, token_for(agent))
    assert one.post("/articles", json=payload, headers={"Idempotency-Key": "k"}).status_code == 201
    assert two.post("/articles", json=payload, headers={"Idempotency-Key": "k"}).status_code == 201


def test_a_refused_request_is_replayed_as_refused_and_a_bad_key_is_named(api_agent):
    headers = {"Idempotency-Key": "bad-one"}
    first = api_agent.post("/tickets", json={"customer": {}}, headers=headers)
    again = api_agent.post("/tickets", json={"customer": {}}, headers=headers)
    assert first.status_code == again.status_code == 422
    too_long = api_agent.post("/tickets", json={"customer": {}}, headers={"Idempotency-Key": "k" * 300})
    assert too_long.status_code == 400
    assert too_long.get_json()["errors"][0]["header"] == "Idempotency-Key"
