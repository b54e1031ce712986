"""The cleaned documents as Parquet files, and the bounded sample of train text the BPE learns from.

`WriteDocuments` writes `documents/{split}-{index:05d}-of-{count:05d}.parquet`: one row per kept
document, in `webtext.core.docfiles.DOCUMENT_SCHEMA` plus a `split` column, loadable with
`datasets.load_dataset("parquet", ...)` and pandas. A split's file count follows from its text size,
summed in the pipeline (`SplitSizes`, a side input), and a target size per file; a document's file
is a stable hash of its id modulo that count. Files are grouped by (split, index), so each is
written by whichever worker holds it (never a whole split in one worker), sorted by id, with fixed
writer options, under a temporary name renamed when complete: the bytes do not depend on the runner
or the number of workers. Every file exists, an empty one too. `_index.json` beside them lists each
file with its document count, text bytes and SHA-256 (named with "_" so that reading the whole
directory, `pandas.read_parquet("documents")`, skips it as pyarrow skips "_" and "." files).

`SampleTrainText` chooses the train documents a tokenizer is trained on: a document is in the
sample when the hash of its id, read as a number in [0, 1), is below budget / train text bytes (1
when the split is smaller than the budget). That is Bernoulli sampling by hash, as the split rule
(`webtext.core.splits`) and MinHash-style content sampling use: the expected sample is the budget,
and the choice depends on the id alone. The sample is grouped on one key (a grouped iterable, never one
serialized element), sorted by id in one worker (memory bounded by the budget, not the corpus) and
written as JSON lines, which `sample_texts` streams back into the trainer.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import apache_beam as beam
import pyarrow as pa
import pyarrow.parquet as pq
from webtext.core.atomic import atomic_write, write_json
from webtext.core.docfiles import DOCUMENT_SCHEMA, document_from_row, parquet_row
from webtext.core.document import Document
from webtext.core.splits import SPLITS, id_point

SCHEMA = DOCUMENT_SCHEMA.append(pa.field("split", pa.string()))
INDEX_NAME = "_index.json"  # "_": readers of a Parquet directory (pyarrow, pandas) skip it
SAMPLE_TEXTS = "tokenizer-sample.jsonl"
SAMPLE_RECORD = "tokenizer-sample.json"
_FILE_PERSON = b"webtext-docfile"
_SAMPLE_PERSON = b"webtext-sample"
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


def in_sample(doc_id: str, fraction: float) -> bool:
    """Whether the document with id `doc_id` is in a tokenizer sample of `fraction`."""
    return id_point(doc_id, _SAMPLE_PERSON) < fraction


def _text_bytes(item: tuple[str, Document]) -> tuple[str, int]:
    return item[0], len(item[1].text.encode("utf-8"))


class SplitSizes(beam.PTransform):
    """(split, Document) pairs -> (split, bytes of text) for every split, an empty one as 0."""

    def expand(self, documents: beam.PCollection) -> beam.PCollection:
        zeros = documents.pipeline | "Zeros" >> beam.Create([(split, 0) for split in SPLITS])
        sizes = documents | "TextBytes" >> beam.Map(_text_bytes)
        return (zeros, sizes) | "All" >> beam.Flatten() | "Sum" >> beam.CombinePerKey(sum)


def _keyed(item: tuple[str, Document], sizes: dict[str, int], target: int) -> tuple[tuple[str, int, int], Document]:
    split, doc = item
    count = file_count(sizes[split], target)
    return (split, int(id_point(doc.id, _FILE_PERSON) * count), count), doc


def _every_file(size: tuple[str, int], target: int) -> Iterator[tuple[tuple[str, int, int], None]]:
    count = file_count(size[1], target)
    for index in range(count):
        yield (size[0], index, count), None


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

    def process(self, element: tuple[tuple[str, int, int], Iterable[Document | None]]) -> Iterator[dict[str, Any]]:
        (split, index, count), grouped = element
        docs = sorted((doc for doc in grouped if doc is not None), key=lambda doc: (doc.id, doc.text))
        data = parquet_bytes(split, docs)
        name = file_name(split, index, count)
        with atomic_write(Path(self._directory) / name) as handle:
            handle.write(data)
        yield {"file": name, "split": split, "documents": len(docs),
               "text_bytes": sum(len(doc.text.encode("utf-8")) for doc in docs),
               "sha256": hashlib.sha256(data).hexdigest()}


def _write_index(files: list[dict[str, Any]], directory: str, target: int) -> None:
    write_json(Path(directory) / INDEX_NAME, {"bytes_per_file": target, "file_rule": _FILE_RULE,
                                              "files": sorted(files, key=lambda f: f["file"])})


class _BySplitSize(beam.PTransform):
    """A transform over (split, Document) pairs that writes to `directory` and needs each split's text
    size (`sizes`, the output of `SplitSizes` over the same documents) and a byte budget."""

    def __init__(self, directory: str | os.PathLike[str], budget_bytes: int, sizes: beam.PCollection) -> None:
        super().__init__()
        self._directory = os.fspath(directory)
        self._budget = budget_bytes
        self._sizes = sizes


class WriteDocuments(_BySplitSize):
    """(split, Document) pairs -> the documents files and `_index.json` in `directory`, `budget_bytes`
    of text per file (see the module docstring)."""

    def expand(self, documents: beam.PCollection) -> beam.PCollection:
        keyed = documents | "Key" >> beam.Map(_keyed, beam.pvalue.AsDict(self._sizes), self._budget)
        every = self._sizes | "EveryFile" >> beam.FlatMap(_every_file, self._budget)
        return ((keyed, every)
                | "Flatten" >> beam.Flatten()
                | "GroupByFile" >> beam.GroupByKey()
                | "Write" >> beam.ParDo(_WriteFile(self._directory))
                | "Files" >> beam.combiners.ToList()
                | "Index" >> beam.Map(_write_index, self._directory, self._budget))


def document_of_row(row: dict[str, Any]) -> tuple[str, Document]:
    """(split, Document) of one row of a documents file."""
    return row["split"], document_from_row(row)


def _write_sample(group: tuple[None, Iterable[tuple[str, str] | None]], directory: str, sizes: dict[str, int],
                  budget: int) -> None:
    pairs = sorted(pair for pair in group[1] if pair is not None)
    with atomic_write(Path(directory) / SAMPLE_TEXTS, "w") as handle:
        handle.writelines(json.dumps(text, ensure_ascii=False) + "\n" for _, text in pairs)
    write_json(Path(directory) / SAMPLE_RECORD, {
        "budget_bytes": budget, "train_bytes": sizes.get("train", 0),
        "fraction": sample_fraction(budget, sizes.get("train", 0)), "documents": len(pairs),
        "bytes": sum(len(text.encode("utf-8")) for _, text in pairs),
        "rule": "train documents with blake2b-64(person=webtext-sample) of the id / 2**64 < fraction, "
                "fraction = min(1, budget_bytes / train_bytes), in id order"})


def _chosen(item: tuple[str, Document], sizes: dict[str, int], budget: int) -> bool:
    return item[0] == "train" and in_sample(item[1].id, sample_fraction(budget, sizes.get("train", 0)))


class SampleTrainText(_BySplitSize):
    """(split, Document) pairs -> the tokenizer sample's texts (about `budget_bytes`) and its record in
    `directory`."""

    def expand(self, documents: beam.PCollection) -> beam.PCollection:
        sizes = beam.pvalue.AsDict(self._sizes)
        chosen = (documents
                  | "Choose" >> beam.Filter(_chosen, sizes, self._budget)
                  | "Texts" >> beam.Map(lambda item: (None, (item[1].id, item[1].text))))
        always = documents.pipeline | "EvenEmpty" >> beam.Create([(None, None)])
        return ((chosen, always)
                | "Flatten" >> beam.Flatten()
                | "Gather" >> beam.GroupByKey()
                | "Write" >> beam.Map(_write_sample, self._directory, sizes, self._budget))


def sample_texts(directory: str | os.PathLike[str]) -> Iterator[str]:
    """Stream the tokenizer sample's texts written by `SampleTrainText` into `directory`, in id order."""
    with (Path(directory) / SAMPLE_TEXTS).open(encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def sample_record(directory: str | os.PathLike[str]) -> dict[str, Any]:
    """What `SampleTrainText` recorded about its sample: budget, fraction, documents, bytes, rule."""
    record: dict[str, Any] = json.loads((Path(directory) / SAMPLE_RECORD).read_text(encoding="utf-8"))
    return record
