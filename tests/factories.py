"""make_x(**overrides) helpers that build valid rows through the services."""
import itertools

from halo import clock
from halo.extensions import db
from halo.models import Customer, Message, Ticket
from halo.services.accounts.users import create_user

_seq = itertools.count(1)


def make_user(email=None, name=None, role="agent", password="password123", active=True):
    n = next(_seq)
    user = create_user(email or f"agent{n}@example.com", name or f"Agent {n}", password, role)
    if not active:
        user.active = False
        db.session.commit()
    return user


def make_customer(**overrides):
    n = next(_seq)
    fields = {"email": f"customer{n}@example.org", "name": f"Customer {n}", "language": "en",
              "traits": {"plan": "pro", "company": "Acme"}}
    fields.update(overrides)
    customer = Customer(**fields)
    db.session.add(customer)
    db.session.commit()
    return customer


def make_ticket(customer=None, body="Hello, I need help.", **overrides):
    customer = customer or make_customer()
    now = overrides.pop("now", None) or clock.now()
    fields = {"subject": "Help with my order", "channel": "email", "status": "open",
              "created_at": now, "last_activity_at": now, "preview": body[:200]}
    fields.update(overrides)
    ticket = Ticket(customer_id=customer.id, **fields)
    db.session.add(ticket)
    db.session.flush()
    db.session.add(Message(ticket_id=ticket.id, kind="customer", channel=ticket.channel,
                           body_text=body, created_at=now))
    db.session.commit()
    return ticket
