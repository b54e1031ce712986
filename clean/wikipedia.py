"""Recognizing Wikipedia and its mirrors, which GPT-2's WebText removed.

Radford et al. 2019 (§2.2) removed all Wikipedia documents from WebText, because Wikipedia is a
common source for other datasets and would overlap the test sets. Removing `wikipedia.org` links
(the crawl's `LINK_WIKIPEDIA`) is not enough: mirrors republish its articles under other names.
A page counts as Wikipedia when

- its host is `wikipedia.org` (any language or mobile subdomain) or a known mirror, or
- its HTML carries Wikipedia's own attribution, which mirrors keep to honour CC BY-SA: the
  "From Wikipedia, the free encyclopedia" tagline, a `<title>` ending in "- Wikipedia",
  "Retrieved from https://xx.wikipedia.org/...", or "This article is issued from Wikipedia".

A page that merely cites Wikipedia carries none of these. The HTML test runs during extraction
(`webtext.clean.extract` stores its result as `meta["wikipedia"]`), since taglines and page
titles are boilerplate that extraction removes.
"""

from __future__ import annotations

import re

# Sites that republish Wikipedia articles wholesale (seen in Common Crawl host statistics).
MIRROR_DOMAINS = frozenset({
    "wikiwand.com", "wikizero.com", "wiki2.org", "wikimili.com", "everybodywiki.com",
    "dbpedia.org", "infogalactic.com", "justapedia.org", "wikiless.org", "en-academic.com",
    "thefreedictionary.com", "encyclopedia.thefreedictionary.com",
})
# Wikipedia's attribution in its forms; the HTML test is whether any of them occurs, ignoring case.
_ATTRIBUTIONS = (
    r"From Wikipedia, the free encyclopedia",
    r"<title>[^<]{0,300}[-\u2013\u2014] Wikipedia\s*</title>",
    r"Retrieved from\W{0,12}https?://[a-z-]+\.(?:m\.)?wikipedia\.org/",
    r"This article (?:is issued|uses material) from (?:the )?Wikipedia",
)
# The same test, fast: one search per attribution and per case of its first character (which
# case-insensitive matching pairs with no other character), so each search starts with a literal
# character, which the regex engine skips to directly instead of trying every form at every
# position of a page (5x faster on long pages).
_ATTRIBUTION_STARTS = tuple(
    re.compile(re.escape(first) + "(?i:" + form[1:] + ")")
    for form in _ATTRIBUTIONS for first in sorted({form[0].lower(), form[0].upper()}))


def is_wikipedia_domain(domain: str) -> bool:
    """Whether `domain` (as `url_domain` gives it) is Wikipedia or a known mirror of it."""
    host = domain.lower().rstrip(".")
    if host == "wikipedia.org" or host.endswith(".wikipedia.org"):
        return True
    return any(host == mirror or host.endswith("." + mirror) for mirror in MIRROR_DOMAINS)


def has_wikipedia_attribution(html: str) -> bool:
    """Whether a page's HTML (or text) carries Wikipedia's attribution."""
    if "ikipedia" not in html and "IKIPEDIA" not in html:  # a plain scan first: 20x faster
        return False
    return any(start.search(html) is not None for start in _ATTRIBUTION_STARTS)
