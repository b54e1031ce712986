"""Name resolution for the crawler: a hosts file first, then system DNS, then the address guard.

Every link is untrusted (ARCHITECTURE §5). A link can name a host that resolves to the
crawler's own network (server-side request forgery), so the guard runs on the address the
name resolved to, not on the URL text: loopback, private (RFC 1918, RFC 4193), link-local,
multicast, reserved and unspecified addresses are refused unless `allow_private` is set.
Checking after resolution also covers IP literals and names that resolve to private addresses.

`--hosts-file FILE` maps names to addresses in hosts(5) format (`ADDR NAME...`, `#` comments),
like curl's `--resolve`: the sample web's `*.test` hosts only resolve that way.

`GuardedResolver` is a Scrapy `TWISTED_DNS_RESOLVER`. A refused lookup fails like an unknown
name (Twisted reports both as `DNSLookupError`), so the resolver also records refused names in
`REFUSED`, which the fetcher reads to tell `private_address` from `dns_error`.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scrapy.resolver import CachingThreadedResolver
from twisted.internet import defer
from twisted.internet.error import DNSLookupError
from webtext.core.errors import BadFileError

HOSTS_FILE_SETTING = "WEBTEXT_HOSTS_FILE"
ALLOW_PRIVATE_SETTING = "WEBTEXT_ALLOW_PRIVATE"
TRUSTED_HOSTS_SETTING = "WEBTEXT_TRUSTED_HOSTS"  # names the user configured (the API), not links

# Names refused by the guard in this process: name -> address (one crawl per process).
REFUSED: dict[str, str] = {}


def read_hosts_file(path: str | Path) -> dict[str, str]:
    """Name (lower-case) -> address from a hosts(5) file; the first mapping of a name wins."""
    mapping: dict[str, str] = {}
    try:
        raw_lines = Path(path).read_bytes().splitlines()
    except OSError as exc:
        raise BadFileError(str(path), f"cannot read hosts file: {exc.strerror}") from exc
    for number, raw in enumerate(raw_lines, 1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadFileError(str(path), f"not UTF-8 text (byte {raw[exc.start]:#04x} at column {exc.start + 1}): "
                                          "a hosts file is text, `ADDRESS NAME...` a line", f"line {number}") from None
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        try:
            ipaddress.ip_address(fields[0])
        except ValueError as exc:
            raise BadFileError(str(path), f"not an IP address: {fields[0]!r}", f"line {number}") from exc
        if len(fields) < 2:
            raise BadFileError(str(path), "an address without a host name", f"line {number}")
        for name in fields[1:]:
            mapping.setdefault(name.lower().rstrip("."), fields[0])
    return mapping


def is_public(address: str) -> bool:
    """True when `address` is a globally routable unicast address."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


class GuardedResolver(CachingThreadedResolver):
    """Scrapy's caching resolver, with a hosts file in front and the address guard behind."""

    def __init__(self, reactor: Any, cache_size: int, timeout: float, hosts: dict[str, str],
                 allow_private: bool, trusted: frozenset[str] = frozenset()) -> None:
        super().__init__(reactor, cache_size, timeout)
        self.hosts = hosts
        self.allow_private = allow_private
        self.trusted = trusted

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        hosts_file = settings.get(HOSTS_FILE_SETTING)
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        return cls(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"),
                   read_hosts_file(hosts_file) if hosts_file else {}, settings.getbool(ALLOW_PRIVATE_SETTING),
                   frozenset(h.lower() for h in settings.getlist(TRUSTED_HOSTS_SETTING)))

    def getHostByName(self, name: str, timeout: Sequence[int] = ()) -> defer.Deferred[str]:
        mapped = self.hosts.get(name.lower().rstrip("."))
        found = defer.succeed(mapped) if mapped else super().getHostByName(name, timeout)
        return found.addCallback(self._guard, name)

    def _guard(self, address: str, name: str) -> str:
        if self.allow_private or name.lower() in self.trusted or is_public(address):
            return address
        REFUSED[name.lower()] = address
        raise DNSLookupError(f"{name} resolves to non-public address {address}")
