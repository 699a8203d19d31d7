"""Outbound connections to hosts an admin typed (IMAP now, webhooks next), guarded against SSRF.

A host name is resolved once; every address it resolves to is checked, and the socket is
connected to a checked address itself, never to the name again (no second lookup a DNS
rebinding could answer differently). Loopback, link-local, private, shared, reserved,
multicast and cloud metadata addresses are refused unless the admin allow-lists the host
or its network in HALO_OUTBOUND_ALLOW.

Public surface:
- `connect(host, port, timeout)`: a TCP socket to a checked address (`Refused` otherwise);
- `tls_context()` / `wrap_tls(sock, host)`: certificate-verifying TLS over such a socket;
- `check_host(host)`: raise `Refused` now if a host can only reach refused addresses;
- `http_request(method, url, ...)`: one HTTP(S) exchange, no redirects followed, a
  timeout and a deadline, the body bounded.
"""
from halo.services.netguard.addresses import (
                                              METADATA,
                                              AllowList,
                                              OutboundError,
                                              Refused,
                                              allow_list,
                                              refusal_reason,
)
from halo.services.netguard.http import Response, ResponseTooLarge, http_request
from halo.services.netguard.sockets import (
                                              check_host,
                                              connect,
                                              resolve,
                                              tls_context,
                                              wrap_tls,
)

__all__ = ["METADATA", "AllowList", "OutboundError", "Refused", "Response", "ResponseTooLarge",
           "allow_list", "check_host", "connect", "http_request", "refusal_reason", "resolve",
           "tls_context", "wrap_tls"]
