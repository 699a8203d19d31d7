"""The API obeys the token owner's inboxes and role, as the pages do: a ticket of another
team's inbox is as absent as one that never existed, everywhere; a read-only teammate's
token writes notes and nothing to customers; a workspace token sees every inbox."""
import pytest

from halo.extensions import db
from halo.models import Message, Ticket
from halo.services.access import inboxes, teams
from tests.api.conftest import Api, token_for
from tests.factories import make_customer, make_ticket, make_user


@pytest.fixture
def two_teams(admin):
    """Billing (inbox + team with Bea) and Support (inbox + team with Sam)."""
    billing = inboxes.save_inbox(admin.id, None, name="Billing desk")
    support = inboxes.save_inbox(admin.id, None, name="Help desk")
    bea, sam = make_user(name="Bea"), make_user(name="Sam")
    teams.save_team(admin.id, None, name="Billing team", member_ids=[bea.id], inbox_ids=[billing.id])
    teams.save_team(admin.id, None, name="Support team", member_ids=[sam.id], inbox_ids=[support.id])
    theirs = make_customer(name="Only billing")
    bill = make_ticket(customer=theirs, subject="Invoice", inbox_id=billing.id)
    supp = make_ticket(subject="Login", inbox_id=support.id)
    return {"billing": billing, "support": support, "bea": bea, "sam": sam, "bill": bill,
            "supp": supp, "theirs": theirs}


def test_a_token_sees_only_its_owners_inboxes(client, two_teams):
    bea = Api(client, token_for(two_teams["bea"]))
    bill, supp = two_teams["bill"], two_teams["supp"]
    assert [t["id"] for t in bea.get("/tickets").get_json()["data"]] == [bill.id]
    assert bea.get(f"/tickets/{bill.id}").status_code == 200
    for path in (f"/tickets/{supp.id}", f"/tickets/{supp.id}/messages"):
        response = bea.get(path)
        assert response.status_code == 404 and f"#{supp.id}" in response.get_json()["detail"]
    before = db.session.scalar(db.select(db.func.count()).select_from(Message))
    assert bea.patch(f"/tickets/{supp.id}", json={"status": "resolved"}).status_code == 404
    assert bea.post(f"/tickets/{supp.id}/messages", json={"kind": "note", "body": "x"}).status_code == 404
    db.session.expire_all()
    assert db.session.get(Ticket, supp.id).status == "open"
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)) == before
    assert bea.get(f"/tickets?inbox={two_teams['support'].id}").get_json()["data"] == []


def test_customers_of_another_teams_tickets_are_hidden(client, two_teams):
    sam = Api(client, token_for(two_teams["sam"]))
    hidden = two_teams["theirs"]
    assert sam.get(f"/customers/{hidden.id}").status_code == 404
    assert hidden.id not in [c["id"] for c in sam.get("/customers").get_json()["data"]]
    assert sam.patch(f"/customers/{hidden.id}", json={"traits": {"x": 1}}).status_code == 404
    fresh = make_customer(name="No tickets yet")
    assert sam.get(f"/customers/{fresh.id}").status_code == 200  # belongs to no inbox yet


def test_moving_a_ticket_needs_an_inbox_the_token_sees(client, two_teams, admin):
    bea = Api(client, token_for(two_teams["bea"]))
    bill = two_teams["bill"]
    refused = bea.patch(f"/tickets/{bill.id}", json={"inbox_id": two_teams["support"].id})
    assert refused.status_code == 422 and refused.get_json()["errors"][0]["pointer"] == "#/inbox_id"
    boss = Api(client, token_for(admin, "admin"))
    moved = boss.patch(f"/tickets/{bill.id}", json={"inbox_id": two_teams["support"].id})
    assert moved.status_code == 200 and moved.get_json()["inbox_id"] == two_teams["support"].id
    assert bea.get(f"/tickets/{bill.id}").status_code == 404  # it left Bea's sight


def test_a_workspace_token_sees_every_inbox(client, two_teams, admin):
    bot = Api(client, token_for(admin, "read", kind="workspace"))
    ids = {t["id"] for t in bot.get("/tickets").get_json()["data"]}
    assert ids == {two_teams["bill"].id, two_teams["supp"].id}


def test_a_read_only_teammates_token_writes_notes_only(client):
    reader = make_user(name="Rita", role="readonly")
    api = Api(client, token_for(reader, "write"))
    ticket = make_ticket()
    assert api.post(f"/tickets/{ticket.id}/messages", json={"kind": "note", "body": "Seen it"}).status_code == 201
    reply = api.post(f"/tickets/{ticket.id}/messages", json={"body": "Hello customer"})
    assert reply.status_code == 403 and "read-only" in reply.get_json()["detail"]
    assert api.patch(f"/tickets/{ticket.id}", json={"status": "resolved"}).status_code == 403
    assert api.post("/customers", json={"name": "New"}).status_code == 403
    assert db.session.scalar(db.select(db.func.count()).select_from(Message)
                             .where(Message.kind == "agent")) == 0
