"""`TokenizeAndWrite`: the Beam transform that turns kept documents into the shards of each split.

Input: a PCollection of `(split, Document)` pairs (a `Document` may also arrive as its dict).
Documents are tokenized in batches (`BatchElements`, then `Tokenizer.encode_batch`, which runs
on every core), each ending with `<|endoftext|>` (GPT-2 paper §2.2). Then each split is written
in parallel, one shard per worker at a time, so no step holds a whole split:

1. `SplitSizes` sums the tokens of each split (a combine: each worker adds up its own documents);
   the split's shard count follows (`shard_count` at `shard_bytes` per shard, or `shards_per_split`).
2. `Spill` writes the tokenized documents to run files in the directory `spill`, by split and by
   `shard_point`, a stable hash of the id (`webtext.core.spill`); only the files' names pass
   through the runner.
3. `EveryShard` makes one task per shard of each split (so a shard whose part of the hash range
   holds no document is still written, as a shard of no document), and whichever worker takes a
   task reads that shard's documents (`shard_of(id, count)`) back from the run files, sorts them by
   id and writes exactly that file, `{split}-{index:05d}-of-{count:05d}.arrow` (`write_shard`).

The shards of the same input and options are byte-identical whatever the runner, the number of
workers or the order documents arrive in: a document's shard depends on its id and the split's
token count only, and each shard is sorted. Every input document ends as a row of its split's
shards: none is dropped here (the earlier stages drop with reasons), and the counters
`tokenize:documents` and `tokenize:tokens` count them. A shard is about `shard_bytes` of tokens
(hashing spreads documents evenly, not exactly).

Output: `TokenizeOutputs`: `shards`, a PCollection of `ShardInfo`, one per shard, for
`write_manifest`; and `lengths`, one list `[[low, high, documents], ...]` of the documents per
power-of-two bucket of their tokens (without the end-of-text token, all splits together;
`LengthHistogram`, the buckets of `webtext shards inspect`). A worker holds one shard
(and reads a thousandth of its split's hash range on each side); the caller removes `spill`
afterwards. The tokenizer is saved beside the shards (`tokenizer_file`) once per job, before any
shard is written, so a shard directory is complete on its own. The tokenizer is loaded when the
transform is built, so a bad path fails before any work starts. Outputs are local files (they are memory-mapped by the
reader); `output_dir` should hold no shards of another run, which the manifest's reader refuses.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

import apache_beam as beam
import numpy as np
from webtext.core import filesys
from webtext.core.document import Document
from webtext.core.errors import ConfigError
from webtext.core.spill import DEFAULT_SPILL, RunFile, Spill, SpillSettings, read_index
from webtext.tokenize.bpe import Tokenizer, load_tokenizer
from webtext.tokenize.manifest import ShardInfo
from webtext.tokenize.shard_format import (
    DEFAULT_SHARD_BYTES,
    check_split_name,
    shard_count,
    shard_point,
    token_dtype,
    tokens_per_shard,
)
from webtext.tokenize.shard_summary import histogram_rows, length_counts
from webtext.tokenize.shards import ShardEncoder, write_shard

_COUNTERS = "tokenize"

Tokenized = tuple[str, tuple[str, np.ndarray]]  # (split, (document id, tokens))
ShardKey = tuple[str, int, int]  # (split, shard index, shard count)
_PENDING = 4096  # lengths a histogram's accumulator holds before counting them into its buckets


class TokenizeOutputs(NamedTuple):
    """What `TokenizeAndWrite` yields: `ShardInfo`s, and the histogram of tokens per document (a singleton)."""

    shards: beam.PCollection
    lengths: beam.PCollection


class _Lengths:
    """Counts per power-of-two bucket (`length_counts`) and the lengths not counted yet."""

    def __init__(self) -> None:
        self.pending: list[int] = []
        self.counted = np.zeros(0, dtype=np.int64)

    def add(self, length: int) -> None:
        self.pending.append(length)
        if len(self.pending) >= _PENDING:
            self.counts()

    def merge(self, other: _Lengths) -> None:
        self._add(other.counts())

    def counts(self) -> np.ndarray:
        if self.pending:
            self._add(length_counts(np.array(self.pending, dtype=np.int64)))
            self.pending = []
        return self.counted

    def _add(self, counts: np.ndarray) -> None:
        total = np.zeros(max(self.counted.size, counts.size), dtype=np.int64)
        total[:self.counted.size] += self.counted
        total[:counts.size] += counts
        self.counted = total


class LengthHistogram(beam.CombineFn):
    """Document lengths -> [[low, high, documents], ...] per non-empty power-of-two bucket [low, high)
    (`histogram_rows`); the accumulator's size is bounded whatever the number of documents."""

    def create_accumulator(self) -> _Lengths:
        return _Lengths()

    def add_input(self, mutable_accumulator: _Lengths, element: int) -> _Lengths:
        mutable_accumulator.add(element)
        return mutable_accumulator

    def merge_accumulators(self, accumulators: Iterable[_Lengths]) -> _Lengths:
        merged = _Lengths()
        for accumulator in accumulators:
            merged.merge(accumulator)
        return merged

    def extract_output(self, accumulator: _Lengths) -> list[list[int]]:
        return [list(row) for row in histogram_rows(accumulator.counts())]


