"""Alias users: a name and avatar the customer sees instead of the agent's."""
import re
import secrets

from flask_babel import gettext

from halo.extensions import db
from halo.models import AliasUser
from halo.services.errors import NotFound, ValidationError
from halo.storage import FileMissing, StoredFile, get_storage

MAX_AVATAR = 512 * 1024
# Raster formats only, recognised by their magic bytes (SVG can carry script).
SIGNATURES = {b"\x89PNG\r\n\x1a\n": "png", b"\xff\xd8\xff": "jpg", b"GIF87a": "gif",
              b"GIF89a": "gif"}
AVATAR_NAME = re.compile(r"^[A-Za-z0-9_-]{16,40}\.(png|jpg|gif|webp)$")


def open_avatar(name: str) -> StoredFile:
    """An alias picture from storage (outside the static folder, served through a checked view)."""
    if not AVATAR_NAME.match(name or ""):
        raise NotFound(gettext("No such avatar."))
    try:
        return get_storage().open("avatars", name)
    except FileMissing:
        raise NotFound(gettext("No such avatar.")) from None


def _image_kind(data: bytes) -> str:
    for magic, kind in SIGNATURES.items():
        if data.startswith(magic):
            return kind
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    raise ValidationError(gettext("The avatar must be a PNG, JPEG, GIF or WebP image."))


def create_alias(name: str, avatar: bytes | None) -> AliasUser:
    """Save an alias; the avatar file name is random, never the uploader's."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise ValidationError(gettext("An alias needs a name of at most 120 characters."))
    alias = AliasUser(name=name)
    if avatar:
        if len(avatar) > MAX_AVATAR:
            raise ValidationError(gettext("The avatar must be at most 512 KB."))
        filename = f"{secrets.token_urlsafe(18)}.{_image_kind(avatar)}"
        get_storage().save("avatars", filename, avatar)
        alias.avatar_file = filename
    db.session.add(alias)
    db.session.commit()
    return alias


def list_aliases(active_only: bool = False) -> list[AliasUser]:
    """Aliases by name."""
    query = db.select(AliasUser).order_by(AliasUser.name)
    if active_only:
        query = query.where(AliasUser.active.is_(True))
    return db.session.scalars(query).all()


def set_alias_active(alias_id: int, active: bool) -> AliasUser:
    """Retire or restore an alias (old messages keep showing it)."""
    alias = db.session.get(AliasUser, alias_id)
    if alias is None:
        raise NotFound(gettext("That alias does not exist."))
    alias.active = active
    db.session.commit()
    return alias


def check_alias(alias_id: int | None) -> int | None:
    """An active alias id, or ValidationError."""
    if alias_id is None:
        return None
    alias = db.session.get(AliasUser, alias_id)
    if alias is None or not alias.active:
        raise ValidationError(gettext("That alias does not exist or was retired."))
    return alias.id
