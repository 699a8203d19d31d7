"""Translation jobs: long-running model calls stay out of requests."""
from halo.services.translate import tickets as translate_tickets


def translate_message(message_id: int) -> None:
    """Translate one customer message for the team."""
    translate_tickets.translate_message(message_id)


def customer_message_arrived(message_ids: list[int]) -> None:
    """Detect languages of customer messages and translate where a pack allows."""
    translate_tickets.customer_message_arrived(message_ids)


def ticket_opened(ticket_id: int) -> None:
    """Settle the language of a ticket an agent opened, and translate its customer messages."""
    translate_tickets.settle_ticket_language(ticket_id)

