"""Tickets: the inbox's lists with every filter, one ticket, a new one, changes."""
from dataclasses import replace
from datetime import timezone
from typing import Literal

from flask import url_for
from pydantic import AwareDatetime, BaseModel, Field

from halo import clock
from halo.blueprints.api import problems, shapes
from halo.blueprints.api.shapes import Cursor, CustomerRef, Limit, TeammateRef, Time
from halo.blueprints.api.spec import Strict, body, endpoint, params, principal
from halo.models import STATUSES, Ticket
from halo.services.access import inboxes
from halo.services.access import scope as access_scope
from halo.services.errors import ValidationError
from halo.services.inbox import views
from halo.services.inbox.filters import KEYS, parse_filters
from halo.services.integrations import api_tickets, listing, reach
from halo.services.tickets import edit
from halo.services.tickets import tags as ticket_tags

Status = Literal[STATUSES]
View = Literal[tuple(v for v in views.VIEWS)]


class TicketOut(BaseModel):
    id: int
    subject: str
    status: Status
    channel: str
    inbox_id: int | None = Field(description="null only for rows loaded around the ORM (old bulk imports)")
    customer: CustomerRef
    assignee: TeammateRef | None
    preview: str
    tags: list[str]
    snoozed_until: Time | None
    merged_into_id: int | None
    created_at: Time
    last_activity_at: Time


class TicketPage(BaseModel):
    data: list[TicketOut]
    next_cursor: str | None = Field(description="pass as cursor for the next page; null on the last")


class TicketListQuery(Strict):
    """The inbox's views and filters, as the inbox's own URLs spell them."""
    view: View = Field("all", description="which inbox view to list ('mine' is the token's owner)")
    status: str | None = Field(None, max_length=200, description="comma-separated statuses")
    assignee: str | None = Field(None, max_length=20, description="'me', 'none' or a teammate id")
    channel: str | None = Field(None, max_length=100, description="comma-separated channels")
    priority: Literal["yes", "no"] | None = None
    trait: list[str] = Field(default_factory=list, max_length=20, description=(
        "customer trait, 'key:value' or 'key:*'; repeat for several"))
    lang: str | None = Field(None, max_length=100, description="comma-separated language codes")
    created_from: str | None = Field(None, max_length=40, description="a date or date-time")
    created_to: str | None = Field(None, max_length=40)
    updated_from: str | None = Field(None, max_length=40)
    updated_to: str | None = Field(None, max_length=40)
    q: str | None = Field(None, max_length=200, description="words in the subject or thread")
    tag: list[str] = Field(default_factory=list, max_length=10, description=(
        "tickets carrying this tag; repeat for several (all must be there)"))
    inbox: str | None = Field(None, max_length=200, description="comma-separated inbox ids")
    cursor: Cursor
    limit: Limit


def ticket_out(ticket: Ticket, tags: list[str] | None = None) -> TicketOut:
    """A ticket as the API shows it (tags: already read for a page of tickets)."""
    if tags is None:
        tags = ticket_tags.tags_of([ticket.id])[ticket.id]
    return TicketOut(id=ticket.id, subject=ticket.subject, status=ticket.status,
                     channel=ticket.channel, inbox_id=ticket.inbox_id, customer=shapes.customer_ref(ticket.customer),
                     assignee=shapes.teammate_ref(ticket.assignee), preview=ticket.preview, tags=tags,
                     snoozed_until=ticket.snoozed_until, merged_into_id=ticket.merged_into_id,
                     created_at=ticket.created_at, last_activity_at=ticket.last_activity_at)


def parse_ticket_filters(query: TicketListQuery, workspace: bool):
    """The query's filters, each checked on its own so a problem names the parameter."""
    args = {}
    for key in KEYS:
        value = getattr(query, key)
        if value:
            args[key] = value if isinstance(value, list) else [value]
    for key, values in args.items():
        try:
            parse_filters({key: values})
        except ValidationError as exc:
            raise problems.invalid(str(exc), parameter=key, status=400) from None
    if workspace and (query.view in ("mine", "mentions") or query.assignee == "me"):
        name = "assignee" if query.assignee == "me" else "view"
        raise problems.invalid("A workspace token is no teammate: 'mine', 'mentions' and "
                               "assignee=me need a personal token.", parameter=name, status=400)
    return parse_filters(args)


def _inbox_ids(raw: str | None) -> list[int]:
    """The inbox filter's ids, or a problem naming it."""
    parts = [p.strip() for p in (raw or "").split(",") if p.strip()]
    if not all(p.isdigit() and len(p) < 12 for p in parts):
        raise problems.invalid(f"inbox must be inbox ids separated by commas, not {raw!r}.",
                               parameter="inbox", status=400)
    return sorted({int(p) for p in parts})


