"""IMAP polling: fetch unseen messages past the last UID, store each, remember progress.

Progress is committed per message, so a dropped connection loses nothing: the next poll
resumes after the last stored UID (and the ingest's dedupe absorbs any overlap).
Connections go through netguard: the host an admin typed is resolved once and refused when
it is loopback, private, link-local or a metadata address (HALO_OUTBOUND_ALLOW allows one),
and TLS verifies the server's certificate.
"""
import imaplib
import logging
import socket
import ssl
from datetime import datetime

from flask_babel import gettext
from sqlalchemy import select

from halo import clock
from halo.extensions import db
from halo.models import Mailbox
from halo.services import netguard
from halo.services.email import oauth, sealed
from halo.services.email.ingest import receive_email
from halo.services.errors import NotFound

log = logging.getLogger(__name__)
TIMEOUT = 30
BATCH = 200


def poll_all(now: datetime | None = None) -> dict[int, int]:
    """Poll every enabled mailbox; {mailbox id: messages stored}."""
    ids = db.session.scalars(select(Mailbox.id).where(Mailbox.enabled)).all()
    return {mailbox_id: poll_mailbox(mailbox_id, now) for mailbox_id in ids}


def poll_all_reported(now: datetime | None = None) -> dict[int, tuple[int, str | None]]:
    """Poll every enabled mailbox; {mailbox id: (messages stored, error or None)}."""
    ids = db.session.scalars(select(Mailbox.id).where(Mailbox.enabled)).all()
    return {mailbox_id: poll_now(mailbox_id, now) for mailbox_id in ids}


def poll_mailbox(mailbox_id: int, now: datetime | None = None) -> int:
    """Fetch one mailbox's new unseen messages; errors are recorded on the mailbox, not raised."""
    box = db.session.get(Mailbox, mailbox_id)
    stored = 0
    try:
        login = _login_for(box, now)  # a token is refreshed before connecting
        with _connect(box, login) as imap:
            uids = _new_uids(imap, box)
            for uid in uids[:BATCH]:
                stored += _fetch_one(imap, box, uid, now)
        box.last_error = None
    except (OSError, imaplib.IMAP4.error, socket.timeout, EOFError, oauth.SignInNeeded,
            sealed.Unsealable) as exc:
        db.session.rollback()
        box = db.session.get(Mailbox, mailbox_id)
        box.last_error = _describe(exc)[:1000]
        log.warning("IMAP poll of %s@%s failed: %s", box.username, box.host, exc)
    box.last_polled_at = now or clock.now()
    db.session.commit()
    return stored


def _login_for(box: Mailbox, now: datetime | None):
    """How to sign in to this mailbox once connected: a password, or an OAuth token."""
    if box.oauth is not None:
        token = oauth.access_token(box, now)
        return lambda imap: _oauth_login(imap, box, token, now)
    password = sealed.unseal(box.password)
    if not sealed.is_sealed(box.password):  # saved before sealing existed: seal it now
        box.password = sealed.seal(password)
        db.session.commit()
    return lambda imap: imap.login(box.username, password)


def _oauth_login(imap, box: Mailbox, token: str, now: datetime | None) -> None:
    """AUTHENTICATE XOAUTH2; refused with a token Halo thought current (revoked early, or
    the clocks differ), refresh it once and try again."""
    answer = XOAuth2(box.username, token)
    try:
        imap.authenticate("XOAUTH2", answer)
        return
    except imaplib.IMAP4.error:
        pass
    answer = XOAuth2(box.username, oauth.access_token(box, now, force=True))
    try:
        imap.authenticate("XOAUTH2", answer)
    except imaplib.IMAP4.error as exc:
        raise imaplib.IMAP4.error(f"{exc}{answer.detail()}") from None


class XOAuth2:
    """imaplib's authobject for XOAUTH2: the token first; to the server's error challenge
    (a JSON status), an empty answer, keeping the challenge to explain the refusal."""

    def __init__(self, username: str, token: str):
        self.payload, self.challenges = oauth.xoauth2(username, token), []

    def __call__(self, challenge: bytes) -> bytes:
        if self.payload is None:
            self.challenges.append(challenge)
            return b""
        payload, self.payload = self.payload, None
        return payload

    def detail(self) -> str:
        text = b" ".join(self.challenges).decode("utf-8", "replace").strip()
        return f" ({text})" if text else ""


