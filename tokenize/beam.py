"""`TokenizeAndWrite`: the Beam transform that turns kept documents into the shards of each split.

Input: a PCollection of `(split, Document)` pairs (a `Document` may also arrive as its dict).
Documents are tokenized in batches (`BatchElements`, then `Tokenizer.encode_batch`, which runs
on every core), each ending with `<|endoftext|>` (GPT-2 paper §2.2); then each split is grouped,
sorted by document id, and written by one `ShardWriter`. Sorting makes the shards of the same
input byte-identical whatever the number of workers or the order documents arrive in. Every
input document ends as a row of its split's shards: none is dropped here (the earlier stages
drop with reasons), and the counters `tokenize:documents` and `tokenize:tokens` count them.

Output: a PCollection of `ShardInfo`, one per shard, for `write_manifest`. The tokenizer is
saved beside the shards (`tokenizer_file`), so a shard directory is complete on its own. The
tokenizer is loaded when the transform is built, so a bad path fails before any work starts.
Outputs are local files (they are memory-mapped by the reader).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import apache_beam as beam
import numpy as np
from webtext.core.document import Document
from webtext.tokenize.bpe import Tokenizer, load_tokenizer
from webtext.tokenize.manifest import ShardInfo
from webtext.tokenize.shard_format import DEFAULT_SHARD_BYTES, check_split_name, token_dtype
from webtext.tokenize.shards import ShardWriter

_COUNTERS = "tokenize"


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

    def process(self, batch: list[tuple[str, Document]]) -> Iterator[tuple[str, tuple[str, np.ndarray]]]:
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


class _WriteSplit(beam.DoFn):
    """Writes one split's documents, sorted by id, as shards; yields their `ShardInfo`."""

    def __init__(self, tokenizer_path: str, output_dir: str, shard_bytes: int) -> None:
        self._path = tokenizer_path
        self._output = output_dir
        self._shard_bytes = shard_bytes

    def process(self, element: tuple[str, Iterable[tuple[str, np.ndarray]]]) -> Iterator[ShardInfo]:
        split, documents = element
        tokenizer = load_tokenizer(self._path)
        tokenizer.save(self._output)
        ordered = sorted(documents, key=lambda item: (item[0], item[1].tobytes()))
        with ShardWriter(self._output, split, tokenizer.hash, tokenizer.vocab_size, self._shard_bytes,
                         eot_id=tokenizer.eot_id) as writer:
            for doc_id, tokens in ordered:
                writer.write(doc_id, tokens)
        yield from writer.close()


class TokenizeAndWrite(beam.PTransform):
    """(split, Document) pairs -> shards of each split in `output_dir`; yields `ShardInfo`s."""

    def __init__(self, tokenizer_path: str | os.PathLike[str], output_dir: str | os.PathLike[str],
                 shard_bytes: int = DEFAULT_SHARD_BYTES, batch_size: int = 256) -> None:
        super().__init__()
        tokenizer = load_tokenizer(tokenizer_path)  # fails here, before the pipeline runs
        self.tokenizer_hash = tokenizer.hash
        self.tokenizer_file = Path(output_dir) / "tokenizer.json"
        self._path = os.fspath(tokenizer_path)
        self._output = os.fspath(output_dir)
        self._shard_bytes = shard_bytes
        self._batch_size = batch_size

    def expand(self, documents: beam.PCollection) -> beam.PCollection:
        return (documents
                | "Check" >> beam.Map(_document)
                | "Batch" >> beam.BatchElements(min_batch_size=1, max_batch_size=self._batch_size)
                | "Tokenize" >> beam.ParDo(_TokenizeBatch(self._path))
                | "GroupBySplit" >> beam.GroupByKey()
                | "WriteShards" >> beam.ParDo(_WriteSplit(self._path, self._output, self._shard_bytes)))
