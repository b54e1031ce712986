"""Notice lines and placeholder text: the fast tests give the answers of the plain regexes."""

from __future__ import annotations

import random
import re
import sys

import pytest
from webtext.clean.boilerplate import (
    _FURTHER_READING_LINK,
    _LABEL,
    _LOREM,
    _NOTICE,
    _NOTICES,
    MAX_NOTICE_WORDS,
    _has_folded_apart,
    has_placeholder_text,
    is_boilerplate_line,
    notice_lines,
)

EXAMPLES = [
    "enable your javascript", "JavaScript must be enabled", "this website uses cookies",
    "we use cookies", "manage all cookies", "Cookie consent", "privacy policy & terms",
    "All rights reserved", "subscribe to our newsletter", "share on twitter", "like us on instagram",
    "click here to read more", "please upgrade your browser", "your browser doesn't support",
    "teilen auf WhatsApp", "partager sur Facebook", "compartir en Twitter",
]
FILLER = ["the", "council", "voted", "on", "Tuesday", "cookies", "browser", "sharing", "rights", "of", "us"]
# Characters that ignoring case pairs with an ASCII letter: str.lower() gives the letter, except these.
ODD_CASES = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def is_boilerplate_line_by_definition(line: str) -> bool:
    return bool(_LABEL.match(line)) or (len(line.split()) <= MAX_NOTICE_WORDS and bool(
        _NOTICE.search(line) or _FURTHER_READING_LINK.match(line)))


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
        assert char.lower() == letter or (_has_folded_apart(char) and letter not in "lorem"), hex(ord(char))


def test_notice_lines_as_defined_on_random_lines() -> None:
    rng = random.Random(5)
    for _ in range(6000):
        words = [rng.choice(FILLER) for _ in range(rng.randrange(0, MAX_NOTICE_WORDS + 3))]
        if rng.random() < 0.8:
            words.insert(rng.randrange(len(words) + 1), recased(rng.choice(EXAMPLES), rng))
        line = random_line(rng, words)
        assert is_boilerplate_line(line) == is_boilerplate_line_by_definition(line), line


def random_line(rng: random.Random, words: list[str]) -> str:
    label = rng.choice(["", "Advertisement", "Share this: ", "Related: ", "Mehr Themen", "Read more ",
                        "- Sk\u0130p to "])
    return recased(label, rng) + " ".join(words) + rng.choice(["", ".", " ...", ":", "  "])


def test_notice_lines_of_a_text_are_its_lines_that_are_notices() -> None:
    rng = random.Random(6)
    for _ in range(1500):
        lines = []
        for _ in range(rng.randrange(0, 8)):
            words = [rng.choice(FILLER) for _ in range(rng.randrange(0, MAX_NOTICE_WORDS + 3))]
            if rng.random() < 0.3:
                words.insert(rng.randrange(len(words) + 1), recased(rng.choice(EXAMPLES), rng))
            lines.append(random_line(rng, words))
        expected = [i for i, line in enumerate(lines) if is_boilerplate_line(line)]
        assert notice_lines(lines) == expected, lines
        normalized = [" ".join(line.split()) for line in lines]
        assert notice_lines(normalized, normalized=True) == notice_lines(normalized), normalized


@pytest.mark.parametrize("line", [
    "Related: The 15 Weirdest Galaxies in Our Universe", "Read more: Council approves new cycle lanes",
    "Lesen Sie auch: Bayern fordert h\u00f6here Erl\u00f6sobergrenzen", "LE PUEDE INTERESAR: La ficha del MDC",
    "Lea tambi\u00e9n: Impiden ingreso a Nicaragua", "Mehr Themen:", "Schon gelesen?", "Weitere Artikel zum Thema",
    "Editors' Recommendations", "- Teilen auf Facebook", "Partager sur Twitter",
])
def test_further_reading_and_sharing_labels_are_boilerplate(line: str) -> None:
    assert is_boilerplate_line(line)


@pytest.mark.parametrize("line", [
    "Related studies have found the same effect in mice.",
    "Read more about the plan in the council's report, published on Monday.",
    "Die Kosten teilen auf Dauer Stadt und Land.",
])
def test_prose_that_begins_like_a_label_is_not_boilerplate(line: str) -> None:
    assert not is_boilerplate_line(line)


@pytest.mark.parametrize("text", [
    "lorem ipsum dolor", "LOREM IPSUM", "Lorem \u0131psum", "Lorem IP\u017fUM", "Lorem \u0130psum",
    "xlorem ipsum", "lorem ipsumx", "lorem", "l\u00f6rem ipsum", "text\nLorem Ipsum\nmore",
])
def test_placeholder_text_as_defined(text: str) -> None:
    assert has_placeholder_text(text) == (_LOREM.search(text) is not None)
