"""The AI email pipeline: a new email ticket is offered to the AI first.

Confident and grounded in a knowledge-base article (services/ai/grounding.py: the model
names the article, the question matches it, the answer comes from it) -> a real threaded
email (kind 'ai') naming the article, and Resolved. Otherwise, or when a priority filter matches -> Priority, unassigned, with an
internal note saying why. Provider down -> the ticket is left as it was, with an event
line saying so. Each ticket is offered once (an 'ai' event marks it), and again when a
teammate passes it to the AI while the customer is waiting for an answer.
"""
import re
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from halo import clock
from halo.extensions import db
from halo.i18n import N_
from halo.models import Message, Ticket
from halo.queue import enqueue
from halo.services.ai import grounding
from halo.services.ai import provider as ai_provider
from halo.services.ai import settings as ai_settings
from halo.services.ai.context import Context, build_context, record_directive_uses
from halo.services.ai.guard import check_output
from halo.services.ai.prompts import email_decision_messages, parse_json
from halo.services.tickets import conversation
from halo.services.tickets import tags as ticket_tags
from halo.services.tickets.assignment import apply_assignee
from halo.services.tickets.status import apply_status

JOB = "halo.jobs.ai.offer_ticket"
MARKER = re.compile(r"\s*\[A\d+\]")  # an article marker left in an answer meant for the customer
UPSET = -0.5  # VADER's compound score at or below which a customer message sounds upset


def offer_new_ticket(ticket_id: int) -> None:
    """Hook for email ingest: queue the offer when the pipeline is on."""
    if ai_settings.get("ai_email_enabled"):
        enqueue(JOB, ticket_id, job_id=f"ai-offer-{ticket_id}", retry_intervals=())


def offer_passed_ticket(ticket_id: int, since_id: int) -> None:
    """Hook for "Pass to AI": offer the ticket again; only what came after since_id (the
    hand-back's event line) counts against it."""
    if ai_settings.get("ai_email_enabled"):
        enqueue(JOB, ticket_id, since_id, job_id=f"ai-offer-{ticket_id}-{since_id}",
                retry_intervals=())


@lru_cache(maxsize=1)
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()  # reads its lexicon (7,500 words) once per process


def sentiment(text: str) -> float:
    """VADER's compound score of text, from -1 (furious) to 1 (delighted): an offline
    lexicon with rules for negation ("not happy"), boosters ("very"), capitals and "!!".
    English only, like the rest of the priority filters' words."""
    return _vader().polarity_scores(text or "")["compound"]


def priority_reason(ctx: Context) -> str | None:
    """Why a priority filter claims this ticket for the team, or None."""
    customer = [t for w, t in ctx.thread if w == "customer"]
    text = " ".join([ctx.ticket.subject or ""] + customer)
    for word in ai_settings.get("ai_priority_keywords") or []:
        if re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.I):
            return f"it mentions \u201c{word}\u201d (priority keyword)"
    traits = {k.lower(): str(v).lower() for k, v in (ctx.customer.traits or {}).items()}
    for key, value in ai_settings.get("ai_priority_traits") or []:
        if traits.get(key.lower()) == str(value).lower():
            return f"the customer's {key} is {value} (priority trait)"
    if ai_settings.get("ai_priority_negative") and any(
            sentiment(t) <= UPSET for t in [ctx.ticket.subject or ""] + customer):
        return "the customer sounds upset (negative sentiment)"
    return None


def _eligible(ticket: Ticket | None, since_id: int = 0) -> bool:
    if ticket is None or ticket.channel != "email" or ticket.status != "open" or ticket.assignee_id:
        return False
    if since_id:  # passed back: someone must be waiting, i.e. the customer wrote last
        last = db.session.scalar(select(Message.kind).where(
            Message.ticket_id == ticket.id, Message.kind.in_(("customer", "agent", "ai")))
            .order_by(Message.created_at.desc(), Message.id.desc()).limit(1))
        if last != "customer":
            return False
    return db.session.scalar(select(Message.id).where(
        Message.ticket_id == ticket.id, Message.id > since_id,
        (Message.kind.in_(("agent", "ai"))) | (Message.event_type == "ai")).limit(1)) is None