def _document(element: Any) -> tuple[str, Document]:
    split, document = element
    if isinstance(document, dict):
        document = Document.from_dict(document)
    if not isinstance(document, Document):
        raise TypeError(f"TokenizeAndWrite takes (split, Document) pairs, got ({split!r}, {type(document).__name__})")
    if document.drop_reason is not None:
        raise ValueError(f"document {document.id} was dropped ({document.drop_reason}) and cannot be tokenized")
    return check_split_name(split), document


class _TokenizeBatch(beam.DoFn):
    """Encodes a batch of documents; yields (split, (doc_id, tokens ending with end-of-text))."""

    def __init__(self, tokenizer_path: str) -> None:
        self._path = tokenizer_path
        self._tokenizer: Tokenizer | None = None
        self._documents = beam.metrics.Metrics.counter(_COUNTERS, "documents")
        self._tokens = beam.metrics.Metrics.counter(_COUNTERS, "tokens")

    def setup(self) -> None:
        self._tokenizer = load_tokenizer(self._path)

    def process(self, batch: list[tuple[str, Document]]) -> Iterator[Tokenized]:
        tokenizer = self._tokenizer
        assert tokenizer is not None, "setup() loads the tokenizer"
        dtype = token_dtype(tokenizer.vocab_size)
        encoded = tokenizer.encode_batch([document.text for _, document in batch])
        for (split, document), ids in zip(batch, encoded, strict=True):
            tokens = np.empty(ids.size + 1, dtype=dtype)
            tokens[:-1] = ids
            tokens[-1] = tokenizer.eot_id
            self._documents.inc()
            self._tokens.inc(tokens.size)
            yield split, (document.id, tokens)


def _token_count(element: Tokenized) -> tuple[str, int]:
    split, (_, tokens) = element
    return split, int(tokens.size)


def _text_tokens(element: Tokenized) -> int:
    return int(element[1][1].size) - 1  # without the end-of-text token


def _shard_count(element: tuple[str, int], per_shard: int, fixed: int | None) -> tuple[str, int]:
    split, n_tokens = element
    return split, fixed or shard_count(n_tokens, per_shard)


def _spilled(element: Tokenized) -> tuple[str, float, tuple[str, np.ndarray]]:
    split, (doc_id, tokens) = element
    return split, shard_point(doc_id), (doc_id, tokens)


def _every_shard(element: tuple[str, int]) -> Iterator[ShardKey]:
    split, count = element
    for index in range(count):
        yield split, index, count


