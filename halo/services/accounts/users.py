"""Teammates: creating, editing, deactivating, signing in."""
import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import gettext
from sqlalchemy import bindparam, delete, func, select

from halo import clock
from halo.extensions import db
from halo.models import LoginSession, Setting, User
from halo.models.users import ROLES
from halo.services import audit
from halo.services.access import roles
from halo.services.errors import NotFound, ValidationError
from halo.services.transactions import kept

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None."""
    user = find_by_email(email)
    if user is None or not user.active or not user.check_password(password or ""):
        return None
    return user


# A sign-in lasts as long as the remember cookie may (Flask-Login's default, a year).
SIGN_IN_DAYS = 365


def open_session(user: User, now: datetime | None = None) -> str:
    """Record a new sign-in for user on one device; returns its token, which
    user.get_id() then names (so the session and remember cookies carry it)."""
    now = now or clock.now()
    token = secrets.token_urlsafe(24)
    db.session.execute(delete(LoginSession).where(  # sign-ins past any cookie's life
        LoginSession.user_id == user.id, LoginSession.created_at < now - timedelta(days=SIGN_IN_DAYS)))
    db.session.add(LoginSession(user_id=user.id, token_hash=_digest(token), created_at=now))
    db.session.commit()
    user.login_token = token
    return token


def signed_in_user(login_id: str) -> User | None:
    """The active teammate behind a session's "id:token", while that sign-in stands."""
    user_id, _, token = (login_id or "").partition(":")
    if not user_id.isdigit() or not token:
        return None  # a session from before sign-ins were recorded: sign in again
    row = db.session.execute(_SIGNED_IN, {"user_id": int(user_id), "digest": _digest(token)}).first()
    if row is None or not row[0].active:
        return None
    user, requires_two_factor = row
    user.login_token = token
    # Read in the same round trip: every request of a teammate without two-factor asks it
    # (blueprints/access.require_two_factor), and a query of its own cost 9% of the inbox.
    user.workspace_requires_two_factor = bool(requires_two_factor)
    kept.keep(db.session, user)  # not read again after each commit of the request
    return user


# Built once: every request asks it, and building the statement cost more than running it.
_SIGNED_IN = (select(User, select(Setting.value).where(Setting.key == "require_two_factor")
                     .scalar_subquery())
              .join(LoginSession, LoginSession.user_id == User.id)
              .where(User.id == bindparam("user_id"), LoginSession.token_hash == bindparam("digest")))


def close_session(user: User) -> None:
    """Sign out: this device's sign-in ends, wherever a copy of its cookies is."""
    if user.login_token:
        db.session.execute(delete(LoginSession).where(LoginSession.token_hash == _digest(user.login_token)))
        db.session.commit()


def end_sessions(user_id: int) -> None:
    """Every device's sign-in ends (no commit): a new password, a deactivation."""
    db.session.execute(delete(LoginSession).where(LoginSession.user_id == user_id))


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find_by_email(email: str) -> User | None:
    """Case-insensitive lookup."""
    return db.session.scalar(
        db.select(User).where(func.lower(User.email) == (email or "").strip().lower()))


def create_user(email: str, name: str, password: str, role: str = "agent",
                acting_user_id: int | None = None) -> User:
    """Add a teammate; the handle for @mentions comes from the name. With acting_user_id
    (an admin in Settings), the audit log records who added them."""
    email, name = (email or "").strip().lower(), (name or "").strip()
    _validate(email, name, role)
    if find_by_email(email):
        raise ValidationError(gettext("A teammate with that email already exists."))
    validate_password(password)
    user = User(email=email, name=name, role=role, handle=unique_handle(name or email))
    user.set_password(password)
    db.session.add(user)
    if acting_user_id is not None:
        db.session.flush()
        audit.record(acting_user_id, "teammate_added", email, {"role": role}, commit=False)
    db.session.commit()
    return user


def update_user(user_id: int, name: str, email: str, role: str, active: bool,
                password: str = "", acting_user_id: int | None = None,
                can_publish: bool | None = None) -> User:
    """Edit a teammate (can_publish: the grant to publish what the autonomous AI answers
    use; None leaves it); an admin cannot demote or deactivate themselves."""
    roles.require(acting_user_id, "admin")
    user = get_user(user_id)
    email, name = (email or "").strip().lower(), (name or "").strip()
    _validate(email, name, role)
    other = find_by_email(email)
    if other and other.id != user.id:
        raise ValidationError(gettext("A teammate with that email already exists."))
    if user.id == acting_user_id and (role != "admin" or not active):
        raise ValidationError(gettext("You cannot remove your own admin role or deactivate yourself."))
    if password:
        validate_password(password)
        user.set_password(password)
    if password or not active:
        end_sessions(user.id)
    changes = {field: value for field, value in (("name", name), ("email", email), ("role", role), ("active", active))
               if getattr(user, field) != value}
    if password:
        changes["password"] = "(changed)"
    if can_publish is not None and bool(user.can_publish) != can_publish:
        changes["can_publish"] = can_publish
    user.name, user.email, user.role, user.active = name, email, role, active
    if can_publish is not None:
        user.can_publish = can_publish
    if changes:
        audit.record(acting_user_id, "teammate_changed", email, changes, commit=False)
    db.session.commit()
    return user


def get_user(user_id: int) -> User:
    """The teammate, or NotFound."""
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("That teammate does not exist."))
    return user


def all_users() -> list[User]:
    """Every teammate, active first."""
    return db.session.scalars(
        db.select(User).order_by(User.active.desc(), User.name)).all()


def ensure_admin(email: str | None, password: str | None) -> tuple[User, str | None]:
    """Create the first admin if there is no user; returns (admin, generated password)."""
    existing = db.session.scalar(db.select(User).where(User.role == "admin").limit(1))
    if existing:
        return existing, None
    generated = None
    if not password:
        password = generated = secrets.token_urlsafe(12)
    user = create_user(email or "admin@example.com", "Admin", password, role="admin")
    return user, generated


def _validate(email: str, name: str, role: str) -> None:
    if not EMAIL.match(email):
        raise ValidationError(gettext("Enter a valid email address."))
    if not name:
        raise ValidationError(gettext("Enter a name."))
    if role not in ROLES:
        raise ValidationError(gettext("Role must be admin, agent or read-only."))


def validate_password(password: str) -> None:
    """ValidationError unless password is long enough for a teammate's."""
    if len(password or "") < MIN_PASSWORD:
        raise ValidationError(gettext("Passwords need at least %(MIN_PASSWORD)s characters.", MIN_PASSWORD=MIN_PASSWORD))


def unique_handle(source: str) -> str:
    base = re.sub(r"[^a-z0-9]", "", source.split("@")[0].split()[0].lower()) or "teammate"
    handle, n = base, 1
    while db.session.scalar(db.select(User.id).where(User.handle == handle)):
        n += 1
        handle = f"{base}{n}"
    return handle


def set_locale(user_id: int, code: str | None) -> str | None:
    """Save the language a teammate chose for Halo's screens and mail; "" or None: automatic
    (the browser's). Only a supported locale (config HALO_LOCALES) is accepted."""
    code = (code or "").strip()
    if code and code not in current_app.config["HALO_LOCALES"]:
        raise ValidationError(gettext("Choose one of the languages listed."))
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(gettext("That teammate does not exist."))
    user.locale = code or None
    db.session.commit()
    return user.locale
