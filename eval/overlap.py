"""Test-set overlap with the training text: GPT-2's Table 6, on the user's own corpus.

GPT-2 (Radford et al. 2019, section 4) put every 8-gram of WebText's training text, normalized
to lower-cased alphanumeric words separated by single spaces, into Bloom filters with a
false-positive rate of at most 1e-8, and reported for each test set the percentage of its
8-grams found there (PTB 0.88%, WikiText-2 1.63%, enwik8 6.31%, text8 3.94%, WikiText-103
2.42%, 1BW 3.75%: 3.2% on average), against 5.9% on average for the datasets' own training
splits. This module does the same with the dedup stage's normalization and filter
(`webtext.dedup.ngrams`, `webtext.dedup.bloom`):

- `train_filter` fills one filter in a single streaming pass over the split, shard by shard,
  document by document (`corpus_text`), so memory is the filter's size. The filter is sized
  from the split's token count, an upper bound on its word count (under GPT-2 pre-tokenization
  every word starts a new token), hence on its n-gram count;
- `measure` counts, for one evaluation set, its n-grams found in a filter (repeats counted, as a
  percentage of n-grams) and each document's own rate, which the perplexity command buckets;
- `estimated_fp_rate` is the false-positive rate the filled filter actually has, from its fill:
  (1 - e^(-k n / m))^k for n items in m bits with k hashes (Bloom 1970; Broder & Mitzenmacher
  2004, section 2.1), so a filter filled beyond its sizing is visible in the table.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from webtext.core.errors import ConfigError
from webtext.core.tables import Column, Table
from webtext.dedup.bloom import NgramBloom
from webtext.dedup.evalsets import EvalSet
from webtext.dedup.ngrams import gpt2_words, word_ngrams
from webtext.eval.corpus_text import document_texts, shard_tokenizer
from webtext.tokenize.shards import ShardSet

# Table 6 of the GPT-2 paper: percentage of each test set's 8-grams in WebText's training split.
GPT2_TABLE6 = {"PTB": 0.88, "WikiText-2": 1.63, "enwik8": 6.31, "text8": 3.94, "WikiText-103": 2.42, "1BW": 3.75}
GPT2_MEAN_OVERLAP = 3.2  # percent, against WebText train
GPT2_MEAN_OWN_TRAIN = 5.9  # percent, against the datasets' own training splits


@dataclass(frozen=True)
class SetOverlap:
    """How much of one evaluation set a filter contains."""

    name: str
    documents: int
    ngrams: int
    found: int
    doc_found: tuple[int, ...]  # per document: n-grams found
    doc_ngrams: tuple[int, ...]  # per document: n-grams

    @property
    def percent(self) -> float:
        """Percentage of the set's n-grams found (NaN for a set without n-grams)."""
        return 100.0 * self.found / self.ngrams if self.ngrams else math.nan

    @property
    def doc_rates(self) -> list[float | None]:
        """Each document's fraction of n-grams found (None: shorter than one n-gram)."""
        return [f / t if t else None for f, t in zip(self.doc_found, self.doc_ngrams, strict=True)]


def hash_count(bloom: NgramBloom) -> int:
    """Hash functions of `bloom`: (m / n) ln 2 rounded down, as rbloom sizes them."""
    return max(1, int(bloom.size_in_bits / bloom.expected * math.log(2)))


def estimated_fp_rate(bloom: NgramBloom) -> float:
    """False-positive rate of `bloom` as filled (see the module docstring)."""
    k = hash_count(bloom)
    return float((1.0 - math.exp(-k * bloom.approx_items / bloom.size_in_bits)) ** k)


def train_filter(shards: ShardSet, n: int = 8, fp_rate: float = 1e-8, expected: int | None = None,
                 show_progress: bool = True) -> NgramBloom:
    """The n-gram Bloom filter of the text of `shards`, filled in one streaming pass."""
    tokenizer = shard_tokenizer(shards)
    bloom = NgramBloom.create(expected or max(shards.n_tokens, 1), fp_rate, n)
    for text in document_texts(shards, tokenizer, show_progress=show_progress):
        bloom.add_text(text)
    return bloom


