"""Issue 12's classes of real-world mail through the ingest: stored, threaded, shown under
the real sender, files named and capped, nothing dropped silently."""
import pytest

from halo.extensions import db
from halo.models import EmailAttachment, EmailParticipant, InboundEmail, Message, Ticket
from halo.services.email import attachments as email_attachments
from halo.services.email import held as email_held
from halo.services.email import ingest as email_ingest
from halo.services.email import participants
from halo.services.email.threads import reply_address
from halo.services.errors import NotFound, ValidationError
from tests.email_support import attachment_dir, make_raw, sync_queue  # noqa: F401
from tests.factories import make_customer, make_ticket, make_user
from tests.mail.test_real_world import NEW_FIXTURES
from tests.mail.util import raw as fixture


def receive(raw, **kw):
    row, created = email_ingest.receive_email(raw, "smtp", **kw)
    return db.session.get(InboundEmail, row.id), created


def message_of(inbound):
    return db.session.scalar(db.select(Message).where(Message.inbound_id == inbound.id))


HELD = {"exchange_oof_by_headers.eml", "exchange_oof_suppress_all.eml"}


@pytest.mark.parametrize("name", NEW_FIXTURES)
def test_every_class_is_stored_and_becomes_a_message_or_is_held(name, sync_queue, attachment_dir):
    inbound, created = receive(fixture(name), envelope_from="bounce@relay.example.net")
    assert created and inbound.state in ("done", "ignored") and inbound.error is None
    assert (inbound.outcome == "auto_reply") == (name in HELD)
    if name in HELD:
        assert inbound.outcome == "auto_reply" and email_held.held_emails() == [inbound]
        return
    message = message_of(inbound)
    assert message.kind == "customer" and message.body_text.strip() and message.email_from


@pytest.mark.parametrize("name, sender, display", [
    ("sender_lotus_ew_comma.eml", "hans.buerling@example.de", "Bürling, Hans"),
    ("sender_from_empty_reply_to.eml", "kunde@example.at", "Webshop Kunde"),
    ("sender_only_sender_header.eml", "scanner3@example.org", "Scanner Floor 3"),
    ("sender_none_at_all.eml", "bounce@relay.example.net", ""),  # the envelope sender
    ("iso2022jp_cp932_extensions.eml", "yamada@example.co.jp", "山田 太郎"),
    ("gbk_raw_headers_gb2312_label.eml", "taozhe@example.cn", "陶喆"),
])
def test_the_ticket_belongs_to_the_real_sender(name, sender, display, sync_queue, attachment_dir):
    inbound, _ = receive(fixture(name), envelope_from="bounce@relay.example.net")
    ticket = db.session.get(Ticket, inbound.ticket_id)
    assert (ticket.customer.email, ticket.customer.name) == (sender, display)


def test_legacy_subjects_and_file_names_are_stored_as_written(sync_queue, attachment_dir):
    inbound, _ = receive(fixture("shift_jis_filenames.eml"))
    ticket = db.session.get(Ticket, inbound.ticket_id)
    assert ticket.subject == "資料送付"
    assert [a.filename for a in message_of(inbound).attachments] == ["見積書①.pdf", "請求書（㈱サンプル）.xlsx"]
    inbound, _ = receive(fixture("iso2022jp_cp932_extensions.eml"))
    assert db.session.get(Ticket, inbound.ticket_id).subject == "①㈱より見積書～髙橋様"


def test_damaged_parts_and_placeholders_reach_the_thread(sync_queue, attachment_dir):
    damaged = message_of(receive(fixture("base64_damaged_parts.eml"))[0])
    assert damaged.body_text.startswith("Here is the signed contract")
    assert len(damaged.email_notes) == 2 and "contract.pdf" in damaged.email_notes[1]
    gmail = message_of(receive(fixture("gmail_inline_image_placeholder.eml"))[0])
    assert "[image: checkout-error.png]" not in gmail.body_text
    assert [a.filename for a in gmail.attachments] == ["checkout-error.png", "second.png"]


def _many_parts(n):
    parts = "".join("--b\nContent-Type: text/csv; name=\"row%d.csv\"\n\n%d\n" % (i, i) for i in range(n))
    return ("From: logger@example.org\nTo: support@acme.test\nSubject: export\nMessage-ID: <many@x>\n"
            "Content-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nExport.\n"
            + parts + "--b--\n").encode()


def test_a_mail_of_thousands_of_parts_keeps_the_first_ones_and_counts_the_rest(app, sync_queue, attachment_dir):
    app.config["HALO_MAX_ATTACHMENT_FILES"] = 50
    message = message_of(receive(_many_parts(2_000))[0])
    assert len(message.attachments) == 50 and message.attachments[-1].filename == "row49.csv"
    assert message.email_notes == ["1,950 more part(s) of this email were not made into files "
                                   "(too many); they are in the original."]


