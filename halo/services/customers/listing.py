"""The customers list and a customer's page, as one teammate sees them.

A teammate sees a customer who has no tickets yet, or who has a ticket in an inbox the
teammate sees (services/access/scope.py), and of that customer only those tickets; the
last activity the list sorts by is read from those tickets too, so a customer's work in
another team's inboxes does not show through the order. Everything is one SQL statement
per page: the per-customer figures are correlated subqueries served by
ix_ticket_customer_activity (customer_id, last_activity_at).
"""
import re
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import String, and_, cast, exists, func, or_, select, true

from halo.extensions import db
from halo.i18n import N_
from halo.models import Customer, CustomerAddress, Ticket
from halo.services.access import scope as access_scope
from halo.services.errors import NotFound, ValidationError
from halo.services.inbox.filters import TRAIT_KEY

PAGE_SIZE = 50
SORTS = {"activity": N_("Last activity"), "name": N_("Name"), "newest": N_("Newest")}


@dataclass(frozen=True)
class Row:
    """One line of the list."""
    customer: Customer
    last_activity_at: datetime | None
    tickets: int


@dataclass(frozen=True)
class Page:
    rows: list[Row]
    page: int
    more: bool


def like_pattern(text: str) -> str:
    """%text% for LIKE, its wildcards taken literally (escape '\\')."""
    return "%" + text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _ticket_scope(ids):
    """A condition on Ticket for the inboxes seen (ids None: every inbox)."""
    return true() if ids is None else access_scope.inbox_condition(Ticket.inbox_id, ids)


def customer_condition(ids):
    """Customer rows a teammate seeing inboxes ids sees: no tickets yet, or one they see."""
    if ids is None:
        return true()
    theirs = Ticket.customer_id == Customer.id
    return or_(~exists().where(theirs), exists().where(theirs, _ticket_scope(ids)))


def parse_traits(values: list[str]) -> list[tuple[str, str | None]]:
    """trait filters 'plan:pro' (value compared case-insensitively) or 'plan' / 'plan:*' (has it)."""
    out = []
    for raw in values:
        key, sep, value = raw.strip().partition(":")
        key, value = key.strip(), value.strip()
        if not key:
            continue
        if not TRAIT_KEY.match(key):
            raise ValidationError(gettext("Trait name %(key)s may use letters, digits, '_', '.', '-' (up to 64).", key=f'{key!r}'))
        out.append((key, None if not sep or value in ("", "*") else value[:200]))
    return out


def trait_text(key: str):
    """The trait's value as text (numbers and strings alike): json_extract / ->>."""
    return cast(Customer.traits[key].as_string(), String)


EMAIL_LIKE = re.compile(r"^[^@\s]+@[^@\s]+$")


def search_condition(q: str):
    """q in the name or email; a whole address also finds a customer by another address."""
    q = " ".join(q.split())
    if EMAIL_LIKE.match(q):
        address = q.lower()
        return or_(Customer.email == address, Customer.id.in_(
            select(CustomerAddress.customer_id).where(CustomerAddress.email == address)))
    pattern = like_pattern(q)
    return or_(func.lower(Customer.name).like(pattern, escape="\\"),
               func.lower(Customer.email).like(pattern, escape="\\"))


def customer_page(user_id: int, q: str = "", traits: list[str] = (), sort: str = "activity",
                  page: int = 1, size: int = PAGE_SIZE) -> Page:
    """One page of the customers a teammate sees, filtered and sorted."""
    if sort not in SORTS:
        raise ValidationError(gettext("Sort by one of %(join)s, not %(sort)s.", join=', '.join(SORTS), sort=f'{sort!r}'))
    page = max(1, page)
    ids = access_scope.visible_inbox_ids(user_id)
    mine = and_(Ticket.customer_id == Customer.id, _ticket_scope(ids))
    last = select(func.max(Ticket.last_activity_at)).where(mine).correlate(Customer).scalar_subquery()
    count = select(func.count()).select_from(Ticket).where(mine, Ticket.status != "merged") \
        .correlate(Customer).scalar_subquery()
    query = select(Customer, last.label("last"), count.label("n")).where(customer_condition(ids))
    if q.strip():
        query = query.where(search_condition(q))
    for key, value in parse_traits(list(traits)):
        text = trait_text(key)
        query = query.where(text.is_not(None) if value is None else func.lower(text) == value.lower())
    order = {"activity": (last.desc().nulls_last(), Customer.id.desc()),
             "name": (func.lower(Customer.name), Customer.id),
             "newest": (Customer.created_at.desc(), Customer.id.desc())}[sort]
    query = query.order_by(*order).limit(size + 1).offset((page - 1) * size)
    found = db.session.execute(query.execution_options(halo_unscoped=True)).all()
    rows = [Row(c, la, n) for c, la, n in found[:size]]
    return Page(rows, page, len(found) > size)


def get_customer(user_id: int, customer_id: int) -> Customer:
    """A customer the teammate sees, or NotFound (as absent as one that never existed)."""
    ids = access_scope.visible_inbox_ids(user_id)
    customer = db.session.scalar(select(Customer).where(Customer.id == customer_id, customer_condition(ids))
                                 .execution_options(halo_unscoped=True))
    if customer is None:
        raise NotFound(gettext("Customer #%(customer_id)s does not exist.", customer_id=customer_id))
    return customer


def customer_tickets(user_id: int, customer_id: int, limit: int = 200) -> list[Ticket]:
    """The customer's tickets the teammate sees, latest activity first (merged ones left out)."""
    ids = access_scope.visible_inbox_ids(user_id)
    query = (select(Ticket).where(Ticket.customer_id == customer_id, Ticket.status != "merged",
                                  _ticket_scope(ids))
             .order_by(Ticket.last_activity_at.desc(), Ticket.id.desc()).limit(limit))
    return list(db.session.scalars(query.execution_options(halo_unscoped=True)))


def addresses(customer_id: int) -> list[str]:
    """The customer's other addresses (the profile's email is not among them)."""
    return list(db.session.scalars(select(CustomerAddress.email)
                                   .where(CustomerAddress.customer_id == customer_id)
                                   .order_by(CustomerAddress.email)))


def find_customer(user_id: int, ref: str) -> Customer:
    """A customer the teammate sees by '#id', id, or one of their email addresses."""
    ref = (ref or "").strip()
    if not ref:
        raise ValidationError(gettext("Name the other customer by email address or #id."))
    number = ref.removeprefix("#")
    if number.isdigit():
        return get_customer(user_id, int(number))
    address = ref.lower()
    found = db.session.scalar(select(Customer.id).where(or_(Customer.email == address, Customer.id.in_(
        select(CustomerAddress.customer_id).where(CustomerAddress.email == address)))))
    if found is None:
        raise NotFound(gettext("No customer has the address %(ref)s.", ref=ref))
    return get_customer(user_id, found)