def texts_filter(texts: Iterable[str], n: int = 8, fp_rate: float = 1e-8) -> NgramBloom:
    """The n-gram Bloom filter of a few texts held in memory (an evaluation set's training split)."""
    grams = [gram for text in texts for gram in word_ngrams(gpt2_words(text), n)]
    bloom = NgramBloom.create(max(len(grams), 1), fp_rate, n)
    bloom.add_ngrams(grams)
    return bloom


def measure(bloom: NgramBloom, eval_set: EvalSet) -> SetOverlap:
    """The overlap of `eval_set` with the text in `bloom`, per set and per document."""
    found, totals = [], []
    for text in eval_set.texts:
        hits, total = bloom.overlap(text)
        found.append(hits)
        totals.append(total)
    return SetOverlap(eval_set.name, len(eval_set.texts), sum(totals), sum(found), tuple(found), tuple(totals))


def overlap_table(results: list[SetOverlap], own: dict[str, SetOverlap], bloom: NgramBloom) -> Table:
    """Table 6: one row per evaluation set, then their average."""
    columns = [Column("eval_set", "evaluation set"), Column("documents", "documents", ","),
               Column("ngrams", f"{bloom.n}-grams", ","), Column("percent", "% in training text", ".2f"),
               Column("docs_with_overlap", "% documents with any", ".1f")]
    if own:
        columns.append(Column("own_train_percent", "% in its own training split", ".2f"))
    table = Table("overlap", f"{bloom.n}-gram overlap of evaluation sets with the training text (GPT-2 Table 6)",
                  columns)
    for result in results:
        touched = sum(1 for f in result.doc_found if f)
        row = {"eval_set": result.name, "documents": result.documents, "ngrams": result.ngrams,
               "found": result.found, "percent": result.percent,
               "docs_with_overlap": 100.0 * touched / result.documents if result.documents else math.nan}
        if result.name in own:
            row["own_train_percent"] = own[result.name].percent
        table.rows.append(row)
    measured = [r for r in table.rows if not math.isnan(r["percent"])]
    if len(measured) > 1:
        average: dict[str, object] = {"eval_set": "average",
                                      "percent": sum(r["percent"] for r in measured) / len(measured)}
        owns = [r["own_train_percent"] for r in measured if "own_train_percent" in r]
        if owns:
            average["own_train_percent"] = sum(owns) / len(owns)
        table.rows.append(average)
    table.notes = {"n": bloom.n, "fp_rate_target": bloom.fp_rate, "fp_rate_estimated": estimated_fp_rate(bloom),
                   "filter_bits": bloom.size_in_bits, "filter_expected_ngrams": bloom.expected,
                   "filter_approx_ngrams": bloom.approx_items, "gpt2_table6_percent": GPT2_TABLE6,
                   "gpt2_mean_percent": GPT2_MEAN_OVERLAP, "gpt2_mean_own_train_percent": GPT2_MEAN_OWN_TRAIN}
    return table


def documents_table(results: list[SetOverlap]) -> Table:
    """Every evaluation document's own overlap rate (what the perplexity buckets use)."""
    table = Table("overlap_documents", "Overlap of each evaluation document with the training text",
                  [Column("eval_set", "evaluation set"), Column("document", "document"),
                   Column("ngrams", "n-grams"), Column("found", "found"), Column("rate", "rate", ".4f")])
    for result in results:
        for index, (found, total) in enumerate(zip(result.doc_found, result.doc_ngrams, strict=True)):
            table.rows.append({"eval_set": result.name, "document": index, "ngrams": total, "found": found,
                               "rate": found / total if total else None})
    return table


def pair_own_splits(eval_sets: list[EvalSet], own_splits: list[EvalSet]) -> dict[str, EvalSet]:
    """The `--eval-train` sets by the `--eval` set they belong to; `ConfigError` for a stray name."""
    names = {s.name for s in eval_sets}
    stray = sorted(s.name for s in own_splits if s.name not in names)
    if stray:
        raise ConfigError(f"--eval-train names {', '.join(stray)}, which no --eval set has; use the same NAME")
    return {s.name: s for s in own_splits}
