"""The API's lists: a view of the inbox narrowed by filters, one keyset page at a time,
limited to what the principal reaches; the customers list and its search."""
from datetime import datetime
from types import SimpleNamespace

from sqlalchemy import and_, func, or_, select

from halo.extensions import db
from halo.models import Customer, CustomerAddress, Message, Ticket
from halo.services.inbox import views
from halo.services.inbox.filters import Filter, filter_condition
from halo.services.integrations import reach
from halo.services.integrations.tokens import Principal
from halo.services.tickets import tags


def ticket_page(principal: Principal, view: str, flt: Filter, now: datetime,
                cursor: str | None, limit: int, tagged: list[str] = (),
                inbox_ids: list[int] = ()) -> tuple[list[SimpleNamespace], str | None]:
    """One page of tickets, newest activity first, and the cursor of the next page.

    The inbox's own query picks the page (its indexes, its woken snoozes) as plain columns;
    the few columns the API shows beside them are read in one more statement, never as
    Ticket objects (loading those cost as much as the page's query)."""
    user_id = reach.acting_user_id(principal)
    where = and_(filter_condition(flt, user_id), reach.ticket_condition(principal))
    if tagged:
        where = and_(where, tags.tagged_condition(tagged))
    if inbox_ids:
        where = and_(where, Ticket.inbox_id.in_(inbox_ids))
    rows, next_cursor = views.list_tickets(view, user_id, now, cursor=cursor, limit=limit, where=where)
    extra = {row.id: row for row in db.session.execute(
        select(Ticket.id, Ticket.inbox_id, Ticket.created_at, Ticket.merged_into_id)
        .where(Ticket.id.in_([row.id for row in rows])))}
    page = [SimpleNamespace(id=row.id, subject=row.subject, status=row.status, channel=row.channel,
                            customer=row.customer, assignee=row.assignee, preview=row.preview,
                            snoozed_until=row.snoozed_until, last_activity_at=row.last_activity_at,
                            inbox_id=extra[row.id].inbox_id, created_at=extra[row.id].created_at,
                            merged_into_id=extra[row.id].merged_into_id)
            for row in rows if row.id in extra]
    return page, next_cursor


def valid_cursor(cursor: str | None) -> bool:
    """Whether a ticket list cursor is one the list could have given out."""
    return cursor is None or views.decode_cursor(cursor) is not None


def thread_page(ticket_id: int, after_id: int | None, limit: int) -> tuple[list[Message], int | None]:
    """A thread's lines (messages, notes, events), oldest first, after_id on; and the next cursor."""
    query = select(Message).where(Message.ticket_id == ticket_id)
    if after_id is not None:
        query = query.where(Message.id > after_id)
    lines = list(db.session.scalars(query.order_by(Message.id).limit(limit + 1)).unique())
    more = len(lines) > limit
    lines = lines[:limit]
    return lines, (lines[-1].id if more else None)


def customer_page(principal: Principal, q: str, email: str | None, before_id: int | None,
                  limit: int) -> tuple[list[Customer], int | None]:
    """Customers, newest first; q matches name or email (case-insensitive), email exactly."""
    query = select(Customer).where(reach.customer_condition(principal))
    if email:
        address = email.strip().lower()
        query = query.where(or_(func.lower(Customer.email) == address, Customer.id.in_(
            select(CustomerAddress.customer_id).where(CustomerAddress.email == address))))
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(func.lower(Customer.name).like(pattern, escape="\\"),
                                func.lower(Customer.email).like(pattern, escape="\\")))
    if before_id is not None:
        query = query.where(Customer.id < before_id)
    found = list(db.session.scalars(query.order_by(Customer.id.desc()).limit(limit + 1)))
    more = len(found) > limit
    found = found[:limit]
    return found, (found[-1].id if more else None)
