"""Ephemeral presence (viewing, typing): published, never stored."""
from halo import realtime


def announce(ticket_id: int, kind: str, **data) -> None:
    """kind: viewing | here | left | typing (agents) or visitor_typing (the widget)."""
    realtime.publish(f"ticket:{ticket_id}", {"type": kind, "ticket_id": ticket_id, **data})
