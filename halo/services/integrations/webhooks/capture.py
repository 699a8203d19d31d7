"""What a transaction wrote, as webhook events, written in the same transaction.

after_flush reads the unit of work (new tickets, messages and customers; customers whose
profile changed) into session.info; before_commit turns those into WebhookEvent rows and
a WebhookDelivery for each active endpoint subscribed to the type; after_commit queues
the delivery jobs. A rollback drops them all. Nothing is written when no endpoint is
active, which the process learns from a short-lived cache (ENDPOINT_TTL seconds), so a
commit costs no extra query while nobody listens (an endpoint added in another process
is heard of within that time); which endpoints get a delivery is read afresh.
"""
import threading
import time

from sqlalchemy import select
from sqlalchemy.orm import attributes

from halo import clock
from halo.models import Customer, Message, Ticket
from halo.models.webhooks import WebhookDelivery, WebhookEndpoint, WebhookEvent

PENDING = "halo_webhook_pending"  # [(type, order_key, payload)] read off flushes
QUEUED = "halo_webhook_queued"  # {(endpoint_id, order_key)} to start after the commit
ENDPOINT_TTL = 10.0
EVENT_LINES = {"status": "ticket.status_changed", "assignment": "ticket.assignee_changed",
               "tags": "ticket.tags_changed", "inbox": "ticket.inbox_changed", "csat": "csat.rated",
               "sla_breach": "sla.breached"}
EVENT_TYPES = ("ticket.created", "ticket.status_changed", "ticket.assignee_changed",
               "ticket.tags_changed", "ticket.inbox_changed", "message.created",
               "customer.created", "customer.updated", "csat.rated", "sla.breached")
PROFILE = ("name", "email", "language", "traits")

_cache: dict = {"at": None, "endpoints": ()}
_lock = threading.Lock()
start_deliveries = None  # set by create_app: (endpoint_id, order_key, delay=0) queues the job


def forget_endpoints() -> None:
    """Read the endpoints again at the next commit (after an endpoint changed here)."""
    with _lock:
        _cache["at"] = None


def _endpoints(session, fresh: bool = False) -> tuple:
    """(id, event types) of the active endpoints: from a cache of ENDPOINT_TTL seconds (is
    anyone listening?), or fresh, read in the committing transaction (who exactly: an
    endpoint another process just deleted must not get a delivery row)."""
    with _lock:
        at = _cache["at"]
        if not fresh and at is not None and time.monotonic() - at < ENDPOINT_TTL:
            return _cache["endpoints"]
    rows = session.execute(select(WebhookEndpoint.id, WebhookEndpoint.events)
                           .where(WebhookEndpoint.active.is_(True))).all()
    found = tuple((row.id, frozenset(row.events or ())) for row in rows)
    with _lock:
        _cache.update(at=time.monotonic(), endpoints=found)
    return found


def _stamp(value) -> str | None:
    return value.isoformat() + "Z" if value is not None else None


def _due(value: str | None) -> str | None:
    """A stored naive-UTC ISO time, as the payloads write times."""
    return value + "Z" if value and not value.endswith("Z") else value


def ticket_data(ticket: Ticket) -> dict:
    return {"id": ticket.id, "subject": ticket.subject, "status": ticket.status,
            "channel": ticket.channel, "customer_id": ticket.customer_id,
            "assignee_id": ticket.assignee_id, "created_at": _stamp(ticket.created_at)}


def message_data(message: Message) -> dict:
    return {"id": message.id, "ticket_id": message.ticket_id, "kind": message.kind,
            "is_note": message.kind == "note", "channel": message.channel,
            "author_id": message.author_id, "body_text": message.body_text or "",
            "created_at": _stamp(message.created_at)}


def customer_data(customer: Customer) -> dict:
    return {"id": customer.id, "name": customer.name or "", "email": customer.email,
            "language": customer.language, "traits": dict(customer.traits or {}),
            "created_at": _stamp(customer.created_at)}


