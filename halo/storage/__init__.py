"""Where Halo keeps files: email attachments and alias avatars, behind one interface.

Two backends answer the same calls: a local directory (the default) and an S3-compatible
bucket (HALO_STORAGE=s3), which web and worker processes on several hosts share. Files
are immutable: a name is chosen once by Halo (never by a sender or uploader), written
once and only read after that, so a name is also a good ETag.

Areas keep kinds of files apart: "attachments" (files that came with inbound email) and
"avatars" (alias pictures shown to widget visitors). Services call get_storage(); the
backend is chosen by init_storage(app) in create_app.
"""
from flask import Flask, current_app

from halo.storage.base import (
    AREAS,
    NAME,
    FileMissing,
    Storage,
    StorageError,
    StoredFile,
    check,
)
from halo.storage.local import LocalStorage

__all__ = ["AREAS", "NAME", "FileMissing", "Storage", "StorageError", "StoredFile", "check",
           "init_storage", "get_storage"]


def init_storage(app: Flask) -> None:
    """Choose the backend from HALO_STORAGE: local (default) or s3."""
    kind = (app.config.get("HALO_STORAGE") or "local").lower()
    if kind == "local":
        backend = LocalStorage(app.config)
    elif kind == "s3":
        # Imported only here: boto3 is an optional requirement (requirements-s3.txt).
        from halo.storage.s3 import S3Storage
        backend = S3Storage(app.config)
    else:
        raise StorageError(f"HALO_STORAGE must be 'local' or 's3', not {kind!r}.")
    app.extensions["halo_storage"] = backend


def get_storage() -> Storage:
    """The current app's storage backend."""
    return current_app.extensions["halo_storage"]
