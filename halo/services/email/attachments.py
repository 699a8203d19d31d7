"""Files that come with inbound email: kept in storage under random names, never the sender's."""
import secrets
from urllib.parse import quote

from flask import current_app
from sqlalchemy import select

from halo.extensions import db
from halo.models import EmailAttachment
from halo.services.access import scope as access_scope
from halo.services.errors import NotFound
from halo.storage import FileMissing, StoredFile, get_storage

AREA = "attachments"
# Images a browser may show inline in the agent's page. SVG is missing on purpose:
# it can carry script.
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


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
            # Stored before the row commits: a committed row always has its file.
            row.storage_name = secrets.token_hex(20)
            get_storage().save(AREA, row.storage_name, item.payload)
            total += item.size
        db.session.add(row)
    return notes


def _open(row: EmailAttachment) -> StoredFile:
    try:
        return get_storage().open(AREA, row.storage_name)
    except FileMissing:
        # Local storage on several hosts without a shared folder ends here: say so, not a 500.
        current_app.logger.warning("Attachment %s (%s) is missing from storage %s", row.id,
                                   row.storage_name, get_storage().describe())
        raise NotFound("The file of this attachment is missing from storage. With web and worker "
                       "on several hosts, they need shared storage (HALO_STORAGE=s3).") from None


def get_attachment(attachment_id: int) -> tuple[EmailAttachment, StoredFile]:
    """The attachment row and its stored file, or NotFound."""
    row = db.session.get(EmailAttachment, attachment_id)
    if row is None or not row.storage_name:
        raise NotFound("That attachment does not exist or was not kept.")
    try:
        access_scope.require_inbound(row.inbound_id)
    except NotFound:
        raise NotFound("That attachment does not exist or was not kept.") from None
    return row, _open(row)


def inline_image(inbound_id: int, content_id: str) -> tuple[EmailAttachment, StoredFile]:
    """The cid: image of an inbound email, only when it is a safe raster image."""
    row = db.session.scalar(select(EmailAttachment).where(
        EmailAttachment.inbound_id == inbound_id, EmailAttachment.content_id == content_id).limit(1))
    if row is None or not row.storage_name or row.content_type not in INLINE_IMAGE_TYPES:
        raise NotFound("No such inline image.")
    try:
        access_scope.require_inbound(inbound_id)
    except NotFound:
        raise NotFound("No such inline image.") from None
    return row, _open(row)


def cid_path(inbound_id: int, content_id: str) -> str:
    """The app-relative URL an inline cid: image is served from."""
    return f"/email/inbound/{inbound_id}/cid/{quote(content_id, safe='')}"
