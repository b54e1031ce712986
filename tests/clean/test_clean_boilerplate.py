"""Notice lines and placeholder text: the fast tests give the answers of the plain regexes."""

from __future__ import annotations

import random
import re
import sys

import pytest
from webtext.clean.boilerplate import (
    _FOLDED_APART,
    _LABEL,
    _LOREM,
    _NOTICE,
    _NOTICES,
    MAX_NOTICE_WORDS,
    has_placeholder_text,
    is_boilerplate_line,
)

EXAMPLES = [
    "enable your javascript", "JavaScript must be enabled", "this website uses cookies",
    "we use cookies", "manage all cookies", "Cookie consent", "privacy policy & terms",
    "All rights reserved", "subscribe to our newsletter", "share on twitter", "like us on instagram",
    "click here to read more", "please upgrade your browser", "your browser doesn't support",
]
FILLER = ["the", "council", "voted", "on", "Tuesday", "cookies", "browser", "sharing", "rights", "of", "us"]
# Characters that ignoring case pairs with an ASCII letter: str.lower() gives the letter, except these.
ODD_CASES = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def is_boilerplate_line_by_definition(line: str) -> bool:
    return bool(_LABEL.match(line)) or (len(line.split()) <= MAX_NOTICE_WORDS and bool(_NOTICE.search(line)))


def recased(text: str, rng: random.Random) -> str:
    out = []
    for char in text:
        odd = ODD_CASES.get(char.lower(), "")
        out.append(rng.choice(odd) if odd and rng.random() < 0.15
                   else char.upper() if rng.random() < 0.3 else char)
    return "".join(out)


def test_examples_cover_every_notice_phrase() -> None:
    for _, phrase in _NOTICES:
        assert any(re.fullmatch(phrase, example, re.IGNORECASE | re.VERBOSE) for example in EXAMPLES), phrase


def test_every_phrase_contains_its_word() -> None:
    for word, phrase in _NOTICES:
        assert word == word.lower() and word in phrase.replace("\\ ", " ")
        for example in EXAMPLES:
            if re.fullmatch(phrase, example, re.IGNORECASE | re.VERBOSE):
                assert word in example.lower()


@pytest.mark.parametrize("letter", sorted({c for word, _ in _NOTICES for c in word + "lorem" if c.isalpha()}))
def test_letters_that_lower_does_not_reach_are_searched_for(letter: str) -> None:
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for char in set(re.findall(letter, every, re.IGNORECASE)):
        assert char.lower() == letter or (_FOLDED_APART.search(char) and letter not in "lorem"), hex(ord(char))


def test_notice_lines_as_defined_on_random_lines() -> None:
    rng = random.Random(5)
    for _ in range(6000):
        words = [rng.choice(FILLER) for _ in range(rng.randrange(0, MAX_NOTICE_WORDS + 3))]
        if rng.random() < 0.8:
            words.insert(rng.randrange(len(words) + 1), recased(rng.choice(EXAMPLES), rng))
        line = rng.choice(["", "Advertisement", "Share this: "]) + " ".join(words) + rng.choice(["", ".", " ..."])
        assert is_boilerplate_line(line) == is_boilerplate_line_by_definition(line), line


@pytest.mark.parametrize("text", [
    "lorem ipsum dolor", "LOREM IPSUM", "Lorem \u0131psum", "Lorem IP\u017fUM", "Lorem \u0130psum",
    "xlorem ipsum", "lorem ipsumx", "lorem", "l\u00f6rem ipsum", "text\nLorem Ipsum\nmore",
])
def test_placeholder_text_as_defined(text: str) -> None:
    assert has_placeholder_text(text) == (_LOREM.search(text) is not None)
