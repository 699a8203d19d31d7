"""Files out through the pages: the composer posts files with a reply or note (multipart,
as the browser sends it), the thread lists them, the download is locked down and only for
whoever sees the ticket, and the widget's signed link serves only a file the customer got."""
import io
import os

from halo.extensions import db
from halo.models import EmailAttachment, Message
from halo.services.access import inboxes, teams
from halo.services.tickets import files
from tests.conftest import Browser
from tests.email_support import attachment_dir  # noqa: F401
from tests.factories import make_customer, make_ticket, make_user

PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000"
                    "1f15c4890000000d49444154789c6360f8cf000000030101001880dd0b0000000049454e44ae426082")


def _post(browser, ticket_id, body, mode, uploads, hx=True):
    data = {"mode": mode, "body": body, "send_key": os.urandom(8).hex(),
            "files": [(io.BytesIO(payload), name, kind) for name, kind, payload in uploads]}
    return browser.post(f"/tickets/{ticket_id}/messages", data=data, hx=hx, content_type="multipart/form-data")


def test_a_note_with_files_lists_them_and_each_downloads_locked_down(as_agent, attachment_dir):
    ticket = make_ticket()
    posted = _post(as_agent, ticket.id, "Logs and the screenshot.", "note",
                   [("app.log", "text/plain", b"ERROR 42\n"), ("shot.png", "image/png", PNG),
                    ("page.html", "text/html", b"<script>alert(1)</script>")])
    assert posted.status_code == 200
    rows = db.session.scalars(db.select(EmailAttachment).order_by(EmailAttachment.id)).all()
    assert [r.filename for r in rows] == ["app.log", "shot.png", "page.html"]
    fragment = posted.get_data(as_text=True)
    assert f'/attachments/{rows[0].id}"' in fragment and f'<img src="/attachments/{rows[1].id}"' in fragment

    page = as_agent.get(f"/tickets/{ticket.id}").get_data(as_text=True)
    assert ">app.log</a>" in page and 'alt="shot.png"' in page
    got = as_agent.get(f"/attachments/{rows[2].id}")
    assert got.data == b"<script>alert(1)</script>"
    assert got.headers["Content-Disposition"].startswith("attachment")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Security-Policy"].startswith("sandbox")


def test_a_file_over_the_limit_gives_the_composer_back_with_the_words(app, as_agent, attachment_dir):
    app.config["HALO_MAX_ATTACHMENT_BYTES"] = 100
    ticket = make_ticket()
    posted = _post(as_agent, ticket.id, "Here is the dump.", "note",
                   [("dump.bin", "application/octet-stream", b"x" * 5000)])
    assert posted.status_code == 400
    fragment = posted.get_data(as_text=True)
    assert "dump.bin is larger than" in fragment and "Here is the dump.</textarea>" in fragment
    assert db.session.scalar(db.select(db.func.count(Message.id)).where(Message.kind == "note")) == 0


def test_the_composer_offers_files_where_they_can_go(as_agent):
    ticket = make_ticket(channel="email")
    for mode, offered in (("email", True), ("note", True), ("training", False)):
        fragment = as_agent.get(f"/tickets/{ticket.id}/compose/{mode}", hx=True).get_data(as_text=True)
        assert ('name="files"' in fragment) is offered, mode
        assert ('enctype="multipart/form-data"' in fragment) is offered, mode


def test_another_teams_agent_cannot_fetch_the_file(client, app, attachment_dir):
    admin = make_user(email="boss@example.com", role="admin")
    sara, bo = make_user(email="sara@example.com"), make_user(email="bo@example.com")
    a = inboxes.save_inbox(admin.id, None, name="Billing", addresses="billing@halo.test")
    b = inboxes.save_inbox(admin.id, None, name="Security", addresses="security@halo.test")
    teams.save_team(admin.id, None, name="A", member_ids=[sara.id], inbox_ids=[a.id])
    teams.save_team(admin.id, None, name="B", member_ids=[bo.id], inbox_ids=[b.id])
    ticket = make_ticket(inbox_id=b.id)
    as_bo = Browser(client)
    as_bo.login(bo.email)
    assert _post(as_bo, ticket.id, "Pentest report attached.", "note",
                 [("report.pdf", "application/pdf", b"%PDF secret")]).status_code == 200
    row = db.session.scalar(db.select(EmailAttachment))
    assert as_bo.get(f"/attachments/{row.id}").status_code == 200
    as_bo.post("/logout")
    as_sara = Browser(client)
    as_sara.login(sara.email)
    refused = as_sara.get(f"/attachments/{row.id}")
    assert refused.status_code == 404 and b"secret" not in refused.data


def test_the_widget_link_serves_the_teams_file_to_any_site_and_nothing_else(client, as_agent, attachment_dir):
    ticket = make_ticket(channel="chat", customer=make_customer())
    _post(as_agent, ticket.id, "The label:", "chat", [("label.png", "image/png", PNG)])
    _post(as_agent, ticket.id, "internal", "note", [("secret.pdf", "application/pdf", b"%PDF secret")])
    label, secret = db.session.scalars(db.select(EmailAttachment).order_by(EmailAttachment.id)).all()
    got = client.get(f"/widget/files/{files.widget_token(label, ticket.id)}")
    assert got.status_code == 200 and got.data == PNG
    assert got.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert got.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert not got.headers.get("Content-Disposition", "").startswith("attachment")  # a picture shows
    for token in (files.widget_token(secret, ticket.id), files.widget_token(label, ticket.id + 1), "forged"):
        assert client.get(f"/widget/files/{token}").status_code == 404
