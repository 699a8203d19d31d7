"""Flask's signed-cookie sessions, with the work of checking a cookie's signature done
once per process for each cookie.

A signed-in teammate's browser sends the same session cookie with every request until the
session changes, and Flask checks its HMAC (and builds the serializer that does it) every
time: 4% of an inbox page. The cookie's exact text is a fair key for that check, since
the same bytes verify the same way, so the time each verified cookie was signed is kept in
a bounded table; a kept cookie is still refused once older than the session lifetime, as
Flask would refuse it, and its payload is decoded afresh on every request, so no request
shares another's session object (flash() appends to a list in place).
"""
import threading
import time
from collections import OrderedDict

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

KEPT = 4096  # cookies remembered per process (sessions in use at once, with room to spare)


class KeptSignatureSessionInterface(SecureCookieSessionInterface):
    def __init__(self, kept: int = KEPT):
        self._kept = kept
        self._signed_at: OrderedDict[str, float] = OrderedDict()
        self._serializer = (None, None)  # (its keys, the serializer)
        self._lock = threading.Lock()

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        known, serializer = self._serializer
        if known != keys:
            serializer = super().get_signing_serializer(app)
            with self._lock:
                self._serializer = (keys, serializer)
                self._signed_at.clear()  # a new key: nothing verified under the old one stands
        return serializer

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        signed_at = self._signed_at.get(value)
        if signed_at is not None and time.time() - signed_at <= max_age:
            # What the signature covered (the payload before ".timestamp.signature"), which
            # decoded when it was verified, so it decodes again.
            return self.session_class(serializer.load_payload(value.rsplit(".", 2)[0].encode()))
        try:
            data, when = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        with self._lock:
            self._signed_at[value] = when.timestamp()
            while len(self._signed_at) > self._kept:
                self._signed_at.popitem(last=False)
        return self.session_class(data)
