"""Files out: a teammate's files on a reply or note, kept like inbound ones, sent as MIME
parts through a real SMTP exchange, offered to the chat widget by signed links only for what
the customer was sent."""
import pytest

from halo.extensions import db
from halo.models import EmailAttachment, Message, Ticket
from halo.services import chat
from halo.services.email import attachments as email_attachments
from halo.services.errors import NotFound, ValidationError
from halo.services.tickets import files, replies
from tests.email_support import attachment_dir, make_raw, sink, sync_queue  # noqa: F401
from tests.factories import make_customer, make_ticket, make_user

PDF = b"%PDF-1.4\n" + b"x" * 2000
PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cf000000030101001880dd0b0000000049454e44ae426082")


def _email_ticket():
    from halo.services.email import ingest as email_ingest
    row, _ = email_ingest.receive_email(make_raw(subject="Invoice copy, please"), "smtp")
    return db.session.get(type(row), row.id).ticket_id


@pytest.mark.parametrize("raw, clean", [
    ("report.pdf", "report.pdf"),
    ("C:\\Users\\ann\\Desktop\\invoice 03.pdf", "invoice 03.pdf"),
    ("../../etc/passwd", "passwd"),
    ("na\u202eme\x00.txt", "name.txt"),  # a right-to-left override and a NUL: gone
    ("   ", "file"), ("..", "file"), ("Łódź – Übersicht.xlsx", "Łódź – Übersicht.xlsx"),
    ("a" * 300 + ".txt", "a" * 255),
])
def test_a_files_name_is_cleaned(raw, clean):
    assert files.clean_filename(raw) == clean


@pytest.mark.parametrize("raw, clean", [
    ("application/pdf", "application/pdf"), ("Image/PNG; charset=x", "image/png"),
    ("", "application/octet-stream"), ("text/html\r\nX-Evil: 1", "application/octet-stream"),
    ("nonsense", "application/octet-stream"),
])
def test_a_files_type_is_kept_only_when_well_formed(raw, clean):
    assert files.clean_type(raw) == clean


def test_an_email_reply_carries_its_files_as_mime_parts_over_smtp(sync_queue, sink, attachment_dir):
    agent = make_user(name="Sara Lind")
    ticket_id = _email_ticket()
    message = replies.post_reply(ticket_id, agent.id, "Here is the invoice and a screenshot.", "email",
                                 uploads=[files.Upload("Rechnung März.pdf", "application/pdf", PDF),
                                          files.Upload("screenshot.png", "image/png", PNG)])
    rows = db.session.scalars(db.select(EmailAttachment).where(EmailAttachment.message_id == message.id)
                              .order_by(EmailAttachment.id)).all()
    assert [(r.filename, r.content_type, r.size, r.inbound_id) for r in rows] == [
        ("Rechnung März.pdf", "application/pdf", len(PDF), None), ("screenshot.png", "image/png", len(PNG), None)]
    assert email_attachments.read_kept(rows[0]) == PDF

    assert sink.captured.wait_for(1)
    [mail] = sink.captured.messages()
    assert mail.get_body(("plain",)).get_content().startswith("Here is the invoice and a screenshot.")
    parts = [(p.get_filename(), p.get_content_type(), p.get_content()) for p in mail.iter_attachments()]
    assert parts == [("Rechnung März.pdf", "application/pdf", PDF), ("screenshot.png", "image/png", PNG)]
    assert db.session.get(Message, message.id).delivery == "sent"


def test_a_message_may_be_only_its_files_and_the_inbox_says_so(sync_queue, sink, attachment_dir):
    agent = make_user()
    ticket_id = _email_ticket()
    replies.post_reply(ticket_id, agent.id, "  ", "email", uploads=[files.Upload("label.pdf", "application/pdf", PDF)])
    assert sink.captured.wait_for(1)
    [mail] = sink.captured.messages()
    assert [p.get_filename() for p in mail.iter_attachments()] == ["label.pdf"]
    db.session.expire_all()
    assert db.session.get(Ticket, ticket_id).preview == "Sent label.pdf"


