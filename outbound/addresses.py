"""Where a webhook may point: the target URL's rules, checked when it is saved and again, on the resolved
address, at every delivery (a name that later resolves to an internal address is refused then).

- ``https`` only, unless ``DEBUG=1`` (a laptop's receivers) or the host is one the operator named;
- never a loopback, private, link-local, multicast, reserved or unspecified address (IPv4, IPv6, and IPv4
  inside IPv6), unless ``VOUCHERHUB_WEBHOOK_ALLOWED_HOSTS`` names the host or the address.

Pure Python (``ipaddress``, ``socket``, ``urllib.parse``): :func:`resolve` answers the address to connect
to, so the delivery connects to the very address that was checked.
"""

import contextlib
import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit


class UrlRefused(ValueError):
    """The target URL may not be used; the message says why, in words for the person who typed it."""


class HostNotFound(UrlRefused):
    """The host has no address (now): refused at delivery, accepted when saved."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as written (the Host header and the TLS name)
    port: int
    path: str  # path and query
    address: str = ""  # the checked address to connect to (empty until resolved)


def parse(url: str, *, allow_http: bool, allowed_hosts: frozenset[str]) -> Target:
    """The URL's parts, or :class:`UrlRefused`. Checks the scheme and, when the host is an address, the address."""
    text = (url or "").strip()
    if not text:
        raise UrlRefused("Enter the URL that receives the events.")
    if len(text) > 2000:
        raise UrlRefused("The URL is longer than 2,000 characters.")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise UrlRefused("This is not a valid URL.") from None
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not host:
        raise UrlRefused("Enter a full URL starting with https://.")
    if parts.username or parts.password:
        raise UrlRefused("The URL may not hold a user name or password.")
    named = host in allowed_hosts
    if parts.scheme == "http" and not (allow_http or named):
        raise UrlRefused("Only https:// URLs receive events.")
    target = Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), _path(parts))
    address = _as_address(host)
    if address is not None and not named:
        refuse_internal(address, allowed_hosts)
    return target


def resolve(target: Target, *, allowed_hosts: frozenset[str]) -> Target:
    """``target`` with the address to connect to: the host's first address, every one of them checked."""
    addresses = _lookup(target)
    if target.host not in allowed_hosts:
        for address in addresses:
            refuse_internal(ipaddress.ip_address(address), allowed_hosts)
    return Target(target.scheme, target.host, target.port, target.path, addresses[0])


def check_saved(url: str, *, allow_http: bool, allowed_hosts: frozenset[str]) -> str:
    """The URL as it is saved (trimmed), or :class:`UrlRefused`. A host that resolves now is checked on its
    addresses too; one that does not resolve yet is accepted (each delivery resolves it again)."""
    target = parse(url, allow_http=allow_http, allowed_hosts=allowed_hosts)
    with contextlib.suppress(HostNotFound):
        resolve(target, allowed_hosts=allowed_hosts)
    return url.strip()


def refuse_internal(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allowed_hosts: frozenset[str]) -> None:
    if str(address) in allowed_hosts:
        return
    mapped = getattr(address, "ipv4_mapped", None)
    checked = mapped or address
    if not checked.is_global or checked.is_multicast or checked.is_reserved:
        raise UrlRefused(
            f"The URL points to an internal address ({address}); events are only sent to public addresses."
        )


def _lookup(target: Target) -> list[str]:
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise HostNotFound(f"The host {target.host} cannot be found.") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise HostNotFound(f"The host {target.host} cannot be found.")
    return addresses


def _as_address(host: str):
    try:
        return ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None


def _path(parts) -> str:
    path = parts.path or "/"
    return f"{path}?{parts.query}" if parts.query else path
