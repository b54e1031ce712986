"""Dead links: which live outcomes send a URL to a web archive, and which pages are not the page.

A link is dead when its host is gone (`dns_error`), refuses or drops the connection
(`connection_error`), the page is gone (`http_404`, `http_410`: RFC 9110 §15.5.5 and §15.5.11), or
the domain has expired and now redirects to a domain-parking or domain-sale page
(`parked_domain`). A timeout or a 5xx answer says the server is there but busy: those are retried
later (`--retry-failed`) rather than looked up.

Parked domains: a link whose redirects end on a parking service's host. The hosts are the
parking services that Vissers, Joosen and Nikiforakis measured ("Parking Sensors: Analyzing and
Detecting Parked Domains", NDSS 2015: Sedo, Bodis, ParkingCrew, Above, DomainSponsor, Fabulous,
Skenzo, Voodoo, TrafficZ, InternetTraffic, NameDrive, SmartName), plus the sale pages of the large
domain marketplaces (HugeDomains, Dan, Afternic, Sedo's market, BuyDomains, Undeveloped).

Soft 404s: an archive keeps whatever a server answered with 200, and a server that lost a page
often answers 200 with a "not found" page (Bar-Yossef, Broder, Kumar and Tomkins, "Sic transit
gloria telae: towards an understanding of the Web's decay", WWW 2004, §3: the "soft 404"). Such a
capture is recognised by its title or first heading, where those pages say so: "404", "page not
found", "no longer available", "does not exist" and the like.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

from webtext.core import reasons

DEAD_REASONS = frozenset({reasons.FETCH_DNS_ERROR, reasons.FETCH_CONNECTION_ERROR, reasons.http_error(404),
                          reasons.http_error(410), reasons.FETCH_PARKED_DOMAIN})
PARKING_HOSTS = (
    "sedoparking.com", "bodis.com", "parkingcrew.net", "above.com", "domainsponsor.com", "fabulous.com",
    "skenzo.com", "voodoo.com", "trafficz.com", "internettraffic.com", "namedrive.com", "smartname.com",
    "hugedomains.com", "dan.com", "afternic.com", "sedo.com", "buydomains.com", "undeveloped.com",
)
_HEAD_BYTES = 64 * 1024  # a "not found" page says so near its top
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title\s*>", re.I | re.S)
_HEADING = re.compile(rb"<h1[^>]*>(.*?)</h1\s*>", re.I | re.S)
_TAG = re.compile(r"<[^>]*>")
_NOT_FOUND = re.compile(
    r"\b404\b|\b(page|file|article|story|post|content)s? (was |is )?not found\b|^not found\b|"
    r"\bno longer (available|exists)\b|\b(does not|doesn't|did not|didn't) exist\b|"
    r"\b(cannot|can't|could not|couldn't) be found\b|\bpage (is )?(missing|unavailable)\b", re.I)


def is_parked(link_url: str, final_url: str) -> bool:
    """Whether the redirects of `link_url` ended on a parking or domain-sale site that is not its own."""
    if final_url == link_url:  # not redirected (most pages): its own site, whatever that is
        return False
    link_host, final_host = (urlsplit(u).hostname or "" for u in (link_url, final_url))
    return any(_within(final_host, site) and not _within(link_host, site) for site in PARKING_HOSTS)


def _within(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def is_soft_404(body: bytes) -> bool:
    """Whether an HTML page served with 200 says, in its title or first heading, that the page is not there."""
    head = body[:_HEAD_BYTES]
    for pattern in (_TITLE, _HEADING):
        match = pattern.search(head)
        if match:
            text = html.unescape(_TAG.sub(" ", match.group(1).decode("utf-8", "replace"))).replace("\u2019", "'")
            if _NOT_FOUND.search(" ".join(text.split())):
                return True
    return False
