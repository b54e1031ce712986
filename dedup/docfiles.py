"""Documents in files: JSON Lines or Parquet, read with clear errors and written atomically.

`webtext dedup` reads and writes `Document` records (`Document.to_dict`) in either format, by
file name: `*.parquet` is Parquet (the `reddit` provenance as a list of structs, `meta` as a JSON
string), anything else is JSON Lines (one document per line). `check_documents` reads a file once,
streaming, so that a malformed record fails before any work starts with one line naming the file
and the line or row (ARCHITECTURE section 5).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from webtext.core.atomic import atomic_write
from webtext.core.document import Document
from webtext.core.errors import BadFileError

_REQUIRED = ("id", "url", "text")
_PARQUET_BATCH = 1024


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """Whether `path` names a Parquet file (by its suffix)."""
    return os.fspath(path).lower().endswith(".parquet")


def document_from_row(row: dict[str, Any]) -> Document:
    """A `Document` from one JSON or Parquet row (`meta` may be a JSON string)."""
    if isinstance(row.get("meta"), str):
        row = {**row, "meta": json.loads(row["meta"])}
    return Document.from_dict(row)


def _check(row: Any, path: Path, where: str) -> Document:
    if not isinstance(row, dict) or any(not isinstance(row.get(name), str) for name in _REQUIRED):
        raise BadFileError(str(path), f"not a document: needs string fields {', '.join(_REQUIRED)}", where)
    try:
        return document_from_row(row)
    except (TypeError, ValueError, KeyError) as exc:
        raise BadFileError(str(path), f"not a document ({exc})", where) from exc


def read_documents(path: str | os.PathLike[str]) -> Iterator[Document]:
    """Stream the documents of a JSONL or Parquet file; `BadFileError` at the first bad record."""
    file = Path(path)
    if is_parquet(file):
        try:
            batches = pq.ParquetFile(file).iter_batches(batch_size=_PARQUET_BATCH)
            row_number = 0
            for batch in batches:
                for row in batch.to_pylist():
                    yield _check(row, file, f"row {row_number}")
                    row_number += 1
        except (pa.ArrowException, OSError) as exc:
            raise BadFileError(str(file), f"unreadable Parquet ({exc})") from exc
        return
    with file.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError as exc:
                raise BadFileError(str(file), f"invalid JSON ({exc})", f"line {number}") from exc
            yield _check(row, file, f"line {number}")


def check_documents(path: str | os.PathLike[str]) -> int:
    """Read every record of `path` once; returns the count or raises `BadFileError`."""
    return sum(1 for _ in read_documents(path))


def _parquet_row(doc: Document) -> dict[str, Any]:
    row = doc.to_dict()
    row["meta"] = json.dumps(row["meta"], sort_keys=True, ensure_ascii=False)
    return row


def write_documents(path: str | os.PathLike[str], docs: Iterable[Document]) -> int:
    """Write `docs` to `path` (format by suffix), atomically; returns how many were written."""
    count = 0
    if not is_parquet(path):
        with atomic_write(path, "w") as handle:
            for doc in docs:
                handle.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
                count += 1
        return count
    with atomic_write(path, "wb") as handle:
        writer: pq.ParquetWriter | None = None
        batch: list[dict[str, Any]] = []
        for doc in docs:
            batch.append(_parquet_row(doc))
            count += 1
            if len(batch) == _PARQUET_BATCH:
                writer = _write_batch(writer, handle, batch)
                batch = []
        if batch or writer is None:
            writer = _write_batch(writer, handle, batch)
        writer.close()
    return count


def _write_batch(writer: pq.ParquetWriter | None, handle: Any, rows: list[dict[str, Any]]) -> pq.ParquetWriter:
    table = pa.Table.from_pylist(rows, schema=writer.schema if writer else None) if rows else \
        pa.table({name: pa.array([], pa.string()) for name in _REQUIRED})
    writer = writer or pq.ParquetWriter(handle, table.schema)
    writer.write_table(table)
    return writer
