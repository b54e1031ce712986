"""The cleaned documents as Parquet files, and the bounded sample of train text the BPE learns from.

`SpillDocuments` writes the documents to run files (`webtext.core.spill`) by split and by
`file_point`, a stable hash of the id; only the files' names pass through the runner. Both
transforms below read them back by hash range, so no worker holds a whole split.

`WriteDocuments` writes `documents/{split}-{index:05d}-of-{count:05d}.parquet`: one row per kept
document, in `webtext.core.docfiles.DOCUMENT_SCHEMA` plus a `split` column, loadable with
`datasets.load_dataset("parquet", ...)` and pandas. A split's file count follows from its text size,
summed in the pipeline (`SplitSizes`, a side input), and a target size per file; file `index` of
`count` holds the documents whose `file_point` is in the `index`-th of `count` equal parts of
[0, 1). Each file is written by whichever worker takes it, sorted by id, with fixed writer options,
under a temporary name renamed when complete: the bytes do not depend on the runner or the number
of workers. Every file exists, an empty one too. `_index.json` beside them lists each
file with its document count, text bytes and SHA-256 (named with "_" so that reading the whole
directory, `pandas.read_parquet("documents")`, skips it as pyarrow skips "_" and "." files).

`SampleTrainText` chooses the train documents a tokenizer is trained on: a document is in the
sample when its `file_point` is below budget / train text bytes (1 when the split is smaller than
the budget). That is Bernoulli sampling by hash, as the split rule (`webtext.core.splits`) and
MinHash-style content sampling use: the expected sample is the budget, and the choice depends on
the id alone. It is the low end of the hash range, so one worker reads it from the run files
bucket by bucket (a bucket at a time in memory, sorted by id) and writes it as JSON lines, which
`sample_texts` streams back into the trainer.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import os
from collections.abc import Iterable, Iterator
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from webtext.core import filesys
from webtext.core.combine import CombineParts
from webtext.core.docfiles import DOCUMENT_SCHEMA, document_from_row, parquet_row
from webtext.core.document import Document
from webtext.core.spill import BUCKETS, DEFAULT_SPILL, RunFile, Spill, SpillSettings, read_buckets, read_index
from webtext.core.splits import SPLITS, id_point

SCHEMA = DOCUMENT_SCHEMA.append(pa.field("split", pa.string()))
INDEX_NAME = "_index.json"  # "_": readers of a Parquet directory (pyarrow, pandas) skip it
SAMPLE_TEXTS = "tokenizer-sample.jsonl"
SAMPLE_RECORD = "tokenizer-sample.json"
_FILE_PERSON = b"webtext-docfile"
_ROW_GROUP = 1024
_FILE_RULE = "file index = floor(blake2b-64(person=webtext-docfile) of the document id / 2**64 * file count)"


def file_count(text_bytes: int, target_bytes: int) -> int:
    """How many files hold a split of `text_bytes` bytes of text at `target_bytes` per file (at least 1)."""
    return max(1, math.ceil(text_bytes / target_bytes))


def file_name(split: str, index: int, count: int) -> str:
    """The name of file `index` of `count` of `split`."""
    return f"{split}-{index:05d}-of-{count:05d}.parquet"


def sample_fraction(budget_bytes: int, train_bytes: int) -> float:
    """The share of train documents in the tokenizer sample: the budget over the split's text bytes, at most 1."""
    return 1.0 if train_bytes <= budget_bytes else budget_bytes / train_bytes


def file_point(doc_id: str) -> float:
    """The document's point in [0, 1) that chooses its documents file and its place in the sample."""
    return id_point(doc_id, _FILE_PERSON)


def in_sample(doc_id: str, fraction: float) -> bool:
    """Whether the document with id `doc_id` is in a tokenizer sample of `fraction`."""
    return file_point(doc_id) < fraction


def _text_bytes(item: tuple[str, Document]) -> tuple[str, int]:
    return item[0], len(item[1].text.encode("utf-8"))


class SplitSizes(beam.PTransform):
    """(split, Document) pairs -> (split, bytes of text) for every split, an empty one as 0."""

    def expand(self, documents: beam.PCollection) -> beam.PCollection:
        zeros = documents.pipeline | "Zeros" >> beam.Create([(split, 0) for split in SPLITS])
        sizes = documents | "TextBytes" >> beam.Map(_text_bytes)
        return (zeros, sizes) | "Sum" >> CombineParts()


def _spilled(item: tuple[str, Document]) -> tuple[str, float, Document]:
    return item[0], file_point(item[1].id), item[1]


class SpillDocuments(beam.PTransform):
    """(split, Document) pairs -> the list of their run files in `directory` (a singleton), by split
    and `file_point`."""

    def __init__(self, directory: str, settings: SpillSettings = DEFAULT_SPILL) -> None:
        super().__init__()
        self._directory, self._settings = directory, settings

    def expand(self, documents: beam.PCollection) -> beam.PCollection:
        return documents | "ByFilePoint" >> beam.Map(_spilled) | "Spill" >> Spill(self._directory, self._settings)


def _every_file(size: tuple[str, int], target: int) -> Iterator[tuple[str, int, int]]:
    count = file_count(size[1], target)
    for index in range(count):
        yield size[0], index, count