@endpoint("read", query=TicketListQuery, resp=TicketPage, tags=("tickets",))
def list_tickets():
    """List tickets

    The tickets of an inbox view narrowed by filters, newest activity first, one page
    at a time (keyset pagination: pages stay right while tickets change)."""
    query, who = params(), principal()
    flt = parse_ticket_filters(query, who.user_id is None)
    if not listing.valid_cursor(query.cursor):
        raise shapes.bad_cursor()
    try:
        tagged = ticket_tags.clean_names(query.tag)
    except ValidationError as exc:
        raise problems.invalid(str(exc), parameter="tag", status=400) from None
    page, next_cursor = listing.ticket_page(who, query.view, flt, clock.now(), query.cursor,
                                            query.limit, tagged, _inbox_ids(query.inbox))
    tags = ticket_tags.tags_of([t.id for t in page])
    return TicketPage(data=[ticket_out(t, tags[t.id]) for t in page], next_cursor=next_cursor)


@endpoint("read", resp=TicketOut, tags=("tickets",))
def get_ticket(ticket_id: int):
    """Get a ticket"""
    return ticket_out(reach.get_ticket(principal(), ticket_id))


class NewTicketCustomer(Strict):
    id: int | None = Field(None, description="an existing customer")
    email: str | None = Field(None, max_length=254, description="found (by any of the customer's addresses), or made when new")
    name: str | None = Field(None, max_length=200, description="for a new customer")


class TicketCreate(Strict):
    customer: NewTicketCustomer
    inbox_id: int | None = Field(None, description="defaults to the workspace's default inbox")
    subject: str | None = Field(None, max_length=300, description="defaults to the message's start")
    body: str = Field(min_length=1, max_length=api_tickets.MAX_BODY, description="the customer's message")


Settable = Literal[tuple(s for s in STATUSES if s != "merged")]


class TicketPatch(Strict):
    status: Settable | None = None
    snoozed_until: AwareDatetime | None = Field(None, description="with status 'snoozed'")
    priority: bool | None = Field(None, description="true sets Priority; false returns a Priority ticket to Open")
    assignee_id: int | None = Field(None, description="a teammate's id; null unassigns")
    tags: list[str] | None = Field(None, max_length=ticket_tags.MAX_TAGS, description="replaces the ticket's tags")
    inbox_id: int | None = Field(None, description="move the ticket to this inbox")


@endpoint("write", json=TicketCreate, resp=TicketOut, status=201, errors=(422,), tags=("tickets",))
def create_ticket():
    """Create a ticket

    As the customer's first message: the ticket opens as if they had emailed, and replies
    go to their email address."""
    data, who = body(), principal()
    reach.require(who, "work")
    inbox_id = _target_inbox(who, data.inbox_id) if data.inbox_id is not None else None
    customer = api_tickets.customer_for(data.customer.id, data.customer.email, data.customer.name)
    reach.check_customer(who, customer)
    ticket, _ = api_tickets.create_ticket(customer, data.subject, data.body, inbox_id=inbox_id)
    location = url_for("api.get_ticket", ticket_id=ticket.id)
    return ticket_out(ticket, []), 201, {"Location": location}


@endpoint("write", json=TicketPatch, resp=TicketOut, errors=(409, 422), tags=("tickets",))
def update_ticket(ticket_id: int):
    """Update a ticket

    Status (with snoozed_until for a snooze), priority, assignee and tags; every change is
    checked first, then all are made together, each with its event line."""
    data, who = body(), principal()
    reach.require(who, "work")
    ticket = reach.get_ticket(who, ticket_id)
    given = data.model_fields_set
    if data.inbox_id is not None:
        _target_inbox(who, data.inbox_id)
    changes = edit.Changes()
    if "priority" in given and "status" in given:
        raise problems.invalid("Give status or priority, not both.", pointer="#/priority")
    if data.status is not None:
        changes.status = data.status
    elif data.priority is not None:
        if data.priority:
            changes.status = "priority"
        elif ticket.status == "priority":
            changes.status = "open"
    if data.snoozed_until is not None:
        changes.snoozed_until = data.snoozed_until.astimezone(timezone.utc).replace(tzinfo=None)
    if "assignee_id" in given:
        changes.assignee_id = data.assignee_id
    if data.tags is not None:
        changes.tags = data.tags
    edit.update_ticket(ticket.id, who.user_id, changes)
    if data.inbox_id is not None:
        inboxes.move_ticket(ticket.id, data.inbox_id, who.user_id)
    return ticket_out(reach.get_ticket(principal_sees_all(), ticket_id))


def principal_sees_all():
    """The answer to a move shows the ticket even when it left the token's sight."""
    who = principal()
    return replace(who, user_id=None) if who.user_id is not None else who


def _target_inbox(who, inbox_id: int) -> int:
    """An inbox the principal may put tickets in, or a problem naming inbox_id."""
    seen = None if who.user_id is None else access_scope.visible_inbox_ids(who.user_id)
    if (seen is not None and inbox_id not in seen) or inbox_id not in inboxes.inbox_names():
        raise problems.invalid(f"Inbox #{inbox_id} does not exist.", pointer="#/inbox_id")
    return inbox_id
