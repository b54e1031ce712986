#!/usr/bin/env python3
"""Benchmark of the dedup stage: MinHash signature speed, Beam memory, Bloom filter speed.

Prints, in one run:

- signature docs/s of the project (`MinHasher.signatures`, vectorized) beside a plain
  `datasketch.MinHash` loop (one `update` per shingle, per document) on the same documents
  (target >= 30x); the baseline runs on a sample, since it is about 70 times slower;
- peak memory (max RSS of a fresh process) of `NearDedup` on Beam's DirectRunner at two corpus
  sizes, beside the same pipeline with a plain `Reshuffle` in its place: the DirectRunner keeps
  every PCollection it shuffles in memory, so both grow with the corpus text, and the difference
  is the transform's own memory (signatures, buckets, union-find), which must not grow with the
  text: a third row compares that difference for long and short documents at the same count;
- n-gram Bloom filter inserts/s of `NgramBloom` (rbloom + XXH3-128) beside rbloom with a
  BLAKE2b-128 hash, the standard library's stable alternative.

Documents are random words from a 50,000-word vocabulary ("a few thousand words" each: 2,000;
500 with --quick) with one near-duplicate copy planted per ten documents.

    .venv/bin/python bench/dedup.py [--quick] [--json PATH]
"""

from __future__ import annotations

import os
import sys

# bench/tokenize.py would shadow the standard library's tokenize: take bench/ off sys.path first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import hashlib
import json
import logging
import random
import resource
import subprocess
import tempfile
import time
from typing import Any

VOCABULARY = 50_000


def make_text(index: int, words: int) -> str:
    """Document `index`: random words; every tenth document is a near copy of the one before."""
    rng = random.Random(index - 1 if index % 10 == 9 else index)
    chosen = [f"w{rng.randrange(VOCABULARY)}" for _ in range(words)]
    if index % 10 == 9:
        chosen[words // 2] = "edited"
    return " ".join(chosen)


def make_doc(index: int, words: int) -> Any:
    from webtext.core.document import Document, RedditPost

    return Document(id=f"{index:08d}", url=f"http://b.test/{index}", domain="b.test", text=make_text(index, words),
                    fetched_at="2017-01-01T00:00:00Z", reddit=(RedditPost(str(index), "s", index % 97, 0),))


def emit(rows: list[dict[str, Any]], json_path: str | None, **row: Any) -> None:
    row["ratio"] = row["figure"] / row["baseline"] if row["baseline"] else float("nan")
    rows.append(row)
    print(f"{row['metric']}: {row['figure']:.1f} {row['unit']} vs baseline {row['baseline']:.1f} "
          f"-> {row['ratio']:.2f}x (target {row['target']})", flush=True)
    if json_path:
        with open(json_path, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"stage": "dedup", **row}) + "\n")


def bench_signatures(docs: int, words: int, baseline_docs: int) -> tuple[float, float]:
    from datasketch import MinHash
    from webtext.dedup.minhash import MinHasher, shingles

    texts = [make_text(i, words) for i in range(docs)]
    hasher = MinHasher()
    hasher.signatures(texts[:10])  # build the code-point table once
    start = time.perf_counter()
    for offset in range(0, docs, 256):
        hasher.signatures(texts[offset:offset + 256])
    project = docs / (time.perf_counter() - start)
    start = time.perf_counter()
    for text in texts[:baseline_docs]:
        minhash = MinHash(num_perm=128)
        for shingle in shingles(text):
            minhash.update(shingle)
    baseline = baseline_docs / (time.perf_counter() - start)
    return project, baseline


def memory_child(kind: str, docs: int, words: int) -> None:
    """Run one pipeline in this (fresh) process and print its peak RSS in MiB."""
    import apache_beam as beam
    from apache_beam.options.pipeline_options import PipelineOptions
    from webtext.core.beamrun import local_runner
    from webtext.dedup.beam import NearDedup

    logging.getLogger("apache_beam").setLevel(logging.ERROR)
    options = PipelineOptions(flags=[])
    with (tempfile.TemporaryDirectory() as spill,
          beam.Pipeline(runner=local_runner(options), options=options) as pipeline):
        corpus = pipeline | beam.Create(range(docs)) | beam.Reshuffle() | beam.Map(make_doc, words)
        if kind == "near":
            kept = (corpus | NearDedup(spill)).kept
        else:
            kept = corpus | beam.Map(lambda doc: (doc.id, doc)) | "Shuffle" >> beam.Reshuffle() | beam.Values()
        _ = kept | beam.combiners.Count.Globally()
    print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def peak_memory(kind: str, docs: int, words: int) -> float:
    result = subprocess.run([sys.executable, __file__, "--memory-child", kind, str(docs), str(words)],
                            check=True, capture_output=True, text=True)
    return float(result.stdout.strip().splitlines()[-1])


def bench_bloom(grams: int) -> tuple[float, float]:
    from rbloom import Bloom
    from webtext.dedup.bloom import NgramBloom

    rng = random.Random(0)
    words = [f"w{rng.randrange(VOCABULARY)}" for _ in range(grams + 7)]
    items = [" ".join(words[i:i + 8]) for i in range(grams)]

    def blake(item: str) -> int:
        return int.from_bytes(hashlib.blake2b(item.encode(), digest_size=16).digest(), "little", signed=True)

    bloom = NgramBloom.create(grams)
    start = time.perf_counter()
    bloom.add_ngrams(items)
    project = grams / (time.perf_counter() - start)
    other = Bloom(grams, 1e-8, blake)
    start = time.perf_counter()
    other.update(items)
    return project, grams / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    parser.add_argument("--json", help="append result rows to this JSON-lines file")
    parser.add_argument("--memory-child", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        kind, docs, words = args.memory_child
        memory_child(kind, int(docs), int(words))
        return
    words = 500 if args.quick else 2000
    sizes = (1_000, 5_000) if args.quick else (10_000, 50_000)
    rows: list[dict[str, Any]] = []
    project, baseline = bench_signatures(1_000 if args.quick else 10_000, words, 20 if args.quick else 100)
    emit(rows, args.json, metric=f"MinHash signatures, {words}-word docs", figure=project, baseline=baseline,
         target=">= 30x datasketch update loop", unit="docs/s")
    for size in sizes:
        near, shuffle = peak_memory("near", size, words), peak_memory("shuffle", size, words)
        text_mib = size * (len(make_text(0, words)) + 1) / 2**20
        emit(rows, args.json, metric=f"NearDedup peak RSS, {size} docs ({text_mib:.0f} MiB text)", figure=near,
             baseline=shuffle, target="extra over a plain shuffle << corpus text", unit="MiB")
    short = 60 if args.quick else 250
    extra_long = peak_memory("near", sizes[0], words) - peak_memory("shuffle", sizes[0], words)
    extra_short = peak_memory("near", sizes[0], short) - peak_memory("shuffle", sizes[0], short)
    emit(rows, args.json, metric=f"NearDedup RSS over a shuffle, {sizes[0]} docs: {words}- vs {short}-word docs",
         figure=extra_long, baseline=extra_short, target="~1x (independent of text length)", unit="MiB")
    project, baseline = bench_bloom(200_000 if args.quick else 2_000_000)
    emit(rows, args.json, metric="Bloom 8-gram inserts", figure=project, baseline=baseline,
         target=">= 1x rbloom + BLAKE2b", unit="inserts/s")


if __name__ == "__main__":
    main()
