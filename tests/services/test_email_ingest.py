"""Inbound email: store first, dedupe, threading order, loops, spam, failures."""
from datetime import timedelta

from halo.extensions import db
from halo.models import Customer, InboundEmail, Message, OutboundEmail, Ticket
from halo.services.email import ingest as email_ingest
from halo.services.email import settings as email_settings
from halo.services.email.threads import reply_address
from halo.services.tickets import status
from tests.email_support import attachment_dir, make_raw, sync_queue  # noqa: F401
from tests.factories import make_customer, make_ticket


def receive(raw, source="smtp", **kw):
    row, created = email_ingest.receive_email(raw, source, **kw)
    return db.session.get(InboundEmail, row.id), created


def customer_messages(ticket_id):
    return db.session.scalars(db.select(Message).where(
        Message.ticket_id == ticket_id, Message.kind == "customer").order_by(Message.id)).all()


def test_new_email_creates_ticket_for_sender(sync_queue, attachment_dir):
    inbound, created = receive(make_raw())
    assert created and inbound.state == "done" and inbound.outcome == "ticket"
    ticket = db.session.get(Ticket, inbound.ticket_id)
    assert ticket.subject == "Order 1234 is late" and ticket.channel == "email"
    assert ticket.customer.email == "carla@customer.test" and ticket.customer.name == "Carla Diaz"
    [msg] = customer_messages(ticket.id)
    assert msg.email_message_id == "m1@customer.test" and msg.thread_reason == "new"
    assert msg.inbound_id == inbound.id and "has not arrived" in msg.body_text


def test_same_email_twice_and_by_two_paths_is_one_message(sync_queue, attachment_dir):
    raw = make_raw()
    first, created1 = receive(raw, "smtp")
    again, created2 = receive(raw, "smtp")
    # Fetched by IMAP: the receiving server's trace headers on top, CRLF line ends.
    fetched = (b"Received: from mx.acme.test by imap.acme.test; Tue, 24 Nov 2026 09:00:05 +0000\r\n"
               + raw.replace(b"\n", b"\r\n"))
    other_path, created3 = receive(fetched, "imap")
    assert created1 and not created2 and not created3
    assert first.id == again.id == other_path.id
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "customer")) == 1
    email_ingest.process_inbound(first.id)  # a replayed job changes nothing
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "customer")) == 1


def test_without_message_id_dedupes_by_content_hash(sync_queue, attachment_dir):
    raw = make_raw(message_id=None)
    a, _ = receive(raw)
    b, created = receive(raw)
    c, created_other = receive(make_raw(message_id=None, body="different"))
    assert a.id == b.id and not created and a.dedupe_key.startswith("sha256:")
    assert created_other and c.id != a.id


def test_reply_token_threads_even_from_another_address(sync_queue, attachment_dir):
    ticket = make_ticket()
    raw = make_raw(sender="someone@else.test", to=f"Support <{reply_address(ticket.id)}>",
                   message_id="<r1@else.test>")
    inbound, _ = receive(raw)
    assert inbound.ticket_id == ticket.id and customer_messages(ticket.id)[-1].thread_reason == "reply_token"


def test_forged_token_is_not_trusted(sync_queue, attachment_dir):
    ticket = make_ticket()
    good = reply_address(ticket.id)
    forged = good[:-len("@halo.localhost") - 1] + ("a" if good[-len("@halo.localhost") - 1] != "a" else "b") + "@halo.localhost"
    inbound, _ = receive(make_raw(to=forged, message_id="<f1@x.test>"))
    assert inbound.ticket_id != ticket.id


def test_headers_thread_only_for_participants(sync_queue, attachment_dir):
    customer = make_customer(email="carla@customer.test")
    first, _ = receive(make_raw(sender="carla@customer.test", message_id="<a@customer.test>"))
    reply, _ = receive(make_raw(sender="Carla@Customer.test", message_id="<b@customer.test>",
                                in_reply_to="<a@customer.test>", subject="Re: Order"))
    stranger, _ = receive(make_raw(sender="mallory@evil.test", message_id="<c@evil.test>",
                                   references="<a@customer.test>", subject="Re: Order"))
    assert first.ticket_id == reply.ticket_id
    assert customer_messages(reply.ticket_id)[-1].thread_reason == "headers"
    assert stranger.ticket_id != first.ticket_id
    assert customer_messages(stranger.ticket_id)[0].thread_reason == "new_not_participant"
    assert db.session.get(Ticket, first.ticket_id).customer_id == customer.id


def test_customer_reply_reopens_resolved_and_unsnoozes(sync_queue, attachment_dir, frozen):
    first, _ = receive(make_raw())
    status.change_status(first.ticket_id, "resolved", None)
    receive(make_raw(message_id="<m2@customer.test>", in_reply_to="<m1@customer.test>"))
    assert db.session.get(Ticket, first.ticket_id).status == "open"
    status.change_status(first.ticket_id, "snoozed", None, until=frozen.start + timedelta(days=1))
    receive(make_raw(message_id="<m3@customer.test>", in_reply_to="<m2@customer.test>"))
    assert db.session.get(Ticket, first.ticket_id).status == "open"


