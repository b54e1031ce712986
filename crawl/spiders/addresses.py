"""Name resolution for the crawler: IP literals, a hosts file, then system DNS, then the address guard.

Every link is untrusted (ARCHITECTURE §5). A link can name a host that resolves to the
crawler's own network (server-side request forgery), so the guard runs on the address the
connection will use, not on the URL text: loopback, private (RFC 1918, RFC 4193), link-local,
multicast, reserved and unspecified addresses are refused, and so are IPv6 forms that embed such
an IPv4 address (IPv4-mapped, IPv4-compatible, 6to4, NAT64). `GuardedResolver` is the reactor's
name resolver, so this holds for every request, redirects and meta refreshes included.

An IP literal (`127.1`, `2130706433`, `[::1]`, `[::ffff:127.0.0.1]`) is classified as written,
without any lookup. `--hosts-file FILE` maps names to addresses in hosts(5) format (`ADDR
NAME...`, `#` comments), like curl's `--resolve`: the sample web's `*.test` hosts only resolve
that way. Other names go to system DNS (`DNS_TIMEOUT`, Scrapy's cache), except names under
`.invalid`, which fail at once as RFC 6761 §6.4 asks of resolvers (the sample web's dead hosts).

What may reach a non-public address (`AddressGuard`): everything with `--allow-private`; the
`HOST:PORT` entries of `--allow-address` (HOST is the address connected to or the name in the
URL); and, only while the listing spider runs, the listing API's own `host:port` origins
(`WEBTEXT_API_ORIGINS`, granted by the `ApiTrust` extension): a page never inherits that trust.

A refused lookup ends with no address, which Twisted reports as `DNSLookupError`; the resolver
records the refusal in `REFUSED` and `RefusedAddressMiddleware` turns that error into `Refused`,
an `IgnoreRequest` that is neither retried nor logged with a traceback.
"""

from __future__ import annotations

import ipaddress
import logging
import re
import socket
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urldefrag

from scrapy import Request, Spider, signals
from scrapy.exceptions import CannotResolveHostError, IgnoreRequest
from scrapy.resolver import CachingThreadedResolver, HostResolution
from twisted.internet import defer
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError
from twisted.internet.interfaces import IHostnameResolver
from twisted.python.failure import Failure
from twisted.web.client import URI
from webtext.core.errors import BadFileError
from zope.interface import implementer

log = logging.getLogger(__name__)

HOSTS_FILE_SETTING = "WEBTEXT_HOSTS_FILE"
ALLOW_PRIVATE_SETTING = "WEBTEXT_ALLOW_PRIVATE"
ALLOW_ADDRESS_SETTING = "WEBTEXT_ALLOW_ADDRESS"  # `HOST:PORT` entries (--allow-address)
API_ORIGINS_SETTING = "WEBTEXT_API_ORIGINS"  # `host:port` of the listing API, trusted for its own requests

Target = tuple[str, int]  # (host as the connection names it, port)

# Refused in this process: (host, port) -> the non-public address it resolved to (one crawl per process).
REFUSED: dict[Target, str] = {}
# (host, port) origins the listing API may reach while the listing spider runs (`ApiTrust`).
API_TRUST: set[Target] = set()

_NUMERIC_V4 = re.compile(r"[0-9a-fx.]+")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_COMPATIBLE = ipaddress.IPv6Network("::/96")
_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")


class Refused(IgnoreRequest):
    """A request whose host resolved to a non-public address that nothing allows."""


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
            mapping.setdefault(host_key(name), fields[0])
    return mapping


def host_key(host: str) -> str:
    """`host` as the guard compares it: lower-case, without IPv6 brackets or a trailing dot."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.rstrip(".")


def literal_address(host: str) -> str | None:
    """The address an IP literal names (every form `inet_aton` reads, IPv6 too), or None for a name.

    Pure parsing, never a lookup. An IPv4-mapped IPv6 address is given as its IPv4 address.
    """
    key = host_key(host)
    if ":" in key:
        try:
            ip6 = ipaddress.IPv6Address(key)
        except ValueError:
            return None
        return str(ip6.ipv4_mapped or ip6)
    if not key or not _NUMERIC_V4.fullmatch(key):
        return None
    try:
        return socket.inet_ntoa(socket.inet_aton(key))
    except OSError:
        return None


def is_public(address: str) -> bool:
    """True when `address` is a globally routable unicast address (and so is any IPv4 address it embeds)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv4Address):
        return ip.is_global and not ip.is_multicast
    if ip.ipv4_mapped is not None:
        return is_public(str(ip.ipv4_mapped))
    if ip in _NAT64:
        return is_public(str(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)))
    if ip in _COMPATIBLE or ip not in _GLOBAL_UNICAST or ip.is_site_local:
        return False
    if ip.sixtofour is not None and not is_public(str(ip.sixtofour)):
        return False
    return ip.is_global and not ip.is_multicast


def parse_allowed(entry: str) -> Target:
    """(host, port) of an `--allow-address` entry `HOST:PORT` (`[v6]:PORT` for IPv6); `ValueError` if malformed."""
    host, sep, port = entry.strip().rpartition(":")
    key = host_key(host)
    if not sep or not key or not port.isdigit() or not 0 < int(port) < 65536 or (":" in key and "[" not in host):
        raise ValueError(f"expected HOST:PORT ([ADDRESS]:PORT for IPv6), got {entry!r}")
    return literal_address(key) or key, int(port)


