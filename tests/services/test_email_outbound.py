"""Outbound email: threading headers, retries with backoff, never sent twice."""
import socket
import threading
from datetime import timedelta

import pytest
from flask_mail import Message as MailMessage
from sqlalchemy import event

from halo import clock
from halo.extensions import db
from halo.models import Message, OutboundEmail, Ticket
from halo.services.email import ingest as email_ingest
from halo.services.email import outbound as email_outbound
from halo.services.email.threads import reply_address, ticket_from_token
from halo.services.settings import set_setting
from halo.services.tickets import replies
from tests.email_support import attachment_dir, make_raw, sink, sync_queue  # noqa: F401
from tests.factories import make_user


def inbound_ticket():
    row, _ = email_ingest.receive_email(make_raw(subject="Re: Fwd: Order 1234 is late"), "smtp")
    return db.session.get(type(row), row.id).ticket_id


def outbound(message_id):
    return db.session.scalar(db.select(OutboundEmail).where(OutboundEmail.message_id == message_id))


def test_reply_carries_every_threading_header(sync_queue, sink, attachment_dir):
    set_setting("email_signature", "Acme Support\nhttps://acme.test")
    agent = make_user(name="Sara Lind")
    ticket_id = inbound_ticket()
    message = replies.post_reply(ticket_id, agent.id, "Your parcel ships today.", "email")
    assert sink.captured.wait_for(1)
    [mail] = sink.captured.messages()
    out = outbound(message.id)
    assert message.delivery == "sent" and out.state == "sent" and out.attempts == 1
    assert mail["Message-ID"] == f"<{out.rfc_message_id}>" and out.rfc_message_id.endswith("@halo.localhost")
    assert mail["In-Reply-To"] == "<m1@customer.test>"
    assert mail["References"] == "<m1@customer.test>"
    assert mail["Subject"] == "Re: Order 1234 is late"
    assert mail["Reply-To"] == reply_address(ticket_id)
    assert ticket_from_token([mail["Reply-To"]]) == ticket_id
    assert mail["To"].addresses[0].addr_spec == "carla@customer.test"
    assert mail["X-Halo-Loop"] == "halo.localhost"
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = mail.get_body(("html",)).get_content()
    assert "Your parcel ships today." in text and "-- \nAcme Support" in text
    assert "Acme Support" in html


def test_references_are_bounded_keeping_the_first(sync_queue, sink, attachment_dir):
    agent = make_user()
    ticket_id = inbound_ticket()
    for n in range(2, 15):
        email_ingest.receive_email(make_raw(message_id=f"<m{n}@customer.test>",
                                            in_reply_to=f"<m{n - 1}@customer.test>"), "smtp")
    message = replies.post_reply(ticket_id, agent.id, "Hello", "email")
    refs = outbound(message.id).references.split()
    assert len(refs) == 10 and refs[0] == "m1@customer.test" and refs[-1] == "m14@customer.test"
    assert outbound(message.id).in_reply_to == "m14@customer.test"


def test_no_header_injection_through_subject_or_names(sync_queue, sink, attachment_dir):
    agent = make_user(name="Eve\r\nBcc: victim@x.test")
    ticket_id = inbound_ticket()
    from halo.models import Ticket
    db.session.get(Ticket, ticket_id).subject = "Hello\r\nBcc: victim@x.test"
    db.session.commit()
    set_setting("email_reply_from", "teammate")
    replies.post_reply(ticket_id, agent.id, "Hi", "email")
    assert sink.captured.wait_for(1)
    mail_from, rcpts, raw = sink.captured.envelopes[0]
    assert rcpts == ["carla@customer.test"]
    [mail] = sink.captured.messages()
    assert mail["Bcc"] is None and "\n" not in mail["Subject"]


def test_host_down_then_back_sends_once(sync_queue, sink, attachment_dir, frozen):
    agent = make_user()
    ticket_id = inbound_ticket()
    sink.down()
    message = replies.post_reply(ticket_id, agent.id, "Are you there?", "email")
    out = outbound(message.id)
    assert out.state == "queued" and out.attempts == 1 and "reach" in out.last_error
    assert db.session.get(Message, message.id).delivery == "queued"
    assert email_outbound.deliver(message.id) == "queued"  # not due yet: nothing happens
    assert outbound(message.id).attempts == 1
    frozen(frozen.start + timedelta(seconds=10))
    email_outbound.send_due()  # still down: second attempt, longer backoff
    assert outbound(message.id).attempts == 2 and outbound(message.id).next_attempt_at == clock.now() + timedelta(seconds=60)
    sink.up()
    frozen(frozen.start + timedelta(seconds=70))
    assert email_outbound.send_due()["sent"] == 1
    email_outbound.send_due()
    email_outbound.deliver(message.id)
    assert sink.captured.wait_for(1) and len(sink.captured.envelopes) == 1
    assert db.session.get(Message, message.id).delivery == "sent"


