"""Bulk actions on tickets picked in the inbox: each goes through the one-ticket service,
so every change writes its own event, and each ticket that cannot change is reported."""
from dataclasses import dataclass, field

from flask_babel import gettext, ngettext

from halo.extensions import db
from halo.models import STATUS_LABELS, Ticket
from halo.services.access import roles
from halo.services.errors import HaloError, InvalidTransition, ValidationError
from halo.services.tickets import merge
from halo.services.tickets import tags as ticket_tags
from halo.services.tickets.assignment import assign_ticket
from halo.services.tickets.status import change_status

MAX_TICKETS = 200
ACTIONS = ("status", "assign", "spam", "merge", "add_tag", "remove_tag")


@dataclass
class BulkResult:
    updated: list[int] = field(default_factory=list)
    unchanged: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)   # (ticket id, reason)
    change: tuple[str, object] | None = None  # ("status", target) or ("assign", assignee id): what undo reverts

    def summary(self) -> str:
        """'3 updated, 1 skipped: #12 is Resolved' style, for the flash message."""
        parts = [ngettext("%(num)s updated", "%(num)s updated", len(self.updated))]
        if self.unchanged:
            parts.append(ngettext("%(num)s already so", "%(num)s already so", len(self.unchanged)))
        if self.skipped:
            reasons = "; ".join(f"#{tid}: {why}" for tid, why in self.skipped[:10])
            if len(self.skipped) > 10:
                reasons += gettext(" (and %(num)s more)", num=len(self.skipped) - 10)
            parts.append(ngettext("%(num)s skipped: %(reasons)s", "%(num)s skipped: %(reasons)s",
                                  len(self.skipped), reasons=reasons))
        return ", ".join(parts)


def _ticket_ids(raw_ids) -> list[int]:
    try:
        ids = sorted({int(i) for i in raw_ids})
    except (TypeError, ValueError):
        raise ValidationError(gettext("Ticket ids must be numbers.")) from None
    if not ids:
        raise ValidationError(gettext("Select at least one ticket."))
    if len(ids) > MAX_TICKETS:
        raise ValidationError(gettext("Select at most %(MAX_TICKETS)s tickets at once.", MAX_TICKETS=MAX_TICKETS))
    return ids


def bulk_update(raw_ids, action: str, value: str | None, actor_id: int) -> BulkResult:
    """Apply one action to many tickets; returns what changed and why the rest did not."""
    roles.require(actor_id, "work")
    ids = _ticket_ids(raw_ids)
    if action not in ACTIONS:
        raise ValidationError(gettext("Unknown bulk action %(action)s.", action=f'{action!r}'))
    if action == "merge":
        return _merge(ids, actor_id)
    if action == "spam":
        action, value = "status", "spam"
    if action == "status" and value not in STATUS_LABELS:
        raise ValidationError(gettext("Choose a status."))
    if action == "status" and value == "snoozed":
        raise ValidationError(gettext("Snooze tickets one at a time (each needs a time)."))
    if action in ("add_tag", "remove_tag"):
        if not str(value or "").strip():
            raise ValidationError(gettext("Type the tag to add or remove."))
        value = ticket_tags.clean_names([value])[0]
    assignee = _assignee(value, actor_id) if action == "assign" else None
    result = BulkResult(change=("status", value) if action == "status" else ("assign", assignee))
    for tid in ids:
        try:
            if action == "status":
                event = change_status(tid, value, actor_id)
            elif action == "assign":
                event = assign_ticket(tid, assignee, actor_id)
            else:
                event = ticket_tags.change_tag(tid, value, actor_id, add=action == "add_tag")
        except HaloError as exc:
            db.session.rollback()
            result.skipped.append((tid, _reason(tid, exc)))
            continue
        (result.updated if event is not None else result.unchanged).append(tid)
    return result


def _assignee(value: str | None, actor_id: int) -> int | None:
    if value in (None, "", "none"):
        return None
    if value == "me":
        return actor_id
    if not str(value).isdigit():
        raise ValidationError(gettext("Choose a teammate."))
    return int(value)


def _reason(ticket_id: int, exc: HaloError) -> str:
    ticket = db.session.get(Ticket, ticket_id)
    if ticket is not None and isinstance(exc, InvalidTransition):
        return gettext("is %(status)s", status=ticket.status_label)
    return str(exc).rstrip(".")


def _merge(ids: list[int], actor_id: int) -> BulkResult:
    """Merge every eligible ticket into the oldest selected one (the merge service decides)."""
    result = BulkResult()
    if len(ids) < 2:
        raise ValidationError(gettext("Select at least two tickets to merge."))
    tickets = [db.session.get(Ticket, i) for i in ids]
    result.skipped += [(i, gettext("does not exist")) for i, t in zip(ids, tickets) if t is None]
    tickets = sorted((t for t in tickets if t is not None), key=lambda t: (t.created_at, t.id))
    target, eligible = tickets[0], []
    for source in tickets[1:]:
        try:
            merge.check_mergeable(target, [source])
            eligible.append(source.id)
        except HaloError as exc:
            result.skipped.append((source.id, str(exc).rstrip(".")))
    if eligible:
        merge.merge_tickets(target.id, eligible, actor_id)
        result.updated += eligible
    return result
