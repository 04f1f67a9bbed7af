"""Webhook target URLs: validation, normalisation and outbound safety (DECISIONS.md §5).

A target is an absolute ``http`` or ``https`` URL, normalised as a WHATWG URL serialiser
would (lower-case scheme and host, default port dropped, an empty path as ``/``). Unless
``VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS`` is set, a target whose host is — or resolves to — a
loopback, private, link-local (cloud metadata services included), unspecified, multicast or
reserved address is refused; legacy IPv4 spellings (``2130706433``, ``0x7f.1``) and
IPv4-mapped IPv6 addresses are read as the addresses they name. The check runs when a webhook
is written and again before each delivery, after DNS resolution.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from urllib.parse import urlsplit, urlunsplit

from vingt.errors import ApiError

MAX_URL_LENGTH = 2048
PRIVATE_MESSAGE = "Webhook URL resolves to a private/internal IP address"
RESOLVE_SECONDS = 2.0  # a name that does not resolve in this time is checked again at delivery

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def _invalid(message: str, value: object) -> ApiError:
    return ApiError("INVALID_TARGET_URL", f"Invalid target URL provided: {message}", {"field": "targetUrl",
                                                                                       "value": value})


def normalise(raw: object) -> str:
    """The target URL as stored; 400 ``INVALID_TARGET_URL`` when it is not one."""
    if not isinstance(raw, str) or not raw.strip():
        raise _invalid("Please provide a valid HTTP or HTTPS URL", raw)
    text = raw.strip()
    if len(text) > MAX_URL_LENGTH or any(c.isspace() or ord(c) < 0x20 for c in text):
        raise _invalid(f"at most {MAX_URL_LENGTH} characters, without spaces or control characters", raw)
    try:
        parts = urlsplit(text)
        port = parts.port
        host = parts.hostname
    except ValueError:
        raise _invalid("Please provide a valid HTTP or HTTPS URL", raw) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise _invalid("Please provide a valid HTTP or HTTPS URL", raw)
    try:
        host = host.encode("idna").decode("ascii") if not host.isascii() else host.lower()
    except UnicodeError:
        raise _invalid("the host name is not valid", raw) from None
    if ":" in host:
        host = f"[{host}]"
    default = {"http": 80, "https": 443}[scheme]
    netloc = host if port in (None, default) else f"{host}:{port}"
    if parts.username or parts.password:
        userinfo = parts.netloc.rsplit("@", 1)[0]
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, parts.fragment))


def literal_address(host: str) -> Address | None:
    """The address a host names without DNS: an IP literal, or a legacy IPv4 spelling."""
    host = host.strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if not host or not all(c in "0123456789abcdefxABCDEFX." for c in host):
            return None
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_internal(address: Address) -> bool:
    return (
        address.is_private or address.is_loopback or address.is_link_local or address.is_unspecified
        or address.is_multicast or address.is_reserved
    )


async def check_outbound(url: str, allow_private: bool) -> None:
    """Refuse a target on an internal address (400 ``INVALID_TARGET_URL``). A host name that
    does not resolve now (within ``RESOLVE_SECONDS``) is let through: it is checked again at
    each delivery."""
    if allow_private:
        return
    host = urlsplit(url).hostname or ""
    literal = literal_address(host)
    addresses: list[Address] = []
    if literal is not None:
        addresses = [literal]
    else:
        try:
            infos = await asyncio.wait_for(
                asyncio.get_running_loop().getaddrinfo(host, None, type=socket.SOCK_STREAM), RESOLVE_SECONDS
            )
        except (OSError, UnicodeError, TimeoutError):
            return
        for info in infos:
            found = literal_address(str(info[4][0]).split("%", 1)[0])
            if found is not None:
                addresses.append(found)
    if any(is_internal(a) for a in addresses):
        raise ApiError(
            "INVALID_TARGET_URL", PRIVATE_MESSAGE,
            {"field": "targetUrl", "value": url, "setting": "VINGT_WEBHOOK_ALLOW_PRIVATE_TARGETS"},
        )
