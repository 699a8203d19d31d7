"""AI chat: the AI answers widget visitors live until it hands over to a human.

Who answers is the ticket's handler state (Ticket.ai_paused, set by Take over and
handoffs, cleared by Pass to AI). Handoffs cannot loop: the AI only answers a visitor
message newer than the last change of handler, so a conversation passed back to it
waits for the visitor's next words, and a handoff pauses the AI until a person passes
the conversation back.
"""
import logging
import re
from datetime import datetime

from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Message, Ticket
from halo.queue import enqueue
from halo.services import events
from halo.services.ai import provider as ai_provider
from halo.services.ai import settings as ai_settings
from halo.services.ai.context import build_context, record_directive_uses
from halo.services.ai.guard import check_output
from halo.services.ai.prompts import chat_messages, parse_json
from halo.services.notifications import alerts
from halo.services.tickets import conversation
from halo.services.tickets.status import apply_status

log = logging.getLogger(__name__)

JOB = "halo.jobs.ai.answer_chat"
ASKS_FOR_HUMAN = re.compile(
    r"\b(human|real person|a person|live agent|an agent|representative|operator|"
    r"(talk|speak|chat) (to|with) (someone|somebody|a person|support|the team|staff))\b", re.I)
HANDOFF_TEXT = "I'm bringing in a teammate who can help with this. They'll reply right here."
# What a visitor reads when AI chat is on but no model can answer (none configured): once a
# conversation, so nobody writes into silence.
WAITING_TEXT = "A teammate will reply here soon."


# Conversations the AI answers live: the widget's, and API channels' (a bridge's chat app).
LIVE_CHANNELS = ("chat", "api")


def ai_handles(ticket: Ticket) -> bool:
    """True while the AI, not a person, owns this live conversation."""
    return (ticket.channel in LIVE_CHANNELS and not ticket.ai_paused and ticket.assignee_id is None
            and ticket.status == "open")


def offer_message(message_id: int) -> None:
    """Hook for live chat: queue an answer to a visitor message when the AI handles chats
    (with no model configured, the job tells the visitor a teammate will reply)."""
    if ai_settings.get("ai_chat_enabled"):
        enqueue(JOB, message_id, job_id=f"ai-chat-{message_id}", retry_intervals=())


def _superseded(message: Message) -> bool:
    """A later visitor message, reply or change of handler makes this message not ours to answer."""
    return db.session.scalar(select(Message.id).where(
        Message.ticket_id == message.ticket_id, Message.id > message.id,
        Message.kind.in_(("customer", "agent", "ai")) | (Message.event_type == "handler")
    ).limit(1)) is not None


def answer_chat(message_id: int, now: datetime | None = None) -> str:
    """Reply to a visitor message, or hand over; returns what happened."""
    message = db.session.get(Message, message_id)
    if message is None or message.kind != "customer":
        return "skipped"
    ticket = db.session.get(Ticket, message.ticket_id)
    if not ai_handles(ticket):
        return "human"
    if _superseded(message):
        return "skipped"
    if ASKS_FOR_HUMAN.search(message.body_text or ""):
        return hand_over(ticket, "the visitor asked for a person", now)
    if not ai_provider.configured():
        return _tell_waiting(ticket, now)
    ctx = build_context(ticket.id)
    messages = chat_messages(ctx)
    db.session.commit()  # hold no transaction (or SQLite snapshot) while the model thinks
    try:
        decision = parse_json(ai_provider.complete(messages, max_tokens=500))
    except Exception as exc:  # a provider error, or anything else: the visitor is never left in silence
        db.session.rollback()
        if not isinstance(exc, ai_provider.ProviderError):
            log.exception("AI chat answer to message %s failed", message_id)
        return hand_over(ticket, f"the AI is unavailable: {exc}"[:300], now)
    db.session.refresh(ticket)
    if not ai_handles(ticket) or _superseded(message):
        return "human"  # taken over while the model was thinking: stop at once
    answer = str(decision.get("answer") or "").strip()
    if decision.get("handoff") is not False or not answer:
        why = str(decision.get("reason") or "").strip()[:200] or "it could not answer"
        return hand_over(ticket, why, now)
    problems = check_output(answer, ctx)
    if problems:
        return hand_over(ticket, "its answer failed the safety check", now)
    record_directive_uses(ctx, "chat")
    return _say(ticket, answer, now or clock.now(), [])


def hand_over(ticket: Ticket, reason: str, now: datetime | None = None) -> str:
    """Tell the visitor a person is coming, pause the AI and flag the chat for the team."""
    now = now or clock.now()
    ticket.ai_paused = True
    written = [apply_status(ticket, "priority", None, None, now, reason=None)] if ticket.status == "open" else []
    written.append(Message(ticket_id=ticket.id, kind="event", event_type="handler",
                           event_data={"ai_paused": True, "text": f"AI handed this conversation to the team ({reason})"},
                           created_at=now))
    alerts.chat_waiting(ticket, now)
    return _say(ticket, HANDOFF_TEXT, now, written)


def _tell_waiting(ticket: Ticket, now: datetime | None) -> str:
    """No model to answer: tell the visitor a teammate will reply, unless the team has
    already said something in this conversation."""
    spoken = db.session.scalar(select(Message.id).where(
        Message.ticket_id == ticket.id, Message.kind.in_(("agent", "ai"))).limit(1))
    if spoken is not None:
        return "skipped"
    _say(ticket, WAITING_TEXT, now or clock.now(), [])
    return "waiting"


def _say(ticket: Ticket, text: str, now: datetime, written: list) -> str:
    reply = conversation.add_agent_message(ticket, ticket.channel, text, now)
    db.session.add_all(written)
    events.ticket_changed(ticket.id, "handler", chat=True)
    db.session.commit()
    conversation.deliver(reply)
    return "handed_over" if written else "answered"
