"""The audit log: sign-ins and failed sign-ins, two-factor and password changes, settings
and teammate changes, exports; who, when and from where. Admins read it in Settings >
Security. Lines are only ever added.

record(actor, action, target, detail) is the one way in, for every part (views, services,
the API's exports, CLI commands). "From where" is the client's address and user agent:
the web layer names them once per request (set_origin); a CLI command names itself.
"""
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.i18n import N_
from halo.models import AuditEvent, User

# What each action reads as in Settings > Security (an unknown action shows as itself).
ACTIONS = {
    "sign_in": N_("signed in"),
    "sign_in_failed": N_("failed to sign in"),
    "sign_in_throttled": N_("was refused sign-in (too many attempts)"),
    "sign_out": N_("signed out"),
    "two_factor_failed": N_("entered a wrong two-factor code"),
    "two_factor_enabled": N_("turned on two-factor sign-in"),
    "two_factor_disabled": N_("turned off two-factor sign-in"),
    "two_factor_reset": N_("reset two-factor sign-in"),
    "recovery_code_used": N_("signed in with a recovery code"),
    "recovery_codes_renewed": N_("made new recovery codes"),
    "password_reset_requested": N_("asked for a password reset"),
    "password_reset": N_("reset the password"),
    "password_changed": N_("changed the password"),
    "teammate_added": N_("added a teammate"),
    "teammate_changed": N_("changed a teammate"),
    "settings_changed": N_("changed settings"),
    "export": N_("exported"),
    "customer_exported": N_("exported a customer's data"),
    "customer_erased": N_("erased a customer's data"),
}


@dataclass(frozen=True)
class Origin:
    address: str = ""
    user_agent: str = ""


_origin: ContextVar[Origin] = ContextVar("halo_audit_origin", default=Origin())


def set_origin(address: str | None, user_agent: str | None = None) -> None:
    """Where the current request comes from (the web layer calls this once per request)."""
    _origin.set(Origin(address=(address or "")[:45], user_agent=(user_agent or "")[:200]))


def record(actor: int | User | None, action: str, target: str = "", detail: dict | None = None,
           *, actor_email: str = "", now: datetime | None = None, commit: bool = True) -> AuditEvent:
    """Add one line: actor (a teammate or their id; None with actor_email for a failed
    sign-in) did action to target. commit=False leaves it in the caller's transaction,
    so the line and the change it records are written together."""
    actor_id = actor.id if isinstance(actor, User) else actor
    if actor_id is not None and not actor_email:
        actor_email = db.session.scalar(select(User.email).where(User.id == actor_id)) or ""
    origin = _origin.get()
    event = AuditEvent(created_at=now or clock.now(), actor_id=actor_id, actor_email=actor_email[:254],
                       action=action[:40], target=str(target or "")[:200], detail=detail or {},
                       address=origin.address, user_agent=origin.user_agent)
    db.session.add(event)
    if commit:
        db.session.commit()
    return event


PAGE_SIZE = 50


def page(before: int | None = None, action: str | None = None, size: int = PAGE_SIZE) -> tuple[list[AuditEvent], int | None]:
    """The newest lines (older than the line before, if given), optionally of one action;
    returns (lines, the id to pass as before for the next page, or None at the end)."""
    query = select(AuditEvent).order_by(AuditEvent.id.desc()).limit(size + 1)
    if before is not None:
        query = query.where(AuditEvent.id < before)
    if action:
        query = query.where(AuditEvent.action == action)
    lines = db.session.scalars(query).all()
    more = len(lines) > size
    lines = lines[:size]
    return lines, (lines[-1].id if more else None)


def describe(action: str) -> str:
    """How an action reads in the log."""
    return gettext(ACTIONS[action]) if action in ACTIONS else action.replace("_", " ")
