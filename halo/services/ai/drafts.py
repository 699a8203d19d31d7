"""AI Draft: a job writes a reply into an AiDraft row as it streams; each write is pushed to
the asking agent's page over the agent socket, and the composer also reads it back by polling
(the safety net when the socket is down)."""
import time

from flask_babel import gettext

from halo import clock
from halo.extensions import db
from halo.models import AiDraft
from halo.queue import enqueue
from halo.services import events
from halo.services.access import roles
from halo.services.ai import offline as ai_offline
from halo.services.ai import provider as ai_provider
from halo.services.ai.context import build_context, record_directive_uses, sources
from halo.services.ai.guard import check_output
from halo.services.ai.prompts import draft_messages
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets.status import get_ticket

JOB = "halo.jobs.ai.write_draft"
MODES = ("chat", "email")
# Write (and push) the growing text at most this often: the database need not churn.
FLUSH_SECONDS = 0.15


def request_draft(ticket_id: int, user_id: int, mode: str) -> AiDraft:
    """Start an AI draft for the composer; the job fills it in."""
    if mode not in MODES:
        raise ValidationError(gettext("AI Draft writes chat and email replies only."))
    roles.require(user_id, "reply")  # a draft is a reply in the making
    get_ticket(ticket_id)
    draft = AiDraft(ticket_id=ticket_id, requested_by=user_id, mode=mode, state="pending",
                    text="", sources=[], offline=not ai_provider.configured())
    db.session.add(draft)
    db.session.commit()
    enqueue(JOB, draft.id, job_id=f"ai-draft-{draft.id}", retry_intervals=())
    return draft


def get_draft(ticket_id: int, draft_id: int) -> AiDraft:
    """The ticket's draft, or NotFound."""
    draft = db.session.get(AiDraft, draft_id)
    if draft is None or draft.ticket_id != ticket_id:
        raise NotFound(gettext("That draft does not exist."))
    get_ticket(ticket_id)  # the open access scope sees the ticket
    return draft


def write_draft(draft_id: int) -> AiDraft | None:
    """Build the context and write the draft: streamed from the model, or assembled offline."""
    draft = db.session.get(AiDraft, draft_id)
    if draft is None or draft.state != "pending":
        return draft
    ctx = build_context(draft.ticket_id, agent_id=draft.requested_by)
    if draft.offline:
        return _finish(draft, ai_offline.draft(ctx, draft.mode), ctx)
    draft.state = "streaming"
    events.draft_changed(draft)
    db.session.commit()
    try:
        text = _stream_into(draft, draft_messages(ctx, draft.mode))
    except ai_provider.ProviderError as exc:
        return _fail(draft, str(exc))
    problems = check_output(text, ctx)
    if problems:
        return _fail(draft, "The draft was withheld because " + "; ".join(problems) + ".")
    return _finish(draft, text, ctx)


def _stream_into(draft: AiDraft, messages: list[dict]) -> str:
    text, flushed = "", time.monotonic()
    for piece in ai_provider.stream(messages):
        text += piece
        if time.monotonic() - flushed > FLUSH_SECONDS:
            draft.text, draft.updated_at = text, clock.now()
            events.draft_changed(draft)
            db.session.commit()
            flushed = time.monotonic()
    return text


def _finish(draft: AiDraft, text: str, ctx) -> AiDraft:
    draft.text, draft.state, draft.updated_at = text.strip(), "done", clock.now()
    draft.sources = sources(ctx)
    record_directive_uses(ctx, "draft")
    events.draft_changed(draft)
    db.session.commit()
    return draft


def _fail(draft: AiDraft, error: str) -> AiDraft:
    db.session.rollback()
    draft.state, draft.error, draft.text, draft.updated_at = "failed", error, "", clock.now()
    events.draft_changed(draft)
    db.session.commit()
    return draft
