"""AI jobs: ids in, one service call (the queue provides the app context)."""
from halo.services.ai import chat, drafts, pilot, pipeline


def write_draft(draft_id: int) -> None:
    """Write an AI draft for the composer."""
    drafts.write_draft(draft_id)


def answer_pilot(answer_id: int) -> None:
    """Answer a HaloPilot question."""
    pilot.answer(answer_id)


def offer_ticket(ticket_id: int, since_id: int = 0) -> None:
    """Offer a new email ticket (or one passed back after event since_id) to the AI pipeline."""
    pipeline.offer_ticket(ticket_id, since_id=since_id)


def answer_chat(message_id: int) -> None:
    """Let the AI answer (or hand over) a visitor's chat message."""
    chat.answer_chat(message_id)
