"""What an API principal may see and do: the token owner's inboxes (services/access) and
role, so the API obeys exactly the rules the pages do.

A personal token's call runs inside its owner's access scope (auth opens it, as a page's
request does), which narrows every ORM read of tickets; what is reached by id is checked
here explicitly. A workspace token acts for the workspace: every inbox. A customer is
reached when one of their tickets is, or when they have none yet (a profile a CRM made).
"""
from flask_babel import gettext
from sqlalchemy import exists, or_, select, true

from halo.extensions import db
from halo.models import Customer, Ticket
from halo.services.access import roles
from halo.services.access import scope as access_scope
from halo.services.errors import NotFound
from halo.services.integrations.tokens import Principal

NOBODY = 0  # "me" for a workspace token: no teammate's id
_tickets = Ticket.__table__  # Core columns: the access hook narrows ORM reads, not these


def acting_user_id(principal: Principal) -> int:
    """The teammate "me" means (NOBODY for a workspace token)."""
    return principal.user_id if principal.user_id is not None else NOBODY


def _inbox_ids(principal: Principal):
    return None if principal.user_id is None else access_scope.visible_inbox_ids(principal.user_id)


def ticket_condition(principal: Principal):
    """An SQL condition on Ticket: the tickets the principal reaches."""
    ids = _inbox_ids(principal)
    return true() if ids is None else access_scope.inbox_condition(Ticket.inbox_id, ids)


def customer_condition(principal: Principal):
    """An SQL condition on Customer: the customers the principal reaches."""
    ids = _inbox_ids(principal)
    if ids is None:
        return true()
    theirs = _tickets.c.customer_id == Customer.id
    return or_(~exists().where(theirs),
               exists().where(theirs, access_scope.inbox_condition(_tickets.c.inbox_id, ids)))


def get_ticket(principal: Principal, ticket_id: int) -> Ticket:
    """A ticket the principal reaches, or NotFound (never Forbidden: an id outside its
    inboxes must not even be confirmed to exist)."""
    ticket = db.session.scalar(select(Ticket).where(Ticket.id == ticket_id, ticket_condition(principal)))
    if ticket is None:
        raise NotFound(gettext("Ticket #%(ticket_id)s does not exist.", ticket_id=ticket_id))
    return ticket


def get_customer(principal: Principal, customer_id: int) -> Customer:
    """A customer the principal reaches, or NotFound."""
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id,
                                                        customer_condition(principal)))
    if customer is None:
        raise NotFound(gettext("Customer #%(customer_id)s does not exist.", customer_id=customer_id))
    return customer


def check_customer(principal: Principal, customer: Customer) -> None:
    """NotFound unless the principal reaches the customer (a new one is reached by all)."""
    if customer.id is not None and db.session.scalar(select(Customer.id).where(
            Customer.id == customer.id, customer_condition(principal))) is None:
        raise NotFound(gettext("Customer #%(id)s does not exist.", id=customer.id))


def require(principal: Principal, capability: str) -> None:
    """Forbidden unless the token's owner may do it (reply, work, note, publish, admin);
    a workspace token acts for the workspace."""
    roles.require(principal.user_id, capability)
