"""A real round trip, no fakes inside Halo: smtplib -> Halo's SMTP receiver -> ticket ->
agent email reply -> aiosmtpd as the customer's mail host -> the customer answers the
captured Reply-To -> same ticket, reopened."""
import smtplib
import time

import pytest

from halo.extensions import db
from halo.models import InboundEmail, Message, Ticket
from halo.services.tickets import replies, status
from halo.smtp_receiver import make_controller
from tests.email_support import attachment_dir, free_port, make_raw, sink, sync_queue  # noqa: F401
from tests.factories import make_user


@pytest.fixture
def receiver(app):
    controller = make_controller(app, "127.0.0.1", free_port())
    controller.start()
    yield controller
    controller.stop()


def wait_for_row(predicate, timeout=10):
    """Poll the database for a real server's effect, up to a deadline (not a timed assertion)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        row = predicate()
        if row is not None:
            return row
        time.sleep(0.02)
    return None


def send(receiver, raw, rcpt):
    with smtplib.SMTP(receiver.hostname, receiver.port) as smtp:
        return smtp.sendmail("carla@customer.test", [rcpt], raw)


def test_round_trip(sync_queue, sink, attachment_dir, receiver):
    send(receiver, make_raw(), "support@acme.test")
    ticket = wait_for_row(lambda: db.session.scalar(db.select(Ticket)))
    assert ticket is not None and ticket.subject == "Order 1234 is late"

    agent = make_user(name="Sara Lind")
    reply = replies.post_reply(ticket.id, agent.id, "It ships today.", "email")
    assert sink.captured.wait_for(1)
    [mail] = sink.captured.messages()
    assert mail["In-Reply-To"] == "<m1@customer.test>" and mail["References"] == "<m1@customer.test>"
    assert mail["Subject"] == "Re: Order 1234 is late"
    assert mail["Message-ID"].endswith("@halo.localhost>")
    assert sink.captured.envelopes[0][1] == ["carla@customer.test"]
    reply_to = mail["Reply-To"]
    assert reply_to.startswith(f"t{ticket.id}.")
    status.change_status(ticket.id, "resolved", agent.id)

    # The customer's client answers to Reply-To, with its own threading headers.
    answer = make_raw(to=reply_to, subject=f"Re: {mail['Subject']}", message_id="<m2@customer.test>",
                      in_reply_to=mail["Message-ID"], references=f"<m1@customer.test> {mail['Message-ID']}",
                      body="Thanks!\n\n> It ships today.")
    send(receiver, answer, reply_to)
    answer_row = wait_for_row(lambda: db.session.scalar(
        db.select(Message).where(Message.email_message_id == "m2@customer.test")))
    assert answer_row.ticket_id == ticket.id and answer_row.thread_reason == "reply_token"
    assert answer_row.body_text == "Thanks!"
    assert db.session.get(Ticket, ticket.id).status == "open"
    assert db.session.get(Message, reply.id).delivery == "sent"


def test_same_email_by_smtp_and_webhook_is_one_message(app, sync_queue, attachment_dir, receiver, client):
    raw = make_raw(message_id="<twice@customer.test>")
    send(receiver, raw, "support@acme.test")
    send(receiver, raw, "support@acme.test")
    app.config["HALO_INBOUND_TOKEN"] = "s3cret"
    try:
        response = client.post("/inbound/email", data=raw, headers={"Authorization": "Bearer s3cret"})
    finally:
        app.config["HALO_INBOUND_TOKEN"] = ""
    assert response.status_code == 200 and response.json["duplicate"] is True
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(InboundEmail.id))) == 1
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "customer")) == 1


def test_oversized_message_is_refused_at_the_door(app, sync_queue, attachment_dir, receiver):
    app.config["HALO_MAX_EMAIL_BYTES"] = 2000
    try:
        with pytest.raises(smtplib.SMTPDataError) as err:
            send(receiver, make_raw() + b"padding line\r\n" * 300, "support@acme.test")
    finally:
        app.config["HALO_MAX_EMAIL_BYTES"] = 30 * 1024 * 1024
    assert err.value.smtp_code == 552
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(InboundEmail.id))) == 0
