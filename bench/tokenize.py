#!/usr/bin/env python3
"""Benchmark of the tokenize stage: encoding speed, shard writing, and window sampling.

Prints, in one run and on the same text:

- encode MB/s of the project (`Tokenizer.encode_batch`, tiktoken when proven identical) beside
  Hugging Face `tokenizers` `encode_batch` on the same vocabulary (target ≥ 5×), and of tiktoken
  alone; the ids of all three are checked to be identical;
- shard write MB/s (`ShardWriter`: Arrow stream, SHA-256, atomic rename) beside writing the same
  tokens as one raw NumPy file;
- random 1,025-token windows per second from `ShardSet.windows` beside the same gather from a
  NumPy memmap of the same tokens (target ≥ 0.9×), for a one-shard and an eight-shard split.

The text is English prose from the Python documentation (`webtext.sampleweb.corpus`), grouped
into documents of ten paragraphs and repeated to the wanted size; the tokenizer is a
50,257-token byte-level BPE trained on it.

    .venv/bin/python bench/tokenize.py [--quick] [--json PATH]
"""

from __future__ import annotations

import os
import sys

# `python bench/tokenize.py` puts bench/ first on sys.path, where this file would shadow the
# standard library's `tokenize` (imported by `inspect` and `linecache`): take bench/ off first.
if sys.path and os.path.realpath(sys.path[0] or ".") == os.path.dirname(os.path.realpath(__file__)):
    del sys.path[0]

import argparse
import json
import random
import string
import tempfile
import timeit
from collections.abc import Callable
from pathlib import Path

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from tokenizers import Tokenizer as HfTokenizer
from webtext.sampleweb.corpus import prose_pool
from webtext.tokenize.bpe import Tokenizer, train_tokenizer
from webtext.tokenize.shards import ShardSet, ShardWriter, write_manifest

WINDOW = 1025
BATCH = 512  # windows per call: GPT-2's batch of 512 sequences (Radford et al. 2019, §2.3)


def best_of(repeats: int, run: Callable[[], object]) -> float:
    """The shortest wall time of `repeats` runs of `run`, in seconds."""
    return min(timeit.repeat(run, number=1, repeat=repeats))


def documents(megabytes: float) -> list[str]:
    paragraphs = list(prose_pool())
    rng = random.Random(0)
    docs: list[str] = []
    size = 0
    while size < megabytes * 1e6:
        rng.shuffle(paragraphs)
        for start in range(0, len(paragraphs) - 10, 10):
            docs.append("\n".join(paragraphs[start:start + 10]))
            size += len(docs[-1].encode())
    return docs


def tokenizer_for(docs: list[str]) -> Tokenizer:
    """A 50,257-token BPE: the prose, plus invented words so the vocabulary reaches full size."""
    rng = random.Random(0)
    words = ["".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(6, 12))) for _ in range(30_000)]
    filler = [" ".join(words[i:i + 100]) for i in range(0, len(words), 100)]
    return train_tokenizer([*prose_pool(), *filler], vocab_size=50257, min_frequency=1)


def row(metric: str, figure: float, baseline: float, target: str, unit: str) -> dict[str, object]:
    result = {"stage": "tokenize", "metric": metric, "figure": figure, "baseline": baseline,
              "ratio": figure / baseline, "target": target, "unit": unit}
    print(f"{metric:<58} {figure:>12,.1f} vs {baseline:>12,.1f} {unit:<10} ratio {figure / baseline:5.2f}×"
          f"  (target {target})", flush=True)
    return result


def bench_encode(tokenizer: Tokenizer, directory: Path, docs: list[str], repeats: int) -> list[dict[str, object]]:
    megabytes = sum(len(d.encode()) for d in docs) / 1e6
    hf = HfTokenizer.from_file(str(tokenizer.save(directory / "tokenizer")))
    fast = tokenizer._fast  # the engine the project runs, measured on its own as well
    ours = tokenizer.encode_batch(docs)
    assert tokenizer.engine == "tiktoken", "the fast engine was not proven for this vocabulary"
    assert [ids.tolist() for ids in ours] == [e.ids for e in hf.encode_batch(docs, add_special_tokens=False)]
    assert [ids.tolist() for ids in ours] == fast.encode_ordinary_batch(docs)
    project = megabytes / best_of(repeats, lambda: tokenizer.encode_batch(docs))
    reference = megabytes / best_of(repeats, lambda: hf.encode_batch(docs, add_special_tokens=False))
    alone = megabytes / best_of(repeats, lambda: fast.encode_ordinary_batch(docs))
    return [row("encode: project encode_batch vs tokenizers encode_batch", project, reference, "≥ 5×", "MB/s"),
            row("encode: tiktoken encode_ordinary_batch vs tokenizers", alone, reference, "info", "MB/s")]


