"""Translation jobs: long-running model calls stay out of requests."""
from ..services import translate_tickets


def translate_message(message_id: int) -> None:
    """Translate one customer message for the team."""
    translate_tickets.translate_message(message_id)
