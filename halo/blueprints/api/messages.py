"""A ticket's thread: its messages, internal notes (flagged) and event lines."""
from typing import Literal

from pydantic import BaseModel, Field

from halo.blueprints.api import problems, shapes
from halo.blueprints.api.shapes import Cursor, Limit, TeammateRef, Time
from halo.blueprints.api.spec import Strict, body, endpoint, params, principal
from halo.models import Message
from halo.services.integrations import listing, reach
from halo.services.tickets import replies
from halo.services.tickets.assignment import team

Kind = Literal["customer", "agent", "ai", "note", "event"]


class MessageOut(BaseModel):
    id: int
    ticket_id: int
    kind: Kind = Field(description="customer, agent (a teammate's reply), ai, note or event")
    is_note: bool = Field(description="an internal note: never sent to the customer")
    channel: str | None
    author: TeammateRef | None = Field(description="the teammate who wrote it (null: the customer, the AI)")
    body_text: str
    body_html: str | None = Field(description="sanitised HTML of an email, when it had any")
    delivery: str | None = Field(description="an outbound message's delivery state")
    delivery_error: str | None
    event_type: str | None
    event_data: dict | None
    language: str | None
    translation: str | None
    created_at: Time


class MessagePage(BaseModel):
    data: list[MessageOut]
    next_cursor: str | None


class MessageListQuery(Strict):
    cursor: Cursor
    limit: Limit


def message_out(message: Message) -> MessageOut:
    """A thread line as the API shows it."""
    return MessageOut(
        id=message.id, ticket_id=message.ticket_id, kind=message.kind,
        is_note=message.kind == "note", channel=message.channel,
        author=shapes.teammate_ref(message.author), body_text=message.body_text or "",
        body_html=message.body_html, delivery=message.delivery,
        delivery_error=message.delivery_error, event_type=message.event_type,
        event_data=message.event_data, language=message.language,
        translation=message.translation, created_at=message.created_at)


@endpoint("read", query=MessageListQuery, resp=MessagePage, tags=("messages",))
def list_messages(ticket_id: int):
    """List a ticket's thread

    Messages, internal notes (is_note) and event lines, oldest first."""
    query = params()
    ticket = reach.get_ticket(principal(), ticket_id)
    lines, next_id = listing.thread_page(ticket.id, shapes.id_cursor(query.cursor), query.limit)
    return MessagePage(data=[message_out(m) for m in lines],
                       next_cursor=str(next_id) if next_id is not None else None)


class MessageIn(Strict):
    kind: Literal["reply", "note"] = Field("reply", description=(
        "reply: sent to the customer on the ticket's channel; note: internal"))
    body: str = Field(min_length=1, max_length=replies.MAX_BODY)
    author_id: int | None = Field(None, description=(
        "the teammate it is written as: required with a workspace token; a personal "
        "token writes as its owner"))


def _author(who, author_id: int | None) -> int:
    """The teammate a message is written as."""
    if who.user_id is not None:
        if author_id not in (None, who.user_id):
            raise problems.invalid("A personal token writes as its owner; leave author_id out.",
                                   pointer="#/author_id")
        return who.user_id
    if author_id is None:
        raise problems.invalid("A workspace token must say which teammate writes: author_id.",
                               pointer="#/author_id")
    if not any(t.id == author_id and t.active for t in team()):
        raise problems.invalid(f"Teammate #{author_id} does not exist or is deactivated.",
                               pointer="#/author_id")
    return author_id


@endpoint("write", json=MessageIn, resp=MessageOut, status=201, errors=(422,), tags=("messages",))
def post_message(ticket_id: int):
    """Reply or add a note

    A reply goes out on the ticket's channel exactly as one written on the ticket page
    (queued, delivered, retried; the first reply may assign its author); a note stays
    inside the team, and @handles in it notify."""
    data, who = body(), principal()
    ticket = reach.get_ticket(who, ticket_id)
    author_id = _author(who, data.author_id)
    reach.require(who, "note" if data.kind == "note" else "reply")
    # A reply goes out on the ticket's channel: "chat" mode answers chat and API channels.
    mode = "note" if data.kind == "note" else ("email" if ticket.channel == "email" else "chat")
    message = replies.post_reply(ticket.id, author_id, data.body, mode)
    return message_out(message), 201
