"""Two-factor sign-in: TOTP (RFC 6238, pyotp) codes from an authenticator app, and ten
one-time recovery codes for a lost phone. An admin may require it of every teammate
(the setting "require_two_factor"); an admin may also reset a teammate's, who then
enrols again.

The secret is sealed at rest (services/email/sealed.py: Fernet under a key derived from
SECRET_KEY). A code is accepted once: the step it was made for is remembered, so a code
seen over a shoulder cannot sign in a second time within its 30 seconds.
"""
import hashlib
import secrets
from datetime import datetime, timezone

import pyotp
from flask_babel import gettext
from markupsafe import Markup
from sqlalchemy import delete, select

from halo import clock
from halo.extensions import db
from halo.models import RecoveryCode, User
from halo.services import audit
from halo.services.accounts.users import end_sessions, get_user
from halo.services.email.sealed import seal, unseal
from halo.services.errors import ValidationError
from halo.services.settings import get_setting, set_setting

ISSUER = "Halo"
RECOVERY_CODES = 10
# Accept the code of the step before or after the current one: phones drift, people type slowly.
DRIFT_STEPS = 1


def required() -> bool:
    """Whether the workspace requires two-factor sign-in of every teammate."""
    return bool(get_setting("require_two_factor"))


def set_required(value: bool, actor_id: int) -> None:
    """The admin switch; an admin turning it on must have two-factor on themselves first,
    so nobody is locked into an enrolment page they did not choose."""
    actor = get_user(actor_id)
    if value and not actor.two_factor:
        raise ValidationError(gettext("Turn on two-factor sign-in for your own account first."))
    if bool(value) != required():
        set_setting("require_two_factor", bool(value))
        audit.record(actor_id, "settings_changed", "require_two_factor", {"require_two_factor": bool(value)})


def needs_enrolment(user: User) -> bool:
    """The workspace requires two-factor and this teammate has not set it up yet."""
    return not user.two_factor and required()


def begin_enrolment(user_id: int) -> str:
    """The secret for the teammate to scan, made once and kept until confirmed (a reload
    of the page shows the same code). Returns the otpauth:// URI."""
    user = get_user(user_id)
    if user.two_factor:
        raise ValidationError(gettext("Two-factor sign-in is already on. Turn it off first to move it to another app."))
    if not user.totp_secret:
        user.totp_secret = seal(pyotp.random_base32())
        db.session.commit()
    return provisioning_uri(user)


def provisioning_uri(user: User) -> str:
    """otpauth://totp/Halo:email?secret=...&issuer=Halo, what the QR code carries."""
    return pyotp.TOTP(unseal(user.totp_secret)).provisioning_uri(name=user.email, issuer_name=ISSUER)


def secret_text(user: User) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    secret = unseal(user.totp_secret)
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def qr_svg(uri: str) -> Markup:
    """The URI as an inline SVG QR code, rendered here (segno): nothing leaves the server."""
    import segno  # only the two-factor set-up page draws a QR code

    return Markup(segno.make(uri, error="m").svg_inline(scale=5, light="#fff", border=2,
                                                         svgclass="totp-qr", title="QR code"))


def confirm_enrolment(user_id: int, code: str, now: datetime | None = None) -> list[str]:
    """Turn two-factor on once the app's first code matches; returns the recovery codes,
    shown this once."""
    user = get_user(user_id)
    if user.two_factor or not user.totp_secret:
        raise ValidationError(gettext("Start again: scan the code shown on this page."))
    if not _accept_code(user, code, now or clock.now()):
        raise ValidationError(gettext("That code does not match. Check the time on your phone and try the newest code."))
    user.totp_enabled_at = now or clock.now()
    codes = _new_recovery_codes(user.id)
    audit.record(user.id, "two_factor_enabled", user.email, commit=False)
    db.session.commit()
    return codes


def verify(user_id: int, code: str, now: datetime | None = None) -> str | None:
    """The second step of a sign-in: "totp" or "recovery" for which kind matched, else
    None. A recovery code is spent by matching."""
    user = get_user(user_id)
    if not user.two_factor:
        return None
    now = now or clock.now()
    if _accept_code(user, code, now):
        db.session.commit()
        return "totp"
    if _spend_recovery_code(user.id, code, now):
        audit.record(user.id, "recovery_code_used", user.email, {"left": recovery_codes_left(user.id)}, commit=False)
        db.session.commit()
        return "recovery"
    return None


def disable(user_id: int, actor_id: int, force: bool = False) -> None:
    """Turn two-factor off (the teammate, or an admin for a teammate who lost the phone;
    force: the server's command line, even where it is required); the teammate's other
    sign-ins end when someone else asked, since that may not be them."""
    user = get_user(user_id)
    if user_id == actor_id and required() and not force:
        raise ValidationError(gettext("Two-factor sign-in is required in this workspace; it cannot be turned off."))
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = None, None, None
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    if user_id != actor_id:
        end_sessions(user.id)
    audit.record(actor_id, "two_factor_disabled" if user_id == actor_id else "two_factor_reset",
                 user.email, commit=False)
    db.session.commit()


def renew_recovery_codes(user_id: int) -> list[str]:
    """Ten new recovery codes; the old ones stop working."""
    user = get_user(user_id)
    if not user.two_factor:
        raise ValidationError(gettext("Turn on two-factor sign-in first."))
    codes = _new_recovery_codes(user.id)
    audit.record(user.id, "recovery_codes_renewed", user.email, commit=False)
    db.session.commit()
    return codes


def recovery_codes_left(user_id: int) -> int:
    """How many unused recovery codes the teammate has."""
    return len(db.session.scalars(select(RecoveryCode.id).where(
        RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))).all())


def _accept_code(user: User, code: str, now: datetime) -> bool:
    """The code matches a step near now that was not used before; remembers the step."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6 or not user.totp_secret:
        return False
    totp = pyotp.TOTP(unseal(user.totp_secret))
    step = totp.timecode(now.replace(tzinfo=timezone.utc))  # halo.clock is naive UTC; pyotp reads naive as local
    for candidate in range(step - DRIFT_STEPS, step + DRIFT_STEPS + 1):
        if candidate <= (user.totp_last_step or -1):
            continue
        if secrets.compare_digest(totp.generate_otp(candidate), code):
            user.totp_last_step = candidate
            return True
    return False


def _normal(code: str) -> str:
    return "".join(ch for ch in (code or "").lower() if ch.isalnum())


def _digest(code: str) -> str:
    return hashlib.sha256(_normal(code).encode()).hexdigest()


def _new_recovery_codes(user_id: int) -> list[str]:
    db.session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user_id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each; ten of them, each usable once, behind the throttle
        code = f"{raw[:5]}-{raw[5:]}"
        codes.append(code)
        db.session.add(RecoveryCode(user_id=user_id, code_hash=_digest(code)))
    return codes


def _spend_recovery_code(user_id: int, code: str, now: datetime) -> bool:
    if len(_normal(code)) != 10:
        return False
    row = db.session.scalar(select(RecoveryCode).where(
        RecoveryCode.user_id == user_id, RecoveryCode.code_hash == _digest(code),
        RecoveryCode.used_at.is_(None)))
    if row is None:
        return False
    row.used_at = now
    return True
