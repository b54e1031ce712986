"""Any number of distinct pages made from a few real ones, with a known share of near duplicates.

The scale benchmark (`bench/scale.py`) needs 10k to 100k pages that cost what real pages cost to
extract, yet that exact and MinHash near dedup do not collapse. Each source page becomes a
template: its HTML cut into markup and words, where a word is a run of 4+ letters (any script) outside
`<script>`, `<style>` and comments and not one of Gopher's English stop words (Rae et al. 2021,
A.1.1), so the language filter still sees English. A generated page is its template with each
word replaced, with probability `SUBSTITUTION_RATE`, by a seeded draw from the vocabulary of all
the source pages. Two pages of one template then share about 0.7 of their words and about a sixth
of their 5-word shingles (Jaccard about 0.1, far below the 0.8 threshold of `dedup/settings.py`).

A planted near duplicate copies another generated page and changes one word per 200 words of
extracted text (at least one) among those the extractor keeps: each change alters at most 5
shingles, so its 5-word shingle Jaccard with the page it copies stays above about 0.9 (0.95 on
long pages), clear of the 0.8 threshold that MinHash estimates with 128 permutations (standard
deviation about 0.03), and LSH banding makes nearly every such pair a candidate. That holds for
pages of at least `NEAR_MIN_WORDS` extracted words (5 changed shingles of 95 leave a Jaccard of
0.9); on a page of 30 words one change leaves about 0.68, a near duplicate only by name, so only
long pages are copied. Each page is copied at most once, so the job must drop as many pages as
`near_duplicate` as were planted, less the few that LSH banding misses: a pair of Jaccard s is
never a candidate with probability (1 - s^r)^b for b bands of r rows (7% at s = 0.9 with the
default 9 x 13, 0.0002% at 0.98), which `expected_misses` sums over the planted copies.
Source pages that the clean stage drops are left out, so that every generated page reaches dedup.
"""

from __future__ import annotations

import dataclasses
import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from webtext.clean.scoring import load_benchmark
from webtext.clean.stage import clean_page
from webtext.core.document import Page
from webtext.sampleweb.site import build_site

SUBSTITUTION_RATE = 0.3
NEAR_WORDS_PER_CHANGE = 200
NEAR_MIN_WORDS = 100
_MARKUP = re.compile(r"(<script\b.*?</script\s*>|<style\b.*?</style\s*>|<!--.*?-->|<[^>]*>)", re.S | re.I)
_WORD = re.compile(r"(?<![&#\w])[^\W\d_]{4,}(?!\w)")  # letters of any script; not an entity (&nbsp;)
_SPACE = re.compile(r"\s+")
_MAIN_PIECE_CHARS = 40  # a text piece this long found in the extracted text counts as main text

# Gopher's eight English stop words (Rae et al. 2021, A.1.1), kept as they are in every page.
STOP_WORDS_EN = frozenset({"the", "be", "to", "of", "and", "that", "have", "with"})


@dataclass
class Template:
    """A source page cut into `parts`: literal text at even indices, replaceable words at odd ones."""

    page: Page
    parts: list[str]
    main: np.ndarray  # indices (into the words) of the words inside the extracted main text
    changes: int  # words a near duplicate changes among them
    extracted_words: int  # words of the text the clean stage keeps

    @property
    def words(self) -> list[str]:
        return self.parts[1::2]


def source_pages(benchmark: Path) -> list[Page]:
    """The real pages of the extraction benchmark folder, else (absent) the sample web's pages."""
    if benchmark.is_dir():
        return [page for page, _ in load_benchmark(benchmark)]
    return list(build_site(seed=3, articles=120).fetched_pages())


