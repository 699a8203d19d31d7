"""Who answers a chat: the AI or a teammate (Take over / Pass to AI) and the live list."""
from datetime import datetime, timedelta

from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Message, Ticket, Visitor
from halo.services import events
from halo.services.access import roles
from halo.services.ai import chat as ai_chat
from halo.services.ai import pipeline as ai_pipeline
from halo.services.ai import provider as ai_provider
from halo.services.ai import settings as ai_settings
from halo.services.tickets.assignment import apply_assignee
from halo.services.tickets.status import apply_status, check_transition, get_ticket

# A conversation counts as "in progress" while its visitor is online or wrote recently.
LIVE_WINDOW = timedelta(hours=1)


def take_over(ticket_id: int, user_id: int, now: datetime | None = None) -> Ticket:
    """Assign to user_id, set In Progress and stop the AI answering."""
    ticket, _ = _hand(ticket_id, user_id, user_id, "in_progress", True,
                      _taking_text(get_ticket(ticket_id)), now)
    return ticket


def _taking_text(ticket: Ticket) -> str:
    """The event line of a teammate taking a chat: "from the AI" only when the AI spoke in it."""
    ai_spoke = db.session.scalar(select(Message.id).where(
        Message.ticket_id == ticket.id, Message.kind == "ai",
        Message.body_text != ai_chat.WAITING_TEXT).limit(1)) is not None
    return "took over from the AI" if ai_spoke else "picked up this conversation"


def claim_on_reply(ticket: Ticket, author_id: int, now: datetime) -> list[Message]:
    """A teammate who replies to a chat nobody else handles takes it, as Take over does:
    assigned to them, In Progress (from Open or Priority) and the AI stops answering. Within
    the caller's transaction (no commit); returns the event lines written."""
    if ticket.channel != "chat" or ticket.assignee_id not in (None, author_id):
        return []
    to_progress = ticket.status in ("open", "priority")
    if ticket.assignee_id == author_id and ticket.ai_paused and not to_progress:
        return []  # theirs already
    text = _taking_text(ticket) if ticket.assignee_id is None or not ticket.ai_paused else None
    written = [apply_assignee(ticket, author_id, author_id, now)]
    if to_progress:
        written.append(apply_status(ticket, "in_progress", author_id, None, now, reason=None))
    if not ticket.ai_paused:
        ticket.ai_paused = True
    if text:
        written.append(_handler_event(ticket, author_id, text, now))
    events.ticket_changed(ticket.id, "handler", chat=True)
    return [m for m in written if m is not None]


def pass_to_ai(ticket_id: int, actor_id: int, now: datetime | None = None) -> Ticket:
    """Clear the assignment, set Open and hand the conversation back to the AI."""
    ticket, handed = _hand(ticket_id, None, actor_id, "open", False,
                           "passed this conversation to the AI", now)
    if ticket.channel == "email":  # chat: the AI answers the visitor's next message
        ai_pipeline.offer_passed_ticket(ticket.id, handed.id)
    return ticket


def _hand(ticket_id, assignee_id, actor_id, status, ai_paused, text, now):
    """Who handles the conversation: assignee, status, the AI's pause and an event line,
    in one commit; returns (ticket, the event line)."""
    now = now or clock.now()
    roles.require(actor_id, "reply")  # the teammate, or the AI once handed back, answers the customer
    ticket = get_ticket(ticket_id)
    if ticket.status != status:
        check_transition(ticket.status, status)
    written = [apply_assignee(ticket, assignee_id, actor_id, now)]
    if ticket.status != status:
        written.append(apply_status(ticket, status, actor_id, None, now, reason=None))
    ticket.ai_paused = ai_paused
    handed = _handler_event(ticket, actor_id, text, now)
    written.append(handed)
    events.ticket_changed(ticket.id, "handler", chat=True)
    db.session.commit()
    return ticket, handed


def _handler_event(ticket, actor_id, text, now) -> Message:
    event = Message(ticket_id=ticket.id, kind="event", event_type="handler",
                    event_data={"ai_paused": ticket.ai_paused, "text": text},
                    author_id=actor_id, created_at=now)
    db.session.add(event)
    return event


def handler_label(ticket: Ticket, ai_on: bool | None = None) -> str:
    """'AI', the teammate who owns the chat, or that it waits for one (ai_on: whether the
    AI answers chats, when the caller has read it already)."""
    if ticket.assignee_id:
        return ticket.assignee.name if ticket.assignee else gettext("A teammate")
    if ticket.ai_paused or not (ai_answers_chats() if ai_on is None else ai_on):
        # Without a configured model the AI never answers a visitor: say who must.
        return gettext("Waiting for a teammate")
    return "AI"


def handler_labeler():
    """handler_label for a table of chats: the AI switch is read once, not once a row."""
    ai_on = ai_answers_chats()
    return lambda ticket: handler_label(ticket, ai_on)


def ai_answers_chats() -> bool:
    """Whether the AI answers widget visitors (AI chat on and a provider configured)."""
    return bool(ai_settings.get("ai_chat_enabled")) and ai_provider.configured()


def live_sessions(now: datetime | None = None, limit: int = 100) -> list[tuple[Ticket, Visitor]]:
    """Chat conversations in progress: visitor online, or active within the window."""
    now = now or clock.now()
    rows = db.session.execute(
        select(Ticket, Visitor).join(Visitor, Visitor.ticket_id == Ticket.id)
        .where(Ticket.channel == "chat", Ticket.bucket == "open",
               (Visitor.connections > 0) | (Ticket.last_activity_at >= now - LIVE_WINDOW))
        .order_by(Ticket.last_activity_at.desc()).limit(limit)).unique().all()
    return [(t, v) for t, v in rows]
