"""Safe line-level cleanup of extracted text: whitespace, Unicode NFC, residual notice lines, a
paragraph printed twice, a list of further reading at the end.

Every step keeps the words of the article as they are:

- Unicode normalization form NFC (Unicode Standard Annex #15), so the same word is the same code
  points whichever way the page composed its accents; the tokenizer and dedup see one form;
- invisible characters removed: C0/C1 control characters other than newline and tab, zero-width
  spaces (U+200B), word joiners (U+2060), byte order marks, and soft hyphens (U+00AD, which only
  mark possible hyphenation points); joiners that shape emoji and scripts (U+200C/D) stay;
- whitespace normalized: no-break and other Unicode spaces become a plain space, runs collapse to
  one, lines are stripped, blank lines dropped (paragraphs stay one per line, as trafilatura
  writes them);
- short boilerplate notices (cookie, JavaScript, newsletter lines, links to further reading; see
  `webtext.clean.boilerplate`) removed, as C4 (Raffel et al. 2020) did for its line rules;
- a list of further reading at the end of the text (its label and the headlines after it;
  `webtext.clean.boilerplate.further_reading_tail`) removed;
- the second copy of a prose line (`webtext.clean.words.is_prose_line`) that occurs exactly twice
  removed: extraction repeats a standfirst, an info box or a list when the page shows it twice (in
  the snippet set: aoc.media, domradio.de, auto-presse.de, a nestle-family.com recipe). A line that
  occurs three times or more is the page's own structure (the same question put to each of 23
  interviewees on wday.ru) or spam, and is left to the repetition filter. On the extraction
  benchmark's 92 pages, removing the second copy changed 2 pages and raised F1 by 0.0002;
  removing every later copy of every repeated prose line lowered it by 0.0006 (wday.ru by 0.074).

`ExtractSettings.line_cleanup` turns the whole step off.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

from webtext.clean.boilerplate import further_reading_tail, notice_lines
from webtext.clean.words import is_prose_line

_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff]")
_OTHER_LINE_BREAKS = "\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # str.splitlines() breaks there too


@dataclass(frozen=True)
class Cleaned:
    """The cleaned text and how many lines of boilerplate were removed from it."""

    text: str
    lines_kept: int
    boilerplate_lines: int


def normalize_line(line: str) -> str:
    """One line (no line break in it) in NFC, without invisible characters, with single plain
    spaces, stripped."""
    # str.split() splits at the characters a regex's \s matches, 3x faster than substituting them.
    return " ".join(_INVISIBLE.sub("", unicodedata.normalize("NFC", line)).split())


def normalized_lines(text: str) -> list[str]:
    """The lines of `text` that `normalize_line` leaves non-empty, normalized: the same, with the
    Unicode steps done once on the whole text, and most texts not split into words at all."""
    # With every line break as "\n" (as in most texts, which are left as they are), the text has
    # none that _INVISIBLE removes, and NFC composes nothing across "\n".
    if any(map(text.__contains__, _OTHER_LINE_BREAKS)):
        text = "\n".join(text.splitlines())
    joined = unicodedata.normalize("NFC", text)
    # A printable string has no whitespace but the ASCII space, and none of the invisible characters
    # (str.isprintable): when its only spaces are single ones between words, it is normalized.
    if (joined.replace("\n", " ").isprintable() and "  " not in joined and " \n" not in joined
            and "\n " not in joined and joined[:1] != " " and joined[-1:] != " "):
        return [line for line in joined.split("\n") if line]
    return [line for line in map(normalize_line, joined.split("\n")) if line]


def without_second_copies(lines: list[str]) -> list[str]:
    """`lines` without the second copy of each prose line that occurs exactly twice."""
    counts = Counter(lines)
    if len(counts) == len(lines):
        return lines
    twice = {line for line, count in counts.items() if count == 2 and is_prose_line(line)}
    seen: set[str] = set()
    kept = []
    for line in lines:
        if line in twice:
            if line in seen:
                continue
            seen.add(line)
        kept.append(line)
    return kept


def clean_text(text: str) -> Cleaned:
    """Normalize every line of `text`; drop blank lines, a list of further reading at the end,
    short boilerplate notices and the second copy of a paragraph printed twice."""
    lines = normalized_lines(text)
    lines = lines[:further_reading_tail(lines)]
    notices = notice_lines(lines, normalized=True)
    if notices:
        dropped = set(notices)
        lines = [line for i, line in enumerate(lines) if i not in dropped]
    kept = without_second_copies(lines)
    return Cleaned("\n".join(kept), len(kept), len(notices))
