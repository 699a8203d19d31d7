"""Undo for quick actions: a status change (resolve, spam, snooze, reopen), an assignment,
or either done in bulk, taken back by the teammate who did it, for a short while.

The page is handed a signed token naming who acted, what they set and where each ticket was
before (status, snooze end, assignee). Undo puts back only the tickets still as the action
left them: one that somebody (or a customer's reply) has moved since is left as it is now
and reported, so an undo never overwrites newer work. Putting a ticket back writes its own
event lines, like any change, with the reason "undo"."""
from dataclasses import dataclass, field
from datetime import datetime, timezone

from flask import current_app
from flask_babel import gettext
from itsdangerous import (
    BadSignature,
    SignatureExpired,
    TimestampSigner,
    URLSafeTimedSerializer,
)

from halo import clock
from halo.extensions import db
from halo.i18n import N_
from halo.models import Ticket
from halo.services.access import roles
from halo.services.errors import HaloError, ValidationError
from halo.services.tickets.assignment import apply_assignee
from halo.services.tickets.status import apply_status, get_ticket

UNDO_SECONDS = 120  # the page offers it for a few seconds; a slow click still lands
SALT = "halo-undo"
KINDS = ("status", "assign")


@dataclass(frozen=True)
class Offer:
    """What the page shows: the sentence and the signed token behind its Undo button."""
    text: str
    token: str


@dataclass
class UndoResult:
    restored: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        if not self.skipped:
            n = len(self.restored)
            return gettext("Undone: #%(id)s is back as it was.", id=self.restored[0]) if n == 1 else \
                gettext("Undone: %(n)s tickets are back as they were.", n=n)
        kept = "; ".join(f"#{tid} {why}" for tid, why in self.skipped[:5])
        return gettext("Undone for %(n)s; left as they are: %(kept)s.", n=len(self.restored), kept=kept)


def snapshot(ticket_ids: list[int]) -> dict[int, list]:
    """Each ticket's [status, snooze end, assignee] before an action changes it."""
    rows = db.session.execute(db.select(Ticket.id, Ticket.status, Ticket.snoozed_until, Ticket.assignee_id)
                              .where(Ticket.id.in_(ticket_ids))).all()
    return {row.id: [row.status, row.snoozed_until.isoformat() if row.snoozed_until else None,
                     row.assignee_id] for row in rows}


class _ClockSigner(TimestampSigner):
    """Token ages read Halo's clock (tests inject it), not the system's."""

    def get_timestamp(self) -> int:
        return int(clock.now().replace(tzinfo=timezone.utc).timestamp())


def _signer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT, signer=_ClockSigner)


def offer(actor_id: int, kind: str, to, before: dict[int, list], changed: list[int], text: str) -> Offer | None:
    """The undo for an action that changed the tickets `changed` (None when it changed none)."""
    if kind not in KINDS:
        raise ValueError(kind)
    items = [[tid, *before[tid]] for tid in changed if tid in before]
    if not items:
        return None
    return Offer(text, _signer().dumps({"u": actor_id, "k": kind, "to": to, "t": items}))


def undo(token: str, actor_id: int, now: datetime | None = None) -> UndoResult:
    """Put back what the token's action changed, for the tickets still as it left them."""
    try:
        data = _signer().loads(token, max_age=UNDO_SECONDS)
    except SignatureExpired:
        raise ValidationError(gettext("Too late to undo that: change it back by hand.")) from None
    except BadSignature:
        raise ValidationError(gettext("That undo is not valid.")) from None
    if data.get("u") != actor_id:
        raise ValidationError(gettext("Only the teammate who made a change can undo it."))
    roles.require(actor_id, "work")
    now = now or clock.now()
    kind, to, result = data["k"], data["to"], UndoResult()
    for tid, status, until, assignee_id in data["t"]:
        try:
            ticket = get_ticket(tid)
            if kind == "status":
                _put_status_back(ticket, to, status, until, actor_id, now)
            else:
                _put_assignee_back(ticket, to, assignee_id, actor_id, now)
        except _Moved as moved:
            result.skipped.append((tid, str(moved)))
            continue
        except HaloError as exc:
            result.skipped.append((tid, str(exc)))
            continue
        result.restored.append(tid)
    db.session.commit()
    return result


class _Moved(Exception):
    """The ticket changed again after the action: leave it."""


def _put_status_back(ticket: Ticket, to: str, status: str, until: str | None, actor_id: int, now) -> None:
    if ticket.status != to:
        raise _Moved(gettext("is %(status)s now", status=ticket.status_label))
    if status == "snoozed":
        end = datetime.fromisoformat(until) if until else None
        if end is None or end <= now:  # the snooze would have ended by now: as the sweeper would
            status, end = "open", None
        apply_status(ticket, status, actor_id, end, now, reason=N_("undo"))
    else:
        apply_status(ticket, status, actor_id, None, now, reason=N_("undo"))


def _put_assignee_back(ticket: Ticket, to, assignee_id, actor_id: int, now) -> None:
    if ticket.assignee_id != to:
        raise _Moved(gettext("was reassigned since"))
    apply_assignee(ticket, assignee_id, actor_id, now)
