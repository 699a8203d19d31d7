"""HaloPilot: a per-ticket chat for the team, answering from the ticket, profile and knowledge."""
from flask_babel import gettext
from sqlalchemy import select

from halo.extensions import db
from halo.i18n import N_
from halo.models import PilotMessage
from halo.queue import enqueue
from halo.services import events
from halo.services.access import roles
from halo.services.ai import offline as ai_offline
from halo.services.ai import provider as ai_provider
from halo.services.ai.context import (
    Context,
    build_context,
    record_directive_uses,
    sources,
)
from halo.services.ai.guard import check_output
from halo.services.ai.prompts import (
    cited,
    draft_messages,
    pilot_messages,
    split_variants,
    variants_messages,
)
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets.status import get_ticket

JOB = "halo.jobs.ai.answer_pilot"
ACTIONS = {"summarize": N_("Summarize this thread"), "draft": N_("Draft a reply"),
           "plan": N_("What plan is this customer on?"), "three": N_("Generate three possible responses")}
MAX_QUESTION = 2000


def ask(ticket_id: int, user_id: int, question: str = "", action: str | None = None) -> PilotMessage:
    """Store the teammate's question and a pending answer the job completes."""
    roles.require(user_id, "note")
    get_ticket(ticket_id)
    if action and action not in ACTIONS:
        raise ValidationError(gettext("Unknown quick action."))
    question = gettext(ACTIONS[action]) if action else (question or "").strip()
    if not question:
        raise ValidationError(gettext("Ask HaloPilot something about this ticket."))
    if len(question) > MAX_QUESTION:
        raise ValidationError(gettext("That question is too long."))
    db.session.add(PilotMessage(ticket_id=ticket_id, role="user", author_id=user_id,
                                action=action, body=question))
    answer = PilotMessage(ticket_id=ticket_id, role="assistant", action=action, state="pending",
                          offline=not ai_provider.configured(), author_id=user_id)
    db.session.add(answer)
    db.session.commit()
    enqueue(JOB, answer.id, job_id=f"ai-pilot-{answer.id}", retry_intervals=())
    return answer


def conversation(ticket_id: int, limit: int = 50) -> list[PilotMessage]:
    """The ticket's HaloPilot conversation, oldest first."""
    rows = db.session.scalars(select(PilotMessage).where(PilotMessage.ticket_id == ticket_id)
                              .order_by(PilotMessage.id.desc()).limit(limit))
    return list(reversed(list(rows)))


def get_answer(ticket_id: int, answer_id: int) -> PilotMessage:
    """One answer of this ticket's conversation, or NotFound."""
    row = db.session.get(PilotMessage, answer_id)
    if row is None or row.ticket_id != ticket_id or row.role != "assistant":
        raise NotFound(gettext("That answer does not exist."))
    get_ticket(ticket_id)  # the open access scope sees the ticket
    return row


def answer(answer_id: int) -> PilotMessage | None:
    """Write the pending answer (the job)."""
    row = db.session.get(PilotMessage, answer_id)
    if row is None or row.state != "pending":
        return row
    question = db.session.scalar(select(PilotMessage.body).where(
        PilotMessage.ticket_id == row.ticket_id, PilotMessage.role == "user",
        PilotMessage.id < row.id).order_by(PilotMessage.id.desc()).limit(1)) or ""
    ctx = build_context(row.ticket_id, agent_id=row.author_id, query=question)
    try:
        body, options, used = (_offline if row.offline else _online)(ctx, row, question)
    except ai_provider.ProviderError as exc:
        db.session.rollback()
        row.state, row.body = "failed", str(exc)
        events.pilot_answered(row)
        db.session.commit()
        return row
    problems = check_output(body + "\n" + "\n".join(options), ctx)
    if problems:
        row.state, row.body = "failed", "I can't show that answer because " + "; ".join(problems) + "."
    else:
        row.state, row.body, row.options = "done", body, options
        row.sources = _sources(ctx, body, used)
        record_directive_uses(ctx, "pilot")
    events.pilot_answered(row)
    db.session.commit()
    return row


def _offline(ctx: Context, row: PilotMessage, question: str):
    mode = "chat" if ctx.channel == "chat" else "email"
    if row.action == "summarize":
        return ai_offline.summary(ctx), [], []
    if row.action == "plan":
        return ai_offline.plan(ctx), [], []
    if row.action == "draft":
        return "Here is a draft assembled from the knowledge base.", [ai_offline.draft(ctx, mode)], ctx.articles[:1]
    if row.action == "three":
        return "Three possible responses:", ai_offline.variants(ctx, mode), ctx.articles
    body, used = ai_offline.answer(ctx, question)
    return body, [], used


def _online(ctx: Context, row: PilotMessage, question: str):
    mode = "chat" if ctx.channel == "chat" else "email"
    if row.action == "draft":
        text = ai_provider.complete(draft_messages(ctx, mode))
        return "Here is a draft reply.", [text.strip()], ctx.articles
    if row.action == "three":
        options = split_variants(ai_provider.complete(variants_messages(ctx, mode), max_tokens=1200))
        return "Three possible responses:", options, ctx.articles
    if row.action == "summarize":
        question = "Summarize this thread in three to five short bullet points."
    history = [(m.role, m.body) for m in conversation(ctx.ticket.id)
               if m.id < row.id and m.state == "done"][:-1]
    text = ai_provider.complete(pilot_messages(ctx, question, history))
    return text.strip(), [], cited(text, ctx)


def _sources(ctx: Context, body: str, used_articles) -> list[dict]:
    out = [{"kind": "profile", "id": ctx.customer.id, "title": "Customer profile"}] if "[Profile]" in body else []
    if "[Thread]" in body:
        out.append({"kind": "thread", "id": ctx.ticket.id, "title": "This thread"})
    return out + sources(ctx, used_articles)
