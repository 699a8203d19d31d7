"""Issue 12 in the agent's pages: the real sender marked "not the customer" and added to the
conversation, notes under a message, files over the limit fetched by admins from the
original, held automatic replies listed and released."""
from halo.extensions import db
from halo.models import EmailAttachment, InboundEmail, Message
from halo.services.email import ingest as email_ingest
from halo.services.email.threads import reply_address
from tests.email_support import attachment_dir, make_raw, sync_queue  # noqa: F401
from tests.factories import make_customer, make_ticket
from tests.mail.util import raw as fixture


def _receive(raw):
    row, _ = email_ingest.receive_email(raw, "smtp")
    return db.session.get(InboundEmail, row.id)


def test_mail_from_someone_else_shows_under_its_sender_and_can_join(as_agent, sync_queue, attachment_dir):
    ticket = make_ticket(make_customer(email="carla@customer.test", name="Carla Diaz"))
    inbound = _receive(make_raw(sender="Dan \u202eBoss <dan@customer.test>", to=reply_address(ticket.id),
                                message_id="<dan-1@customer.test>", body="I am her manager."))
    message = db.session.scalar(db.select(Message).where(Message.inbound_id == inbound.id))
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    item = page[page.index(f'id="msg-{message.id}"'):]
    item = item[:item.index("</li>")]
    assert "<strong>Dan Boss</strong>" in item and "&lt;dan@customer.test&gt;" in item
    assert "not the customer" in item and "Carla Diaz" not in item and "\u202e" not in page
    assert "Add to conversation" in item
    added = as_agent.post(f"/email/messages/{message.id}/participant", hx=True)
    assert added.status_code == 200
    fragment = added.get_data(as_text=True)
    assert "in the conversation" in fragment and "Add to conversation" not in fragment
    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert "added <strong>dan@customer.test</strong> to the email conversation" in page


def test_notes_and_files_over_the_limit_on_the_thread(app, as_agent, client, admin, sync_queue, attachment_dir):
    app.config["HALO_MAX_ATTACHMENT_BYTES"] = 10
    inbound = _receive(fixture("shift_jis_filenames.eml"))
    pdf = db.session.scalar(db.select(EmailAttachment).where(EmailAttachment.inbound_id == inbound.id,
                                                             EmailAttachment.storage_name.is_(None)))
    page = as_agent.get(f"/tickets/{inbound.ticket_id}").get_data(as_text=True)
    assert "見積書①.pdf <span class=\"muted\">(14 bytes, over the size limit)" in page
    assert f"/attachments/{pdf.id}/original" not in page  # agents get no link ...
    assert as_agent.get(f"/attachments/{pdf.id}/original").status_code == 403  # ... nor the file
    damaged = _receive(fixture("base64_damaged_parts.eml"))
    page = as_agent.get(f"/tickets/{damaged.ticket_id}").get_data(as_text=True)
    assert "could not be decoded (damaged base64)" in page


def test_an_admin_downloads_a_file_over_the_limit_from_the_original(app, as_admin, sync_queue, attachment_dir):
    app.config["HALO_MAX_ATTACHMENT_BYTES"] = 10
    inbound = _receive(fixture("shift_jis_filenames.eml"))
    pdf = db.session.scalar(db.select(EmailAttachment).where(EmailAttachment.inbound_id == inbound.id,
                                                             EmailAttachment.storage_name.is_(None)))
    page = as_admin.get(f"/tickets/{inbound.ticket_id}").get_data(as_text=True)
    assert f"/attachments/{pdf.id}/original" in page
    response = as_admin.get(f"/attachments/{pdf.id}/original")
    assert response.status_code == 200 and response.data == b"%PDF-1.4 quote"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''%E8%A6%8B%E7%A9%8D%E6%9B%B8%E2%91%A0.pdf" in response.headers["Content-Disposition"]
    assert as_admin.get("/attachments/99999/original").status_code == 404


def test_held_auto_replies_are_listed_for_admins_and_released(as_admin, sync_queue, attachment_dir):
    held = _receive(fixture("exchange_oof_by_headers.eml"))
    page = as_admin.get("/settings/emails/failed").get_data(as_text=True)
    assert "Held back" in page and f'id="held-{held.id}"' in page and "Automatic reply" in page
    response = as_admin.post(f"/settings/emails/held/{held.id}/release")
    assert response.status_code == 302
    assert db.session.get(InboundEmail, held.id).state == "done"
    page = as_admin.get("/settings/emails/failed").get_data(as_text=True)
    assert f'id="held-{held.id}"' not in page and "Nothing held back." in page
    again = as_admin.post(f"/settings/emails/held/{held.id}/release")
    assert again.status_code == 302  # refused with a message, nothing changed


def test_releasing_is_for_admins_only(as_agent, sync_queue, attachment_dir):
    held = _receive(fixture("exchange_oof_by_headers.eml"))
    assert as_agent.post(f"/settings/emails/held/{held.id}/release").status_code == 403
    assert db.session.get(InboundEmail, held.id).state == "ignored"


def test_bounces_are_listed_too_but_not_released(as_admin, sync_queue, attachment_dir):
    bounce = _receive(fixture("bounce_dsn.eml"))
    page = as_admin.get("/settings/emails/failed").get_data(as_text=True)
    row = page[page.index(f'id="held-{bounce.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Bounce" in row and "Process as a normal email" not in row
    assert as_admin.post(f"/settings/emails/held/{bounce.id}/release").status_code == 302
    assert db.session.get(InboundEmail, bounce.id).state == "ignored"