def url_target(url: str) -> Target:
    """(host, port) that a request for `url` connects to, parsed as Twisted's HTTP client parses it."""
    uri = URI.fromBytes(urldefrag(url)[0].encode("ascii", "replace"))
    return host_key(uri.host.decode("ascii", "replace")), int(uri.port)


@dataclass(frozen=True)
class AddressGuard:
    """Which non-public addresses may be connected to (see the module docstring)."""

    allow_private: bool = False
    allowed: frozenset[Target] = frozenset()

    def permits(self, host: str, address: str, port: int) -> bool:
        if self.allow_private or is_public(address):
            return True
        mapped = literal_address(address) or address
        return bool({(host, port), (mapped, port)} & (self.allowed | API_TRUST))


@implementer(IHostnameResolver)
class GuardedResolver:
    """The reactor's name resolver: literal, hosts file or DNS, then the guard (see the module docstring)."""

    def __init__(self, lookup: Callable[[str], defer.Deferred[str]], hosts: dict[str, str],
                 guard: AddressGuard, reactor: Any = None) -> None:
        self.lookup = lookup
        self.hosts = hosts
        self.guard = guard
        self.reactor = reactor

    @classmethod
    def from_crawler(cls, crawler: Any, reactor: Any) -> GuardedResolver:
        settings = crawler.settings
        hosts_file = settings.get(HOSTS_FILE_SETTING)
        cache_size = settings.getint("DNSCACHE_SIZE") if settings.getbool("DNSCACHE_ENABLED") else 0
        dns = CachingThreadedResolver(reactor, cache_size, settings.getfloat("DNS_TIMEOUT"))
        allowed = frozenset(parse_allowed(entry) for entry in settings.getlist(ALLOW_ADDRESS_SETTING))
        return cls(dns.getHostByName, read_hosts_file(hosts_file) if hosts_file else {},
                   AddressGuard(settings.getbool(ALLOW_PRIVATE_SETTING), allowed), reactor)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(self, resolutionReceiver: Any, hostName: str, portNumber: int = 0,
                        addressTypes: Sequence[type[Any]] | None = None,
                        transportSemantics: str = "TCP") -> HostResolution:
        """`IHostnameResolver.resolveHostName`: at most one address, none when refused or not found."""
        name = host_key(hostName)
        resolution = HostResolution(name)
        resolutionReceiver.resolutionBegan(resolution)
        mapped = self.hosts.get(name)
        address = literal_address(mapped or name)
        found: defer.Deferred[Any] = defer.succeed(address) if address else self._dns(name)
        found.addCallback(self._guard, name, portNumber, resolutionReceiver)
        found.addErrback(_lookup_failed, name)
        found.addBoth(lambda _: resolutionReceiver.resolutionComplete())
        return resolution

    def _dns(self, name: str) -> defer.Deferred[str]:
        try:
            ascii_name = name.encode("idna").decode("ascii")
        except UnicodeError:
            return defer.fail(DNSLookupError(f"not a valid host name: {name!r}"))
        if ascii_name == "invalid" or ascii_name.endswith(".invalid"):  # RFC 6761 §6.4: never asked of DNS
            return defer.fail(DNSLookupError(f"{name} is in the reserved domain .invalid"))
        return self.lookup(ascii_name)

    def _guard(self, address: str, name: str, port: int, receiver: Any) -> None:
        if not self.guard.permits(name, address, port):
            REFUSED[(name, port)] = address
            return
        kind = IPv6Address if ":" in address else IPv4Address
        receiver.addressResolved(kind("TCP", address, port))


def _lookup_failed(failure: Failure, name: str) -> None:
    if not failure.check(DNSLookupError):
        log.warning("looking up %s failed: %s", name, failure.getErrorMessage())


class RefusedAddressMiddleware:
    """Downloader middleware: a failed lookup that the guard refused becomes `Refused` (not retried)."""

    def process_exception(self, request: Request, exception: Exception, spider: Spider | None = None) -> None:
        if isinstance(exception, (DNSLookupError, CannotResolveHostError)):
            target = url_target(request.url)
            address = REFUSED.get(target)
            if address is not None:
                raise Refused(f"{show_target(target)} is the non-public address {address} "
                              "(--allow-private or --allow-address HOST:PORT allows it)")


class ApiTrust:
    """Scrapy extension: the listing API's origins are trusted while the listing spider runs, and only then."""

    def __init__(self, origins: Iterable[Target]) -> None:
        self.origins = set(origins)
        self.granted = False

    @classmethod
    def from_crawler(cls, crawler: Any) -> ApiTrust:
        trust = cls(parse_allowed(entry) for entry in crawler.settings.getlist(API_ORIGINS_SETTING))
        crawler.signals.connect(trust.opened, signal=signals.spider_opened)
        crawler.signals.connect(trust.closed, signal=signals.spider_closed)
        return trust

    def opened(self, spider: Spider) -> None:
        from webtext.crawl.spiders.listing import ListingSpider  # the listing imports the crawl's settings

        if isinstance(spider, ListingSpider):
            API_TRUST.update(self.origins)
            self.granted = True

    def closed(self, spider: Spider) -> None:
        if self.granted:
            API_TRUST.difference_update(self.origins)
            self.granted = False


def api_origin(url: str) -> str:
    """`host:port` (`[v6]:port`) of `url`, as `WEBTEXT_API_ORIGINS` and `--allow-address` write it."""
    return show_target(url_target(url))


def show_target(target: Target) -> str:
    """`host:port`, with brackets around an IPv6 host."""
    host, port = target
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
