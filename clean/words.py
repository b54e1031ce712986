"""How many words a text has, in every script: whitespace-separated words, and characters for the
scripts that write no spaces between words.

Gopher's length, symbol and letter tests (Rae et al. 2021, A.1.1 and Table A1) count words split at
whitespace, which is what a word is in most scripts. Chinese and Japanese put no space between words,
so split that way a 1,070-character Chinese news article is 19 "words" and a Japanese one 4, and
Gopher's 50-word minimum drops both. Here a whitespace-separated token counts as one word, or as its
Han, Hiragana and Katakana characters divided by `CJK_CHARS_PER_WORD` plus its Hangul syllables
divided by `HANGUL_CHARS_PER_WORD`, whichever is more:

- `CJK_CHARS_PER_WORD = 1.8`: the characters per word of the Chinese and Japanese pages of the
  real-page sets (`../shared/data`), segmented with jieba 0.42.1 (Chinese: 1.79 to 1.96 on four
  news and encyclopedia pages) and janome 0.5.0 with its IPAdic dictionary (Japanese: 1.62 to 1.97
  on four pages). DeFrancis and Zheng estimated that 30 to 40% of the words of running Chinese
  text have one character (as cited by Hannas 1997, "Asia's Orthographic Dilemma"), which with
  two characters for the rest gives 1.6 to 1.7. A segmenter would cost more than all the filters
  together, and none ships with the project.
- `HANGUL_CHARS_PER_WORD = 3.0`: Korean puts spaces between its words (eojeol), which are 2.9 and
  3.2 syllables long on the two Korean pages of those sets; spaced Korean so counts about one
  word a token, and only Korean written without spaces counts by its syllables.

A line is prose, for the repetition statistics, when it has at least `PROSE_LINE_WORDS` such words:
C4 kept only lines of at least five words (Raffel et al. 2020, §2.2). A sentence, for the length
filter's short-prose rule, is C4's too: a run of text ending in a terminal punctuation mark (full
stop, exclamation or question mark, ellipsis, and their CJK forms, then any closing quotes or
brackets) with at least `PROSE_LINE_WORDS` words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

CJK_CHARS_PER_WORD = 1.8
HANGUL_CHARS_PER_WORD = 3.0
PROSE_LINE_WORDS = 5

# Hiragana, Katakana (with its phonetic extensions and half-width forms), the CJK ideographs with
# their extensions and compatibility forms; Hangul syllables and jamo.
_CJK = ("\u3040-\u30ff\u31f0-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff66-\uff9d"
        "\U00020000-\U0003134f")
_HANGUL = "\u1100-\u11ff\u3130-\u318f\uac00-\ud7af"
_CLOSERS = "[\"'\u201d\u2019\u00bb\u300d\u300f)\\]]*"
_SENTENCE = re.compile(f"[^.!?\u2026\u3002\uff01\uff1f]+(?:[.!?\u2026]+{_CLOSERS}(?=\\s|$)"
                       f"|[\u3002\uff01\uff1f]+{_CLOSERS})")  # CJK full stops need no space after
_UNSPACED = re.compile(f"[{_CJK}{_HANGUL}]")
_CJK_CHAR = re.compile(f"[{_CJK}]")
_HANGUL_CHAR = re.compile(f"[{_HANGUL}]")
# Every byte but the first bytes of those characters in UTF-8 (and of some others): deleting them
# from the UTF-8 bytes and finding nothing left costs a tenth of searching the text for the
# characters, which most texts do not have.
_NOT_UNSPACED_LEAD = bytes(sorted(set(range(256)) - {0xE1, *range(0xE3, 0xEE), 0xEF, 0xF0}))


def has_unspaced_script(text: str) -> bool:
    """Whether `text` has a character of a script counted by characters (CJK or Hangul)."""
    if text.isascii() or not text.encode("utf-8", "surrogatepass").translate(None, _NOT_UNSPACED_LEAD):
        return False
    return _UNSPACED.search(text) is not None


def token_words(token: str) -> float:
    """How many words one whitespace-separated token counts as (1 for a token of a spaced script)."""
    if token.isascii() or not _UNSPACED.search(token):
        return 1.0
    cjk = len(_CJK_CHAR.findall(token))
    hangul = len(_HANGUL_CHAR.findall(token))
    return max(1.0, cjk / CJK_CHARS_PER_WORD + hangul / HANGUL_CHARS_PER_WORD)


def unspaced_tokens(tokens: Sequence[str]) -> list[str]:
    """The tokens that have a character of a script counted by characters."""
    return [token for token in tokens if not token.isascii() and _UNSPACED.search(token)]


def word_count(text: str, words: Sequence[str] | None = None) -> float:
    """The words of `text`; `words` are its whitespace-separated tokens when already split."""
    if words is None:
        words = text.split()
    if not has_unspaced_script(text):
        return float(len(words))
    unspaced = unspaced_tokens(words)
    return len(words) - len(unspaced) + sum(map(token_words, unspaced))


def is_prose_line(line: str) -> bool:
    """Whether `line` has at least `PROSE_LINE_WORDS` words (C4's shortest line)."""
    tokens = line.split(None, PROSE_LINE_WORDS)
    return len(tokens) >= PROSE_LINE_WORDS or word_count(line, tokens) >= PROSE_LINE_WORDS


def sentence_count(text: str) -> int:
    """The sentences of `text` that have at least `PROSE_LINE_WORDS` words (C4's sentence and line)."""
    return sum(word_count(sentence) >= PROSE_LINE_WORDS for sentence in _SENTENCE.findall(text))
