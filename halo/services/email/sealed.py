"""Secrets Halo must use again later (IMAP passwords), sealed at rest.

Fernet (AES-128-CBC with an HMAC-SHA256 tag, from the `cryptography` package) under a key
derived from SECRET_KEY, so a copied database file or backup does not hand out the team's
mailbox passwords. Stored as "fernet:<token>". A value without the prefix was stored
before sealing existed; it still works and is sealed the next time it is used.

Changing SECRET_KEY makes sealed values unreadable: the mailbox then shows a clear error
asking for the password again, and nothing else is lost.
"""
import base64
import hashlib

from flask import current_app

PREFIX = "fernet:"


class Unsealable(Exception):
    """The value was sealed under another SECRET_KEY (or was damaged)."""


def _fernet():
    from cryptography.fernet import (
        Fernet,  # sealing is rare: not loaded by every process
    )

    secret = current_app.config["SECRET_KEY"]
    secret = secret if isinstance(secret, bytes) else str(secret).encode()
    # A key of its own for this purpose, never SECRET_KEY itself.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"halo sealed v1\0" + secret).digest()))


def seal(value: str) -> str:
    return PREFIX + _fernet().encrypt(value.encode()).decode()


def is_sealed(stored: str | None) -> bool:
    return bool(stored) and stored.startswith(PREFIX)


def unseal(stored: str) -> str:
    if not is_sealed(stored):
        return stored
    from cryptography.fernet import InvalidToken

    try:
        return _fernet().decrypt(stored[len(PREFIX):].encode()).decode()
    except InvalidToken:
        raise Unsealable("The saved password cannot be read: SECRET_KEY has changed since it "
                         "was saved. Remove the mailbox and add it again with its password.") from None
