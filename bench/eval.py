#!/usr/bin/env python3
"""Benchmark of the eval stage's overlap filter: the 8-gram Bloom filter against a Python set.

`webtext eval overlap` keeps every 8-gram of the training text in a Bloom filter at a 1e-8
false-positive rate (GPT-2, section 4). The obvious alternative is a Python `set` of the same
stable 128-bit 8-gram hashes, which is exact. This script measures, in one run and on the same
8-grams (normalized text of random words, so nearly all distinct):

- insert rate (8-grams per second) of `NgramBloom.add_ngrams` and of `set.update` over the hashes;
- lookup rate over evaluation documents, as `webtext eval overlap` looks up (`NgramBloom.overlap`
  on each document's text, against `ngram_hash(gram) in set` for the same document's 8-grams),
  half the documents taken from the inserted text, half fresh;
- memory: the filter's bit array against the set's table plus its integer objects.

Both sides hash with the same function (`webtext.dedup.bloom.ngram_hash`), so the comparison is
of the containers. Ratios are the filter's figure over the set's.

    python bench/eval.py            # 2 million 8-grams
    python bench/eval.py --quick    # 200,000 8-grams
    python bench/eval.py --json rows.jsonl
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

from webtext.dedup.bloom import NgramBloom, ngram_hash
from webtext.dedup.ngrams import ngrams


def make_text(count: int, seed: int) -> str:
    """A text of random words with `count` 8-grams (nearly all distinct)."""
    rng = random.Random(seed)
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = ["".join(rng.choices(letters, k=rng.randint(3, 9))) for _ in range(50_000)]
    return " ".join(rng.choices(words, k=count + 7))


def documents(text: str, words: int = 1000) -> list[str]:
    """`text` cut into documents of `words` words."""
    tokens = text.split()
    return [" ".join(tokens[i:i + words]) for i in range(0, len(tokens), words)]


def timed(function: object, *args: object) -> tuple[float, object]:
    started = time.perf_counter()
    result = function(*args)  # type: ignore[operator]
    return time.perf_counter() - started, result


def set_memory(values: set[int]) -> int:
    """Bytes of the set's hash table plus its integer objects."""
    return sys.getsizeof(values) + sum(sys.getsizeof(v) for v in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="200,000 8-grams instead of 2 million")
    parser.add_argument("--json", type=Path, help="append result rows to this JSON-lines file")
    args = parser.parse_args()
    count = 200_000 if args.quick else 2_000_000
    text = make_text(count, seed=1)
    grams = list(ngrams(text))
    queries = documents(" ".join(text.split()[: count // 2])) + documents(make_text(count // 2, seed=2))

    bloom = NgramBloom.create(count, 1e-8)
    bloom_insert, _ = timed(bloom.add_ngrams, grams)
    hashes: set[int] = set()
    set_insert, _ = timed(lambda g: hashes.update(map(ngram_hash, g)), grams)
    bloom_lookup, bloom_counts = timed(lambda q: [bloom.overlap(doc) for doc in q], queries)
    set_lookup, set_hits = timed(lambda q: sum(ngram_hash(g) in hashes for doc in q for g in ngrams(doc)), queries)
    bloom_hits = sum(found for found, _ in bloom_counts)  # type: ignore[attr-defined]
    looked_up = sum(total for _, total in bloom_counts)  # type: ignore[attr-defined]
    bloom_bytes, hashes_bytes = bloom.size_in_bits / 8, set_memory(hashes)

    rows = [
        {"metric": "8-gram inserts per second", "figure": count / bloom_insert, "baseline": count / set_insert,
         "target": ">= 0.7x a Python set", "unit": "/s"},
        {"metric": "8-gram lookups per second", "figure": looked_up / bloom_lookup,
         "baseline": looked_up / set_lookup, "target": ">= 0.7x a Python set", "unit": "/s"},
        {"metric": "memory per 8-gram", "figure": bloom_bytes / count, "baseline": hashes_bytes / count,
         "target": "<= 0.1x a Python set", "unit": "B"},
    ]
    print(f"{count:,} 8-grams inserted; of {looked_up:,} looked up, the filter found {bloom_hits:,}, the set "
          f"{set_hits:,} (false positives: {bloom_hits - int(set_hits)})")  # type: ignore[call-overload]
    for row in rows:
        row.update(stage="eval", ratio=row["figure"] / row["baseline"])
        print(f"{row['metric']}: Bloom filter {row['figure']:,.3g} {row['unit']}, Python set {row['baseline']:,.3g} "
              f"{row['unit']}, ratio {row['ratio']:.2f} (target {row['target']})")
    if args.json:
        with args.json.open("a", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
