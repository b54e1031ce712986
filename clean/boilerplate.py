"""Recognizing a line of boilerplate: cookie, JavaScript, newsletter and sharing notices, labels
of page furniture, links to further reading, and a list of further reading at the end of a text.

The extractor removes most navigation and footers, but short notices often sit inside the
article container and survive. C4 (Raffel et al. 2020, "Exploring the Limits of Transfer
Learning with a Unified Text-to-Text Transformer", §2.2) removed every line mentioning
"javascript" and pages mentioning "lorem ipsum"; its line rules were reused by Gopher
(Rae et al. 2021) and datatrove's C4 filter, which also drop "cookie policy" / "terms of use"
notices. Removing *every* line that says "javascript" also removes sentences of articles about
JavaScript (and "terms of use" removes news about terms of use), so a line here counts as
boilerplate only when it is short (at most `MAX_NOTICE_WORDS` words) and matches a notice phrase
that prose rarely uses ("we use cookies", "enable JavaScript"), or when the whole line is a label
of page furniture ("Advertisement", "Skip to content", "Read more:", "Lesen Sie auch:").

Links to further reading leak into extracted text in two shapes: a line that is a label and a
headline ("Related: The 15 Weirdest Galaxies in Our Universe", which the extraction benchmark's
ground truth leaves out too), a notice line wherever it is; and, at the end of a text, a label
followed only by short lines, the headlines of the list (`further_reading_tail`). The labels are a
list of phrases in the languages of the real-page sets (`../shared/data`), as C4's rules are
phrases: a label ending in a colon in general ("Ingredients:", "How it works:") introduces the
article's own list as often as a list of links, and cutting at every such label lost 12 "with"
snippets of the snippet set (at up to 8 words for the label and 15 for the lines after it). With
the phrases, 11 fewer "without" snippets leak there (197 to 186) and one "with" snippet goes, a
closing "Lesen Sie dazu auch die Pressemitteilungen:" that the set counts as text.
"""

from __future__ import annotations

import bisect
import itertools
import re
from collections.abc import Sequence

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
    ("teilen", r"teilen\ (?:auf|per|via)\ (?:facebook|twitter|whatsapp|linkedin|xing|pinterest|telegram)"),
    ("partager", r"partager\ sur\ (?:facebook|twitter|whatsapp|linkedin|pinterest)"),
    ("compartir", r"compartir\ en\ (?:facebook|twitter|whatsapp|linkedin|pinterest)"),
    ("us on", r"(?:follow|like)\ us\ on\ (?:facebook|twitter|instagram)"),
    ("click here", r"click\ here\ to\ (?:subscribe|continue|read\ more)"),
    ("browser", r"please\ (?:update|upgrade)\ your\ browser"),
    ("browser", r"your\ browser\ (?:does\ not|doesn't)\ support"),
)
_NOTICE = re.compile(r"\b(?:" + "|".join(phrase for _, phrase in _NOTICES) + r")\b",
                     re.IGNORECASE | re.VERBOSE)
_NOTICE_WORDS = tuple(dict.fromkeys(word for word, _ in _NOTICES))
# Labels of lists of further reading, at the start of a line (lowercase; matched ignoring case).
_FURTHER_READING = "|".join([
    r"read (?:more|also|next)", r"related(?: articles?| stories| posts| links| content| coverage)?",
    r"see also", r"further reading", r"more (?:stories|on this(?: story| topic)?)", r"also read",
    r"recommended(?: for you| reading| articles| stories)?", r"editors['\u2019]? (?:picks|recommendations)",
    r"you (?:may|might) also (?:like|enjoy)", r"popular (?:posts|stories|articles)", r"top stories",
    r"(?:lesen|lies) sie (?:auch|dazu auch|mehr)", r"(?:auch|mehr) lesen", r"lies auch", r"(?:zum )?weiterlesen",
    r"mehr zum thema", r"mehr themen", r"top-themen", r"schon gelesen",
    r"weitere (?:artikel|beitr\u00e4ge|themen|nachrichten|meldungen|news)(?: zum thema)?",
    r"(?:das|dies|diese artikel) (?:k\u00f6nnte|d\u00fcrfte|k\u00f6nnten) (?:sie|dich) "
    r"(?:auch |ebenfalls )?interessieren",
    r"(?:verwandte|\u00e4hnliche) (?:artikel|beitr\u00e4ge|themen)", r"(?:\u00e0 )?lire aussi", r"voir aussi",
    r"sur le m\u00eame sujet", r"le[ae] tambi\u00e9n", r"(?:le|te) puede interesar", r"seguir leyendo",
    r"noticias relacionadas", r"leggi anche", r"czytaj (?:te\u017c|tak\u017ce|r\u00f3wnie\u017c)",
    r"lue (?:my\u00f6s|seuraavaksi|aiheesta lis\u00e4\u00e4)", r"leia (?:tamb\u00e9m|mais)", r"veja tamb\u00e9m",
])
# A whole line that is a label: of page furniture, or of further reading, alone or with up to five
# more words before a final colon ("Lesen Sie auch die folgenden Beitr\u00e4ge:").
_READING_LABEL = rf"(?:{_FURTHER_READING})(?:(?:[^\S\n]+[^\s:]+){{1,5}}[^\S\n]*:)?"
_LABEL = re.compile(rf"^[^\w\n]*(?:advertisement|sponsored content|skip to (?:main )?content|continue reading|"
                    rf"share this|teilen auf|partager sur|compartir en|{_READING_LABEL})[^\w\n]*$",
                    re.IGNORECASE | re.MULTILINE)
