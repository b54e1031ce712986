"""What `webtext shards inspect` prints about one split: counts, histograms and a decoded sample.

The token histogram shows the most frequent ids (their share of all tokens, and their text when
the tokenizer is at hand); the document-length histogram uses power-of-two buckets, as document
lengths of web text spread over several orders of magnitude.
"""

from __future__ import annotations

import numpy as np
from webtext.tokenize.bpe import Tokenizer
from webtext.tokenize.shard_reader import ShardSet


def _bar(share: float, width: int = 30) -> str:
    return "#" * max(1, round(share * width)) if share > 0 else ""


def length_counts(lengths: np.ndarray) -> np.ndarray:
    """How many of `lengths` fall in each power-of-two bucket: element b counts [2**b, 2**(b+1))
    (a length of 0 counts in bucket 0, [1, 2))."""
    return np.bincount(np.floor(np.log2(np.maximum(np.asarray(lengths, dtype=np.int64), 1))).astype(np.int64))


def histogram_rows(counts: np.ndarray) -> list[tuple[int, int, int]]:
    """(low, high, count) of each non-empty bucket of `length_counts`."""
    return [(2**b, 2**(b + 1), int(c)) for b, c in enumerate(counts) if c]


def length_histogram(lengths: np.ndarray) -> list[tuple[int, int, int]]:
    """(low, high, count) per power-of-two bucket [low, high) of document lengths."""
    return histogram_rows(length_counts(lengths))


def summarize(shards: ShardSet, tokenizer: Tokenizer | None, verified: bool, top: int = 10,
              sample_tokens: int = 60) -> list[str]:
    """The lines describing `shards` (see the module docstring)."""
    lengths = np.diff(shards.doc_offsets)
    lines = [f"split {shards.split}: {len(shards.manifest['splits'][shards.split]['shards'])} shards, "
             f"{shards.n_docs:,} documents, {shards.n_tokens:,} tokens ({shards.dtype.name})",
             f"  tokenizer {shards.tokenizer_hash[:12]}, vocabulary {shards.vocab_size:,}, "
             f"end-of-text id {shards.eot_id}",
             "  verified: " + ("checksums, sizes, schema, counts, end-of-text, id range" if verified
                               else "sizes, schema, counts, end-of-text (checksums skipped)")]
    if not shards.n_docs:
        return lines
    lines.append(f"  tokens per document: min {lengths.min():,}, median {int(np.median(lengths)):,}, "
                 f"mean {lengths.mean():,.1f}, max {lengths.max():,}")
    lines.append("  document lengths:")
    for low, high, count in length_histogram(lengths):
        lines.append(f"    [{low:>7,}, {high:>7,}) {count:>8,} {_bar(count / shards.n_docs)}")
    if not verified:  # the histogram needs every id inside the vocabulary
        shards.check_token_ids()
    counts = np.zeros(shards.vocab_size, dtype=np.int64)
    for chunk in shards.shard_tokens:
        counts += np.bincount(chunk, minlength=shards.vocab_size)
    lines.append(f"  most frequent tokens ({np.count_nonzero(counts):,} distinct ids used):")
    for token in np.argsort(counts, kind="stable")[::-1][:top]:
        share = counts[token] / shards.n_tokens
        text = f" {tokenizer.token(int(token))!r}" if tokenizer is not None else ""
        lines.append(f"    {int(token):>7} {share:7.2%} {_bar(share)}{text}")
    first = shards.document(0)
    if tokenizer is not None:
        shown = tokenizer.decode(first[:sample_tokens].tolist())
        more = " ..." if first.size > sample_tokens else ""
        lines.append(f"  sample ({shards.doc_ids[0]}, first {min(sample_tokens, first.size)} tokens): {shown!r}{more}")
    else:
        lines.append(f"  sample ({shards.doc_ids[0]}): {first[:sample_tokens].tolist()} (no tokenizer to decode)")
    return lines
