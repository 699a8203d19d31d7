"""Teammates, directives and the demo workspace."""
from collections import Counter
from datetime import datetime

import pytest
from sqlalchemy import func, select

from halo import clock
from halo.extensions import db
from halo.models import Customer, Directive, Mention, Message, Ticket, User
from halo.services import demo
from halo.services.accounts import users as accounts
from halo.services.demo import load_demo
from halo.services.errors import ValidationError
from halo.services.inbox.counters import counter_rows
from halo.services.inbox.views import view_counts
from halo.services.knowledge import directives
from halo.services.tickets.mentions import mentioned_users
from halo.services.tickets.replies import post_reply
from halo.services.tickets.status import check_transition
from tests.factories import make_customer, make_ticket, make_user


def test_authenticate_and_deactivate():
    admin = make_user(role="admin")
    user = make_user(email="Mixed@Example.com")
    assert accounts.authenticate("mixed@example.COM", "password123").id == user.id
    assert accounts.authenticate(user.email, "wrong") is None
    accounts.update_user(user.id, user.name, user.email, "agent", False, acting_user_id=admin.id)
    assert accounts.authenticate(user.email, "password123") is None


def test_duplicate_email_weak_password_and_self_demotion_refused():
    admin = make_user(role="admin", email="boss@example.com")
    with pytest.raises(ValidationError):
        accounts.create_user("BOSS@example.com", "Dup", "password123")
    with pytest.raises(ValidationError, match="at least"):
        accounts.create_user("new@example.com", "New", "short")
    with pytest.raises(ValidationError, match="yourself"):
        accounts.update_user(admin.id, admin.name, admin.email, "agent", True, acting_user_id=admin.id)
    assert admin.role == "admin"


def test_handles_are_unique():
    a = make_user(name="Sara Lind")
    b = make_user(name="Sara Berg")
    assert (a.handle, b.handle) == ("sara", "sara2")


def test_ensure_admin_generates_password_once():
    admin, generated = accounts.ensure_admin("root@example.com", None)
    assert generated and accounts.authenticate("root@example.com", generated)
    again, none = accounts.ensure_admin("root@example.com", None)
    assert again.id == admin.id and none is None


def test_training_saves_scoped_directive_never_a_customer_message():
    agent = make_user()
    customer = make_customer(traits={"plan": "enterprise"}, language="de")
    ticket = make_ticket(customer=customer, channel="chat")
    event = post_reply(ticket.id, agent.id, "Offer a call to enterprise customers.", "training")
    directive = db.session.get(Directive, event.event_data["directive_id"])
    assert directive.scope == {"channel": "chat", "plan": "enterprise", "language": "de"}
    assert directive.source_ticket_id == ticket.id and directive.enabled
    kinds = {m.kind for m in db.session.scalars(db.select(Message).where(Message.ticket_id == ticket.id))}
    assert kinds == {"customer", "event"}  # nothing outbound, no visible text for the customer


def test_directive_edit_disable_delete():
    agent = make_user()
    ticket = make_ticket()
    d = db.session.get(Directive, post_reply(ticket.id, agent.id, "Be brief.", "training").event_data["directive_id"])
    directives.update_directive(d.id, "Be very brief.", enabled=False)
    assert (d.body, d.enabled) == ("Be very brief.", False)
    with pytest.raises(ValidationError):
        directives.update_directive(d.id, "  ", enabled=True)
    directives.delete_directive(d.id)
    assert db.session.get(Directive, d.id) is None


def test_demo_workspace_is_believable():
    summary = load_demo(seed=1, customers=55, tickets=210)
    assert summary["tickets"] == 210
    assert db.session.scalar(db.select(db.func.count(Customer.id))) == 55
    statuses = set(db.session.scalars(db.select(Ticket.status).distinct()))
    assert statuses == {"open", "priority", "in_progress", "snoozed", "resolved", "spam"}
    channels = set(db.session.scalars(db.select(Ticket.channel).distinct()))
    assert channels == {"email", "chat"}
    kinds = set(db.session.scalars(db.select(Message.kind).distinct()))
    assert {"customer", "agent", "note", "event"} <= kinds
    traits = db.session.scalars(db.select(Customer.traits)).first()
    assert {"plan", "company", "signup_date"} <= set(traits)


DEMO_NOW = datetime(2026, 3, 14, 9, 30)
VISIBLE = ("customer", "agent", "ai")


