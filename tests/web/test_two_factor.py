"""Two-factor sign-in through the real forms: enrolment with a QR code, the code step after
the password, one use per code, recovery codes, the admin switch that requires it, an
admin's reset for a lost phone. (tests/browser/test_two_factor.py does it in Chromium.)"""
import re
from datetime import timedelta, timezone

import pyotp

from halo import clock
from halo.extensions import db
from halo.models import AuditEvent, User
from halo.services.accounts import twofactor
from halo.services.email.sealed import unseal
from tests.conftest import TOKEN, Browser
from tests.factories import make_user

SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7 ]+)</code>')
CODES = re.compile(r"<li><code>([0-9a-f]{5}-[0-9a-f]{5})</code></li>")


def code_at(secret: str, at) -> str:
    """What an authenticator app shows at at (halo.clock's naive UTC)."""
    return pyotp.TOTP(secret.replace(" ", "")).at(at.replace(tzinfo=timezone.utc))


def enrolled_user(role="agent", email=None):
    """A teammate with two-factor on (through the service); returns (user, secret)."""
    user = make_user(role=role, email=email)
    twofactor.begin_enrolment(user.id)
    secret = unseal(db.session.get(User, user.id).totp_secret)
    twofactor.confirm_enrolment(user.id, code_at(secret, clock.now() - timedelta(seconds=30)))
    return db.session.get(User, user.id), secret


def password_step(client, user, password="password123", next_=None):
    token = TOKEN.search(client.get("/login").get_data(as_text=True)).group(1)
    url = "/login" + (f"?next={next_}" if next_ else "")
    return client.post(url, data={"email": user.email, "password": password, "csrf_token": token})


def _second_step(client, code):
    token = TOKEN.search(client.get("/login/two-factor").get_data(as_text=True)).group(1)
    return client.post("/login/two-factor", data={"code": code, "csrf_token": token})


def _actions():
    db.session.expire_all()
    return [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]


