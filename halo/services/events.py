"""Events on commit: what services record on the session, published once the commit succeeds.

Every message written (a customer's, a reply, a note, an event line) and every move of a
reply's delivery state is an event by itself: a flush hook reads them off the unit of
work, so no channel can forget to announce one. Other changes (who handles a chat, a
visitor's profile or presence, an AI draft) are recorded by their service in the same
breath as the change (no commit needed first). The events are held on the session,
resolved to ids as each flush gives rows their ids, published through the one bus
(realtime: in-process, or Redis when scaled out) right after the transaction commits,
and dropped when it rolls back. So a listener never hears of a change that did not
happen, and a change is never committed without its event being sent (a bus that is
down loses the event, not the change: every socket catches up from the database).

Payloads carry ids only: subscribers re-read the database, so an event never holds
data a listener should not see (a widget filters out notes and events itself).

Its session hooks (HOOKS) are installed by create_app.
"""
from sqlalchemy.orm import Session, attributes

from halo import realtime
from halo.extensions import db
from halo.models import Message

PENDING = "halo_events_pending"  # [(what, object)] waiting for the flush that gives ids
READY = "halo_events_ready"  # {key: (topic, payload)}, resolved, in order, to publish on commit
DELIVERY = ("delivery", "delivery_error")  # a retry says why in delivery_error only


def ticket_changed(ticket_id: int, what: str, message_id: int | None = None,
                   chat: bool = False, session: Session | None = None) -> None:
    """A ticket's thread, status, assignee or delivery changed: its page, the inbox, /live."""
    _record(session, _ticket_topics(ticket_id, what, message_id, chat))


def draft_changed(draft, session: Session | None = None) -> None:
    """An AI draft grew or settled: the page of the agent who asked for it shows it."""
    _later(session, "draft", draft)


def pilot_answered(answer, session: Session | None = None) -> None:
    """A HaloPilot answer is written (or failed): pages of its ticket swap it in for
    "Thinking…" (pages without that line ignore it)."""
    _later(session, "pilot", answer)


def notification_added(note, session: Session | None = None) -> None:
    """A teammate has a new notification: their open pages update the badge (and may show
    it on the desktop)."""
    _later(session, "notification", note)


def presence_changed(ticket_id: int, session: Session | None = None) -> None:
    """A visitor came or went: the ticket page and /live show it."""
    ticket_changed(ticket_id, "presence", chat=True, session=session)


def visitor_closed(key_digest: str, session: Session | None = None) -> None:
    """A widget visitor was blocked: its open sockets, in any process, close."""
    _record(session, [(f"visitor:{key_digest}", {"type": "closed", "reason": "blocked"})])


# ---------------------------------------------------------------- internals


def _session(session):
    return session if session is not None else db.session()


def _later(session, what, obj) -> None:
    """Record obj's event now if it has its id, else after the flush that gives it one."""
    session = _session(session)
    if obj.id is not None:
        _record(session, _payloads(what, obj))
    else:
        session.info.setdefault(PENDING, []).append((what, obj))


def _record(session, items) -> None:
    """Add (topic, payload) items once each (a status event and its message line, say)."""
    ready = _session(session).info.setdefault(READY, {})
    for topic, payload in items:
        ready.setdefault((topic, *payload.items()), (topic, payload))


def _ticket_topics(ticket_id, what, message_id=None, chat=False) -> list:
    payload = {"type": what, "ticket_id": ticket_id, "message_id": message_id}
    topics = [f"ticket:{ticket_id}", "inbox"] + (["live"] if chat else [])
    return [(topic, payload) for topic in topics]


def _written(session, _flush_context) -> None:
    """Messages this flush inserted, and replies whose delivery state it moved."""
    items = []
    for obj in session.new:
        if isinstance(obj, Message):
            items += _payloads("message", obj)
    for obj in session.dirty:
        if isinstance(obj, Message) and obj.delivery and any(
                attributes.get_history(obj, name).has_changes() for name in DELIVERY):
            items += _payloads("delivery", obj)
    if items:
        _record(session, items)


def _resolve(session, _flush_context) -> None:
    """After a flush every recorded object has its id: turn it into topic payloads."""
    pending = session.info.get(PENDING)
    if not pending:
        return
    keep = []
    for what, obj in pending:
        if obj.id is None:  # not written by this flush (added after it): wait for the next
            keep.append((what, obj))
            continue
        _record(session, _payloads(what, obj))
    session.info[PENDING] = keep


def _payloads(what, obj) -> list:
    if what == "message":
        chat = obj.channel == "chat" or obj.kind == "event"
        return _ticket_topics(obj.ticket_id, "message", obj.id, chat)
    if what == "delivery":
        return _ticket_topics(obj.ticket_id, "delivery", obj.id, obj.channel == "chat")
    if what == "notification":
        return [(f"user:{obj.user_id}", {"type": "notification", "notification_id": obj.id})]
    if what == "draft":
        return [(f"ticket:{obj.ticket_id}", {"type": "draft", "ticket_id": obj.ticket_id,
                                              "draft_id": obj.id, "user_id": obj.requested_by})]
    return [(f"ticket:{obj.ticket_id}", {"type": "pilot", "ticket_id": obj.ticket_id,
                                          "answer_id": obj.id})]


def _publish(session) -> None:
    ready = session.info.pop(READY, None)
    session.info.pop(PENDING, None)
    for topic, payload in (ready or {}).values():
        realtime.publish(topic, payload)


def _drop(session, previous_transaction) -> None:
    if previous_transaction.parent is None and previous_transaction.nested is False:
        session.info.pop(READY, None)
        session.info.pop(PENDING, None)


# Installed by create_app (services/transactions/hooks.py).
HOOKS = (("after_flush", _written), ("after_flush_postexec", _resolve),
         ("after_commit", _publish), ("after_soft_rollback", _drop))