def parquet_bytes(split: str, docs: Iterable[Document]) -> bytes:
    """One documents file: `docs` (in the given order) as Parquet with fixed writer options."""
    rows = [{**parquet_row(doc), "split": split} for doc in docs]
    sink = pa.BufferOutputStream()
    pq.write_table(pa.Table.from_pylist(rows, schema=SCHEMA), sink, row_group_size=_ROW_GROUP,
                   compression="zstd", compression_level=3, use_dictionary=True, write_statistics=True)
    return bytes(sink.getvalue().to_pybytes())


class _WriteFile(beam.DoFn):
    """Writes one documents file from its grouped documents; yields its index entry."""

    def __init__(self, directory: str) -> None:
        self._directory = directory

    def process(self, element: tuple[str, int, int], runs: list[RunFile]) -> Iterator[dict[str, Any]]:
        split, index, count = element
        docs = sorted(read_index(runs, split, index, count), key=lambda doc: (doc.id, doc.text))
        data = parquet_bytes(split, docs)
        name = file_name(split, index, count)
        filesys.write_bytes(filesys.join(self._directory, name), data)
        yield {"file": name, "split": split, "documents": len(docs),
               "text_bytes": sum(len(doc.text.encode("utf-8")) for doc in docs),
               "sha256": hashlib.sha256(data).hexdigest()}


def _write_index(files: list[dict[str, Any]], directory: str, target: int) -> None:
    filesys.write_json(filesys.join(directory, INDEX_NAME), {"bytes_per_file": target, "file_rule": _FILE_RULE,
                                                             "files": sorted(files, key=lambda f: f["file"])})


class _FromSpill(beam.PTransform):
    """A transform of the run files of `SpillDocuments` (`runs`) that writes to `directory` and needs
    each split's text size (the output of `SplitSizes` over the same documents) and a byte budget."""

    def __init__(self, directory: str | os.PathLike[str], budget_bytes: int, runs: beam.PCollection) -> None:
        super().__init__()
        self._directory = os.fspath(directory)
        self._budget = budget_bytes
        self._runs = beam.pvalue.AsSingleton(runs)


class WriteDocuments(_FromSpill):
    """Split sizes -> the documents files and `_index.json` in `directory`, `budget_bytes` of text per
    file (see the module docstring)."""

    def expand(self, sizes: beam.PCollection) -> beam.PCollection:
        return (sizes
                | "EveryFile" >> beam.FlatMap(_every_file, self._budget)
                | "Spread" >> beam.Reshuffle()
                | "Write" >> beam.ParDo(_WriteFile(self._directory), self._runs)
                | "Files" >> beam.combiners.ToList()
                | "Index" >> beam.Map(_write_index, self._directory, self._budget))


def document_of_row(row: dict[str, Any]) -> tuple[str, Document]:
    """(split, Document) of one row of a documents file."""
    return row["split"], document_from_row(row)


def _sample(runs: list[RunFile], fraction: float) -> Iterator[Document]:
    """The train documents whose `file_point` is below `fraction`: bucket by bucket of the run files,
    sorted by id within a bucket."""
    for bucket in range(min(BUCKETS, math.floor(fraction * BUCKETS) + 1)):
        chosen = [doc for point, doc in read_buckets(runs, "train", bucket, bucket + 1) if point < fraction]
        yield from sorted(chosen, key=lambda doc: (doc.id, doc.text))


def _write_sample(_: None, runs: list[RunFile], directory: str, sizes: dict[str, int], budget: int) -> None:
    fraction = sample_fraction(budget, sizes.get("train", 0))
    documents = text_bytes = 0
    with filesys.open_write(filesys.join(directory, SAMPLE_TEXTS), "w") as handle:
        for doc in _sample(runs, fraction):
            handle.write(json.dumps(doc.text, ensure_ascii=False) + "\n")
            documents += 1
            text_bytes += len(doc.text.encode("utf-8"))
    filesys.write_json(filesys.join(directory, SAMPLE_RECORD), {
        "budget_bytes": budget, "train_bytes": sizes.get("train", 0), "fraction": fraction,
        "documents": documents, "bytes": text_bytes,
        "rule": "train documents with blake2b-64(person=webtext-docfile) of the id / 2**64 < fraction, "
                "fraction = min(1, budget_bytes / train_bytes), in order of that hash's 1,024 buckets, "
                "by id within a bucket"})


class SampleTrainText(_FromSpill):
    """Split sizes -> the tokenizer sample's texts (about `budget_bytes`) and its record in `directory`."""

    def expand(self, sizes: beam.PCollection) -> beam.PCollection:
        return (sizes.pipeline
                | "Once" >> beam.Create([None])
                | "Write" >> beam.Map(_write_sample, self._runs, self._directory, beam.pvalue.AsDict(sizes),
                                      self._budget))


def sample_texts(directory: str | os.PathLike[str]) -> Iterator[str]:
    """Stream the tokenizer sample's texts written by `SampleTrainText` into `directory`, in its order."""
    with filesys.open_read(filesys.join(directory, SAMPLE_TEXTS)) as handle:
        for line in io.TextIOWrapper(handle, encoding="utf-8"):
            yield json.loads(line)


def sample_record(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """What `SampleTrainText` recorded about its sample: budget, fraction, documents, bytes, rule."""
    record: dict[str, Any] = filesys.read_json(filesys.join(directory, SAMPLE_RECORD))
    return record