def bench_write(tokenizer: Tokenizer, directory: Path, tokens: list[np.ndarray],
                repeats: int) -> list[dict[str, object]]:
    flat = np.concatenate(tokens)
    megabytes = flat.nbytes / 1e6

    def write_shards() -> None:
        with ShardWriter(directory / "write", "train", tokenizer.hash, tokenizer.vocab_size) as writer:
            for index, doc in enumerate(tokens):
                writer.write(f"doc{index:08d}", doc)

    project = megabytes / best_of(repeats, write_shards)
    def write_raw() -> None:
        with open(directory / "raw.bin", "wb") as handle:
            flat.tofile(handle)
            handle.flush()
            os.fsync(handle.fileno())  # as durable as a shard: atomic_write syncs before renaming

    raw = megabytes / best_of(repeats, write_raw)
    return [row("shard write: ShardWriter vs raw NumPy file + fsync", project, raw, "info", "MB/s")]


def bench_windows(tokenizer: Tokenizer, directory: Path, tokens: list[np.ndarray], draws: int,
                  repeats: int) -> list[dict[str, object]]:
    flat = np.concatenate(tokens)
    flat.tofile(directory / "tokens.bin")
    memmap = np.memmap(directory / "tokens.bin", dtype=flat.dtype, mode="r")
    rows = []
    for shards in (1, 8):  # 8 or 9 files: shards end on document boundaries
        out = directory / f"windows{shards}"
        with ShardWriter(out, "train", tokenizer.hash, tokenizer.vocab_size,
                         shard_bytes=-(-flat.nbytes // shards)) as writer:
            for index, doc in enumerate(tokens):
                writer.write(f"doc{index:08d}", doc)
        write_manifest(out, writer.close())
        shard_set = ShardSet.open(out, "train", tokenizer_hash=tokenizer.hash)
        count = len(shard_set.shard_tokens)
        starts = np.random.default_rng(0).integers(0, flat.size - WINDOW + 1, size=(draws // BATCH, BATCH))
        assert np.array_equal(shard_set.windows(starts[0], WINDOW), memmap[starts[0][:, None] + np.arange(WINDOW)])
        view = sliding_window_view(memmap, WINDOW)
        project = draws / best_of(repeats, lambda s=shard_set, b=starts: [s.windows(x, WINDOW) for x in b])
        baseline = draws / best_of(repeats, lambda v=view, b=starts: [v[x] for x in b])
        rows.append(row(f"random {WINDOW}-token windows: reader ({count} shard{'s' * (count > 1)}) vs memmap",
                        project, baseline, "≥ 0.9×", "windows/s"))
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small sizes (under a minute)")
    parser.add_argument("--json", type=Path, help="append result rows to this JSON Lines file")
    args = parser.parse_args()
    megabytes, draws, repeats = (4, 51_200, 3) if args.quick else (16, 256_000, 3)
    docs = documents(megabytes)
    tokenizer = tokenizer_for(docs)
    print(f"{len(docs):,} documents, {sum(len(d.encode()) for d in docs) / 1e6:.1f} MB of text; "
          f"tokenizer {tokenizer}", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        directory = Path(tmp)
        rows = bench_encode(tokenizer, directory, docs, repeats)
        tokens = [np.append(ids, tokenizer.eot_id).astype(np.uint16) for ids in tokenizer.encode_batch(docs)]
        rows += bench_write(tokenizer, directory, tokens, repeats)
        rows += bench_windows(tokenizer, directory, tokens, draws, repeats)
    if args.json:
        with args.json.open("a", encoding="utf-8") as handle:
            handle.writelines(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