def make_template(page: Page) -> Template | None:
    """The template of `page`, or None when the clean stage drops the page as it is."""
    doc = clean_page(page)
    if doc.drop_reason is not None:
        return None
    extracted = _SPACE.sub(" ", doc.text)
    parts: list[str] = []
    main: list[int] = []
    literal: list[str] = []
    for index, piece in enumerate(_MARKUP.split(page.body.decode("utf-8", "replace"))):
        if index % 2 or not piece.strip():
            literal.append(piece)
            continue
        in_main = len(piece.strip()) >= _MAIN_PIECE_CHARS and _SPACE.sub(" ", html.unescape(piece).strip()) in extracted
        start = 0
        for match in _WORD.finditer(piece):
            if match.group().lower() in STOP_WORDS_EN:
                continue
            literal.append(piece[start:match.start()])
            if in_main:
                main.append(len(parts) // 2)
            parts += ["".join(literal), match.group()]
            literal, start = [], match.end()
        literal.append(piece[start:])
    parts.append("".join(literal))
    changes = min(len(main), max(1, len(doc.text.split()) // NEAR_WORDS_PER_CHANGE))
    return Template(page, parts, np.array(main, dtype=np.int64), changes, len(doc.text.split()))


class ScaledPages:
    """Distinct pages made from `templates`, a `near_share` of them planted near duplicates."""

    def __init__(self, pages: list[Page], near_share: float = 0.05, seed: int = 0) -> None:
        self.templates = [t for t in map(make_template, pages) if t is not None and len(t.main)]
        if not self.templates:
            raise ValueError("no source page survives the clean stage")
        vocabulary = sorted({w.lower() for t in self.templates for w in t.words})
        self.vocabulary = np.array(vocabulary, dtype=object)
        self.capitalized = np.array([w.capitalize() for w in vocabulary], dtype=object)
        self.near_share = near_share
        self.seed = seed
        self._long = np.array([t.extracted_words >= NEAR_MIN_WORDS for t in self.templates])

    def _variant(self, number: int) -> tuple[Template, list[str]]:
        """The template and parts of original page `number` (its own seeded word draws)."""
        template = self.templates[number % len(self.templates)]
        rng = np.random.default_rng((self.seed, number))
        parts = list(template.parts)
        chosen = np.flatnonzero(rng.random(len(parts) // 2) < SUBSTITUTION_RATE)
        self._substitute(parts, chosen, rng)
        return template, parts

    def _substitute(self, parts: list[str], chosen: np.ndarray, rng: np.random.Generator) -> None:
        """Replace the words `chosen` with seeded draws from the vocabulary, each one by another word
        (a draw of the same word takes the next one), so that a near duplicate is never an exact one."""
        draws = rng.integers(len(self.vocabulary), size=len(chosen))
        for word, draw in zip(chosen.tolist(), draws.tolist(), strict=True):
            old = parts[2 * word + 1]
            if self.vocabulary[draw] == old.lower():
                draw = (draw + 1) % len(self.vocabulary)
            parts[2 * word + 1] = (self.capitalized if old[0].isupper() else self.vocabulary)[draw]

    def plan(self, count: int) -> list[int | None]:
        """For each of `count` pages, None (an original) or the original page it nearly copies;
        no original is copied twice, and only pages of `NEAR_MIN_WORDS` or more are copied."""
        near = round(count * self.near_share)
        rng = np.random.default_rng((self.seed, count))
        numbers = np.arange(count)
        long = numbers[self._long[numbers % len(self.templates)]]
        if len(long) < near or count < 2 * near:
            raise ValueError(f"{count} pages hold {len(long)} long enough to copy, fewer than the {near} copies asked")
        sources = rng.choice(long, size=near, replace=False)
        copies = rng.choice(np.setdiff1d(numbers, sources), size=near, replace=False)
        plan: list[int | None] = [None] * count
        for copy, source in zip(copies.tolist(), sources.tolist(), strict=True):
            plan[copy] = source
        return plan

    def expected_misses(self, count: int, bands: int, rows: int, shingle_size: int) -> float:
        """How many of the near duplicates planted among `count` pages LSH with `bands` x `rows`
        is expected to miss: each copy's Jaccard with its source taken as that of its extracted words'
        shingles when each changed word alters `shingle_size` of them (changes rarely overlap)."""
        missed = 0.0
        for source in self.plan(count):
            if source is None:
                continue
            template = self.templates[source % len(self.templates)]
            shingles = max(1, template.extracted_words - shingle_size + 1)
            changed = min(shingles, template.changes * shingle_size)
            jaccard = (shingles - changed) / (shingles + changed)
            missed += (1 - jaccard ** rows) ** bands
        return missed

    def generate(self, count: int) -> Iterator[Page]:
        """`count` pages under distinct URLs, made one at a time (memory does not grow with count)."""
        for number, source in enumerate(self.plan(count)):
            template, parts = self._variant(number if source is None else source)
            if source is not None:
                rng = np.random.default_rng((self.seed, number, 1))
                self._substitute(parts, rng.choice(template.main, size=template.changes, replace=False), rng)
            url = template.page.url
            yield dataclasses.replace(template.page, url=f"{url}{'&' if '?' in url else '?'}scale={number}",
                                      body="".join(parts).encode("utf-8"))
