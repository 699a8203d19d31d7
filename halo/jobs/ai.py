"""AI jobs: ids in, one service call (the queue provides the app context)."""


def write_draft(draft_id: int) -> None:
    """Write an AI draft for the composer."""
    from halo.services.ai.drafts import write_draft as run
    run(draft_id)


def answer_pilot(answer_id: int) -> None:
    """Answer a HaloPilot question."""
    from halo.services.ai.pilot import answer
    answer(answer_id)


def offer_ticket(ticket_id: int, since_id: int = 0) -> None:
    """Offer a new email ticket (or one passed back after event since_id) to the AI pipeline."""
    from halo.services.ai.pipeline import offer_ticket as run
    run(ticket_id, since_id=since_id)


def answer_chat(message_id: int) -> None:
    """Let the AI answer (or hand over) a visitor's chat message."""
    from halo.services.ai.chat import answer_chat as run
    run(message_id)
