"""XOAUTH2 mailboxes end to end: an admin signs in once through a local authorization server
(PKCE, state), Halo keeps and refreshes the token, and a real dovecot, configured with its
oauth2 passdb, checks every login against that server's introspection endpoint."""
import html
import re
from datetime import timedelta
from urllib.parse import urlsplit

import pytest

from halo import clock
from halo.extensions import db
from halo.models import InboundEmail, Mailbox, MailboxOAuth
from halo.services.email import imap as imap_poll
from halo.services.email import oauth as mailbox_oauth
from halo.services.errors import ValidationError
from tests.dovecot_support import DOVECOT, SKIP_REASON, append, start_dovecot
from tests.email_support import attachment_dir, make_raw, sync_queue  # noqa: F401
from tests.factories import make_user
from tests.oauth_server import OAuthServer

pytestmark = pytest.mark.skipif(DOVECOT is None, reason=SKIP_REASON)

OAUTH2_PASSDB = """
passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {d}/dovecot-oauth2.conf.ext
}}
"""
OAUTH2_CONF = """introspection_mode = post
introspection_url = {introspect}
username_attribute = username
active_attribute = active
active_value = true
"""
LINK = re.compile(r'id="oauth-sign-in" href="([^"]+)"')


@pytest.fixture
def oauth_server():
    server = OAuthServer().start()
    yield server
    server.stop()


@pytest.fixture
def dovecot_oauth(app, oauth_server, monkeypatch):
    conf = OAUTH2_CONF.format(introspect=oauth_server.base + "/introspect").replace("{", "{{").replace("}", "}}")
    with start_dovecot(extra=OAUTH2_PASSDB, mechanisms=" xoauth2 oauthbearer",
                       files={"dovecot-oauth2.conf.ext": conf}) as port:
        # Both servers are on loopback: allowed as an admin would allow an internal host.
        app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.1"
        # The test provider speaks plain http; oauthlib asks for https unless told otherwise.
        monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
        yield port


def _form(oauth_server, port, **over):
    data = {"provider": "custom", "username": "support@acme.test", "client_id": "halo-app",
            "client_secret": "app-secret", "host": "127.0.0.1", "port": str(port), "folder": "INBOX",
            "authorize_url": oauth_server.base + "/authorize", "token_url": oauth_server.base + "/token",
            "scope": "imap offline_access"}
    data.update(over)
    return data


def _sign_in(as_admin, oauth_server, port):
    page = as_admin.post("/settings/emails/inbound/oauth", data=_form(oauth_server, port))
    assert page.status_code == 200, page.get_data(as_text=True)
    url = html.unescape(LINK.search(page.get_data(as_text=True)).group(1))
    back = urlsplit(oauth_server.authorize(url))  # the admin signs in at the provider
    return as_admin.get(f"{back.path}?{back.query}", follow_redirects=True), back


def test_sign_in_once_poll_refresh_and_a_revoked_grant(dovecot_oauth, oauth_server, as_admin, app,
                                                       frozen, sync_queue, attachment_dir):
    append(dovecot_oauth, make_raw(message_id="<o1@customer.test>", subject="By OAuth"))
    done, back = _sign_in(as_admin, oauth_server, dovecot_oauth)
    assert "Signed in to support@acme.test" in done.get_data(as_text=True)
    asked = oauth_server.authorize_requests[0]
    assert asked["login_hint"] == "support@acme.test" and asked["scope"] == "imap offline_access"
    assert asked["redirect_uri"].endswith("/settings/emails/oauth/callback")
    box = db.session.scalar(db.select(Mailbox))
    auth = db.session.scalar(db.select(MailboxOAuth))
    assert box.enabled and box.password == ""
    for sealed_value in (auth.client_secret, auth.refresh_token, auth.access_token):
        assert sealed_value.startswith("fernet:")
    assert "app-secret" not in auth.client_secret and "rt-" not in auth.refresh_token
    assert auth.state_hash is None and auth.code_verifier is None  # the sign-in is used up

    # The same callback again (a replayed or leaked URL) does nothing.
    again = as_admin.get(f"{back.path}?{back.query}", follow_redirects=True)
    assert "unknown or was already used" in again.get_data(as_text=True)

    assert imap_poll.poll_mailbox(box.id) == 1
    assert db.session.get(Mailbox, box.id).last_error is None
    first_token = oauth_server.introspections[-1]
    assert first_token.startswith("at-") and len(oauth_server.token_requests) == 1

    # An hour later the token has expired: Halo refreshes it before logging in.
    frozen(clock.now() + timedelta(hours=1))
    append(dovecot_oauth, make_raw(message_id="<o2@customer.test>", subject="After refresh"))
    assert imap_poll.poll_mailbox(box.id) == 1
    assert [r["grant_type"] for r in oauth_server.token_requests] == ["authorization_code", "refresh_token"]
    assert oauth_server.introspections[-1] != first_token
    assert db.session.get(Mailbox, box.id).last_error is None

    # The tenant admin revokes the app: the mailbox says to sign in again, nothing is lost.
    oauth_server.revoke_all()
    append(dovecot_oauth, make_raw(message_id="<o3@customer.test>", subject="While revoked"))
    stored, error = imap_poll.poll_now(box.id)
    assert stored == 0 and error.startswith("Sign in again: the provider refused the token (invalid_grant")
    page = as_admin.get("/settings/emails/inbound").get_data(as_text=True)
    assert "Sign in again" in page and f"/settings/emails/inbound/{box.id}/signin" in page
    result = app.test_cli_runner().invoke(args=["halo", "poll-imap"])
    assert result.exit_code == 1 and "Sign in again" in result.output

    # Signing in again from the mailbox's row picks up where it left off.
    page = as_admin.post(f"/settings/emails/inbound/{box.id}/signin")
    url = html.unescape(LINK.search(page.get_data(as_text=True)).group(1))
    back = urlsplit(oauth_server.authorize(url))
    as_admin.get(f"{back.path}?{back.query}")
    assert imap_poll.poll_now(box.id) == (1, None)
    assert db.session.scalar(db.select(db.func.count(InboundEmail.id))) == 3


