"""Teammates, directives and the demo workspace."""
import pytest

from halo.extensions import db
from halo.models import Customer, Directive, Message, Ticket
from halo.services import accounts, directives
from halo.services.demo import load_demo
from halo.services.errors import ValidationError
from halo.services.replies import post_reply
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
