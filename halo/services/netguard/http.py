"""One HTTP(S) exchange with a host an admin typed: checked address, no redirects followed,
a deadline for the whole exchange and a bound on the body read.

http.client from the standard library: it follows no redirects, reads no proxy settings from
the environment (a proxy would make the address check meaningless) and asks for an
uncompressed body, so `max_bytes` bounds what is actually held in memory.
"""
import http.client
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from flask_babel import gettext

from halo.services.netguard.addresses import OutboundError
from halo.services.netguard.sockets import connect, wrap_tls

_METHOD = re.compile(r"^[A-Z]{1,16}$")
CHUNK = 64 * 1024


class ResponseTooLarge(OutboundError):
    """The response body went past `max_bytes`."""


@dataclass
class Response:
    """What came back: a redirect is returned as it is (see `location`), never followed."""
    status: int
    reason: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """The first header of that name (case-insensitive), or None."""
        name = name.lower()
        return next((v for k, v in self.headers if k.lower() == name), None)

    @property
    def location(self) -> str | None:
        return self.header("Location") if 300 <= self.status < 400 else None


class _Connection(http.client.HTTPConnection):
    """Connects through netguard: the checked address, then TLS against the typed name."""

    def __init__(self, host, port, timeout, use_tls):
        super().__init__(host, port, timeout=timeout)
        self.use_tls = use_tls

    def connect(self):
        sock = connect(self.host, self.port, self.timeout)
        self.sock = wrap_tls(sock, self.host) if self.use_tls else sock


def http_request(method: str, url: str, body: bytes | str | None = None,
                 headers: dict | None = None, timeout: float = 10.0,
                 max_bytes: int = 1024 * 1024) -> Response:
    """Send one request; OutboundError (or its Refused / ResponseTooLarge) when it fails.
    `timeout` bounds the whole exchange, connection to last byte."""
    method = (method or "").upper()
    if not _METHOD.match(method):
        raise OutboundError(gettext("%(method)s is not an HTTP method.", method=f'{method!r}'))
    parts = _split(url)
    deadline = time.monotonic() + timeout
    conn = _Connection(parts.hostname, parts.port, timeout, parts.scheme == "https")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        conn.request(method, target, body=body, headers=dict(headers or {}))
        _remaining(conn, deadline)
        resp = conn.getresponse()
        data = _read(conn, resp, deadline, max_bytes)
        return Response(resp.status, resp.reason, list(resp.getheaders()), data)
    except OutboundError:
        raise
    except ValueError as exc:  # a header value holding CR/LF, a bad URL part
        raise OutboundError(gettext("The request to %(hostname)s is not valid: %(exc)s", hostname=parts.hostname, exc=exc)) from None
    except (OSError, http.client.HTTPException) as exc:
        what = "timed out" if isinstance(exc, TimeoutError) else (str(exc) or type(exc).__name__)
        raise OutboundError(gettext("The request to %(hostname)s failed: %(what)s.", hostname=parts.hostname, what=what)) from None
    finally:
        conn.close()


def _split(url: str):
    try:
        parts = urlsplit((url or "").strip())
        parts.port  # noqa: B018 -- raises ValueError on a port out of range
    except ValueError as exc:
        raise OutboundError(gettext("%(url)s is not a valid URL: %(exc)s.", url=f'{url!r}', exc=exc)) from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise OutboundError(gettext("%(url)s is not an http:// or https:// URL.", url=f'{url!r}'))
    if parts.username is not None or parts.password is not None:
        raise OutboundError(gettext("Put credentials in a header, not in the URL."))
    return parts


def _remaining(conn, deadline: float) -> None:
    left = deadline - time.monotonic()
    if left <= 0:
        raise OutboundError(gettext("The request to %(host)s timed out.", host=conn.host))
    if conn.sock is not None:
        conn.sock.settimeout(left)


def _read(conn, resp, deadline: float, max_bytes: int) -> bytes:
    length = resp.getheader("Content-Length")
    if length and length.isdigit() and int(length) > max_bytes:
        raise ResponseTooLarge(f"The response from {conn.host} is {length} bytes, over the "
                               f"limit of {max_bytes}.")
    chunks, size = [], 0
    while True:
        _remaining(conn, deadline)
        chunk = resp.read1(min(CHUNK, max_bytes + 1 - size))  # what has come, not a full CHUNK
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)
        size += len(chunk)
        if size > max_bytes:
            raise ResponseTooLarge(f"The response from {conn.host} is over the limit of "
                                   f"{max_bytes} bytes.")
