"""Web and worker on two hosts: each with its own local folders, sharing one S3 bucket.

The worker is a separate `flask halo worker --burst` process with folders of its own; the
web side is the test app with other folders. What the worker stores, the web host serves.
"""
import io

from halo.extensions import db
from halo.models import AliasUser, EmailAttachment
from halo.services.email import ingest as email_ingest
from tests.integration.test_rq_worker import rq  # noqa: F401
from tests.s3_support import bucket_keys, s3_config, s3_endpoint, s3_storage  # noqa: F401

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 40
PDF = b"%PDF-1.7\n" + b"\x00\xff binary \r\n" * 3000


def _email_with_files() -> bytes:
    from email.message import EmailMessage
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "carla@customer.test", "support@acme.test", "Broken part"
    msg["Message-ID"] = "<files@customer.test>"
    msg.set_content("Photo and invoice attached.")
    msg.add_alternative('<p>See <img src="cid:photo@customer.test"></p>', subtype="html")
    msg.get_payload()[1].add_related(PNG, maintype="image", subtype="png", cid="<photo@customer.test>")
    msg.add_attachment(PDF, maintype="application", subtype="pdf", filename="invoice.pdf")
    return msg.as_bytes()


def _hosts(app, tmp_path):
    """The web host's folders (set on the app) and the worker host's (returned)."""
    app.config.update(HALO_ATTACHMENT_DIR=str(tmp_path / "web" / "attachments"),
                      HALO_AVATAR_DIR=str(tmp_path / "web" / "avatars"))
    return {"HALO_ATTACHMENT_DIR": str(tmp_path / "worker" / "attachments"),
            "HALO_AVATAR_DIR": str(tmp_path / "worker" / "avatars")}


def test_the_web_host_serves_every_file_the_worker_stored_in_s3(rq, app, s3_storage, as_agent, tmp_path):
    worker_dirs = _hosts(app, tmp_path)
    inbound, _ = email_ingest.receive_email(_email_with_files(), "smtp")
    inbound_id = inbound.id
    rq.work(**worker_dirs, **s3_storage)
    rows = {r.filename: r for r in db.session.scalars(db.select(EmailAttachment))}
    assert len(rows) == 2 and "invoice.pdf" in rows  # the inline picture's name is the parser's choice
    invoice = as_agent.get(f"/attachments/{rows['invoice.pdf'].id}")
    assert invoice.status_code == 200 and invoice.data == PDF
    assert invoice.headers["Content-Length"] == str(len(PDF))
    assert invoice.headers["Content-Disposition"].startswith("attachment")
    photo = as_agent.get(f"/email/inbound/{inbound_id}/cid/photo%40customer.test")
    assert photo.status_code == 200 and photo.data == PNG and photo.mimetype == "image/png"
    # Nothing on either host's disk: every file is in the bucket.
    assert not (tmp_path / "web").exists() and not (tmp_path / "worker").exists()
    stored = bucket_keys(s3_storage)
    assert sorted(stored.values()) == sorted([PNG, PDF])
    assert set(stored) == {f"halo/attachments/{r.storage_name}" for r in rows.values()}


def test_a_repeat_download_is_answered_not_modified(rq, app, s3_storage, as_agent, tmp_path):
    worker_dirs = _hosts(app, tmp_path)
    email_ingest.receive_email(_email_with_files(), "smtp")
    rq.work(**worker_dirs, **s3_storage)
    row = db.session.scalar(db.select(EmailAttachment).where(EmailAttachment.filename == "invoice.pdf"))
    first = as_agent.get(f"/attachments/{row.id}")
    again = as_agent.client.get(f"/attachments/{row.id}", headers={"If-None-Match": first.headers["ETag"]})
    assert first.headers["ETag"] == f'"{row.storage_name}"'
    assert again.status_code == 304 and again.data == b""


def test_local_folders_on_two_hosts_give_a_clear_404_not_a_500(rq, app, as_agent, tmp_path):
    worker_dirs = _hosts(app, tmp_path)
    email_ingest.receive_email(_email_with_files(), "smtp")
    rq.work(**worker_dirs)
    row = db.session.scalar(db.select(EmailAttachment).where(EmailAttachment.filename == "invoice.pdf"))
    assert (tmp_path / "worker" / "attachments" / row.storage_name[:2] / row.storage_name).read_bytes() == PDF
    response = as_agent.get(f"/attachments/{row.id}")
    assert response.status_code == 404
    assert "shared storage (HALO_STORAGE=s3)" in response.get_data(as_text=True)


def test_an_avatar_uploaded_on_one_web_host_is_served_by_another(app, s3_storage, as_admin, client, tmp_path):
    _hosts(app, tmp_path)
    response = as_admin.post("/settings/team/aliases", data={
        "name": "Ava", "avatar": (io.BytesIO(PNG), "me.png")}, content_type="multipart/form-data")
    assert response.status_code == 302
    name = db.session.scalar(db.select(AliasUser.avatar_file))
    app.config["HALO_AVATAR_DIR"] = str(tmp_path / "other-host" / "avatars")
    picture = client.get(f"/avatars/{name}")
    assert picture.status_code == 200 and picture.data == PNG and picture.mimetype == "image/png"
    assert picture.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert bucket_keys(s3_storage) == {f"halo/avatars/{name}": PNG}
    assert client.get("/avatars/NoSuchAvatarNameHere0.png").status_code == 404
