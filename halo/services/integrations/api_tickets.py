"""Tickets another system opens: a customer's message through the conversation spine,
as if it had arrived by email (replies go to the customer's address), with the same
events, status rules and AI offer."""
from datetime import datetime

from flask_babel import gettext

from halo import clock
from halo.extensions import db
from halo.models import Customer, Message, Ticket
from halo.services.ai import pipeline as ai_pipeline
from halo.services.customers import profiles
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets import conversation

MAX_BODY = 100_000


def customer_for(customer_id: int | None, email: str | None, name: str | None) -> Customer:
    """The customer a new ticket is for: by id, else by email (made when new)."""
    if customer_id is not None:
        customer = db.session.get(Customer, customer_id)
        if customer is None:
            raise NotFound(gettext("Customer #%(customer_id)s does not exist.", customer_id=customer_id))
        return customer
    email = profiles.check_email(email)
    if email is None:
        raise ValidationError(gettext("Name the customer: customer.id or customer.email."))
    customer = profiles.by_address(email)
    if customer is None:
        customer = Customer(email=email, name=" ".join((name or "").split())[:200], traits={})
        db.session.add(customer)
        db.session.flush()
    return customer


def create_ticket(customer: Customer, subject: str | None, body: str,
                  now: datetime | None = None, inbox_id: int | None = None) -> tuple[Ticket, Message]:
    """Open a ticket with the customer's first message; committed, announced, offered to the AI."""
    now = now or clock.now()
    body = (body or "").strip()
    if not body:
        raise ValidationError(gettext("The first message needs some text."))
    if len(body) > MAX_BODY:
        raise ValidationError(gettext("That message is too long."))
    if not customer.email:
        raise ValidationError(gettext("This customer has no email address to reply to."))
    ticket = conversation.start_ticket(customer, "email", body, now, inbox_id=inbox_id,
                                       subject=(subject or "").strip() or None)
    message = conversation.add_customer_message(ticket, "email", body, now, new_ticket=True,
                                                email_from=customer.email, thread_reason="api")
    db.session.commit()
    ai_pipeline.offer_new_ticket(ticket.id)
    return ticket, message
