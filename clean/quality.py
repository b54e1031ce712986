"""Text statistics behind the quality filters: repetition, symbols and teaser lists.

All from Gopher's MassiveWeb quality filters (Rae et al. 2021, "Scaling Language Models:
Methods, Analysis & Insights from Training Gopher", Appendix A.1.1 and Table A1), which were
tuned on web text and reused by RefinedWeb (Penedo et al. 2023) and datatrove:

- repetition: the fraction of lines that are duplicates, and of the characters in them; the
  fraction of characters covered by the most frequent word 2-, 3- and 4-gram; the fraction of
  characters inside word 5- to 10-grams that occur more than once;
- symbols: the ratio of hash signs and ellipses to words; the fraction of words that contain
  no letter; the fraction of lines that end in an ellipsis.

Lines stand for Gopher's paragraphs too, since extracted text has one paragraph per line.

WebText keeps what a person would call an article, and Gopher could afford to lose some, so these
rules are looser than Gopher's where it dropped real articles. Measured on the 92 human-selected
news and blog articles of the extraction benchmark and the 883 pages of the snippet set
(`../shared/data/extraction-benchmark`, `../shared/data/trafilatura-eval`):

- Duplicated n-grams: Gopher's limits (0.15 of characters for 5-grams down to 0.10 for 10-grams)
  dropped 3 benchmark articles, e.g. one where a politician's hover card is repeated inline
  (0.19); one limit is kept, 0.30 for duplicated 10-grams.
- A passage counts as repeated from its third occurrence (`MIN_REPEATS`), in every repetition
  statistic: a passage printed twice is how extraction shows a page's standfirst, info box or list
  (a mobile and a desktop copy), or how an article quotes a statement and then prints it in full
  (thestkittsnevisobserver.com: 0.73 of its characters in 10-grams that occur twice), while spam
  and templates repeat many times (a page of PHP warnings: 0.48 in 10-grams that occur three times
  or more; a year of calendars: 0.91). Counting from the second occurrence dropped 5 more pages
  of the snippet set (a FAQ asking each train company the same questions, a TV schedule, a
  settings table, the quoted statement, a 63-word notice with its title twice); counting from the
  third, the most any kept page has is 0.26 (that FAQ). Line cleanup removes the second copy of a
  paragraph printed twice (`webtext.clean.lines`).
- Duplicate lines are counted (Gopher: 0.30 of lines) only among prose lines, of at least 5 words
  (C4's shortest line, `webtext.clean.words.is_prose_line`); their characters (Gopher: 0.20) are
  counted for every line. Short repeated lines are labels and separators, not spam: interview
  speaker labels ("Sunshine:", "Anne:" 9 times each: 0.42 of the lines, 0.03 of the characters),
  spacer lines of "." (21 of 42 lines, no character to speak of), a photo credit.
- Gopher's "80% of words contain a letter" dropped two sports articles full of scores and
  statistics (0.71, 0.72); at 0.70 they stay. A row of a table written with "|" cells counts as
  one word, with a letter when any cell has one, since the cell borders are no words and a row
  of figures with a name is a record, not symbols: on the snippet set the six articles with such
  tables go from 0.47-0.70 to 0.83-1.00, a standings table with a driver in each row (benchmark)
  from 0.22 to 0.92, while a year of calendars stays at 0.29 and a results list at 0.62. The cell
  borders are no words for the n-gram statistics either (`gram_words`). Words of CJK scripts are
  counted by characters (`webtext.clean.words`): a Chinese encyclopedia page goes from 0.46,
  counted in space-separated runs against its footnote marks, to 0.91.
- Gopher drops a page of which more than 30% of the lines end in an ellipsis, a teaser list; that
  needs at least `MIN_TEASER_LINES` = 10 such lines here, the posts of a page of teasers (10 is
  WordPress's default number of posts per page, Settings > Reading). With fewer, one line in
  three is a short paywalled teaser whose last line ends in "...": the rule dropped 5 pages of
  the two sets, all articles (3 lines of which 1 ends in an ellipsis; 7 of 21), and no page of
  them has 10 such lines.
"""
from __future__ import annotations

import functools
import itertools
import re
from collections import Counter
from collections.abc import Sequence

from webtext.clean.ngrams import MIN_REPEATS, WordGrams
from webtext.clean.words import is_prose_line
from webtext.clean.words import word_count as count_words

# Gopher, Table A1: (n, threshold) for the most frequent n-gram's character fraction...
TOP_NGRAM_LIMITS = ((2, 0.20), (3, 0.18), (4, 0.16))
# ... and for the fraction of characters in duplicated n-grams (looser; see above).
DUPLICATE_NGRAM_LIMITS = ((10, 0.30),)
DUPLICATE_LINE_LIMIT = 0.30
DUPLICATE_LINE_CHARS_LIMIT = 0.20
_LETTER = re.compile(r"[^\W\d_]")
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")
_TABLE_SYNTAX = frozenset("|-:")
SYMBOLS_PER_WORD_LIMIT = 0.10
ALPHABETIC_WORDS_MIN = 0.70  # Gopher: 0.80 (see above)
TEASER_LINES_LIMIT = 0.30
MIN_TEASER_LINES = 10  # Gopher: none (see above)