def offer_ticket(ticket_id: int, now: datetime | None = None, since_id: int = 0) -> str:
    """Answer, escalate or leave a new email ticket (or one passed back to the AI after
    the event line since_id); returns what happened."""
    if not ai_settings.get("ai_email_enabled"):
        return "disabled"
    if not _eligible(db.session.get(Ticket, ticket_id), since_id):
        return "skipped"
    ctx = build_context(ticket_id)
    reason = priority_reason(ctx)
    if reason:
        return escalate(ctx, f"a priority filter matched: {reason}", now,
                        tag=ai_settings.get("ai_priority_tag"))
    if not ai_provider.configured():
        return "offline"  # the offline assistant never writes to customers on its own
    messages = email_decision_messages(ctx)
    db.session.commit()  # hold no transaction (or SQLite snapshot) while the model thinks
    try:
        decision = parse_json(ai_provider.complete(messages, max_tokens=1200))
    except ai_provider.ProviderError as exc:
        return _unavailable(ticket_id, str(exc), now)
    db.session.refresh(ctx.ticket)
    if not _eligible(ctx.ticket, since_id):
        return "skipped"  # a teammate acted while the model was thinking
    answer = str(decision.get("answer") or "").strip()
    if decision.get("confident") is not True or not answer:
        why = str(decision.get("reason") or "").strip()[:300] or "it was not confident it could answer"
        return escalate(ctx, f"the AI could not answer from the knowledge base ({why})", now)
    if not ctx.articles:
        return escalate(ctx, "no knowledge-base article matches this email", now)
    answer = MARKER.sub("", answer).strip()
    verdict = grounding.judge(f"{ctx.ticket.subject or ''}\n{ctx.question}", answer, decision.get("source"),
                              ctx.articles, ctx.published, customer_words=ctx.customer.name or "")
    if not verdict.grounded:
        return escalate(ctx, f"the AI's answer is not grounded: {verdict.reason}", now)
    problems = check_output(answer, ctx)
    if problems:
        return escalate(ctx, "the AI's answer failed the safety check: " + "; ".join(problems), now)
    return send_answer(ctx, answer, verdict.article, now)


def send_answer(ctx: Context, answer: str, article, now: datetime | None = None) -> str:
    """Send the AI's answer as a threaded email and resolve the ticket; the thread line and
    the event name the article it came from."""
    now = now or clock.now()
    ticket = ctx.ticket
    source = {"article_id": article.id, "article_title": article.title}
    reply = conversation.add_agent_message(ticket, "email", answer, now, event_data={"source": source})
    apply_status(ticket, "resolved", None, None, now, reason=N_("answered by the AI"))
    _event(ticket.id, "answered", f"answered from the article \u201c{article.title}\u201d", now, **source)
    record_directive_uses(ctx, "email")
    db.session.commit()
    conversation.deliver(reply)
    return "answered"


def escalate(ctx: Context, reason: str, now: datetime | None = None, tag: str | None = None) -> str:
    """Priority, unassigned, an internal note saying why, and the filters' tag if one is set."""
    now = now or clock.now()
    ticket = ctx.ticket
    written = [apply_assignee(ticket, None, None, now)]
    current = ticket_tags.tags_of([ticket.id])[ticket.id] if tag else []
    if tag and len(current) < ticket_tags.MAX_TAGS:  # a full ticket keeps its tags; the note still says why
        written.append(ticket_tags.apply_tags(ticket, current + [tag], None, now))
    if ticket.status != "priority":
        written.append(apply_status(ticket, "priority", None, None, now, reason=None))
    written.append(Message(ticket_id=ticket.id, kind="note", body_text=f"Halo AI escalated this ticket: {reason}.",
                           event_data={"by": "ai"}, created_at=now))
    written.append(_event(ticket.id, "escalated", reason, now))
    db.session.add_all([m for m in written if m is not None])
    db.session.commit()
    return "escalated"


def _unavailable(ticket_id: int, error: str, now: datetime | None) -> str:
    """Leave the ticket exactly as it was; one event line makes the failure visible."""
    db.session.rollback()
    event = _event(ticket_id, "unavailable", f"{error} The ticket was left for the team", now or clock.now())
    db.session.add(event)
    db.session.commit()
    return "unavailable"


def _event(ticket_id: int, outcome: str, text: str, now: datetime, **data) -> Message:
    event = Message(ticket_id=ticket_id, kind="event", event_type="ai",
                    event_data={"outcome": outcome, "text": text, **data}, created_at=now)
    db.session.add(event)
    return event
