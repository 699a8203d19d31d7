"""Which addresses an outbound connection may reach, and the admin's allow-list."""
import ipaddress
import os
from dataclasses import dataclass, field

from flask import current_app, has_app_context

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud instance metadata services: never reached through an allow-listed *name*, only
# when the admin lists the address (or a network holding it) itself.
METADATA = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254",   # AWS, GCP, Azure, OpenStack, DigitalOcean, Oracle
    "169.254.170.2",     # AWS ECS task metadata
    "fd00:ec2::254",     # AWS over IPv6
    "100.100.100.200",   # Alibaba Cloud
    "192.0.0.192",       # Oracle Cloud (legacy)
))
# IPv6 prefixes that carry an IPv4 address inside: judged by the address they carry.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.ip_network("64:ff9b:1::/48")


class OutboundError(OSError):
    """An outbound connection could not be made (name unknown, refused by the network...)."""


class Refused(OutboundError):
    """The destination is not a public address and the admin has not allowed it."""


@dataclass(frozen=True)
class AllowList:
    """Host names (exact, case-insensitive) and networks (CIDR or single addresses)."""
    hosts: frozenset = frozenset()
    networks: tuple = field(default=())

    @classmethod
    def parse(cls, text: str | None) -> "AllowList":
        """From 'mail.internal, 10.0.0.0/8, 127.0.0.1' (commas or spaces)."""
        hosts, networks = set(), []
        for item in (text or "").replace(",", " ").split():
            try:
                networks.append(ipaddress.ip_network(item.strip("[]"), strict=False))
            except ValueError:
                hosts.add(_host_key(item))
        return cls(frozenset(hosts), tuple(networks))

    def allows_host(self, host: str) -> bool:
        return _host_key(host) in self.hosts

    def allows_address(self, ip: IPAddress) -> bool:
        return any(ip.version == net.version and ip in net for net in self.networks)


def _host_key(host: str) -> str:
    return host.strip().strip("[]").rstrip(".").lower()


def allow_list() -> AllowList:
    """The admin's HALO_OUTBOUND_ALLOW: app config inside an app, else the environment."""
    if has_app_context():
        return AllowList.parse(current_app.config.get("HALO_OUTBOUND_ALLOW"))
    return AllowList.parse(os.environ.get("HALO_OUTBOUND_ALLOW"))


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one stands for (mapped, NAT64, 6to4, Teredo), if any."""
    if ip.version != 6:
        return None
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip in _NAT64 or ip in _NAT64_LOCAL:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    # IPv4-compatible (::a.b.c.d, deprecated): still routes to that IPv4 host on some stacks.
    if int(ip) >> 32 == 0 and int(ip) > 1:
        return ipaddress.IPv4Address(int(ip))
    return None


def refusal_reason(ip: IPAddress) -> str | None:
    """Why a connection to this address is refused by default, or None for a public one."""
    if ip in METADATA:
        return "a cloud metadata address"
    inner = embedded_ipv4(ip)
    if inner is not None:
        reason = refusal_reason(inner)
        return f"{reason} (inside {ip})" if reason else None
    for test, reason in ((ip.is_loopback, "a loopback address"),
                         (ip.is_link_local, "a link-local address"),
                         (ip.is_unspecified, "an unspecified address"),
                         (ip.is_multicast, "a multicast address"),
                         (ip.is_private, "a private address"),
                         (ip.is_reserved, "a reserved address")):
        if test:
            return reason
    if ip.version == 4 and ip in ipaddress.ip_network("100.64.0.0/10"):
        return "a shared (carrier-grade NAT) address"
    if not ip.is_global:
        return "not a public address"
    return None


def permitted(host: str, ip: IPAddress, allowed: AllowList) -> str | None:
    """None when `host` may be reached at `ip`, else why not."""
    if allowed.allows_address(ip):
        return None
    reason = refusal_reason(ip)
    if reason is None:
        return None
    if allowed.allows_host(host) and ip not in METADATA and embedded_ipv4(ip) not in METADATA:
        return None
    return reason