def _read(session, _flush_context) -> None:
    """after_flush: what this flush wrote that webhooks announce."""
    found = []  # (rank, id, item): what was made before what was said about it, then by id
    for obj in session.new:
        if isinstance(obj, Ticket):
            found.append((0, obj.id, ("ticket.created", f"ticket:{obj.id}", {"ticket": ticket_data(obj)})))
        elif isinstance(obj, Customer):
            found.append((0, obj.id, ("customer.created", f"customer:{obj.id}",
                                      {"customer": customer_data(obj)})))
        elif isinstance(obj, Message):
            found.append((1, obj.id, _message_event(session, obj)))
    for obj in session.dirty:
        if isinstance(obj, Customer) and any(
                attributes.get_history(obj, name).has_changes() for name in PROFILE):
            found.append((2, obj.id, ("customer.updated", f"customer:{obj.id}",
                                      {"customer": customer_data(obj)})))
    items = [item for _, _, item in sorted(found, key=lambda f: f[:2]) if item is not None]
    if items and _endpoints(session):
        session.info.setdefault(PENDING, []).extend(items)


def _message_event(session, message: Message):
    key = f"ticket:{message.ticket_id}"
    if message.kind != "event":
        return "message.created", key, {"message": message_data(message)}
    kind = EVENT_LINES.get(message.event_type)
    if kind is None:
        return None
    ticket = session.get(Ticket, message.ticket_id)  # in the session already: the change's subject
    if message.event_type == "csat":  # the customer's answer, not a teammate's change
        said = message.event_data or {}
        data = {"ticket_id": message.ticket_id, "rating": said.get("rating"), "previous": said.get("previous"),
                "comment": said.get("comment") or "", "via": said.get("via"), "event_line_id": message.id}
    elif message.event_type == "sla_breach":  # the clock's, not a teammate's
        said = message.event_data or {}
        data = {"ticket_id": message.ticket_id, "clock": said.get("clock"), "due_at": _due(said.get("due_at")),
                "policy": said.get("policy"), "breached_at": _stamp(message.created_at),
                "event_line_id": message.id}
    else:
        data = {"ticket_id": message.ticket_id, "actor_id": message.author_id,
                "change": dict(message.event_data or {}), "event_line_id": message.id}
    if ticket is not None:
        data["ticket"] = ticket_data(ticket)
    return kind, key, data


def _write(session) -> None:
    """before_commit: the events and their deliveries, in the committing transaction."""
    if session.info.get(PENDING) is None and not session.new and not session.dirty:
        return
    session.flush()  # the commit's own flush comes after this hook: read its writes now
    pending = session.info.pop(PENDING, None)
    if not pending:
        return
    endpoints = _endpoints(session, fresh=True)
    now = clock.now()
    queued = session.info.setdefault(QUEUED, set())
    for kind, key, data in pending:
        wanted = [eid for eid, types in endpoints if "*" in types or kind in types]
        if not wanted:
            continue
        event = WebhookEvent(type=kind, order_key=key, created_at=now,
                             payload={"type": kind, "timestamp": _stamp(now), "data": data})
        session.add(event)
        for endpoint_id in wanted:
            session.add(WebhookDelivery(endpoint_id=endpoint_id, event=event, order_key=key,
                                        state="pending", next_attempt_at=now, created_at=now))
            queued.add((endpoint_id, key))


def _start(session) -> None:
    """after_commit: queue a delivery job per (endpoint, ticket or customer)."""
    queued = session.info.pop(QUEUED, None)
    if queued and start_deliveries is not None:
        for endpoint_id, key in sorted(queued):
            start_deliveries(endpoint_id, key)


def _drop(session, previous_transaction) -> None:
    if previous_transaction.parent is None and previous_transaction.nested is False:
        session.info.pop(PENDING, None)
        session.info.pop(QUEUED, None)


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("after_flush", _read), ("before_commit", _write), ("after_commit", _start),
         ("after_soft_rollback", _drop))
