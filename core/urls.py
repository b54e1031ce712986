"""URL normalization and the stable document id derived from it.

Two links to the same page should become one row of the link store and one document id, so URLs
are normalized the way web crawlers canonicalize them (RFC 3986 §6.2.2 syntax-based
normalization, plus the usual crawler rules):

- scheme and host lower-cased; internationalized host names converted to punycode (IDNA);
- default ports (80 for http, 443 for https) removed, empty path made "/";
- dot segments ("/./", "/../") removed (RFC 3986 §5.2.4);
- percent-encoding normalized: escapes of unreserved characters decoded, other escapes
  upper-cased, characters that must be escaped (spaces, non-ASCII) escaped as UTF-8;
- the fragment dropped (never sent to the server);
- tracking parameters (`utm_*`, `fbclid`, `gclid`, ...) removed and the remaining query
  parameters sorted, so parameter order does not create duplicates.

Only http and https URLs are valid: anything else raises `ValueError`.

A host's registered domain (its eTLD+1: `www.bbc.co.uk` -> `bbc.co.uk`) follows the ICANN section
of the Public Suffix List (https://publicsuffix.org/list/), as the snapshot bundled with tldextract
5.4.0 holds it, read without any network access; the private section is left out, so
`example.blogspot.com` -> `blogspot.com`, as WebText's domain list counts it. A host under a suffix
the list does not hold takes the list's default rule `*`: its last label is the suffix
(`www.daily-chronicle.test` -> `daily-chronicle.test`).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import re
from typing import Any
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "dclid", "msclkid", "yclid", "igshid", "mc_cid", "mc_eid", "_ga", "_hsenc",
     "_hsmi", "mkt_tok", "ref_src", "spm", "share", "cmpid"}
)
_TRACKING_PREFIXES = ("utm_", "pk_", "hmb_")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Characters left as they are in a path or query (RFC 3986 reserved + unreserved, and '%').
_PATH_SAFE = "/:@!$&'()*+,;=-._~%"


def _normalize_escapes(part: str, safe: str) -> str:
    def fix(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    return quote(_ESCAPE.sub(fix, part), safe=safe)


def _remove_dot_segments(path: str) -> str:
    output: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(output) > 1:
                output.pop()
        elif segment != ".":
            output.append(segment)
    result = "/".join(output)
    if path.endswith(("/.", "/..")):
        result += "/"
    return result if result.startswith("/") else "/" + result


def _is_tracking(name: str) -> bool:
    lname = name.lower()
    return lname in _TRACKING_PARAMS or lname.startswith(_TRACKING_PREFIXES)


def normalize_url(url: str) -> str:
    """The canonical form of `url` (see the module docstring); `ValueError` if it is not web."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        raise ValueError(f"not an http(s) URL: {url!r}")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValueError(f"URL has no host: {url!r}")
    if ":" in host:  # an IPv6 literal: written in brackets, compressed form (RFC 3986 §3.2.2, RFC 5952)
        try:
            host = f"[{ipaddress.IPv6Address(host).compressed}]"
        except ValueError as exc:
            raise ValueError(f"invalid IPv6 address in {url!r}") from exc
    else:
        try:
            host = host.encode("idna").decode("ascii").lower()
        except UnicodeError as exc:
            raise ValueError(f"invalid host name in {url!r}") from exc
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"invalid port in {url!r}") from exc
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_normalize_escapes(parts.path or "/", _PATH_SAFE))
    pairs = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query = urlencode(sorted(pairs), quote_via=quote, safe=_PATH_SAFE.replace("&", "").replace("=", ""))
    return urlunsplit((scheme, netloc, path, query, ""))


def url_domain(url: str) -> str:
    """The host of `url`, lower-cased, without a leading `www.` (used for per-domain reporting).

    A URL with no parsable host (`http://[bad`, as a damaged WARC record may hold) has domain "".
    """
    try:
        host = (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""
    return host[4:] if host.startswith("www.") else host


@functools.cache
def _suffix_list() -> Any:
    """tldextract over its bundled Public Suffix List snapshot, ICANN section, never fetched."""
    import tldextract  # imported here: 0.2 s, and only the domain reports need it

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=False)


@functools.lru_cache(maxsize=1 << 16)
def domain_parts(host: str) -> tuple[str, str]:
    """(name, public suffix) of `host`'s registered domain (see the module docstring):
    `www.bbc.co.uk` -> ("bbc", "co.uk"). An IP address, a one-label host and a host that is itself
    a public suffix are their own name, with suffix ""; no host is ("", "")."""
    host = host.strip().strip("[]").rstrip(".").lower()
    try:
        return str(ipaddress.ip_address(host)), ""
    except ValueError:
        pass
    found = _suffix_list()(host)
    if found.suffix:
        return (found.domain, found.suffix) if found.domain else (host, "")
    labels = host.rsplit(".", 2)
    return (labels[-2], labels[-1]) if len(labels) > 1 else (host, "")


def registered_domain(host: str) -> str:
    """The registered domain of `host` (`www.bbc.co.uk` -> `bbc.co.uk`; see `domain_parts`)."""
    name, suffix = domain_parts(host)
    return f"{name}.{suffix}" if suffix else name


def doc_id(url: str) -> str:
    """Stable 16-hex-digit id of the document at `url` (BLAKE2b of its normalized form)."""
    try:
        key = normalize_url(url)
    except ValueError:
        key = url
    return hashlib.blake2b(key.encode("utf-8"), digest_size=8).hexdigest()