@functools.lru_cache(maxsize=1)
def words_of(text: str) -> tuple[str, ...]:
    """`text.split()`, kept for the last text: the length, symbol and repetition filters all read
    the words of the same document, one after another."""
    return tuple(text.split())


def duplicate_line_fractions(lines: Sequence[str]) -> tuple[float, float]:
    """Of the lines that occur at least `MIN_REPEATS` times, the copies after the first: the fraction
    of all lines that are such copies of prose lines (`webtext.clean.words.is_prose_line`), and the
    fraction of all characters in such copies of any line."""
    if not lines:
        return 0.0, 0.0
    counts = Counter(lines)
    if len(counts) == len(lines):
        return 0.0, 0.0
    prose = chars = 0
    for line, count in counts.items():
        if count >= MIN_REPEATS:
            chars += (count - 1) * len(line)
            prose += count - 1 if is_prose_line(line) else 0
    return prose / len(lines), chars / max(1, sum(map(len, lines)))


def gram_words(text: str, words: Sequence[str]) -> Sequence[str]:
    """The words of `text` whose n-grams the repetition limits count: `words` but the borders of
    table cells ("|", "|---|"), which are a table's syntax, not its words."""
    if "|" not in text:
        return words
    return [word for word in words if not ("|" in word and _TABLE_SYNTAX.issuperset(word))]


def repetition_exceeds_limits(text: str, lines: Sequence[str] | None = None,
                              words: Sequence[str] | None = None) -> bool:
    """Whether `text` breaks any of the repetition limits; `lines` and `words` are its lines and
    whitespace-separated words when already split."""
    lines = text.splitlines() if lines is None else lines
    duplicate_lines, duplicate_line_chars = duplicate_line_fractions(lines)
    if duplicate_lines > DUPLICATE_LINE_LIMIT or duplicate_line_chars > DUPLICATE_LINE_CHARS_LIMIT:
        return True
    grams = WordGrams(gram_words(text, words_of(text) if words is None else words))
    if any(grams.top_fraction_exceeds(n, limit) for n, limit in TOP_NGRAM_LIMITS):
        return True
    return any(grams.duplicate_fraction_exceeds(n, limit) for n, limit in DUPLICATE_NGRAM_LIMITS)


def is_teaser_list(text: str, lines: Sequence[str]) -> bool:
    """Whether at least `MIN_TEASER_LINES` of the lines of `text`, and more than `TEASER_LINES_LIMIT`
    of them, end in an ellipsis ("..." or "\u2026")."""
    if text.count("...") + text.count("\u2026") < MIN_TEASER_LINES:  # most texts: no need to look at lines
        return False
    teasers = sum(line.rstrip().endswith(("...", "\u2026")) for line in lines)
    return teasers >= MIN_TEASER_LINES and teasers / len(lines) > TEASER_LINES_LIMIT


def symbol_to_word_ratio(text: str, word_count: float) -> float:
    """Hash signs and ellipses ("...", "\u2026") per word (`word_count` words in `text`)."""
    symbols = text.count("#") + text.count("...") + text.count("\u2026")
    return symbols / max(1.0, word_count)


def _with_letter(words: Sequence[str]) -> int:
    """How many of `words` contain a letter."""
    # A word of letters only (most words) has one; only the others need the regex: a third of the time.
    others = list(itertools.filterfalse(str.isalpha, words))
    return len(words) - len(others) + len(list(filter(_LETTER.search, others)))


def alphabetic_word_fraction(words: Sequence[str]) -> float:
    """The fraction of words containing at least one letter (Gopher's definition)."""
    return _with_letter(words) / len(words) if words else 1.0


def letter_fraction(text: str, words: Sequence[str], word_count: float | None = None) -> float:
    """The fraction of the words of `text` that contain a letter, where `words` are its
    whitespace-separated words and `word_count` their number in every script
    (`webtext.clean.words.word_count`, computed when not given). A row of a table written with "|"
    cells counts as one word, with a letter when any cell has one, or as none when it has no letter
    or digit (a rule such as "|---|---|"); a token in a CJK script counts as one word, with a letter
    or not, and as `token_words(token) - 1` more words with a letter (its characters beyond one
    word's: they are letters)."""
    if word_count is None:
        word_count = count_words(text, words)
    if "|" not in text:
        extra = word_count - len(words)
        return (_with_letter(words) + extra) / (len(words) + extra) if words else 1.0
    rows = row_letters = 0
    prose: list[str] = []
    for line in text.splitlines():
        if not line.lstrip().startswith("|"):
            prose.append(line)
        elif _LETTER_OR_DIGIT.search(line):
            rows += 1
            row_letters += _LETTER.search(line) is not None
    prose_text = " ".join(prose)
    prose_words = prose_text.split()
    # Only a text with CJK words can count more words than it has tokens.
    extra = count_words(prose_text, prose_words) - len(prose_words) if word_count > len(words) else 0.0
    total = len(prose_words) + extra + rows
    return (_with_letter(prose_words) + extra + row_letters) / total if total else 1.0

