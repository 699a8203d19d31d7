"""Resolve once, check every address, connect to the checked address itself."""
import ipaddress
import socket
import ssl

from flask_babel import gettext

from halo.services.netguard.addresses import (
    AllowList,
    OutboundError,
    Refused,
    allow_list,
    permitted,
)


def resolve(host: str, port: int, allowed: AllowList | None = None) -> list[tuple]:
    """The (family, sockaddr) pairs `host` may be reached at; Refused when there are none."""
    host = (host or "").strip()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    if not host or any(c.isspace() or ord(c) < 32 for c in host):
        raise OutboundError(gettext("%(host)s is not a host name.", host=f'{host!r}'))
    allowed = allow_list() if allowed is None else allowed
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise OutboundError(gettext("Cannot find the host %(host)s: %(strerror)s.", host=host, strerror=_strerror(exc))) from None
    usable, refusals = [], []
    for family, _, _, _, sockaddr in infos:
        ip = ipaddress.ip_address(sockaddr[0].split("%", 1)[0])
        reason = permitted(host, ip, allowed)
        if reason is None:
            if (family, sockaddr) not in usable:
                usable.append((family, sockaddr))
        else:
            refusals.append((ip, reason))
    if not usable:
        ip, reason = refusals[0] if refusals else ("no address", "unreachable")
        where = str(ip) if str(ip) == host else f"{host} ({ip})"
        raise Refused(f"Halo does not connect to {where}: it is {reason}. An admin can allow "
                      "this host with HALO_OUTBOUND_ALLOW.")
    return usable


def check_host(host: str, port: int = 0) -> None:
    """Raise Refused if `host` resolves only to refused addresses (a name that does not
    resolve now is not refused: the connection will say so when it is tried)."""
    try:
        resolve(host, port or None)
    except Refused:
        raise
    except OutboundError:
        return


def connect(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP socket connected to a checked address of `host`, with `timeout` set on it."""
    last = None
    for family, sockaddr in resolve(host, port):
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.settimeout(timeout)
        try:
            sock.connect(sockaddr)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
    raise OutboundError(gettext("Cannot connect to %(host)s port %(port)s: %(strerror)s.", host=host, port=port, strerror=_strerror(last)))


def tls_context() -> ssl.SSLContext:
    """Verifies the certificate and the host name; TLS 1.2 at least."""
    context = ssl.create_default_context()
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


def wrap_tls(sock: socket.socket, host: str, context: ssl.SSLContext | None = None) -> ssl.SSLSocket:
    """TLS over a socket from `connect`, checked against the name the admin typed."""
    try:
        return (context or tls_context()).wrap_socket(sock, server_hostname=host.strip("[]"))
    except BaseException:
        sock.close()
        raise


def _strerror(exc: BaseException | None) -> str:
    if exc is None:
        return "no address to try"
    if isinstance(exc, TimeoutError | socket.timeout):
        return "timed out"
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