def test_demo_threads_follow_the_status_rules():
    clock.set_now(DEMO_NOW)
    load_demo(seed=3)
    tickets = db.session.scalars(select(Ticket)).all()
    assert len(tickets) >= 200
    for ticket in tickets:
        _check_thread(ticket, db.session.scalars(
            select(Message).where(Message.ticket_id == ticket.id).order_by(Message.id)).all())
    pairs = {(t.status, t.channel) for t in tickets}
    assert pairs == {(s, c) for s in ("open", "priority", "in_progress", "snoozed", "resolved", "spam")
                     for c in ("email", "chat")}
    fresh = Counter((t.status, t.assignee_id or 0) for t in tickets)
    assert {(s, a): n for s, a, n in counter_rows() if n} == fresh
    snoozed = sum(t.status == "snoozed" for t in tickets)
    assert view_counts(tickets[0].assignee_id or 0, DEMO_NOW)["snoozed"] == snoozed > 0
    traits = db.session.scalars(select(Customer.traits)).all()
    assert len(traits) >= 50 and all({"plan", "company", "signup_date"} <= set(t) for t in traits)
    assert db.session.scalar(select(func.count(Mention.id))) > 0


def _check_thread(ticket, rows):
    """One ticket against the product's own rules (status.py, handoff.py, inbox.py)."""
    times = [r.created_at for r in rows]
    assert times == sorted(times) and times[-1] <= DEMO_NOW, ticket.id
    visible = [r for r in rows if r.kind in VISIBLE]
    assert ticket.last_activity_at == visible[-1].created_at, ticket.id
    assert ticket.preview == " ".join(visible[-1].body_text.split())[:200]
    moves = [r for r in rows if r.event_type == "status"]
    state = "open"
    for move in moves:
        assert move.event_data["from"] == state, ticket.id
        check_transition(state, move.event_data["to"])
        state = move.event_data["to"]
    assert ticket.status == state, ticket.id
    if ticket.status == "resolved":
        assert visible[-1].kind in ("agent", "ai") and moves[-1].id > visible[-1].id, ticket.id
    if ticket.status == "snoozed":
        assert ticket.snoozed_until > DEMO_NOW, ticket.id
        assert moves[-1].event_data["until"] == ticket.snoozed_until.isoformat()
    if ticket.status == "priority":  # the AI escalated or handed it over, or a teammate set it
        assert moves[-1].author_id or any(r.event_type in ("ai", "handler") for r in rows), ticket.id
    if ticket.status == "in_progress":
        assert ticket.assignee_id is not None, ticket.id
    for note in (r for r in rows if r.kind == "note"):
        named = {u.id for u in mentioned_users(note.body_text) if u.id != note.author_id}
        rows_for = db.session.scalars(select(Mention.user_id).where(Mention.message_id == note.id)).all()
        assert sorted(rows_for) == sorted(named), ticket.id


def _row_counts():
    return {t.name: db.session.scalar(select(func.count()).select_from(t))
            for t in db.metadata.sorted_tables}


def test_a_second_demo_load_says_so_and_writes_nothing(app):
    clock.set_now(DEMO_NOW)
    first = app.test_cli_runner().invoke(args=["halo", "demo"])
    assert first.exit_code == 0 and first.output.startswith("Demo workspace loaded: ")
    before = _row_counts()
    again = app.test_cli_runner().invoke(args=["halo", "demo"])
    assert again.exit_code == 0 and "Traceback" not in again.output
    assert again.output.startswith("The demo workspace is already loaded: 240 tickets.")
    assert load_demo(seed=9) == {"already_loaded": True, "tickets": 240}
    assert _row_counts() == before


def test_the_demo_leaves_existing_rows_alone(monkeypatch):
    admin, _ = accounts.ensure_admin("boss@example.com", "password123")
    real = make_user(name="Sara Real", email="sara.real@example.com")
    taken = make_customer(email="ana.silva@brightline-studio.example", name="Ana Real",
                          traits={"plan": "free"})
    monkeypatch.setattr(demo, "FIRST", ["Ana"])  # every demo address would be taken's
    monkeypatch.setattr(demo, "LAST", ["Silva"])
    monkeypatch.setattr(demo, "COMPANIES", ["Brightline Studio"])
    rows = lambda: [(u.id, u.email, u.name, u.handle, u.role, u.password_hash)  # noqa: E731
                    for u in db.session.scalars(select(User).order_by(User.id))]
    before = rows()
    load_demo(seed=2, customers=5, tickets=30)
    db.session.expire_all()
    assert rows()[:2] == before and admin.role == "admin" and real.handle == "sara"
    assert (taken.name, taken.traits) == ("Ana Real", {"plan": "free"})
    assert db.session.scalar(select(func.count(Ticket.id)).where(Ticket.customer_id == taken.id)) == 0
    emails = db.session.scalars(select(Customer.email).where(Customer.id != taken.id)).all()
    assert len(set(emails)) == 5 and taken.email not in emails
    assert accounts.find_by_email("sara@demo.halo").handle == "sara2"
    assert load_demo(seed=2) == {"already_loaded": True, "tickets": 30}