def test_enrol_with_the_qr_code_then_sign_in_with_a_code(client, agent, frozen):
    browser = Browser(client)
    browser.login(agent.email)
    page = browser.get("/two-factor").get_data(as_text=True)
    assert '<svg' in page and 'class="totp-qr"' in page  # the QR code, drawn on the server
    secret = SECRET.search(page).group(1)
    assert browser.get("/two-factor").get_data(as_text=True).count(secret) == 1  # a reload shows the same key
    wrong = browser.post("/two-factor/confirm", {"code": "123456"})
    assert wrong.status_code == 303 and not db.session.get(User, agent.id).two_factor
    shown = browser.post("/two-factor/confirm", {"code": code_at(secret, frozen.start)})
    codes = CODES.findall(shown.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    assert db.session.get(User, agent.id).two_factor
    browser.post("/logout")

    first = password_step(client, agent, next_="/search")
    assert first.status_code == 302 and first.location == "/login/two-factor"
    assert client.get("/inbox/open").status_code == 302  # the password alone signs nobody in
    assert _second_step(client, "000000").status_code == 401
    frozen(frozen.start + timedelta(seconds=60))
    done = _second_step(client, code_at(secret, frozen.start + timedelta(seconds=60)))
    assert done.status_code == 302 and done.location == "/search"
    assert client.get("/inbox/open").status_code == 200
    assert _actions()[-3:] == ["sign_out", "two_factor_failed", "sign_in"]


def test_a_code_signs_in_once(client, frozen):
    user, secret = enrolled_user()
    frozen(frozen.start + timedelta(minutes=5))
    code = code_at(secret, frozen.start + timedelta(minutes=5))
    password_step(client, user)
    assert _second_step(client, code).status_code == 302
    other = Browser(client.application.test_client())
    password_step(other.client, user)
    assert _second_step(other.client, code).status_code == 401  # seen over a shoulder: spent


def test_the_code_step_times_out(client, frozen):
    user, secret = enrolled_user()
    password_step(client, user)
    frozen(frozen.start + timedelta(minutes=6))
    response = client.get("/login/two-factor")
    assert response.status_code == 302 and response.location == "/login"


def test_a_recovery_code_signs_in_once(client, frozen):
    user = make_user()
    twofactor.begin_enrolment(user.id)
    secret = unseal(db.session.get(User, user.id).totp_secret)
    codes = twofactor.confirm_enrolment(user.id, code_at(secret, frozen.start))
    password_step(client, user)
    response = _second_step(client, codes[3].upper())  # typed in capitals: still the code
    assert response.status_code == 302
    assert "9 left" in client.get("/inbox/open").get_data(as_text=True)
    assert twofactor.recovery_codes_left(user.id) == 9
    other = client.application.test_client()
    password_step(other, user)
    assert _second_step(other, codes[3]).status_code == 401
    assert "recovery_code_used" in _actions()


def test_turning_it_off_needs_a_current_code(client, frozen):
    user, secret = enrolled_user()
    password_step(client, user)
    _second_step(client, code_at(secret, frozen.start))
    browser = Browser(client)
    browser.token = browser._token()
    browser.post("/two-factor/disable", {"code": "111111"})
    assert db.session.get(User, user.id).two_factor
    frozen(frozen.start + timedelta(seconds=30))
    browser.post("/two-factor/disable", {"code": code_at(secret, frozen.start + timedelta(seconds=30))})
    assert not db.session.get(User, user.id).two_factor
    assert "two_factor_disabled" in _actions()


def test_the_admin_switch_sends_teammates_to_enrol_first(client, app, frozen):
    admin = make_user(role="admin", email="boss@example.com")
    agent = make_user(email="agent@example.com")
    boss = Browser(client)
    boss.login(admin.email)
    boss.post("/settings/security", {"require_two_factor": "on"})
    assert not twofactor.required()  # not before the admin has it on themselves
    twofactor.begin_enrolment(admin.id)
    secret = unseal(db.session.get(User, admin.id).totp_secret)
    twofactor.confirm_enrolment(admin.id, code_at(secret, frozen.start))
    boss.post("/settings/security", {"require_two_factor": "on"})
    assert twofactor.required()

    other = app.test_client()
    response = password_step(other, agent)
    assert response.status_code == 302 and response.location == "/two-factor"
    blocked = other.get("/inbox/open")
    assert blocked.status_code == 302 and blocked.location == "/two-factor"
    hx = other.get("/inbox/open", headers={"HX-Request": "true"})
    assert hx.status_code == 403 and hx.headers["HX-Redirect"] == "/two-factor"
    page = other.get("/two-factor").get_data(as_text=True)
    assert "requires two-factor" in page
    token = TOKEN.search(page).group(1)
    secret = SECRET.search(page).group(1)
    other.post("/two-factor/confirm", data={"code": code_at(secret, frozen.start), "csrf_token": token})
    assert other.get("/inbox/open").status_code == 200
    # Required: the teammate cannot turn it off.
    frozen(frozen.start + timedelta(seconds=30))
    other.post("/two-factor/disable", data={"code": code_at(secret, frozen.start + timedelta(seconds=30)),
                                            "csrf_token": token})
    assert db.session.get(User, agent.id).two_factor


def test_an_admin_resets_a_teammates_two_factor_and_their_sessions_end(client, app, frozen):
    user, secret = enrolled_user(email="lost@example.com")
    theirs = app.test_client()
    password_step(theirs, user)
    _second_step(theirs, code_at(secret, frozen.start))
    assert theirs.get("/inbox/open").status_code == 200
    admin = make_user(role="admin", email="boss@example.com")
    boss = Browser(client)
    boss.login(admin.email)
    assert "Reset (lost phone" in boss.get(f"/settings/team/{user.id}").get_data(as_text=True)
    boss.post(f"/settings/team/{user.id}/two-factor/reset")
    assert not db.session.get(User, user.id).two_factor
    assert theirs.get("/inbox/open").status_code == 302
    line = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "two_factor_reset")).one()
    assert (line.actor_email, line.target) == ("boss@example.com", "lost@example.com")


def test_an_agent_cannot_reach_the_security_settings_or_reset_others(as_agent, admin):
    assert as_agent.get("/settings/security").status_code == 403
    assert as_agent.post("/settings/security", {"require_two_factor": "on"}).status_code == 403
    assert as_agent.post(f"/settings/team/{admin.id}/two-factor/reset").status_code == 403
    assert not twofactor.required()