def test_gives_up_after_last_attempt_and_retry_button_sends(sync_queue, sink, attachment_dir, frozen):
    agent = make_user()
    ticket_id = inbound_ticket()
    sink.down()
    message = replies.post_reply(ticket_id, agent.id, "Hello?", "email")
    for step in range(email_outbound.MAX_ATTEMPTS):
        frozen(clock.now() + timedelta(hours=3))
        email_outbound.send_due()
    msg = db.session.get(Message, message.id)
    assert msg.delivery == "failed" and msg.delivery_error
    assert outbound(message.id).attempts == email_outbound.MAX_ATTEMPTS
    sink.up()
    email_outbound.retry_send(message.id)
    assert sink.captured.wait_for(1) and db.session.get(Message, message.id).delivery == "sent"
    with pytest.raises(Exception):
        email_outbound.retry_send(message.id)  # a sent email cannot be sent again
    assert len(sink.captured.envelopes) == 1


def test_crash_between_smtp_acceptance_and_marking_sent_never_sends_twice(
        sync_queue, sink, attachment_dir, frozen, monkeypatch):
    agent = make_user()
    ticket_id = inbound_ticket()

    def crash(*_a, **_k):
        raise RuntimeError("worker killed")
    monkeypatch.setattr(email_outbound, "_mark_sent", crash)
    with pytest.raises(RuntimeError):
        replies.post_reply(ticket_id, agent.id, "Only once, please.", "email")
    monkeypatch.undo()
    db.session.rollback()
    message_id = db.session.scalar(db.select(Message.id).where(Message.kind == "agent"))
    assert sink.captured.wait_for(1)
    assert email_outbound.deliver(message_id) == "sending"  # the job retried: claim refused
    email_outbound.send_due()
    frozen(frozen.start + timedelta(minutes=11))
    assert email_outbound.send_due()["uncertain"] == 1
    assert db.session.get(Message, message_id).delivery == "uncertain"
    email_outbound.send_due()
    assert len(sink.captured.envelopes) == 1


def test_double_deliver_is_a_no_op(sync_queue, sink, attachment_dir):
    agent = make_user()
    message = replies.post_reply(inbound_ticket(), agent.id, "Once", "email")
    assert email_outbound.deliver(message.id) == "sent"
    email_outbound.schedule_send(message.id)
    assert sink.captured.wait_for(1) and len(sink.captured.envelopes) == 1


def test_permanent_refusal_fails_at_once(sync_queue, sink, attachment_dir):
    async def refuse(server, session, envelope, address, rcpt_options):
        return "550 5.1.1 No such user"
    sink.captured.handle_RCPT = refuse
    agent = make_user()
    message = replies.post_reply(inbound_ticket(), agent.id, "Hi", "email")
    msg = db.session.get(Message, message.id)
    assert msg.delivery == "failed" and "550" in msg.delivery_error


def test_customer_without_email_fails_visibly(sync_queue, attachment_dir):
    from tests.factories import make_customer, make_ticket
    ticket = make_ticket(customer=make_customer(email=None))
    message = replies.post_reply(ticket.id, make_user().id, "Hi", "email")
    assert db.session.get(Message, message.id).delivery == "failed"


def test_the_apps_own_suppress_setting_decides_whether_smtp_is_reached(app, attachment_dir):
    # MAIL_SUPPRESS_SEND (on under TESTING) keeps mail in: no connection at all, so a closed
    # port is no error. Turned off, the same closed port is "cannot reach the mail server".
    state = app.extensions["mail"]
    saved = state.server, state.port, state.suppress
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    state.server, state.port = "127.0.0.1", closed
    try:
        assert state.suppress is True
        mail = MailMessage(subject="Hi", recipients=["c@example.com"], body="Hello", sender="s@acme.test")
        email_outbound.transmit(mail, "s@acme.test")  # kept in: nothing raised
        state.suppress = False
        with pytest.raises(email_outbound.Undelivered, match="Cannot reach the mail server"):
            email_outbound.transmit(mail, "s@acme.test")
    finally:
        state.server, state.port, state.suppress = saved


HOSTILE_NAMES = [
    'Doe, John', '"Evil" <evil@attacker.test>, ', 'a@attacker.test <b@attacker.test>',
    "=?utf-8?Q?x=2C_y@attacker.test?=", "=?utf-8?B?PGV2aWxAYXR0YWNrZXIudGVzdD4s?=",
    "Müller, Jürgen <j@attacker.test>; ", "山田 太郎, 営業部 <sales@attacker.test>",
    "Jürgen, Müller, " * 30 + "<long@attacker.test>", "Smith (Sales) \\ \" ,, ;; <>",
]


