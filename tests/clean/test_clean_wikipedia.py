"""Wikipedia's attribution in HTML: the fast search gives the answers of the plain definition."""

from __future__ import annotations

import random
import re
import sys

import pytest
from webtext.clean.encoding import decode_body
from webtext.clean.wikipedia import _ATTRIBUTIONS, has_wikipedia_attribution
from webtext.core.document import Page

ATTRIBUTION = re.compile("|".join(_ATTRIBUTIONS), re.IGNORECASE)
SAMPLES = [
    "From Wikipedia, the free encyclopedia",
    "<title>Riverside Park - Wikipedia</title>",
    "<title>Riverside Park \u2014 Wikipedia \n </title>",
    "Retrieved from \"https://en.wikipedia.org/w/index.php?title=Riverside_Park\"",
    "Retrieved from: https://de.m.wikipedia.org/wiki/Park",
    "This article is issued from Wikipedia",
    "This article uses material from the Wikipedia",
]
NEAR_MISSES = [
    "From Wikipedia the free encyclopedia", "<title>" + "x" * 301 + " - Wikipedia</title>",
    "Retrieved from https://wikipedia.org/", "This article is from Wikipedia", "According to Wikipedia,",
]
# Characters that ignoring case pairs with ASCII letters they do not lower to (Kelvin sign aside).
ODD_CASES = {"i": "\u0130\u0131", "k": "\u212a", "s": "\u017f"}


def by_definition(html: str) -> bool:
    """The plain scan, then the regex of all attributions over the whole page."""
    return ("ikipedia" in html or "IKIPEDIA" in html) and ATTRIBUTION.search(html) is not None


def recased(text: str, rng: random.Random) -> str:
    """`text` with each letter in a random case, now and then as a character paired with it."""
    out = []
    for char in text:
        odd = ODD_CASES.get(char.lower(), "")
        if odd and rng.random() < 0.1:
            out.append(rng.choice(odd))
        else:
            out.append(char.upper() if rng.random() < 0.5 else char.lower())
    return "".join(out)


def test_first_characters_pair_with_their_two_cases_only() -> None:
    """Each fast search starts with one case of a form's first character: no other may match."""
    every = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c <= 0xDFFF)
    for form in _ATTRIBUTIONS:
        assert set(re.findall(re.escape(form[0]), every, re.IGNORECASE)) == {form[0].lower(), form[0].upper()}


@pytest.mark.parametrize("sample", SAMPLES + NEAR_MISSES)
def test_each_form_in_any_case_and_place(sample: str) -> None:
    rng = random.Random(sample)
    filler = "<p>Some words of an article that cites wikipedia.org now and then.</p>\n" * 50
    for variant in (sample, sample.upper(), sample.lower(), *(recased(sample, rng) for _ in range(30))):
        for html in (variant, filler + variant, variant + filler, filler + variant + filler,
                     "Wikipedia " + variant, variant[:-1], variant[1:]):
            assert has_wikipedia_attribution(html) == by_definition(html), html[:120]
    assert has_wikipedia_attribution(filler + sample) == (sample in SAMPLES)


def test_random_mixtures_of_pieces() -> None:
    rng = random.Random(11)
    pieces = [*SAMPLES, *NEAR_MISSES, "wikipedia", "WIKIPEDIA", "<title>", "</title>", " - ", "\u2013",
              "Retrieved from ", "https://", "en.", "m.", ".wikipedia.org/", "From ", "This article ", "x"]
    for _ in range(3000):
        html = "".join(recased(rng.choice(pieces), rng) if rng.random() < 0.3 else rng.choice(pieces)
                       for _ in range(rng.randrange(1, 12)))
        assert has_wikipedia_attribution(html) == by_definition(html), html


def test_as_defined_on_whole_pages(whole_pages: list[Page]) -> None:
    for page in whole_pages:
        html, _ = decode_body(page.body, page.header("Content-Type"))
        assert has_wikipedia_attribution(html) == by_definition(html), page.url
