"""Safe line-level cleanup of extracted text: whitespace, Unicode NFC, residual notice lines.

Every step keeps the words of the article as they are:

- Unicode normalization form NFC (Unicode Standard Annex #15), so the same word is the same code
  points whichever way the page composed its accents; the tokenizer and dedup see one form;
- invisible characters removed: C0/C1 control characters other than newline and tab, zero-width
  spaces (U+200B), word joiners (U+2060), byte order marks, and soft hyphens (U+00AD, which only
  mark possible hyphenation points); joiners that shape emoji and scripts (U+200C/D) stay;
- whitespace normalized: no-break and other Unicode spaces become a plain space, runs collapse to
  one, lines are stripped, blank lines dropped (paragraphs stay one per line, as trafilatura
  writes them);
- short boilerplate notices (cookie, JavaScript, newsletter lines; see
  `webtext.clean.boilerplate`) removed, as C4 (Raffel et al. 2020) did for its line rules.

`ExtractSettings.line_cleanup` turns the whole step off.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from webtext.clean.boilerplate import is_boilerplate_line

_INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b\u2060\ufeff]")


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


def clean_text(text: str) -> Cleaned:
    """Normalize every line of `text`, drop blank lines and short boilerplate notices."""
    kept: list[str] = []
    boilerplate = 0
    for raw in text.splitlines():
        line = normalize_line(raw)
        if not line:
            continue
        if is_boilerplate_line(line):
            boilerplate += 1
            continue
        kept.append(line)
    return Cleaned("\n".join(kept), len(kept), boilerplate)
