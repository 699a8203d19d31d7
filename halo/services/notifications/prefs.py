"""A teammate's notification switches, kept as one JSON object on their row.

Missing keys read as DEFAULTS, so a new kind of notification starts with its default for
everyone, and an old row never needs a migration to gain one."""
from dataclasses import dataclass

from flask_babel import gettext

from halo.extensions import db
from halo.i18n import N_
from halo.models import User
from halo.services.errors import ValidationError

# What can reach a teammate by email, as the Profile page words it.
EMAIL_KINDS = {
    "mention": N_("someone mentions you in a note"),
    "assigned": N_("a ticket is assigned to you"),
    "chat_waiting": N_("a new chat waits for a teammate"),
    "sla_warning": N_("an SLA target is about to be missed on your ticket"),
    "sla_breach": N_("an SLA target is missed on your ticket"),
    "snooze_ended": N_("a snooze you set ends"),
}
DEFAULTS = {"email": ["mention", "assigned", "sla_breach"], "digest": True, "desktop": False,
            "sound": False, "chats": True}


@dataclass(frozen=True)
class Prefs:
    email: frozenset  # kinds mailed as they happen
    digest: bool  # a morning summary
    desktop: bool  # browser notifications (the browser asks for permission too)
    sound: bool  # a chime when a new chat waits
    chats: bool  # be told of new chats waiting at all (in the app)

    def mails(self, kind: str) -> bool:
        return kind in self.email


def of(user: User) -> Prefs:
    raw = {**DEFAULTS, **(user.notification_prefs or {})}
    return Prefs(email=frozenset(k for k in raw["email"] if k in EMAIL_KINDS), digest=bool(raw["digest"]),
                 desktop=bool(raw["desktop"]), sound=bool(raw["sound"]), chats=bool(raw["chats"]))


def save(user_id: int, email: list[str], digest: bool, desktop: bool, sound: bool, chats: bool) -> Prefs:
    """Replace the teammate's switches (a form sends them all)."""
    unknown = [k for k in email if k not in EMAIL_KINDS]
    if unknown:
        raise ValidationError(gettext("Unknown notification %(value)s.", value=f'{unknown[0]!r}'))
    user = db.session.get(User, user_id)
    user.notification_prefs = {"email": sorted(set(email)), "digest": bool(digest), "desktop": bool(desktop),
                               "sound": bool(sound), "chats": bool(chats)}
    db.session.commit()
    return of(user)
