"""IMAP passwords are sealed at rest; a changed SECRET_KEY gives a clear error, not a crash."""
from halo.extensions import db
from halo.models import Mailbox
from halo.services.email import imap as imap_poll
from halo.services.email import sealed
from halo.services.email import settings as email_settings


def test_seal_round_trips_and_hides_the_value(app):
    stored = sealed.seal("imap-sécret")
    assert stored.startswith("fernet:") and "imap" not in stored
    assert sealed.unseal(stored) == "imap-sécret" and sealed.seal("imap-sécret") != stored
    assert sealed.unseal("plain-from-before") == "plain-from-before"


def test_a_mailbox_password_is_stored_sealed(app):
    box = email_settings.add_mailbox("imap.example.test", "993", True, "support@acme.test",
                                     "app-password-123", "INBOX")
    stored = db.session.get(Mailbox, box.id).password
    assert "app-password-123" not in stored and sealed.unseal(stored) == "app-password-123"


def test_a_changed_secret_key_is_reported_on_the_mailbox(app, monkeypatch):
    monkeypatch.setitem(app.config, "HALO_OUTBOUND_ALLOW", "127.0.0.1")
    box = email_settings.add_mailbox("127.0.0.1", "1", False, "support@acme.test", "pw", "INBOX")
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
    assert imap_poll.poll_mailbox(box.id) == 0  # never reaches the network
    box = db.session.get(Mailbox, box.id)
    assert "SECRET_KEY has changed" in box.last_error and box.last_polled_at


def test_an_oauth_mailbox_under_a_changed_secret_key_is_reported_not_raised(app, monkeypatch):
    from halo.services.email import oauth as mailbox_oauth
    box = mailbox_oauth.add_oauth_mailbox("google", "help@acme.example", "cid", "client-secret")
    box.oauth.refresh_token = sealed.seal("rt-123")
    box.enabled = True
    db.session.commit()
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-secret")
    assert imap_poll.poll_now(box.id) == (0, db.session.get(Mailbox, box.id).last_error)
    assert "SECRET_KEY has changed" in db.session.get(Mailbox, box.id).last_error
