"""The search results page keeps its results (by the inbox stamp, the access scope and the
language): kept while nothing changes, never stale after a write, never shown to a teammate
who sees other inboxes."""
import re
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import Customer, Message, Ticket, User
from halo.services.access import inboxes, teams
from halo.services.inbox import search
from tests.conftest import Browser
from tests.factories import make_customer, make_ticket, make_user


def hit_ids(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'id="search-hit-(\d+)"', page)]


@pytest.fixture
def searches(monkeypatch):
    """How many times the page ran the search itself (not from what it kept)."""
    calls = []
    real = search.search
    monkeypatch.setattr(search, "search", lambda *a, **kw: calls.append(a) or real(*a, **kw))
    return calls


def test_results_are_kept_until_a_ticket_message_or_customer_changes(as_agent, frozen, searches):
    ticket = make_ticket(subject="Kettle broken", body="The kettle stopped.")
    first = as_agent.get("/search?q=kettle").get_data(as_text=True)
    assert hit_ids(first) == [ticket.id] and len(searches) == 1
    again = as_agent.client.get("/search?q=kettle", headers={"HX-Request": "true", "HX-Target": "search-results"})
    assert hit_ids(again.get_data(as_text=True)) == [ticket.id] and len(searches) == 1  # kept

    t = db.session.get(Ticket, ticket.id)
    t.status = "resolved"  # not the text searched: the row's pill still changes
    db.session.commit()
    page = as_agent.get("/search?q=kettle").get_data(as_text=True)
    assert "pill-resolved" in page and len(searches) == 2

    other = make_ticket(subject="Question", body="Is the kettle covered?")  # a new match
    assert hit_ids(as_agent.get("/search?q=kettle").get_data(as_text=True)) == [ticket.id, other.id]

    message = db.session.scalar(db.select(Message).where(Message.ticket_id == other.id))
    message.body_text = "Is the toaster covered?"  # an edit: no longer a match
    db.session.commit()
    assert hit_ids(as_agent.get("/search?q=kettle").get_data(as_text=True)) == [ticket.id]

    customer = db.session.get(Customer, db.session.get(Ticket, other.id).customer_id)
    customer.name = "Kettleby Jones"  # a customer's name matches through their tickets
    db.session.commit()
    page = as_agent.get("/search?q=kettle").get_data(as_text=True)
    assert hit_ids(page) == [ticket.id, other.id] and "<mark>Kettleby</mark> Jones" in page


def test_the_minute_turning_searches_again(as_agent, frozen, searches):
    make_ticket(subject="Kettle broken")
    as_agent.get("/search?q=kettle")
    as_agent.get("/search?q=kettle")
    assert len(searches) == 1
    frozen(frozen.start + timedelta(minutes=1))
    as_agent.get("/search?q=kettle")
    assert len(searches) == 2


@pytest.fixture
def two_teams(frozen):
    admin = make_user(email="boss@example.com", name="Ada Admin", role="admin")
    sara, bo = make_user(email="sara@example.com", name="Sara"), make_user(email="bo@example.com", name="Bo")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    team_a = teams.save_team(admin.id, None, name="Team A", member_ids=[sara.id], inbox_ids=[a.id])
    team_b = teams.save_team(admin.id, None, name="Team B", member_ids=[bo.id], inbox_ids=[b.id])
    shared = make_customer(name="Quinn Shared")
    ta = make_ticket(customer=shared, subject="Invoice twice charged", inbox_id=a.id)
    tb = make_ticket(customer=shared, subject="Invoice leaked", body="the invoice token leaked", inbox_id=b.id)
    return {"admin": admin.id, "sara": sara.id, "bo": bo.id, "a": a.id, "b": b.id,
            "team_a": team_a.id, "team_b": team_b.id, "ta": ta.id, "tb": tb.id}


def _signed_in(app, email) -> Browser:
    browser = Browser(app.test_client())
    browser.login(email)
    return browser


@pytest.mark.parametrize("first", ["admin", "bo", "sara"])
def test_a_teammate_never_sees_results_kept_for_another_team(app, client, two_teams, first, searches):
    t = two_teams
    people = {"admin": "boss@example.com", "bo": "bo@example.com", "sara": "sara@example.com"}
    seen = {"admin": {t["ta"], t["tb"]}, "bo": {t["tb"]}, "sara": {t["ta"]}}
    order = [first] + [p for p in people if p != first]
    for person in order + order:  # each asks twice: kept copies, each scope's own
        page = _signed_in(app, people[person]).get("/search?q=invoice").get_data(as_text=True)
        assert set(hit_ids(page)) == seen[person], person
        assert "token leaked" not in page or person != "sara"
    assert len(searches) == 3  # one search per scope; the second round came from what was kept


def test_results_follow_a_change_of_who_sees_what(app, client, two_teams):
    t = two_teams
    sara = _signed_in(app, "sara@example.com")
    assert hit_ids(sara.get("/search?q=invoice").get_data(as_text=True)) == [t["ta"]]
    teams.save_team(t["admin"], t["team_b"], name="Team B", member_ids=[t["bo"], t["sara"]],
                    inbox_ids=[t["b"]])  # Sara joins team B
    assert set(hit_ids(sara.get("/search?q=invoice").get_data(as_text=True))) == {t["ta"], t["tb"]}
    teams.save_team(t["admin"], t["team_b"], name="Team B", member_ids=[t["bo"]], inbox_ids=[t["b"]])
    assert hit_ids(sara.get("/search?q=invoice").get_data(as_text=True)) == [t["ta"]]  # and leaves
    ticket = db.session.get(Ticket, t["ta"])
    ticket.inbox_id = t["b"]  # her team's ticket moves to team B's inbox
    db.session.commit()
    assert hit_ids(sara.get("/search?q=invoice").get_data(as_text=True)) == []
    user = db.session.get(User, t["sara"])
    user.role = "admin"
    db.session.commit()
    assert set(hit_ids(sara.get("/search?q=invoice").get_data(as_text=True))) == {t["ta"], t["tb"]}


def test_results_are_kept_per_language(as_agent, agent, frozen, searches):
    make_ticket(subject="Kettle broken")
    assert ">Open<" in as_agent.get("/search?q=kettle").get_data(as_text=True)
    user = db.session.get(User, agent.id)
    user.locale = "es"
    db.session.commit()
    page = as_agent.get("/search?q=kettle").get_data(as_text=True)
    assert ">Abierto<" in page and len(searches) == 2


def test_searches_typed_never_push_the_inbox_s_pieces_out(as_agent, frozen, monkeypatch):
    from halo.services.inbox import stamps
    make_ticket(subject="Kettle broken")
    as_agent.get("/inbox/open")
    kept = set(stamps.pieces._items)
    assert kept
    monkeypatch.setattr(stamps.pieces, "budget", stamps.pieces.held)  # full: one more piece evicts
    for typed in ("k", "ke", "ket", "kett", "kettl", "kettle", "kettle b", "kettle br"):
        as_agent.get(f"/search?q={typed}")
    assert kept <= set(stamps.pieces._items)
    assert len(stamps.search_results._items) == 8
