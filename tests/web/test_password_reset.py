"""Password reset by email through the real forms, with the mail sent over real SMTP to a
local sink: the same answer for any address, a link on HALO_BASE_URL that works once and
expires, every sign-in ended; and `flask halo reset-password EMAIL` on the server."""
import re
from datetime import timedelta

import pytest

from halo.extensions import db
from halo.models import AuditEvent, User
from halo.services.accounts import reset
from tests.conftest import TOKEN, Browser
from tests.email_support import sink, sync_queue  # noqa: F401
from tests.factories import make_user

LINK = re.compile(r"(https?://\S+/reset/(\S+))")


@pytest.fixture
def base(app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_BASE_URL", "https://help.example.com/")
    return "https://help.example.com"


def _ask(client, email, host="localhost"):
    """The form, asked on host (a request can carry any Host header)."""
    base = f"http://{host}"
    token = TOKEN.search(client.get("/reset", base_url=base).get_data(as_text=True)).group(1)
    return client.post("/reset", data={"email": email, "csrf_token": token}, base_url=base)


def _mails(server):
    return server.captured.messages()


def test_the_answer_is_the_same_for_any_address_and_only_a_teammate_gets_mail(
        client, agent, sink, sync_queue, base):  # noqa: F811
    answers = []
    for email in (agent.email, "nobody@example.com", make_user(active=False).email):
        response = _ask(client, email)
        page = client.get(response.location).get_data(as_text=True)
        answers.append((response.status_code, response.location,
                        re.search(r'class="flash[^"]*"[^>]*>([^<]+)<', page).group(1)))
    assert answers[0] == answers[1] == answers[2]
    assert answers[0][:2] == (303, "/login") and "If an account uses that address" in answers[0][2]
    assert sink.captured.wait_for(1)
    assert [m["To"] for m in _mails(sink)] == [agent.email]
    assert len(sink.captured.envelopes) == 1


def test_the_link_resets_once_and_ends_every_sign_in(client, app, agent, sink, sync_queue, base):  # noqa: F811
    signed_in = app.test_client()
    Browser(signed_in).login(agent.email)
    assert signed_in.get("/inbox/open").status_code == 200
    _ask(client, agent.email, host="evil.example")  # a forged Host changes nothing in the link
    assert sink.captured.wait_for(1)
    [mail] = _mails(sink)
    assert mail["Subject"] == "Reset your Halo password" and mail["Auto-Submitted"] == "auto-generated"
    url, token = LINK.search(mail.get_content()).groups()
    assert url.startswith("https://help.example.com/reset/")
    page = client.get(f"/reset/{token}")
    assert page.status_code == 200 and page.headers["Referrer-Policy"] == "no-referrer"
    form_token = TOKEN.search(page.get_data(as_text=True)).group(1)
    differ = client.post(f"/reset/{token}", data={"password": "new-password-1", "confirm": "other-password",
                                                  "csrf_token": form_token})
    assert differ.status_code == 400 and "differ" in differ.get_data(as_text=True)
    done = client.post(f"/reset/{token}", data={"password": "new-password-1", "confirm": "new-password-1",
                                                "csrf_token": form_token})
    assert done.status_code == 303 and done.location == "/login"
    assert signed_in.get("/inbox/open").status_code == 302  # the other sign-in ended
    again = client.post(f"/reset/{token}", data={"password": "new-password-2", "confirm": "new-password-2",
                                                 "csrf_token": form_token})
    assert again.status_code == 400 and "expired or was already used" in again.get_data(as_text=True)
    assert Browser(app.test_client()).login(agent.email, "new-password-1").status_code == 302
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-3:] == ["password_reset_requested", "password_reset", "sign_in"]


def test_a_link_expires(client, agent, frozen, app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_RESET_MAX_AGE", 900)
    token = reset.make_token(agent.id)
    frozen(frozen.start + timedelta(seconds=899))
    assert client.get(f"/reset/{token}").status_code == 200
    frozen(frozen.start + timedelta(seconds=901))
    response = client.get(f"/reset/{token}")
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


@pytest.mark.parametrize("token", ["x", "not.a.token", "eyJ1IjoxfQ.Zz.Zz", "%00", "a" * 500])
def test_a_forged_or_mangled_token_is_a_400(client, agent, token):
    assert client.get(f"/reset/{token}").status_code == 400


def test_a_token_for_another_secret_key_is_refused(client, agent, app):
    token = reset.make_token(agent.id)
    app.config["SECRET_KEY"] = "another-secret"
    assert client.get(f"/reset/{token}").status_code == 400


def test_reset_mails_are_throttled_per_account(client, agent, sync_queue, app, monkeypatch):  # noqa: F811
    sent = []
    monkeypatch.setattr(reset, "enqueue", lambda path, *args: sent.append(args))
    for _ in range(5):
        assert _ask(client, agent.email).status_code == 303
    assert len(sent) == 3  # three an hour
    lines = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "password_reset_requested").order_by(AuditEvent.id)).all()
    assert [bool(e.detail.get("throttled")) for e in lines] == [False] * 3 + [True]  # the block, noted once


def test_without_halo_base_url_links_use_the_served_address_not_the_host_header(app, agent):
    assert reset.base_url() == f"http://{app.config['HALO_HOST']}:{app.config['HALO_PORT']}"


def test_cli_reset_password_for_a_lost_admin_password(app, admin):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["halo", "reset-password", admin.email], input="brand-new-pass\nbrand-new-pass\n")
    assert result.exit_code == 0, result.output
    assert "Password changed for admin@example.com" in result.output
    db.session.expire_all()
    assert db.session.get(User, admin.id).check_password("brand-new-pass")
    line = db.session.scalars(db.select(AuditEvent).where(AuditEvent.action == "password_reset")).one()
    assert line.detail == {"via": "command line"} and line.address == "server (command line)"
    short = runner.invoke(args=["halo", "reset-password", admin.email, "--password", "short"])
    assert short.exit_code != 0 and "at least 8" in short.output
    unknown = runner.invoke(args=["halo", "reset-password", "ghost@example.com", "--password", "long-enough"])
    assert unknown.exit_code != 0 and "No teammate" in unknown.output