def test_a_token_dovecot_no_longer_accepts_is_refreshed_once(dovecot_oauth, oauth_server, as_admin,
                                                             sync_queue, attachment_dir):
    _sign_in(as_admin, oauth_server, dovecot_oauth)
    box = db.session.scalar(db.select(Mailbox))
    with oauth_server.lock:
        oauth_server.access.clear()  # revoked early; Halo still thinks it is good for an hour
    append(dovecot_oauth, make_raw(message_id="<early@customer.test>"))
    assert imap_poll.poll_now(box.id) == (1, None)
    assert [r["grant_type"] for r in oauth_server.token_requests] == ["authorization_code", "refresh_token"]


def test_a_wrong_client_secret_is_a_clear_error(dovecot_oauth, oauth_server, as_admin):
    page = as_admin.post("/settings/emails/inbound/oauth",
                         data=_form(oauth_server, dovecot_oauth, client_secret="not-it"))
    url = html.unescape(LINK.search(page.get_data(as_text=True)).group(1))
    back = urlsplit(oauth_server.authorize(url))
    text = as_admin.get(f"{back.path}?{back.query}", follow_redirects=True).get_data(as_text=True)
    assert "invalid_client" in text and "bad client credentials" in text
    assert not db.session.scalar(db.select(Mailbox)).enabled


def test_sign_in_checks_state_user_age_and_provider_errors(app, oauth_server, admin, frozen, monkeypatch):
    """The callback's guards, through the service (the HTTP path is tested above)."""
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.1"
    other = make_user(email="other-admin@example.com", role="admin")
    box = mailbox_oauth.add_oauth_mailbox(**{k: v for k, v in _form(oauth_server, 993).items()})
    callback = "http://halo.test/settings/emails/oauth/callback"

    def started():
        url = mailbox_oauth.start_sign_in(box.id, admin.id, callback)
        query = dict(p.split("=", 1) for p in urlsplit(oauth_server.authorize(url)).query.split("&"))
        return query["state"], query["code"]

    with pytest.raises(ValidationError, match="unknown or was already used"):
        mailbox_oauth.finish_sign_in("forged-state", "code", admin.id)
    state, code = started()
    with pytest.raises(ValidationError, match="started by another teammate"):
        mailbox_oauth.finish_sign_in(state, code, other.id)
    with pytest.raises(ValidationError, match="already used"):  # one use, even a refused one
        mailbox_oauth.finish_sign_in(state, code, admin.id)
    state, code = started()
    frozen(clock.now() + timedelta(minutes=16))
    with pytest.raises(ValidationError, match="took too long"):
        mailbox_oauth.finish_sign_in(state, code, admin.id)
    state, _ = started()
    with pytest.raises(ValidationError, match="did not sign you in: The user declined"):
        mailbox_oauth.finish_sign_in(state, "", admin.id, error="access_denied",
                                     error_description="The user declined")
    assert oauth_server.token_requests == []  # none of those reached the token endpoint
    assert not db.session.get(Mailbox, box.id).enabled


def test_presets_and_bad_input(app, oauth_server):
    box = mailbox_oauth.add_oauth_mailbox("microsoft", "help@contoso.com", "cid", "secret", tenant="contoso.com")
    auth = box.oauth
    assert (box.host, box.port, box.use_ssl, box.enabled) == ("outlook.office365.com", 993, True, False)
    assert auth.authorize_url == "https://login.microsoftonline.com/contoso.com/oauth2/v2.0/authorize"
    assert auth.scope == "https://outlook.office.com/IMAP.AccessAsUser.All offline_access"
    url = mailbox_oauth.start_sign_in(box.id, None, "https://halo.example/settings/emails/oauth/callback")
    assert "code_challenge_method=S256" in url and "login_hint=help%40contoso.com" in url
    google = mailbox_oauth.add_oauth_mailbox("google", "help@acme.example", "cid", "secret")
    url = mailbox_oauth.start_sign_in(google.id, None, "https://halo.example/cb")
    assert url.startswith("https://accounts.google.com/o/oauth2/v2/auth?")
    assert "access_type=offline" in url and "prompt=consent" in url and "scope=https%3A%2F%2Fmail.google.com%2F" in url
    with pytest.raises(ValidationError, match="required"):
        mailbox_oauth.add_oauth_mailbox("google", "help@acme.example", "", "secret")
    with pytest.raises(ValidationError, match="tenant"):
        mailbox_oauth.add_oauth_mailbox("microsoft", "a@b.c", "cid", "s", tenant="../evil")
    with pytest.raises(ValidationError, match="Choose"):
        mailbox_oauth.add_oauth_mailbox("yahoo", "a@b.c", "cid", "s")
    with pytest.raises(ValidationError, match="must use https"):  # tokens never over plain http
        mailbox_oauth.add_oauth_mailbox(**_form(oauth_server, 993))
    app.config["HALO_OUTBOUND_ALLOW"] = ""
    with pytest.raises(ValidationError, match="loopback"):  # the token URL goes through netguard
        mailbox_oauth.add_oauth_mailbox(**{**_form(oauth_server, 993), "host": "imap.example.com",
                                           "token_url": "https://127.0.0.1:9/token",
                                           "authorize_url": "https://login.example.com/authorize"})
