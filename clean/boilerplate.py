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

# Notice phrases, each beside a word it always contains (lowercase); they are matched ignoring case.
_NOTICES = (
    ("javascript", r"(?:enable|turn\ on|activate|requires?|need)\ (?:your\ )?javascript"),
    ("javascript", r"javascript\ (?:is\ )?(?:disabled|required|must\ be\ enabled|is\ not\ enabled)"),
    ("cookie", r"(?:this|our)\ (?:web)?site\ uses\ cookies"),
    ("cookie", r"we\ use\ cookies"),
    ("cookie", r"(?:accept|allow|manage)\ (?:all\ )?cookies"),
    ("cookie", r"cookie\ (?:policy|settings|preferences|consent)"),
    ("privacy", r"privacy\ policy\ (?:and|&|\|)\ terms"),
    ("rights", r"all\ rights\ reserved"),
    ("newsletter", r"(?:sign\ up|subscribe)\ (?:for|to)\ (?:our|the)\ newsletter"),
    ("share", r"share\ (?:this|on)\ (?:article|story|post|facebook|twitter)"),
    ("us on", r"(?:follow|like)\ us\ on\ (?:facebook|twitter|instagram)"),
    ("click here", r"click\ here\ to\ (?:subscribe|continue|read\ more)"),
    ("browser", r"please\ (?:update|upgrade)\ your\ browser"),
    ("browser", r"your\ browser\ (?:does\ not|doesn't)\ support"),
)
_NOTICE = re.compile(r"\b(?:" + "|".join(phrase for _, phrase in _NOTICES) + r")\b",
                     re.IGNORECASE | re.VERBOSE)
_NOTICE_WORDS = tuple(dict.fromkeys(word for word, _ in _NOTICES))
# Ignoring case, the regex engine also matches "i" to "\u0131" and "\u0130", and "s" to "\u017f",
# which str.lower() does not turn into "i" and "s"; every other letter of the words it lowers.
_FOLDED_APART = re.compile("[\u0130\u0131\u017f]")
# Lines that are nothing but a label of page furniture.
_LABEL = re.compile(r"^(?:advertisement|sponsored content|skip to (?:main )?content|read more|"
                    r"continue reading|related articles?|share this:?)\W*$", re.IGNORECASE)
_LOREM = re.compile(r"\blorem ipsum\b", re.IGNORECASE)


def _may_be_notice(line: str) -> bool:
    """False only when `line` cannot hold a notice phrase: it has none of their words in any case.

    The plain substring tests cost a third of the case-insensitive search for the phrases.
    """
    if _FOLDED_APART.search(line):
        return True
    lowered = line.lower()
    return any(word in lowered for word in _NOTICE_WORDS)


def is_boilerplate_line(line: str) -> bool:
    """Whether `line` is a short notice (cookies, JavaScript, newsletter, sharing, copyright)."""
    if _LABEL.match(line):
        return True
    # At most MAX_NOTICE_WORDS splits: a long paragraph is not split into all its words.
    if len(line.split(None, MAX_NOTICE_WORDS)) > MAX_NOTICE_WORDS:
        return False
    return _may_be_notice(line) and _NOTICE.search(line) is not None


def has_placeholder_text(text: str) -> bool:
    """Whether `text` contains "lorem ipsum" placeholder text (a C4 page-level rule)."""
    # "lorem" has no letter that ignoring case pairs with a character str.lower() leaves apart.
    return "lorem" in text.lower() and _LOREM.search(text) is not None
