"""IMAP polling against a real dovecot started by the test (skipped only if it is not installed)."""
import pytest

from halo.extensions import db
from halo.models import InboundEmail, Mailbox, Message
from halo.services.email import imap as imap_poll
from halo.services.email import settings as email_settings
from halo.services.errors import ValidationError
from tests.dovecot_support import DOVECOT, SKIP_REASON, append, start_dovecot
from tests.email_support import attachment_dir, free_port, make_raw, sync_queue  # noqa: F401

pytestmark = pytest.mark.skipif(DOVECOT is None, reason=SKIP_REASON)


@pytest.fixture
def dovecot(app):
    with start_dovecot() as port:
        # The test server is on loopback, which netguard refuses unless the admin allows it.
        app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.1"
        yield port


def test_polls_unseen_only_remembers_uids_and_survives_a_dropped_connection(dovecot, sync_queue, attachment_dir):
    append(dovecot, make_raw(message_id="<old@customer.test>", subject="Already read"), seen=True)
    append(dovecot, make_raw(message_id="<a@customer.test>", subject="First"))
    append(dovecot, make_raw(message_id="<b@customer.test>", subject="Second"))
    box = email_settings.add_mailbox("127.0.0.1", str(dovecot), False, "support@acme.test", "imap-secret", "INBOX")
    assert imap_poll.poll_mailbox(box.id) == 2
    box = db.session.get(Mailbox, box.id)
    assert box.last_error is None and box.uidvalidity and box.last_uid == 3
    ids = {m.email_message_id for m in db.session.scalars(db.select(Message).where(Message.kind == "customer"))}
    assert ids == {"a@customer.test", "b@customer.test"}
    assert imap_poll.poll_mailbox(box.id) == 0  # nothing new: nothing fetched twice

    # The server goes away mid-life: the poll records the error and loses nothing.
    box.port = free_port()
    db.session.commit()
    assert imap_poll.poll_mailbox(box.id) == 0
    assert db.session.get(Mailbox, box.id).last_error
    box = db.session.get(Mailbox, box.id)
    box.port = dovecot
    db.session.commit()
    append(dovecot, make_raw(message_id="<c@customer.test>", subject="Third"))
    assert imap_poll.poll_mailbox(box.id) == 1
    assert db.session.get(Mailbox, box.id).last_error is None
    assert db.session.scalar(db.select(db.func.count(InboundEmail.id))) == 3
    assert {i.source for i in db.session.scalars(db.select(InboundEmail))} == {"imap"}


def test_a_password_saved_before_sealing_still_logs_in_and_is_sealed(dovecot, sync_queue, attachment_dir):
    append(dovecot, make_raw(message_id="<legacy@customer.test>", subject="Legacy"))
    box = Mailbox(host="127.0.0.1", port=dovecot, use_ssl=False, username="support@acme.test",
                  password="imap-secret", folder="INBOX")  # as an older Halo stored it
    db.session.add(box)
    db.session.commit()
    assert imap_poll.poll_mailbox(box.id) == 1
    box = db.session.get(Mailbox, box.id)
    assert box.last_error is None and box.password.startswith("fernet:")
    assert "imap-secret" not in box.password


def test_wrong_password_is_shown_not_raised(dovecot, sync_queue, attachment_dir):
    box = email_settings.add_mailbox("127.0.0.1", str(dovecot), False, "support@acme.test", "wrong", "INBOX")
    assert imap_poll.poll_mailbox(box.id) == 0
    assert "AUTHENTICATIONFAILED" in db.session.get(Mailbox, box.id).last_error


def test_loopback_is_refused_unless_allowed_and_the_error_is_shown(dovecot, app, as_admin,
                                                                    sync_queue, attachment_dir):
    append(dovecot, make_raw(message_id="<guarded@customer.test>", subject="Guarded"))
    app.config["HALO_OUTBOUND_ALLOW"] = ""
    with pytest.raises(ValidationError, match="loopback"):
        email_settings.add_mailbox("localhost", str(dovecot), False, "support@acme.test", "imap-secret", "INBOX")
    # One saved before the guard existed (or while the host resolved elsewhere) is refused at poll time.
    box = Mailbox(host="127.0.0.1", port=dovecot, use_ssl=False, username="support@acme.test",
                  password="imap-secret", folder="INBOX")
    db.session.add(box)
    db.session.commit()
    page = as_admin.post(f"/settings/emails/inbound/{box.id}/poll", follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "The poll failed: Halo does not connect to 127.0.0.1: it is a loopback address" in html
    assert "Polled:" not in html
    result = app.test_cli_runner().invoke(args=["halo", "poll-imap"])
    assert result.exit_code == 1 and f"mailbox {box.id}: failed:" in result.output
    assert db.session.scalar(db.select(db.func.count(InboundEmail.id))) == 0

    app.config["HALO_OUTBOUND_ALLOW"] = "127.0.0.0/8"
    page = as_admin.post(f"/settings/emails/inbound/{box.id}/poll", follow_redirects=True)
    assert "Polled: 1 new message(s)." in page.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["halo", "poll-imap"])
    assert result.exit_code == 0 and f"mailbox {box.id}: 0 new" in result.output
    assert as_admin.post("/settings/emails/inbound/99999/poll").status_code == 404