def test_to_and_cc_are_built_from_structured_addresses(sync_queue, sink, attachment_dir):
    """Parse the sent headers back with the email package: one mailbox per person, always."""
    from email import policy
    from email.parser import BytesParser

    from halo.models import EmailParticipant, Ticket
    agent = make_user()
    ticket_id = inbound_ticket()
    ticket = db.session.get(Ticket, ticket_id)
    ticket.customer.name = HOSTILE_NAMES[1]
    cc = [(name, f"cc{i}@customer.test") for i, name in enumerate(HOSTILE_NAMES)]
    for name, address in cc:
        db.session.add(EmailParticipant(ticket_id=ticket_id, address=address, name=name[:200]))
    db.session.commit()
    message = replies.post_reply(ticket_id, agent.id, "Copying everyone.", "email")
    assert sink.captured.wait_for(1) and message.delivery == "sent"
    [(_, rcpts, raw)] = sink.captured.envelopes
    assert sorted(rcpts) == sorted(["carla@customer.test"] + [a for _, a in cc])
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert [a.addr_spec for a in mail["To"].addresses] == ["carla@customer.test"]
    assert [a.addr_spec for a in mail["Cc"].addresses] == [a for _, a in cc]
    head = raw.split(b"\r\n\r\n")[0].decode("ascii")
    cc_block = head[head.index("\r\nCc: ") + 2:].split("\r\n")
    cc_block = cc_block[:1] + [line for line in cc_block[1:] if line.startswith(" ")][:len(cc_block)]
    assert len(cc_block) > 10 and max(len(line) for line in cc_block) <= 78  # folded, however long
    names = [a.display_name for a in mail["Cc"].addresses]
    # Names come back as written; Python's parser puts a space between the encoded words
    # of a name too long for one, which RFC 2047 readers join without it.
    assert names[:6] == [n.strip() for n in HOSTILE_NAMES[:6]]
    assert [n.replace(" ", "") for n in names[6:]] == [n[:200].replace(" ", "") for n in HOSTILE_NAMES[6:]]
    assert mail["To"].addresses[0].display_name == HOSTILE_NAMES[1].strip()


def test_a_name_with_line_breaks_cannot_add_a_header(sync_queue, sink, attachment_dir):
    from email import policy
    from email.parser import BytesParser

    from halo.models import Ticket
    ticket_id = inbound_ticket()
    ticket = db.session.get(Ticket, ticket_id)
    ticket.customer.name = "Carla\r\nBcc: victim@attacker.test"
    db.session.commit()
    replies.post_reply(ticket_id, make_user().id, "Hello", "email")
    assert sink.captured.wait_for(1)
    [(_, rcpts, raw)] = sink.captured.envelopes
    mail = BytesParser(policy=policy.default).parsebytes(raw)
    assert rcpts == ["carla@customer.test"] and mail["Bcc"] is None
    assert [a.addr_spec for a in mail["To"].addresses] == ["carla@customer.test"]


def test_a_reply_and_its_send_record_commit_together(sync_queue, monkeypatch):
    """One transaction writes the reply and its send record (Message-ID fixed): a reply is
    never committed Queued without the record the send sweep reads."""
    agent = make_user()
    ticket_id = inbound_ticket()
    lost = []
    monkeypatch.setattr(email_outbound, "enqueue", lambda *args, **kw: lost.append(args))
    commits = []
    listen = lambda _conn: commits.append(threading.get_ident())  # noqa: E731
    event.listen(db.engine, "commit", listen)
    try:
        message = replies.post_reply(ticket_id, agent.id, "Your parcel ships today.", "email")
    finally:
        event.remove(db.engine, "commit", listen)
    assert commits.count(threading.get_ident()) == 1
    out = outbound(message.id)
    assert out.state == "queued" and message.email_message_id == out.rfc_message_id
    assert lost == [(email_outbound.JOB, message.id)]


def test_a_send_queued_by_a_process_that_died_goes_out_with_the_sweep(sync_queue, sink, attachment_dir,
                                                                       monkeypatch):
    agent = make_user()
    ticket_id = inbound_ticket()
    with monkeypatch.context() as patched:  # the process dies between the commit and the enqueue
        patched.setattr(email_outbound, "enqueue", lambda *args, **kw: None)
        message = replies.post_reply(ticket_id, agent.id, "Your parcel ships today.", "email")
    assert outbound(message.id).state == "queued" and not sink.captured.messages()
    assert email_outbound.send_due()["sent"] == 1
    [mail] = sink.captured.messages()
    assert mail["Message-ID"] == f"<{outbound(message.id).rfc_message_id}>"


def test_a_reply_to_a_customer_without_an_address_fails_in_its_own_transaction(sync_queue):
    agent = make_user()
    ticket_id = inbound_ticket()
    ticket = db.session.get(Ticket, ticket_id)
    ticket.customer.email = None
    db.session.commit()
    message = replies.post_reply(ticket_id, agent.id, "Hello", "email")
    assert message.delivery == "failed" and "no email address" in message.delivery_error
    assert outbound(message.id) is None
