"""Files that come with inbound email: stored outside the web root under random names."""
import os
import secrets
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select

from halo.extensions import db
from halo.models import EmailAttachment
from halo.services.errors import NotFound

# Images a browser may show inline in the agent's page. SVG is missing on purpose:
# it can carry script.
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def _path(storage_name: str) -> str:
    return os.path.join(current_app.config["HALO_ATTACHMENT_DIR"], storage_name[:2], storage_name)


def store_attachments(inbound_id: int, message_id: int | None, files) -> list[str]:
    """Write files within the size limits and add their rows (no commit); returns notes on skips."""
    per_file = current_app.config["HALO_MAX_ATTACHMENT_BYTES"]
    per_message = current_app.config["HALO_MAX_ATTACHMENTS_BYTES"]
    total, notes = 0, []
    for item in files:
        row = EmailAttachment(inbound_id=inbound_id, message_id=message_id,
                              filename=(item.filename or "attachment")[:255],
                              content_type=(item.content_type or "application/octet-stream")[:127],
                              size=item.size, content_id=(item.content_id or None) and item.content_id[:255],
                              inline=bool(item.inline))
        if item.size > per_file or total + item.size > per_message:
            notes.append(f"{row.filename} ({item.size // 1024} KB) was not kept: over the size limit.")
        else:
            row.storage_name = _write(item.payload)
            total += item.size
        db.session.add(row)
    return notes


def _write(payload: bytes) -> str:
    name = secrets.token_hex(20)
    path = _path(name)
    os.makedirs(os.path.dirname(path), mode=0o700, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(payload)
    return name


def get_attachment(attachment_id: int) -> tuple[EmailAttachment, str]:
    """The attachment row and its file path, or NotFound."""
    row = db.session.get(EmailAttachment, attachment_id)
    if row is None or not row.storage_name:
        raise NotFound("That attachment does not exist or was not kept.")
    return row, _path(row.storage_name)


def inline_image(inbound_id: int, content_id: str) -> tuple[EmailAttachment, str]:
    """The cid: image of an inbound email, only when it is a safe raster image."""
    row = db.session.scalar(select(EmailAttachment).where(
        EmailAttachment.inbound_id == inbound_id, EmailAttachment.content_id == content_id).limit(1))
    if row is None or not row.storage_name or row.content_type not in INLINE_IMAGE_TYPES:
        raise NotFound("No such inline image.")
    return row, _path(row.storage_name)


def cid_path(inbound_id: int, content_id: str) -> str:
    """The app-relative URL an inline cid: image is served from."""
    return f"/email/inbound/{inbound_id}/cid/{quote(content_id, safe='')}"