def test_auto_replies_bounces_and_own_mail_never_make_tickets(sync_queue, attachment_dir):
    ooo, _ = receive(make_raw(message_id="<o@x.test>", headers={"Auto-Submitted": "auto-replied"}))
    bulk, _ = receive(make_raw(message_id="<p@x.test>", headers={"Precedence": "bulk"}))
    own, _ = receive(make_raw(message_id="<q@x.test>", headers={"X-Halo-Loop": "halo.localhost"}))
    assert [r.state for r in (ooo, bulk, own)] == ["ignored"] * 3
    assert [r.outcome for r in (ooo, bulk, own)] == ["auto_reply", "auto_reply", "own"]
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 0


def test_bounce_marks_the_outbound_email_failed(sync_queue, attachment_dir):
    ticket = make_ticket()
    msg = Message(ticket_id=ticket.id, kind="agent", channel="email", body_text="Hi", delivery="sent")
    db.session.add(msg)
    db.session.flush()
    db.session.add(OutboundEmail(message_id=msg.id, state="sent", rfc_message_id="halo.1.abc@halo.localhost",
                                 to_address="x@y.test", from_address="s@acme.test", reply_to="r@h"))
    db.session.commit()
    dsn = (b"From: MAILER-DAEMON@mx.test\r\nTo: s@acme.test\r\nSubject: Undelivered Mail Returned to Sender\r\n"
           b"Message-ID: <dsn1@mx.test>\r\nReturn-Path: <>\r\nMIME-Version: 1.0\r\n"
           b"Content-Type: multipart/report; report-type=delivery-status; boundary=BB\r\n\r\n"
           b"--BB\r\nContent-Type: text/plain\r\n\r\nUser unknown.\r\n"
           b"--BB\r\nContent-Type: message/delivery-status\r\n\r\nFinal-Recipient: rfc822; x@y.test\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
           b"--BB\r\nContent-Type: text/rfc822-headers\r\n\r\nMessage-ID: <halo.1.abc@halo.localhost>\r\nSubject: Re: Hi\r\n\r\n--BB--\r\n")
    inbound, _ = receive(dsn)
    assert inbound.outcome == "bounce"
    db.session.refresh(msg)
    assert msg.delivery == "failed" and msg.delivery_error.startswith("Bounced")
    assert db.session.scalar(db.select(db.func.count(Ticket.id))) == 1


def test_spam_verdict_sets_spam_trusted_skips_and_not_spam_restores(sync_queue, attachment_dir):
    spam, _ = receive(make_raw(sender="promo@spam.test", message_id="<s1@spam.test>",
                               headers={"X-Spam-Flag": "YES"}))
    assert spam.outcome == "spam" and db.session.get(Ticket, spam.ticket_id).status == "spam"
    email_settings.add_trusted("partner.test")
    trusted, _ = receive(make_raw(sender="ceo@partner.test", message_id="<s2@partner.test>",
                                  headers={"X-Spam-Flag": "YES"}))
    assert db.session.get(Ticket, trusted.ticket_id).status == "open"
    status.change_status(spam.ticket_id, "open", None)
    assert db.session.get(Ticket, spam.ticket_id).status == "open"


def test_spam_rules_without_upstream_filter(sync_queue, attachment_dir):
    inbound, _ = receive(make_raw(sender="win@lotto.test", message_id="<s3@lotto.test>",
                                  subject="You have won the lottery", body="Claim your prize now, wire transfer fee."))
    assert db.session.get(Ticket, inbound.ticket_id).status == "spam"


def test_unparseable_email_is_kept_failed_and_the_next_is_not_held_up(sync_queue, attachment_dir):
    bad, _ = receive(b"\x00\x01\x02 not an email at all")
    good, _ = receive(make_raw())
    assert bad.state == "failed" and bad.error and bad.raw.startswith(b"\x00")
    assert good.state == "done"
    assert [e.id for e in email_ingest.failed_emails()] == [bad.id]
    again = email_ingest.reprocess(bad.id)
    assert db.session.get(InboundEmail, again.id).state == "failed"


def test_attachments_are_stored_under_server_names_with_limits(app, sync_queue, attachment_dir):
    from email.message import EmailMessage
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "a@b.test", "s@acme.test", "Files", "<att@b.test>"
    msg.set_content("See attached.")
    msg.add_attachment(b"%PDF-1.4 small", maintype="application", subtype="pdf", filename="../../etc/passwd.pdf")
    msg.add_attachment(b"x" * 2048, maintype="application", subtype="octet-stream", filename="big.bin")
    app.config["HALO_MAX_ATTACHMENT_BYTES"] = 1024
    try:
        inbound, _ = receive(msg.as_bytes())
    finally:
        app.config["HALO_MAX_ATTACHMENT_BYTES"] = 15 * 1024 * 1024
    message = customer_messages(inbound.ticket_id)[0]
    kept, skipped = message.attachments
    assert kept.filename == "passwd.pdf" and kept.storage_name and "/" not in kept.storage_name
    assert (attachment_dir / kept.storage_name[:2] / kept.storage_name).read_bytes() == b"%PDF-1.4 small"
    # Over the limit: listed with its name, size and place in the mail, not stored.
    assert (skipped.filename, skipped.size, skipped.storage_name) == ("big.bin", 2048, None)
    assert skipped.part_index == 1 and "big.bin" not in message.body_text


def test_customer_lookup_is_case_insensitive(sync_queue, attachment_dir):
    make_customer(email="carla@customer.test", name="Carla")
    receive(make_raw(sender="CARLA@customer.test"))
    assert db.session.scalar(db.select(db.func.count(Customer.id))) == 1
