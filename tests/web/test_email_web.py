"""Email views: the webhook, Settings > Emails (admin only), attachments, original, Retry."""
from halo.extensions import db
from halo.models import EmailAttachment, InboundEmail, Message, SenderAddress, TrustedSender
from halo.services.email import ingest as email_ingest
from halo.services.email import settings as email_settings
from tests.email_support import attachment_dir, make_raw, sink, sync_queue  # noqa: F401


def _with_token(app, token="s3cret"):
    app.config["HALO_INBOUND_TOKEN"] = token


def test_webhook_needs_the_bearer_token(app, client, sync_queue, attachment_dir):
    _with_token(app)
    try:
        assert client.post("/inbound/email", data=make_raw()).status_code == 401
        assert client.post("/inbound/email", data=make_raw(),
                           headers={"Authorization": "Bearer wrong"}).status_code == 401
        ok = client.post("/inbound/email", data=make_raw(), headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 202 and ok.json["duplicate"] is False
        again = client.post("/inbound/email", data=make_raw(), headers={"Authorization": "Bearer s3cret"})
        assert again.status_code == 200 and again.json["duplicate"] is True
        empty = client.post("/inbound/email", data=b"", headers={"Authorization": "Bearer s3cret"})
        assert empty.status_code == 400
    finally:
        _with_token(app, "")
    assert db.session.scalar(db.select(db.func.count(InboundEmail.id))) == 1


def test_webhook_is_off_without_a_configured_token(client):
    assert client.post("/inbound/email", data=make_raw(),
                       headers={"Authorization": "Bearer "}).status_code == 404


def test_settings_pages_are_admin_only(as_agent):
    for url in ("/settings/emails", "/settings/emails/trusted", "/settings/emails/inbound",
                "/settings/emails/failed"):
        assert as_agent.get(url).status_code == 403


def test_settings_pages_render_for_admins(as_admin):
    for url in ("/settings/emails", "/settings/emails/trusted", "/settings/emails/inbound",
                "/settings/emails/failed"):
        page = as_admin.get(url)
        assert page.status_code == 200 and "Email Settings" in page.get_data(as_text=True)


def test_add_sender_then_verify_by_link(as_admin, client, sync_queue, sink):
    response = as_admin.post("/settings/emails/senders", {"email": "Help@Acme.test", "name": "Acme"})
    assert response.status_code == 302
    sender = db.session.scalar(db.select(SenderAddress))
    assert sender.email == "help@acme.test" and sender.verified_at is None
    # The confirmation went through a real SMTP exchange, to the address being confirmed.
    assert sink.captured.wait_for(1)
    [(mail_from, rcpts, _)] = sink.captured.envelopes
    [mail] = sink.captured.messages()
    assert (mail_from, rcpts) == ("halo@halo.localhost", ["help@acme.test"])
    assert mail["To"] == "help@acme.test" and mail["Auto-Submitted"] == "auto-generated"
    assert mail["X-Halo-Loop"] == "halo.localhost"
    link = next(line for line in mail.get_content().splitlines() if "/settings/emails/verify/" in line)
    path = link[link.index("/settings"):]
    assert client.get(path).status_code == 200 and db.session.get(SenderAddress, sender.id).verified_at is None
    confirmed = as_admin.post(path)
    assert confirmed.status_code == 200 and "is confirmed" in confirmed.get_data(as_text=True)
    db.session.expire_all()
    sender = db.session.get(SenderAddress, sender.id)
    assert sender.verified_at is not None and sender.is_default
    assert as_admin.post("/settings/emails/verify/forged-token").status_code == 400


def test_trusted_senders_and_preferences(as_admin):
    assert as_admin.post("/settings/emails/trusted", {"pattern": "@Partner.test"}).status_code == 302
    assert as_admin.post("/settings/emails/trusted", {"pattern": "not a domain"}).status_code == 400
    assert [t.pattern for t in db.session.scalars(db.select(TrustedSender))] == ["partner.test"]
    assert as_admin.post("/settings/emails", {"reply_from": "teammate", "signature": "Cheers"}).status_code == 302
    stored = email_settings.email_settings()
    assert (stored["reply_from"], stored["signature"]) == ("teammate", "Cheers")
    assert as_admin.post("/settings/emails", {"reply_from": "nonsense"}).status_code == 200
    stored = email_settings.email_settings()
    assert (stored["reply_from"], stored["signature"]) == ("teammate", "Cheers")


def test_failed_list_and_reprocess(as_admin, sync_queue, attachment_dir):
    bad, _ = email_ingest.receive_email(b"\x00garbage", "webhook")
    page = as_admin.get("/settings/emails/failed").get_data(as_text=True)
    assert f"inbound-{bad.id}" in page
    assert (bad.state, bad.attempts) == ("failed", 1)
    assert as_admin.post(f"/settings/emails/failed/{bad.id}/reprocess").status_code == 302
    # Queued and run again (the queue runs it at once here): still garbage, one more attempt.
    assert [path for path, _ in sync_queue.ran] == ["halo.jobs.email.process_inbound"] * 2
    bad = db.session.get(InboundEmail, bad.id)
    assert (bad.state, bad.attempts) == ("failed", 2)


def _email_with_files(svg=False):
    from email.message import EmailMessage
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = "a@b.test", "s@acme.test", "Pics", "<pic@b.test>"
    msg.set_content("plain")
    msg.add_alternative('<p>Look <img src="cid:logo@b.test"> <img src="https://tracker.test/p.gif"></p>'
                        '<script>alert(1)</script>', subtype="html")
    msg.get_payload()[1].add_related(b"\x89PNG\r\n\x1a\nfake", maintype="image", subtype="png", cid="<logo@b.test>")
    msg.add_attachment(b"<script>alert(1)</script>", maintype="text", subtype="html", filename="evil.html")
    if svg:
        msg.add_attachment(b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
                           maintype="image", subtype="svg+xml", filename="drawing.svg")
    return msg.as_bytes()


def test_attachments_are_served_locked_down_and_only_to_agents(as_agent, client, sync_queue, attachment_dir):
    inbound, _ = email_ingest.receive_email(_email_with_files(), "smtp")
    evil = db.session.scalar(db.select(EmailAttachment).where(EmailAttachment.filename == "evil.html"))
    response = as_agent.get(f"/attachments/{evil.id}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    image = as_agent.get(f"/email/inbound/{inbound.id}/cid/logo%40b.test")
    assert image.status_code == 200 and image.data.startswith(b"\x89PNG")
    as_agent.post("/logout")
    anonymous = client.get(f"/attachments/{evil.id}")
    assert anonymous.status_code in (302, 401)


def test_original_blocks_remote_images_until_asked(as_agent, sync_queue, attachment_dir):
    original = _email_with_files()
    inbound, _ = email_ingest.receive_email(original, "smtp")
    page = as_agent.get(f"/email/inbound/{inbound.id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script>alert" not in html
    assert 'data-remote-src="https://tracker.test/p.gif"' in html and "remote-images-blocked" in html
    assert f"/email/inbound/{inbound.id}/cid/" in html
    assert "img-src 'self' data:" in page.headers["Content-Security-Policy"]
    shown = as_agent.get(f"/email/inbound/{inbound.id}?images=1").get_data(as_text=True)
    assert 'src="https://tracker.test/p.gif"' in shown
    raw = as_agent.get(f"/email/inbound/{inbound.id}?raw=1")
    assert raw.headers["Content-Disposition"].startswith("attachment")
    assert raw.data == original  # the stored bytes, as received


def test_ticket_page_shows_original_link_and_retry_button(as_agent, agent, sync_queue, attachment_dir, monkeypatch):
    inbound, _ = email_ingest.receive_email(make_raw(), "smtp")
    ticket_id = db.session.get(InboundEmail, inbound.id).ticket_id
    monkeypatch.setattr("halo.services.email.outbound.transmit",
                        lambda *a: (_ for _ in ()).throw(__import__("halo.services.email.outbound", fromlist=["x"]).Undelivered("550 no", permanent=True)))
    as_agent.post(f"/tickets/{ticket_id}/messages", {"mode": "email", "body": "Hi"})
    page = as_agent.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    assert "Show original" in page and "Retry" in page
    message = db.session.scalar(db.select(Message).where(Message.kind == "agent"))
    monkeypatch.setattr("halo.services.email.outbound.transmit", lambda *a: None)
    retried = as_agent.post(f"/email/messages/{message.id}/retry", hx=True)
    assert retried.status_code == 200 and "delivery-sent" in retried.get_data(as_text=True)


def test_image_attachments_show_in_the_thread_others_are_links(as_agent, sync_queue, attachment_dir):
    inbound, _ = email_ingest.receive_email(_email_with_files(svg=True), "smtp")
    ticket_id = db.session.get(InboundEmail, inbound.id).ticket_id
    page = as_agent.get(f"/tickets/{ticket_id}").get_data(as_text=True)
    rows = {a.filename or a.content_id: a.id for a in db.session.scalars(db.select(EmailAttachment))}
    logo = db.session.scalar(db.select(EmailAttachment).where(EmailAttachment.content_type == "image/png"))
    assert f'<img src="/attachments/{logo.id}"' in page  # the pasted (inline) picture, shown
    assert f'<img src="/attachments/{rows["evil.html"]}"' not in page  # a page: a link only
    assert f'href="/attachments/{rows["evil.html"]}">evil.html</a>' in page
    assert f'<img src="/attachments/{rows["drawing.svg"]}"' not in page  # SVG can carry script
    # The picture may stay in the agent's own browser for a day; other files are not kept.
    assert as_agent.get(f"/attachments/{logo.id}").headers["Cache-Control"] == "private, max-age=86400"
    assert as_agent.get(f"/attachments/{rows['evil.html']}").headers["Cache-Control"] == "private, no-store"
