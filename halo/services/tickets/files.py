"""Files out: what a teammate attaches to a reply or a note.

Kept like the files that come in by email (services/email/attachments.py): in storage under
a random name, a row per file on the message, the same size limits (HALO_MAX_ATTACHMENT_BYTES
a file, HALO_MAX_ATTACHMENTS_BYTES a message, HALO_MAX_ATTACHMENT_FILES files) and the same
locked-down download. The sender's name for a file is cleaned (no folders, no control
characters) and its stated type is kept only when it is a well-formed media type; the
download never lets a browser run it. An email reply carries them as MIME parts; the chat
widget gets a signed link per file, which opens only a file of a message the customer saw.
"""
import re
import secrets
import unicodedata
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext
from itsdangerous import BadSignature, URLSafeSerializer

from halo.extensions import db
from halo.models import EmailAttachment, Message
from halo.services.email.attachments import AREA
from halo.services.errors import NotFound, ValidationError
from halo.storage import get_storage

MEDIA_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,63}$")
CUSTOMER_KINDS = ("agent", "ai")  # what a customer sees (never a note's files)
WIDGET_SALT = "halo-widget-file"


@dataclass(frozen=True)
class Upload:
    """A file as a teammate sent it: the name and type their browser gave, and the bytes."""
    filename: str
    content_type: str
    payload: bytes

    @property
    def size(self) -> int:
        return len(self.payload)


def clean_filename(raw: str | None) -> str:
    """The last path segment, without control or format characters, at most 255 long."""
    name = (raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C")
    name = " ".join(name.split()).strip(". ")
    return name[:255] or "file"


def clean_type(raw: str | None) -> str:
    value = (raw or "").split(";", 1)[0].strip().lower()
    return value if MEDIA_TYPE.match(value) else "application/octet-stream"


def check_uploads(uploads: list[Upload]) -> list[Upload]:
    """The uploads that carry bytes, or ValidationError naming the first limit passed."""
    config = current_app.config
    uploads = [u for u in uploads if u.payload or u.filename]
    if len(uploads) > config["HALO_MAX_ATTACHMENT_FILES"]:
        raise ValidationError(gettext("Attach at most %(value)s files.", value=config['HALO_MAX_ATTACHMENT_FILES']))
    total = 0
    for upload in uploads:
        name = clean_filename(upload.filename)
        if not upload.payload:
            raise ValidationError(gettext("%(name)s is empty.", name=name))
        if upload.size > config["HALO_MAX_ATTACHMENT_BYTES"]:
            raise ValidationError(gettext("%(name)s is larger than %(mb)s, the most a file may be.", name=name, mb=_mb(config['HALO_MAX_ATTACHMENT_BYTES'])))
        total += upload.size
    if total > config["HALO_MAX_ATTACHMENTS_BYTES"]:
        raise ValidationError(gettext("The files come to more than %(mb)s, the most one message may carry.", mb=_mb(config['HALO_MAX_ATTACHMENTS_BYTES'])))
    return uploads


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):g} MB"


def attach(message: Message, uploads: list[Upload]) -> list[EmailAttachment]:
    """Store checked uploads and add their rows to the message (flushed, not committed).
    Each file is in storage before its row can commit, so a committed row has its file."""
    if not uploads:
        return []
    db.session.flush()  # the message's id
    rows = []
    for index, upload in enumerate(uploads):
        row = EmailAttachment(inbound_id=None, message_id=message.id, filename=clean_filename(upload.filename),
                              content_type=clean_type(upload.content_type), size=upload.size,
                              inline=False, part_index=index, storage_name=secrets.token_hex(20))
        get_storage().save(AREA, row.storage_name, upload.payload)
        db.session.add(row)
        rows.append(row)
    return rows


# The chat widget's links


def _signer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=WIDGET_SALT)


def widget_token(row: EmailAttachment, ticket_id: int) -> str:
    return _signer().dumps([row.id, ticket_id])


def for_widget(token: str) -> EmailAttachment:
    """The file a widget link names: signed by this Halo, of a message the customer was sent
    on that ticket, and still kept; otherwise NotFound (the same answer for each)."""
    missing = NotFound(gettext("That file is not available."))
    try:
        attachment_id, ticket_id = _signer().loads(token)
    except (BadSignature, ValueError, TypeError):
        raise missing from None
    row = db.session.get(EmailAttachment, attachment_id) if isinstance(attachment_id, int) else None
    if row is None or not row.storage_name or row.message is None:
        raise missing
    message = row.message
    if message.ticket_id != ticket_id or message.kind not in CUSTOMER_KINDS:
        raise missing
    return row
