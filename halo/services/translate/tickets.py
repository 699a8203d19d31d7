"""Translation on tickets: the customer's language, reply previews, customer-message translations."""
from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from halo import queue
from halo.extensions import db
from halo.models import Message, Ticket
from halo.services import events
from halo.services.access import scope as access_scope
from halo.services.ai import guard
from halo.services.ai.context import build_context
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets.status import get_ticket
from halo.services.transactions.writer import sqlite_writer
from halo.services.translate import engine as translation

MAX_PREVIEW = 5000
ARRIVED_JOB = "halo.jobs.translate.customer_message_arrived"


def team_language() -> str:
    """The language the team writes in (HALO_TEAM_LANGUAGE, default English)."""
    return current_app.config.get("HALO_TEAM_LANGUAGE") or "en"


def stated_language(customer) -> str | None:
    """The customer's `language` trait, else Customer.language (no detection: cheap)."""
    trait = (customer.traits or {}).get("language")
    if trait:
        return str(trait).strip().lower().split("-")[0]
    if customer.language:
        return customer.language.lower().split("-")[0]
    return None


def wants_language(customer) -> bool:
    """Whether a new message of this customer's needs its language settled after it is
    stored: their language is unknown, or not the team's (a pack may translate it)."""
    return stated_language(customer) != team_language()


def queue_arrived(message_ids: list[int]) -> None:
    """Settle the language of newly stored customer messages (and translate them where a
    pack allows) in a job of its own, queued once they are committed: detection costs
    ~10 ms of CPU a message, which the ingest never waits for."""
    if message_ids:
        queue.enqueue(ARRIVED_JOB, list(message_ids), retry_intervals=(10, 60),
                      job_id=f"arrived-{message_ids[0]}-{message_ids[-1]}")


def message_language(text: str, customer) -> str | None:
    """What to store as a new customer message's Message.language (never detected at render).

    None while the customer's language is on file: it answers for their messages, as
    needs_translation reads it. Otherwise the text's detected language, also put on file
    for the customer (no commit), so langdetect (~10 ms of CPU) runs once per customer
    rather than on every chat message, as customer_message_arrived does for email.
    """
    if stated_language(customer):
        return None
    detected = translation.detect_language(text)
    if detected:
        customer.language = detected
    return detected


def customer_language(ticket: Ticket) -> str | None:
    """The `language` trait, else Customer.language, else detected from their latest messages."""
    stated = stated_language(ticket.customer)
    if stated:
        return stated
    texts = db.session.scalars(
        select(Message.body_text).where(Message.ticket_id == ticket.id, Message.kind == "customer")
        .order_by(Message.created_at.desc()).limit(3)).all()
    return translation.detect_language("\n".join(texts))


def preview_reply(ticket_id: int, body: str, use_ai: bool = False) -> dict:
    """The reply as the customer will read it: {text, lang, engine}; raises NoTranslation."""
    body = (body or "").strip()
    if not body:
        raise ValidationError(gettext("Write the reply first, then translate it."))
    if len(body) > MAX_PREVIEW:
        raise ValidationError(gettext("Translate at most %(MAX_PREVIEW)s characters at a time.", MAX_PREVIEW=MAX_PREVIEW))
    ticket = get_ticket(ticket_id)
    target = customer_language(ticket)
    if not target:
        raise ValidationError(gettext("This customer's language is unknown (no language trait, and their messages are too short to tell)."))
    if target == team_language():
        raise ValidationError(gettext("This customer writes in %(language_name)s, like the team: nothing to translate.", language_name=translation.language_name(target)))
    text, engine = translation.translate_text(body, team_language(), target, use_ai=use_ai)
    _guard(ticket_id, body, text)
    return {"text": text, "lang": target, "engine": engine}