def test_a_file_over_the_limit_is_listed_and_fetched_from_the_original(app, sync_queue, attachment_dir):
    app.config["HALO_MAX_ATTACHMENT_BYTES"] = 10
    message = message_of(receive(fixture("shift_jis_filenames.eml"))[0])
    pdf, xlsx = message.attachments
    assert pdf.storage_name is None and (pdf.filename, pdf.size, pdf.part_index) == ("見積書①.pdf", 14, 0)
    assert xlsx.storage_name is not None
    row, payload = email_attachments.original_file(pdf.id)
    assert row.id == pdf.id and payload == b"%PDF-1.4 quote"
    assert email_attachments.original_file(xlsx.id)[1] == b"PK\x03\x04fake"
    with pytest.raises(NotFound):
        email_attachments.original_file(987654)


def test_a_different_mail_reusing_a_message_id_is_kept_with_a_note(sync_queue, attachment_dir):
    first, _ = receive(make_raw(message_id="<scan@printer.test>", body="Scan 1"))
    second, created = receive(make_raw(message_id="<scan@printer.test>", body="Scan 2"))
    assert created and second.id != first.id and second.outcome in ("ticket", "reply")
    note = message_of(second).email_notes
    assert note == [f"This email reuses the Message-ID of an earlier, different email (#{first.id}); "
                    "both are kept."]
    assert message_of(first).email_notes is None


def test_a_mail_stored_before_keys_held_a_hash_is_still_one_mail(sync_queue, attachment_dir):
    raw = make_raw(message_id="<old@customer.test>")
    old, _ = receive(raw)
    old.dedupe_key = "mid:old@customer.test"  # as stored before this release
    db.session.commit()
    again, created = receive(b"Received: by imap.acme.test\n" + raw)
    assert created and again.outcome == "duplicate" and again.state == "ignored"
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "customer")) == 1


def test_a_held_auto_reply_is_listed_and_can_be_released(sync_queue, attachment_dir):
    human, _ = receive(fixture("human_out_of_office_subject.eml"))
    assert human.outcome == "ticket"
    held, _ = receive(fixture("exchange_oof_by_headers.eml"))
    assert held.outcome == "auto_reply" and message_of(held) is None
    assert email_held.held_emails() == [held]
    released = email_held.release(held.id)
    assert released.state == "done" and message_of(released) is not None
    assert email_held.held_emails() == []
    with pytest.raises(ValidationError):
        email_held.release(human.id)


def test_someone_else_writing_to_the_reply_address(sync_queue, attachment_dir):
    customer = make_customer(email="carla@customer.test", name="Carla Diaz")
    ticket = make_ticket(customer)
    colleague = make_raw(sender="Dan Boss <dan@customer.test>", to=reply_address(ticket.id),
                         message_id="<dan-1@customer.test>", subject="Re: order")
    inbound, _ = receive(colleague)
    message = message_of(inbound)
    assert inbound.ticket_id == ticket.id and message.thread_reason == "reply_token"
    assert (message.email_from, message.email_from_name) == ("dan@customer.test", "Dan Boss")
    # Not a participant: a reply by headers alone does not join the ticket ...
    follow_up = make_raw(sender="dan@customer.test", message_id="<dan-2@customer.test>",
                         in_reply_to="<dan-1@customer.test>", subject="Re: order")
    stray, _ = receive(follow_up)
    assert stray.ticket_id != ticket.id and message_of(stray).thread_reason == "new_not_participant"
    # ... until an agent adds them to the conversation.
    added = participants.add_from_message(message.id, make_user().id)
    assert (added.address, added.name) == ("dan@customer.test", "Dan Boss")
    assert participants.add_from_message(message.id, make_user().id).id == added.id
    again, _ = receive(make_raw(sender="dan@customer.test", message_id="<dan-3@customer.test>",
                                in_reply_to="<dan-1@customer.test>", subject="Re: order"))
    assert again.ticket_id == ticket.id and message_of(again).thread_reason == "headers"
    own, _ = receive(make_raw(sender="carla@customer.test", to=reply_address(ticket.id),
                              message_id="<carla-9@customer.test>"))
    with pytest.raises(ValidationError):  # the customer is no extra participant
        participants.add_from_message(message_of(own).id, make_user().id)
    participants.remove(added.id, make_user().id)
    assert db.session.scalar(db.select(db.func.count(EmailParticipant.id))) == 0
    events = db.session.scalars(db.select(Message.event_data).where(
        Message.ticket_id == ticket.id, Message.event_type == "participant").order_by(Message.id)).all()
    assert events == [{"added": "dan@customer.test"}, {"removed": "dan@customer.test"}]
    assert db.session.scalar(db.select(db.func.count(EmailAttachment.id))) == 0
