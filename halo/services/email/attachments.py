"""Files that come with inbound email: kept in storage under random names, never the sender's.
(Files teammates attach to replies share the rows and the download: services/tickets/files.py.)"""
import secrets
from urllib.parse import quote

from flask import current_app
from flask_babel import gettext
from sqlalchemy import select

from halo.extensions import db
from halo.mail.parse import EmailParseError, parse_email
from halo.models import EmailAttachment, InboundEmail
from halo.services.access import scope as access_scope
from halo.services.errors import NotFound
from halo.storage import FileMissing, StoredFile, get_storage

AREA = "attachments"
# Images a browser may show inline in the agent's page. SVG is missing on purpose:
# it can carry script.
INLINE_IMAGE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def store_attachments(inbound_id: int, message_id: int | None, files) -> list[str]:
    """Write files within the size limits and add their rows (no commit).

    A file over a limit keeps its row (name, size, place in the message) without a stored
    copy: the thread lists it, and an admin can take it from the original (original_file).
    Returns the names of the files not kept."""
    per_file = current_app.config["HALO_MAX_ATTACHMENT_BYTES"]
    per_message = current_app.config["HALO_MAX_ATTACHMENTS_BYTES"]
    total, skipped = 0, []
    for item in files:
        row = EmailAttachment(inbound_id=inbound_id, message_id=message_id,
                              filename=(item.filename or "attachment")[:255],
                              content_type=(item.content_type or "application/octet-stream")[:127],
                              size=item.size, content_id=(item.content_id or None) and item.content_id[:255],
                              inline=bool(item.inline), part_index=item.index)
        if item.size > per_file or total + item.size > per_message:
            skipped.append(row.filename)
        else:
            # Stored before the row commits: a committed row always has its file.
            row.storage_name = secrets.token_hex(20)
            get_storage().save(AREA, row.storage_name, item.payload)
            total += item.size
        db.session.add(row)
    return skipped


def open_attachment(row: EmailAttachment) -> StoredFile:
    try:
        return get_storage().open(AREA, row.storage_name)
    except FileMissing:
        # Local storage on several hosts without a shared folder ends here: say so, not a 500.
        current_app.logger.warning("Attachment %s (%s) is missing from storage %s", row.id,
                                   row.storage_name, get_storage().describe())
        raise NotFound(gettext("The file of this attachment is missing from storage. With web and worker on several hosts, they need shared storage (HALO_STORAGE=s3).")) from None


def read_kept(row: EmailAttachment) -> bytes:
    """A kept file's bytes (an outbound email attaches a teammate's files)."""
    return open_attachment(row).read()


def get_attachment(attachment_id: int) -> tuple[EmailAttachment, StoredFile]:
    """The attachment row and its stored file, or NotFound."""
    row = db.session.get(EmailAttachment, attachment_id)
    if row is None or not row.storage_name:
        raise NotFound(gettext("That attachment does not exist or was not kept."))
    try:
        if row.inbound_id is not None:
            access_scope.require_inbound(row.inbound_id)
        else:  # a teammate's file: whoever sees its message's ticket
            access_scope.require_message(row.message)
    except NotFound:
        raise NotFound(gettext("That attachment does not exist or was not kept.")) from None
    return row, open_attachment(row)


def inline_image(inbound_id: int, content_id: str) -> tuple[EmailAttachment, StoredFile]:
    """The cid: image of an inbound email, only when it is a safe raster image."""
    row = db.session.scalar(select(EmailAttachment).where(
        EmailAttachment.inbound_id == inbound_id, EmailAttachment.content_id == content_id).limit(1))
    if row is None or not row.storage_name or row.content_type not in INLINE_IMAGE_TYPES:
        raise NotFound(gettext("No such inline image."))
    try:
        access_scope.require_inbound(inbound_id)
    except NotFound:
        raise NotFound(gettext("No such inline image.")) from None
    return row, open_attachment(row)


def original_file(attachment_id: int) -> tuple[EmailAttachment, bytes]:
    """A file as it is in the stored original email, kept or not (for admins)."""
    row = db.session.get(EmailAttachment, attachment_id)
    if row is None or row.part_index is None:
        raise NotFound(gettext("That attachment does not exist."))
    try:
        access_scope.require_inbound(row.inbound_id)
    except NotFound:
        raise NotFound(gettext("That attachment does not exist.")) from None
    inbound = db.session.get(InboundEmail, row.inbound_id)
    try:
        parsed = parse_email(inbound.raw, max_files=row.part_index + 1)
    except EmailParseError as exc:
        raise NotFound(gettext("The original email cannot be read: %(exc)s", exc=exc)) from exc
    for item in parsed.attachments:
        if item.index == row.part_index:
            return row, item.payload
    raise NotFound(gettext("That file is no longer in the original email."))


def cid_path(inbound_id: int, content_id: str) -> str:
    """The app-relative URL an inline cid: image is served from."""
    return f"/email/inbound/{inbound_id}/cid/{quote(content_id, safe='')}"