def _save_tokenizer(_: Any, tokenizer_path: str, output_dir: str) -> str:
    return os.fspath(load_tokenizer(tokenizer_path).save(output_dir))


def _by_id(item: tuple[str, np.ndarray]) -> tuple[str, bytes]:
    return item[0], item[1].tobytes()  # the tokens break a tie between equal ids


class _WriteShard(beam.DoFn):
    """Writes one shard's documents, sorted by id, as its file; yields its `ShardInfo`."""

    def __init__(self, output_dir: str, tokenizer_hash: str, vocab_size: int, eot_id: int) -> None:
        self._output = output_dir
        self._tokenizer = (tokenizer_hash, vocab_size, eot_id)

    def process(self, element: ShardKey, runs: list[RunFile], _tokenizer_saved: str) -> Iterator[ShardInfo]:
        split, index, count = element
        documents = sorted(read_index(runs, split, index, count), key=_by_id)
        encoder = ShardEncoder(split, *self._tokenizer)
        yield write_shard(self._output, encoder, index, count, documents)


class TokenizeAndWrite(beam.PTransform):
    """(split, Document) pairs -> shards of each split in `output_dir`, through run files in the
    directory `spill`; yields `TokenizeOutputs`.

    `shards_per_split` fixes every split's shard count; by default it follows from `shard_bytes`.
    """

    def __init__(self, tokenizer_path: str | os.PathLike[str], output_dir: str | os.PathLike[str], spill: str,
                 shard_bytes: int = DEFAULT_SHARD_BYTES, batch_size: int = 256,
                 shards_per_split: int | None = None, spill_settings: SpillSettings = DEFAULT_SPILL) -> None:
        super().__init__()
        tokenizer = load_tokenizer(tokenizer_path)  # fails here, before the pipeline runs
        if shards_per_split is not None and shards_per_split < 1:
            raise ConfigError(f"shards per split must be at least 1 (got {shards_per_split})")
        self.tokenizer_hash = tokenizer.hash
        self.tokenizer_file = filesys.join(output_dir, "tokenizer.json")
        self._tokenizer = (tokenizer.hash, tokenizer.vocab_size, tokenizer.eot_id)
        self._per_shard = tokens_per_shard(shard_bytes, token_dtype(tokenizer.vocab_size))
        self._path = os.fspath(tokenizer_path)
        self._output = os.fspath(output_dir)
        self._spill, self._spill_settings = spill, spill_settings
        self._batch_size = batch_size
        self._shards_per_split = shards_per_split

    def expand(self, documents: beam.PCollection) -> TokenizeOutputs:
        tokenized = (documents
                     | "Check" >> beam.Map(_document)
                     | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self._batch_size)
                     | "Tokenize" >> beam.ParDo(_TokenizeBatch(self._path)))
        counts = (tokenized
                  | "TokenCounts" >> beam.Map(_token_count)
                  | "SplitSizes" >> beam.CombinePerKey(sum)
                  | "ShardCounts" >> beam.Map(_shard_count, self._per_shard, self._shards_per_split))
        runs = tokenized | "ByShardPoint" >> beam.Map(_spilled) | "Spill" >> Spill(self._spill, self._spill_settings)
        saved = (documents.pipeline
                 | "Once" >> beam.Create([None])
                 | "SaveTokenizer" >> beam.Map(_save_tokenizer, self._path, self._output))
        shards = (counts
                  | "EveryShard" >> beam.FlatMap(_every_shard)
                  | "Spread" >> beam.Reshuffle()
                  | "WriteShards" >> beam.ParDo(_WriteShard(self._output, *self._tokenizer),
                                                beam.pvalue.AsSingleton(runs), beam.pvalue.AsSingleton(saved)))
        lengths = (tokenized
                   | "TextTokens" >> beam.Map(_text_tokens)
                   | "Lengths" >> beam.CombineGlobally(LengthHistogram()))
        return TokenizeOutputs(shards, lengths)
