"""What services publish after a commit, so every process's sockets can catch up.

Payloads carry ids only: subscribers re-read the database, so an event never holds
data a listener should not see (a widget filters out notes and events itself).
"""
from halo import realtime


def ticket_changed(ticket_id: int, what: str, message_id: int | None = None,
                   chat: bool = False) -> None:
    """A ticket's thread, status or assignee changed: tell its page, the inbox and /live."""
    payload = {"type": what, "ticket_id": ticket_id, "message_id": message_id}
    realtime.publish(f"ticket:{ticket_id}", payload)
    realtime.publish("inbox", payload)
    if chat:
        realtime.publish("live", payload)


def draft_changed(draft) -> None:
    """An AI draft grew or settled: the page of the agent who asked for it shows it."""
    realtime.publish(f"ticket:{draft.ticket_id}", {
        "type": "draft", "ticket_id": draft.ticket_id, "draft_id": draft.id,
        "user_id": draft.requested_by})


def pilot_answered(answer) -> None:
    """A HaloPilot answer is written (or failed): pages of its ticket swap it in for
    "Thinking…" (pages without that line ignore it)."""
    realtime.publish(f"ticket:{answer.ticket_id}", {
        "type": "pilot", "ticket_id": answer.ticket_id, "answer_id": answer.id})


def published_message(message) -> None:
    """Announce a stored message (customer, reply, note or event line)."""
    if message is None:
        return
    ticket_changed(message.ticket_id, "message", message.id, chat=message.channel == "chat"
                   or message.kind == "event")