_FURTHER_READING_LABEL = re.compile(rf"^[^\w\n]*{_READING_LABEL}[^\w\n]*$", re.IGNORECASE | re.MULTILINE)
# A link to further reading: its label, a colon or a bar, and a headline.
_FURTHER_READING_LINK = re.compile(rf"^[^\w\n]*(?:{_FURTHER_READING})[^\S\n]*[:|][^\S\n]*\w",
                                   re.IGNORECASE | re.MULTILINE)
# The same two, for lowered text.
_LOWER_LABEL = re.compile(_LABEL.pattern, re.MULTILINE)
_LOWER_LINK = re.compile(_FURTHER_READING_LINK.pattern, re.MULTILINE)
# A list of further reading at the end of a text: its label, then at most this many lines of at most
# this many words (headlines). The longest such lists of the two real-page sets have 6 lines, of at
# most 17 words; a longer tail is more likely the article's own.
MAX_READING_LIST_LINES = 12
MAX_HEADLINE_WORDS = 20
_LOREM = re.compile(r"\blorem ipsum\b", re.IGNORECASE)


def _has_folded_apart(text: str) -> bool:
    """Whether `text` has a character that ignoring case pairs with a letter that str.lower() does
    not lower it to: the regex engine matches "i" to "\u0131" and "\u0130", and "s" to "\u017f";
    every other letter of the notice words str.lower() lowers. Three substring tests: ten times
    faster than a regex of the three."""
    return "\u0130" in text or "\u0131" in text or "\u017f" in text


def _may_be_notice(line: str) -> bool:
    """False only when `line` cannot hold a notice phrase: it has none of their words in any case.

    The plain substring tests cost a third of the case-insensitive search for the phrases.
    """
    if _has_folded_apart(line):
        return True
    lowered = line.lower()
    return any(word in lowered for word in _NOTICE_WORDS)


def _is_short(line: str) -> bool:
    """Whether `line` has at most `MAX_NOTICE_WORDS` words."""
    # At most MAX_NOTICE_WORDS splits: a long paragraph is not split into all its words.
    return len(line.split(None, MAX_NOTICE_WORDS)) <= MAX_NOTICE_WORDS


def is_boilerplate_line(line: str) -> bool:
    """Whether `line` is a label of page furniture or a short notice (cookies, JavaScript,
    newsletter, sharing, copyright) or link to further reading."""
    if _LABEL.match(line):
        return True
    return _is_short(line) and ((_may_be_notice(line) and _NOTICE.search(line) is not None)
                                or _FURTHER_READING_LINK.match(line) is not None)


def notice_lines(lines: Sequence[str], normalized: bool = False) -> list[int]:
    """The indexes of the `lines` that are boilerplate (`is_boilerplate_line`); `normalized`: they
    are lines as `webtext.clean.lines.normalized_lines` gives them, single spaces between words.

    Only short lines can be (a label is a few words): in normalized lines, those with fewer spaces
    than `MAX_NOTICE_WORDS`. They are lowered once, and their notice phrases searched for only in
    those that contain one of the phrases' words (`_may_be_notice`), found with one search per
    word; the labels and links are matched in the lowered lines, without ignoring case (twice as
    fast), unless a character that ignoring case and str.lower() treat apart is there."""
    if normalized:
        short = [i for i, line in enumerate(lines) if line.count(" ") < MAX_NOTICE_WORDS]
    else:
        short = [i for i, line in enumerate(lines) if _is_short(line)]
    text = "\n".join(lines[i] for i in short)
    if _has_folded_apart(text):
        return [i for i in short if is_boilerplate_line(lines[i])]
    lowered = text.lower()  # "\n" stays where it is: the lines keep their order
    lowered_lines = lowered.split("\n")
    starts = list(itertools.accumulate((len(line) + 1 for line in lowered_lines), initial=0))
    maybe = set()
    for word in _NOTICE_WORDS:
        at = lowered.find(word)
        while at >= 0:
            k = bisect.bisect_right(starts, at) - 1
            maybe.add(k)
            at = lowered.find(word, starts[k + 1])  # the next line: one hit a line is enough
    return [i for k, i in enumerate(short)
            if _LOWER_LABEL.match(lowered_lines[k]) or _LOWER_LINK.match(lowered_lines[k])
            or (k in maybe and _NOTICE.search(lines[i]))]


def further_reading_tail(lines: Sequence[str]) -> int:
    """Where a list of further reading at the end of `lines` starts: the index of its label, a
    line that is only a label of further reading ("Read more:", "Mehr zum Thema"), after which come
    at most `MAX_READING_LIST_LINES` lines of at most `MAX_HEADLINE_WORDS` words; `len(lines)`
    when they end otherwise. The first line is never a label: something must stay."""
    for i in range(len(lines) - 1, max(0, len(lines) - 2 - MAX_READING_LIST_LINES), -1):
        if len(lines[i].split(None, MAX_HEADLINE_WORDS)) > MAX_HEADLINE_WORDS:
            break  # no label is that long either
        if _FURTHER_READING_LABEL.match(lines[i]):
            return i
    return len(lines)


def has_placeholder_text(text: str) -> bool:
    """Whether `text` contains "lorem ipsum" placeholder text (a C4 page-level rule)."""
    # Ignoring case, only "l", "L", "o", "O", ... match the letters of "lorem" (no other character
    # pairs with them), so it is in the text when it is in its UTF-8 bytes with ASCII letters
    # lowered: twice as fast as lowering the text.
    return b"lorem" in text.encode("utf-8", "surrogatepass").lower() and _LOREM.search(text) is not None
