"""What a teammate sees: the tickets of their teams' inboxes (admins: every inbox).

An inbox given to no team is open to every agent, so a workspace without teams works as
before; once an inbox is given to a team, only that team's members and the admins see it.

While a scope is open (open_scope: a request, an agent socket, an API call made for a
token's owner) a session hook adds "ticket.inbox_id IN (the inboxes seen)" to every ORM
statement that reads tickets: lists, counts, search, segments, merge candidates, the
customer's other tickets, relationship loads. What is reached by id goes through
require_ticket / can_see_ticket, which query explicitly (an object already in the
session's identity map would not pass through the hook). Jobs, ingest and the CLI open no
scope: they act for the workspace.
"""
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from flask_babel import gettext
from sqlalchemy import bindparam, exists, select
from sqlalchemy.orm import with_loader_criteria

from halo.extensions import db
from halo.models import (
    InboundEmail,
    Inbox,
    Message,
    Ticket,
    User,
    team_inbox,
    team_member,
)
from halo.services.errors import NotFound


@dataclass(frozen=True)
class Scope:
    """One teammate's sight: inbox_ids None means every inbox."""
    user_id: int
    inbox_ids: frozenset | None

    @property
    def key(self):
        """A hashable stand-in for what this scope sees (cache keys of shared pieces)."""
        return None if self.inbox_ids is None else tuple(sorted(self.inbox_ids))

    def sees_inbox(self, inbox_id: int | None) -> bool:
        return self.inbox_ids is None or inbox_id in self.inbox_ids


_current: ContextVar[Scope | None] = ContextVar("halo_access_scope", default=None)


def visible_inbox_ids(user_id: int) -> frozenset | None:
    """The inboxes a teammate sees: None for every inbox (admins, or an agent whose teams
    between them are given every inbox that any team is given)."""
    user = db.session.get(User, user_id)
    if user is None or not user.active:
        return frozenset()
    if user.role == "admin":
        return None
    rows = db.session.execute(_INBOXES_SEEN, {"user_id": user_id}).all()
    seen = frozenset(i for i, ok in rows if ok)
    return None if len(seen) == len(rows) else seen


# Built once: every signed-in request asks it, and building it cost more than running it.
_INBOXES_SEEN = select(
    Inbox.id,
    ~exists().where(team_inbox.c.inbox_id == Inbox.id)
    | Inbox.id.in_(select(team_inbox.c.inbox_id)
                   .join(team_member, team_member.c.team_id == team_inbox.c.team_id)
                   .where(team_member.c.user_id == bindparam("user_id")))
).execution_options(halo_unscoped=True)


def user_sees_inbox(user_id: int, inbox_id: int | None) -> bool:
    """Whether a teammate sees an inbox's tickets."""
    ids = visible_inbox_ids(user_id)
    return ids is None or inbox_id in ids


def scope_for(user_id: int) -> Scope:
    """The scope of a teammate as the teams and inboxes stand now."""
    return Scope(user_id, visible_inbox_ids(user_id))


def open_scope(user_id: int):
    """Narrow this context's queries to what the teammate sees; returns the token for close_scope."""
    return _current.set(scope_for(user_id))


def close_scope(token) -> None:
    _current.reset(token)


@contextmanager
def opened(user_id: int) -> Iterator[Scope]:
    """with opened(user_id): ... runs as that teammate sees the workspace."""
    token = open_scope(user_id)
    try:
        yield _current.get()
    finally:
        close_scope(token)


def current() -> Scope | None:
    """The open scope, or None (jobs, ingest, the CLI: the whole workspace)."""
    return _current.get()


def inbox_ids() -> frozenset | None:
    """The inboxes the open scope sees; None when nothing narrows (no scope, or an admin)."""
    scope = _current.get()
    return None if scope is None else scope.inbox_ids


def scope_key():
    """What the open scope sees, as part of a cache key (None: everything)."""
    scope = _current.get()
    return None if scope is None else scope.key


def inbox_condition(column, ids: frozenset):
    """column (an inbox id) is one of ids: an equality for one inbox, so the composite
    indexes give an ordered range."""
    ids = sorted(ids)
    if len(ids) == 1:
        return column == ids[0]
    return column.in_(ids)


def ticket_condition(user_id: int):
    """A condition on Ticket: the teammate sees it (True for whoever sees everything)."""
    ids = visible_inbox_ids(user_id)
    return Ticket.id.is_not(None) if ids is None else inbox_condition(Ticket.inbox_id, ids)


def visible_tickets(user_id: int):
    """select(Ticket) of every ticket the teammate sees (the API lists through it)."""
    return select(Ticket).where(ticket_condition(user_id))


def can_see_ticket(user_id: int, ticket_id: int) -> bool:
    """Whether the teammate sees the ticket (False when it does not exist)."""
    ids = visible_inbox_ids(user_id)
    return _visible(ticket_id, ids)


def _visible(ticket_id, ids) -> bool:
    if not isinstance(ticket_id, int):
        return False
    query = select(Ticket.inbox_id).where(Ticket.id == ticket_id).execution_options(halo_unscoped=True)
    inbox_id = db.session.scalar(query)
    return inbox_id is not None and (ids is None or inbox_id in ids)


def require_ticket(ticket_id) -> None:
    """NotFound unless the open scope sees the ticket (a ticket of another team's inbox
    is as absent as one that never existed)."""
    if not _visible(ticket_id, inbox_ids()):
        raise NotFound(gettext("Ticket #%(ticket_id)s does not exist.", ticket_id=ticket_id))


def require_message(message) -> None:
    """NotFound unless the open scope sees the ticket a thread message belongs to."""
    if message is None:
        raise NotFound(gettext("That message does not exist."))
    require_ticket(message.ticket_id)


def require_inbound(inbound_id: int) -> None:
    """NotFound unless the open scope sees what a stored email became: the ticket of its
    message (a split may have moved it), else its ticket; one that became no ticket (failed,
    ignored) only for whoever sees every inbox."""
    found = db.session.execute(
        select(InboundEmail.ticket_id, Message.ticket_id).outerjoin(Message, Message.inbound_id == InboundEmail.id)
        .where(InboundEmail.id == inbound_id)).first()
    if found is None:
        raise NotFound(gettext("That email does not exist."))
    ticket_id = found[1] or found[0]
    if ticket_id is not None:
        require_ticket(ticket_id)
    elif inbox_ids() is not None:
        raise NotFound(gettext("That email does not exist."))


def sees_ticket(ticket: Ticket) -> bool:
    """Whether the open scope sees an already loaded ticket."""
    scope = _current.get()
    return scope is None or scope.sees_inbox(ticket.inbox_id)


def _narrow(state) -> None:
    """do_orm_execute: add the open scope's inboxes to every ORM read of tickets."""
    if not state.is_select or state.execution_options.get("halo_unscoped"):
        return
    scope = _current.get()
    if scope is None or scope.inbox_ids is None:
        return
    ids = sorted(scope.inbox_ids)
    if len(ids) == 1:
        only = ids[0]
        criteria = with_loader_criteria(Ticket, lambda cls: cls.inbox_id == only, include_aliases=True)
    else:
        criteria = with_loader_criteria(Ticket, lambda cls: cls.inbox_id.in_(ids), include_aliases=True)
    state.statement = state.statement.options(criteria)


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("do_orm_execute", _narrow),)
