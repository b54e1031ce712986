"""Recognizing a line of boilerplate: cookie, JavaScript, newsletter and sharing notices.

The extractor removes most navigation and footers, but short notices often sit inside the
article container and survive. C4 (Raffel et al. 2020, "Exploring the Limits of Transfer
Learning with a Unified Text-to-Text Transformer", §2.2) removed every line mentioning
"javascript" and pages mentioning "lorem ipsum"; its line rules were reused by Gopher
(Rae et al. 2021) and datatrove's C4 filter, which also drop "cookie policy" / "terms of use"
notices. Removing *every* line that says "javascript" also removes sentences of articles about
JavaScript (and "terms of use" removes news about terms of use), so a line here counts as
boilerplate only when it is short (at most `MAX_NOTICE_WORDS` words) and matches a notice phrase
that prose rarely uses ("we use cookies", "enable JavaScript"), or when the whole line is a label
of page furniture ("Advertisement", "Skip to content").
"""

from __future__ import annotations

import re

MAX_NOTICE_WORDS = 30

_NOTICE = re.compile(
    r"""
    \b(?:
        (?:enable|turn\ on|activate|requires?|need)\ (?:your\ )?javascript
      | javascript\ (?:is\ )?(?:disabled|required|must\ be\ enabled|is\ not\ enabled)
      | (?:this|our)\ (?:web)?site\ uses\ cookies
      | we\ use\ cookies
      | (?:accept|allow|manage)\ (?:all\ )?cookies
      | cookie\ (?:policy|settings|preferences|consent)
      | privacy\ policy\ (?:and|&|\|)\ terms
      | all\ rights\ reserved
      | (?:sign\ up|subscribe)\ (?:for|to)\ (?:our|the)\ newsletter
      | share\ (?:this|on)\ (?:article|story|post|facebook|twitter)
      | (?:follow|like)\ us\ on\ (?:facebook|twitter|instagram)
      | click\ here\ to\ (?:subscribe|continue|read\ more)
      | please\ (?:update|upgrade)\ your\ browser
      | your\ browser\ (?:does\ not|doesn't)\ support
    )\b
    """,
    re.IGNORECASE | re.VERBOSE,
)
# Lines that are nothing but a label of page furniture.
_LABEL = re.compile(r"^(?:advertisement|sponsored content|skip to (?:main )?content|read more|"
                    r"continue reading|related articles?|share this:?)\W*$", re.IGNORECASE)
_LOREM = re.compile(r"\blorem ipsum\b", re.IGNORECASE)


def is_boilerplate_line(line: str) -> bool:
    """Whether `line` is a short notice (cookies, JavaScript, newsletter, sharing, copyright)."""
    if _LABEL.match(line):
        return True
    return len(line.split()) <= MAX_NOTICE_WORDS and _NOTICE.search(line) is not None


def has_placeholder_text(text: str) -> bool:
    """Whether `text` contains "lorem ipsum" placeholder text (a C4 page-level rule)."""
    return _LOREM.search(text) is not None