def _guard(ticket_id: int, body: str, text: str) -> None:
    """The output guard AI drafts pass (ai.guard.check_output): a translation that quotes an
    internal note or a directive, talks about its instructions, or carries an address that
    is not the customer's is withheld. What the agent wrote is not held against it (their
    own addresses, their own words)."""
    ctx = build_context(ticket_id)
    allowed = guard.EMAIL.findall(body)
    own = set(guard.check_output(body, ctx, allowed))
    problems = [p for p in guard.check_output(text, ctx, allowed) if p not in own]
    if problems:
        raise ValidationError("The translation was withheld because " + "; ".join(problems) + ".")


def request_message_translation(message_id: int) -> int:
    """Translate a customer's message for the team in the background (RQ or the embedded
    worker); returns the message's ticket id."""
    message = db.session.get(Message, message_id)
    if message is None or message.kind != "customer":
        raise NotFound(gettext("That customer message does not exist."))
    access_scope.require_message(message)
    queue.enqueue("halo.jobs.translate.translate_message", message_id,
                  job_id=f"translate-message-{message_id}", retry_intervals=(10, 60))
    return message.ticket_id


def translate_message(message_id: int, use_ai: bool = False) -> Message:
    """Store the team-language translation of a customer's message beside the original."""
    message = db.session.get(Message, message_id)
    if message is None:
        raise NotFound(gettext("That message does not exist."))
    source = message.language or translation.detect_language(message.body_text)
    if not source:
        raise ValidationError(gettext("The message is too short to tell its language."))
    text, _ = translation.translate_text(message.body_text, source, team_language(),
                                         use_ai=use_ai or translation.ai_available())
    message.language, message.translation, message.translation_lang = source, text, team_language()
    events.ticket_changed(message.ticket_id, "message", message.id)
    db.session.commit()
    return message


def customer_message_arrived(message_ids: list[int]) -> None:
    """After a customer message is stored: its language, then a translation if a pack allows.

    Runs as a job (never in the ingest path: detection costs ~10 ms of CPU per message).
    The AI provider is never used here unasked; agents choose it from the composer.
    """
    todo = []
    for message_id in message_ids:
        message = db.session.get(Message, message_id)
        if message is None or message.kind != "customer":
            continue
        customer = db.session.get(Ticket, message.ticket_id).customer
        stated = stated_language(customer)
        detected = None
        if not message.language and not stated:  # a stated language spares the detector
            detected = translation.detect_language(message.body_text)
        todo.append((message, customer, detected, stated))
    with sqlite_writer():  # one write turn for the batch, in line with the ingest
        for message, customer, detected, _ in todo:
            # The customer's language answers for their later messages (no detector, no
            # write); a message is marked only when it differs from what is now on file.
            if detected and not stated_language(customer):
                customer.language = detected
            elif detected and detected != stated_language(customer):
                message.language = detected
        db.session.commit()
    for message, customer, detected, _ in todo:
        language = message.language or stated_language(customer)
        if _auto_translatable(message, language):
            translate_message(message.id)  # which tells open pages when it is done
        elif detected and language != team_language():
            # Now known to need a translation: pages showing the line get its Translate
            # button without a reload (they replace the line they have).
            events.ticket_changed(message.ticket_id, "message", message.id)
    db.session.commit()  # publishes those events (nothing else is written here)


def _auto_translatable(message: Message, language: str | None) -> bool:
    team = team_language()
    return (bool(language) and language != team and not message.translation
            and translation.available() and translation.has_pair(language, team))


def schedule_ticket_language(ticket_id: int, customer) -> None:
    """When an agent opens a ticket whose customer's language is not on file, settle it.

    In a job, not in the ingest path (detection costs up to ~10 ms a message and would
    halve inbound throughput) and not in the page render.
    """
    if stated_language(customer) is None:
        queue.enqueue("halo.jobs.translate.ticket_opened", ticket_id,
                      job_id=f"ticket-language-{ticket_id}", retry_intervals=())


def settle_ticket_language(ticket_id: int) -> None:
    """Detect and record the customer's language from this ticket; translate where a pack allows."""
    ids = db.session.scalars(select(Message.id).where(
        Message.ticket_id == ticket_id, Message.kind == "customer", Message.translation.is_(None))
        .order_by(Message.id.desc()).limit(20)).all()
    customer_message_arrived(sorted(ids))