@pytest.mark.parametrize("uploads, error", [
    ([files.Upload("big.bin", "application/octet-stream", b"x" * 2001)], "big.bin is larger than"),
    ([files.Upload(f"f{n}.txt", "text/plain", b"x") for n in range(4)], "at most 3 files"),
    ([files.Upload("a.bin", "", b"x" * 1500), files.Upload("b.bin", "", b"x" * 1500)], "more than"),
    ([files.Upload("empty.txt", "text/plain", b"")], "empty.txt is empty"),
])
def test_over_a_limit_nothing_is_written(app, attachment_dir, uploads, error):
    app.config.update(HALO_MAX_ATTACHMENT_BYTES=2000, HALO_MAX_ATTACHMENTS_BYTES=2500, HALO_MAX_ATTACHMENT_FILES=3)
    agent = make_user()
    ticket = make_ticket()
    before = db.session.scalar(db.select(db.func.count(Message.id)))
    with pytest.raises(ValidationError, match=error):
        replies.post_reply(ticket.id, agent.id, "Files attached.", "note", uploads=uploads)
    assert db.session.scalar(db.select(db.func.count(Message.id))) == before
    assert db.session.scalar(db.select(db.func.count(EmailAttachment.id))) == 0
    assert not attachment_dir.exists() or not any(attachment_dir.rglob("*.*"))


def test_a_directive_takes_no_files_and_nothing_takes_neither_words_nor_files(app, attachment_dir):
    admin = make_user(role="admin")
    ticket = make_ticket()
    with pytest.raises(ValidationError, match="text only"):
        replies.post_reply(ticket.id, admin.id, "Always attach the PDF.", "training",
                           uploads=[files.Upload("a.pdf", "application/pdf", PDF)])
    with pytest.raises(ValidationError, match="Write something"):
        replies.post_reply(ticket.id, admin.id, "", "note", uploads=[])


def test_the_same_form_sent_twice_stores_its_files_once(app, attachment_dir):
    agent = make_user()
    ticket = make_ticket()
    upload = [files.Upload("a.pdf", "application/pdf", PDF)]
    first = replies.post_reply(ticket.id, agent.id, "See attached.", "note", send_key="k1", uploads=upload)
    again = replies.post_reply(ticket.id, agent.id, "See attached.", "note", send_key="k1", uploads=upload)
    assert again.id == first.id
    assert db.session.scalar(db.select(db.func.count(EmailAttachment.id))) == 1


def test_the_widget_gets_signed_links_for_the_teams_files_and_never_a_notes(app, attachment_dir):
    agent = make_user()
    ticket = make_ticket(channel="chat", customer=make_customer())
    reply = replies.post_reply(ticket.id, agent.id, "The label:", "chat",
                               uploads=[files.Upload("label.png", "image/png", PNG)])
    note = replies.post_reply(ticket.id, agent.id, "internal", "note",
                              uploads=[files.Upload("secret.pdf", "application/pdf", PDF)])
    urls = {}
    out = chat.widget_json(reply, file_url=lambda row, tid: urls.setdefault(row.id, files.widget_token(row, tid)))
    assert [(f["name"], f["image"], f["size"]) for f in out["files"]] == [("label.png", True, len(PNG))]
    [token] = urls.values()
    assert files.for_widget(token).filename == "label.png"

    [secret] = db.session.get(Message, note.id).attachments
    with pytest.raises(NotFound):
        files.for_widget(files.widget_token(secret, ticket.id))  # a note's file, even signed
    [shown] = db.session.get(Message, reply.id).attachments
    with pytest.raises(NotFound):
        files.for_widget(files.widget_token(shown, ticket.id + 1))  # named for another ticket
    for tampered in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "", "x.y", token + "x"):
        with pytest.raises(NotFound):
            files.for_widget(tampered)
