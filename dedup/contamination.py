"""Test-set contamination: which training documents overlap which evaluation sets.

Two detectors over plain Python data, wrapped for Beam in `webtext.dedup.beam.Decontaminate`:

- `NearIndex`: MinHash LSH over the evaluation documents; a training document whose estimated
  Jaccard similarity with an evaluation document reaches the threshold is contaminated (the
  same test as near-duplicate removal).
- `NgramIndex` and `cut_ngrams`: the GPT-3 rule (Brown et al. 2020, appendix C): every 13-gram
  (GPT-2 normalization) shared with an evaluation set is cut out of the training document
  together with 200 characters on either side; pieces shorter than 200 characters are dropped;
  a document cut into more than 10 pieces, or with nothing left, is dropped as contaminated.
  GPT-3 kept each piece as its own document; here the kept pieces stay one document (joined by
  a blank line) so that every input record still ends kept or dropped exactly once.

Evaluation sets are small next to the corpus, so both indexes live in memory on every worker.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from webtext.dedup.evalsets import EvalSet
from webtext.dedup.lsh import band_keys, optimal_bands
from webtext.dedup.minhash import MinHasher, jaccard
from webtext.dedup.ngrams import word_ngrams, word_spans
from webtext.dedup.settings import DedupSettings
from xxhash import xxh3_64_intdigest


class NearIndex:
    """MinHash LSH index of evaluation documents (set index, document index) by band key."""

    def __init__(self, eval_sets: Sequence[EvalSet], settings: DedupSettings) -> None:
        self.names = [s.name for s in eval_sets]
        self.threshold = settings.threshold
        self.hasher = MinHasher(settings.shingle_size, settings.num_perm, settings.seed)
        self.banding = optimal_bands(settings.threshold, settings.num_perm)
        self._buckets: dict[bytes, list[tuple[int, int]]] = defaultdict(list)
        self._signatures: list[np.ndarray] = []
        for set_index, eval_set in enumerate(eval_sets):
            signatures = self.hasher.signatures(eval_set.texts)
            self._signatures.append(signatures)
            for doc_index, signature in enumerate(signatures):
                if len(self.hasher.shingle_hashes(eval_set.texts[doc_index])):
                    for key in band_keys(signature, self.banding):
                        self._buckets[key].append((set_index, doc_index))

    def matches(self, signature: np.ndarray) -> dict[str, float]:
        """Evaluation sets holding a near duplicate of `signature`, with the best similarity."""
        found: dict[str, float] = {}
        for key in band_keys(signature, self.banding):
            for set_index, doc_index in self._buckets.get(key, ()):
                similarity = jaccard(signature, self._signatures[set_index][doc_index])
                name = self.names[set_index]
                if similarity >= self.threshold and similarity > found.get(name, -1.0):
                    found[name] = similarity
        return found


class NgramIndex:
    """Hashes (XXH3-64) of every n-gram of the evaluation sets, each with the sets holding it."""

    def __init__(self, eval_sets: Sequence[EvalSet], n: int) -> None:
        self.n = n
        self.names = [s.name for s in eval_sets]
        self._sets: dict[int, int] = {}  # n-gram hash -> bit mask of evaluation sets
        for set_index, eval_set in enumerate(eval_sets):
            for text in eval_set.texts:
                words = [word for word, _, _ in word_spans(text)]
                for gram in word_ngrams(words, n):
                    key = xxh3_64_intdigest(gram.encode("utf-8", "surrogatepass"))
                    self._sets[key] = self._sets.get(key, 0) | (1 << set_index)

    def lookup(self, gram: str) -> int:
        """Bit mask of the evaluation sets containing `gram` (0 when none)."""
        return self._sets.get(xxh3_64_intdigest(gram.encode("utf-8", "surrogatepass")), 0)

    def set_names(self, mask: int) -> list[str]:
        """The names of the sets in bit mask `mask`."""
        return [name for index, name in enumerate(self.names) if mask >> index & 1]


@dataclass
class CutResult:
    """What the GPT-3 rule did to one training document."""

    text: str
    matches: int = 0  # matching n-grams
    pieces: int = 1  # pieces the cuts left, before short ones were dropped
    eval_sets: list[str] = field(default_factory=list)
    contaminated: bool = False  # the whole document must be dropped


def cut_ngrams(text: str, index: NgramIndex, settings: DedupSettings) -> CutResult:
    """Apply the GPT-3 rule to `text` (see the module docstring)."""
    spans = word_spans(text)
    words = [word for word, _, _ in spans]
    n = index.n
    cuts: list[tuple[int, int]] = []
    mask = matches = 0
    for start, gram in enumerate(word_ngrams(words, n)):
        found = index.lookup(gram)
        if not found:
            continue
        matches += 1
        mask |= found
        low = max(spans[start][1] - settings.contamination_margin, 0)
        high = min(spans[start + n - 1][2] + settings.contamination_margin, len(text))
        if cuts and low <= cuts[-1][1]:
            cuts[-1] = (cuts[-1][0], max(cuts[-1][1], high))
        else:
            cuts.append((low, high))
    if not cuts:
        return CutResult(text)
    bounds = [0] + [edge for cut in cuts for edge in cut] + [len(text)]
    pieces = [text[bounds[i]:bounds[i + 1]] for i in range(0, len(bounds), 2)]
    pieces = [piece for piece in pieces if piece.strip()]
    kept = [piece.strip() for piece in pieces if len(piece.strip()) >= settings.min_piece_chars]
    contaminated = len(pieces) > settings.max_pieces or not kept
    return CutResult("\n\n".join(kept), matches, len(pieces), index.set_names(mask), contaminated)
