"""Teammates: agents and admins."""
from datetime import date, datetime

from flask_babel import gettext
from flask_login import UserMixin
from sqlalchemy import JSON, ForeignKey, String, false
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from halo import clock
from halo.extensions import db
from halo.i18n import N_

# admin: everything, every inbox; agent: works the tickets of their teams' inboxes;
# readonly: reads those tickets and writes internal notes, never a word to a customer.
ROLES = ("admin", "agent", "readonly")
ROLE_LABELS = {"admin": N_("Admin"), "agent": N_("Agent"), "readonly": N_("Read-only")}


class User(UserMixin, db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    handle: Mapped[str] = mapped_column(String(60), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(10), default="agent")
    active: Mapped[bool] = mapped_column(default=True)
    # Granted by an admin: may publish articles and directives the autonomous AI answers use.
    can_publish: Mapped[bool] = mapped_column(default=False, server_default=false())
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The language of Halo's screens and mail for this teammate (halo/i18n.py); None:
    # automatic, from the browser's Accept-Language.
    locale: Mapped[str | None] = mapped_column(String(16), default=None)
    created_at: Mapped[datetime] = mapped_column(default=clock.now)
    # Two-factor sign-in (services/accounts/twofactor.py): the TOTP secret, sealed at rest;
    # set while enrolling, in use once totp_enabled_at is set. totp_last_step is the last
    # 30-second step a code was accepted for, so one code signs in once.
    totp_secret: Mapped[str | None] = mapped_column(String(255), default=None)
    totp_enabled_at: Mapped[datetime | None] = mapped_column(default=None)
    totp_last_step: Mapped[int | None] = mapped_column(default=None)
    # Notification switches (services/notifications/prefs.py; None: the defaults) and the
    # local date the last daily digest went out for.
    notification_prefs: Mapped[dict | None] = mapped_column(JSON, default=None)
    digest_sent_on: Mapped[date | None] = mapped_column(default=None)

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def is_readonly(self) -> bool:
        return self.role == "readonly"

    @property
    def role_label(self) -> str:
        return gettext(ROLE_LABELS[self.role]) if self.role in ROLE_LABELS else self.role

    @property
    def two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def initials(self) -> str:
        parts = self.name.split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    # The sign-in this User object was loaded through (services/accounts.open_session); not a
    # column: one teammate may be signed in on several devices, each with its own.
    login_token = None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: the id and this
        device's sign-in, so signing out (or a new password) can end it for good."""
        return f"{self.id}:{self.login_token}"

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class LoginSession(db.Model):
    """One device's sign-in. The session and remember cookies name it; deleting the row
    ends it, wherever a copy of either cookie is."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256: a leaked table opens nothing
    created_at: Mapped[datetime] = mapped_column(default=clock.now)


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app (ten per enrolment)."""
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))  # sha256 of a random 40-bit code
    used_at: Mapped[datetime | None] = mapped_column(default=None)