def poll_now(mailbox_id: int, now: datetime | None = None) -> tuple[int, str | None]:
    """Poll one mailbox at an admin's request: (messages stored, the error if it failed)."""
    if db.session.get(Mailbox, mailbox_id) is None:
        raise NotFound(gettext("That mailbox does not exist."))
    stored = poll_mailbox(mailbox_id, now)
    return stored, db.session.get(Mailbox, mailbox_id).last_error


class GuardedIMAP4(imaplib.IMAP4):
    """imaplib's client, connected through netguard (the checked address, never the name
    resolved a second time)."""

    def _create_socket(self, timeout):
        return netguard.connect(self.host, self.port, timeout or TIMEOUT)


class GuardedIMAP4_SSL(imaplib.IMAP4_SSL):
    """The same over TLS, verifying the certificate against the host name typed."""

    def __init__(self, host, port, timeout=TIMEOUT):
        super().__init__(host, port, ssl_context=netguard.tls_context(), timeout=timeout)

    def _create_socket(self, timeout):
        sock = netguard.connect(self.host, self.port, timeout or TIMEOUT)
        return netguard.wrap_tls(sock, self.host, self.ssl_context)


def _connect(box: Mailbox, login):
    cls = GuardedIMAP4_SSL if box.use_ssl else GuardedIMAP4
    imap = cls(box.host, box.port, timeout=TIMEOUT)
    try:
        login(imap)
    except BaseException:
        imap.shutdown()
        raise
    return imap


def _describe(exc: BaseException) -> str:
    """The error an admin reads on the mailbox."""
    if isinstance(exc, netguard.OutboundError | oauth.SignInNeeded | sealed.Unsealable):
        return str(exc)
    if isinstance(exc, imaplib.IMAP4.error):
        return f"The server said: {exc}"
    if isinstance(exc, ssl.SSLCertVerificationError):
        return f"The server's certificate is not trusted: {exc.verify_message}."
    if isinstance(exc, TimeoutError | socket.timeout):
        return "The server did not answer in time."
    return f"{type(exc).__name__}: {exc}"


def _new_uids(imap, box: Mailbox) -> list[int]:
    typ, _ = imap.select(_quote(box.folder))
    if typ != "OK":
        raise imaplib.IMAP4.error(f"cannot open folder {box.folder!r}")
    validity = _uidvalidity(imap)
    if validity is not None and validity != box.uidvalidity:
        # A new UIDVALIDITY means old UIDs name other messages now: start over (dedupe
        # by Message-ID keeps the ones already stored from being stored twice).
        box.uidvalidity, box.last_uid = validity, 0
        db.session.commit()
    typ, data = imap.uid("SEARCH", None, "UNSEEN", f"UID {box.last_uid + 1}:*")
    if typ != "OK":
        raise imaplib.IMAP4.error("UID SEARCH failed")
    # "n:*" always matches the highest UID, even one below n: filter it out.
    return sorted(u for u in (int(x) for x in (data[0] or b"").split()) if u > box.last_uid)


def _uidvalidity(imap) -> int | None:
    _, data = imap.response("UIDVALIDITY")
    return int(data[0]) if data and data[0] else None


def _fetch_one(imap, box: Mailbox, uid: int, now) -> int:
    typ, data = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
    raw = next((part[1] for part in data or [] if isinstance(part, tuple)), None)
    if typ != "OK" or raw is None:
        raise imaplib.IMAP4.error(f"FETCH of UID {uid} failed")
    _, created = receive_email(raw, "imap", envelope_to=[box.username] if "@" in box.username else [],
                               now=now)
    imap.uid("STORE", str(uid), "+FLAGS", "(\\Seen)")
    box.last_uid = uid
    db.session.commit()
    return int(created)


def _quote(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'
