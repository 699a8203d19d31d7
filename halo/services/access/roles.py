"""What each role may do, checked by the services (a view's check alone is not enough).

- admin (the owner is an admin): everything, every inbox, Settings.
- agent: works the tickets of their teams' inboxes: replies, statuses, assignment, merges.
- readonly: reads those tickets and writes internal notes; never a word to a customer,
  never a change to a ticket.

What the AI may say to customers on its own is policy: publishing a knowledge article or
an Inbox training directive (which the autonomous email and chat answers use) needs an
admin, or an agent an admin granted the publish permission (User.can_publish).
"""
from halo.extensions import db
from halo.models import User
from halo.services.errors import Forbidden

# reply: send to a customer (email, chat, a live takeover, handing back to the AI, which
# then answers on its own); work: change a ticket (status, assignee, merge, split, move,
# snooze, bulk actions, AI drafts and translations for a reply); note: internal notes and
# HaloPilot; publish: what the autonomous AI answers use; admin: Settings.
CAPABILITIES = {
    "admin": frozenset({"reply", "work", "note", "publish", "admin"}),
    "agent": frozenset({"reply", "work", "note"}),
    "readonly": frozenset({"note"}),
}
REFUSALS = {
    "reply": "Your role is read-only: it cannot send anything to customers.",
    "work": "Your role is read-only: it can read tickets and write internal notes only.",
    "note": "Your account cannot write notes.",
    "publish": "Publishing what the AI tells customers needs an admin, or the publish permission.",
    "admin": "Only an admin can do that.",
}


def can(user: User | None, capability: str) -> bool:
    """Whether the teammate may do it (an inactive or missing account may do nothing)."""
    if user is None or not user.active:
        return False
    if capability == "publish" and user.can_publish and user.role == "agent":
        return True
    return capability in CAPABILITIES.get(user.role, frozenset())


def user_can(user_id: int | None, capability: str) -> bool:
    """can() by id."""
    return can(db.session.get(User, user_id) if user_id is not None else None, capability)


def require(user_id: int | None, capability: str) -> None:
    """Forbidden unless the teammate may do it; None is the workspace itself (the AI, a job,
    the CLI), which may."""
    if user_id is None:
        return
    if not user_can(user_id, capability):
        raise Forbidden(REFUSALS[capability])
