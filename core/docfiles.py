"""Documents in files: JSON Lines or Parquet, read with clear errors and written atomically.

The one reader and writer of document files: `webtext dedup` (its input, its outputs and the
pipeline's own scratch files), `webtext tokenizer train` and the evaluation sets of every command
read records in either format, by file name: `*.parquet` is Parquet (for documents, the `reddit`
provenance as a list of structs and `meta` as a JSON string), anything else is JSON Lines (one
JSON object per line; blank lines are skipped). Text inputs (`file_texts`) may also be plain
UTF-8 files, whose content the caller cuts into documents. The user controls these files, so a
damaged record is an error, not a drop: invalid UTF-8, a line that is not JSON, a JSON value that
is not an object, a missing or mistyped field, or a Parquet file that cannot be read or lacks the
columns raises one `BadFileError` naming the file and the line (JSON Lines, counted from 1), row
(Parquet, counted from 0) or byte (plain text), before any work starts (ARCHITECTURE section 5),
and the same damage gives the same line whichever command reads the file. `check_documents` reads a
file once, streaming, for exactly that. An empty file holds no records; that is not an error.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from webtext.core.atomic import atomic_write
from webtext.core.document import Document
from webtext.core.errors import BadFileError

_PARQUET_BATCH = 1024
REQUIRED = ("id", "url", "domain", "text")
_STRINGS = ("title", "fetched_at", "language", "date")  # optional: absent or null takes the default
_NULLABLE = ("drop_reason", "duplicate_of")
_POST_FIELDS: dict[str, type] = {"post_id": str, "subreddit": str, "score": int, "created_utc": int}
_POST_OPTIONAL = ("title", "permalink")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_POST = pa.struct([("post_id", pa.string()), ("subreddit", pa.string()), ("score", pa.int64()),
                   ("created_utc", pa.int64()), ("title", pa.string()), ("permalink", pa.string())])
# The one Parquet layout of documents, in `Document` field order (the main job adds a `split` column).
DOCUMENT_SCHEMA = pa.schema([("id", pa.string()), ("url", pa.string()), ("domain", pa.string()),
                             ("text", pa.string()), ("title", pa.string()), ("fetched_at", pa.string()),
                             ("reddit", pa.list_(_POST)), ("language", pa.string()),
                             ("language_score", pa.float64()), ("date", pa.string()),
                             ("drop_reason", pa.string()), ("duplicate_of", pa.string()), ("meta", pa.string())])


def is_parquet(path: str | os.PathLike[str]) -> bool:
    """Whether `path` names a Parquet file (by its suffix)."""
    return os.fspath(path).lower().endswith(".parquet")


def is_document_file(path: str | os.PathLike[str]) -> bool:
    """Whether `path` names a record file (`.jsonl` or `.parquet`) rather than plain text."""
    return is_parquet(path) or os.fspath(path).lower().endswith(".jsonl")


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def text_problem(row: Any) -> str | None:
    """What keeps `row` from being a record with a string `text` field, or None."""
    if not isinstance(row, dict):
        return f"not a JSON object but {_type_name(row)}"
    if not isinstance(row.get("text"), str):
        return "no 'text' field" if "text" not in row else f"'text' is {_type_name(row['text'])}, not a string"
    return None


def _post_problem(post: Any) -> str | None:
    if not isinstance(post, dict):
        return f"is {_type_name(post)}, not an object"
    for name, kind in _POST_FIELDS.items():
        value = post.get(name)
        if not isinstance(value, kind) or isinstance(value, bool):
            return f"field '{name}' is {_type_name(value)}, not {kind.__name__}"
    for name in _POST_OPTIONAL:
        if not isinstance(post.get(name, ""), str):
            return f"field '{name}' is {_type_name(post[name])}, not a string"
    return None


def _meta_problem(meta: Any) -> str | None:
    if isinstance(meta, str):
        try:
            meta = json.loads(meta)
        except ValueError:
            return "'meta' is a string but not JSON"
    if meta is not None and not isinstance(meta, dict):
        return f"'meta' is {_type_name(meta)}, not an object"
    return None


def document_problem(row: Any) -> str | None:
    """What keeps `row` (a parsed JSON line or Parquet row) from being a `Document`, or None."""
    if not isinstance(row, dict):
        return f"not a JSON object but {_type_name(row)}"
    for name in REQUIRED:
        if not isinstance(row.get(name), str):
            return f"no '{name}' field" if name not in row else f"'{name}' is {_type_name(row[name])}, not a string"
    for name in (*_STRINGS, *_NULLABLE):
        if row.get(name) is not None and not isinstance(row[name], str):
            return f"'{name}' is {_type_name(row[name])}, not a string"
    score = row.get("language_score")
    if score is not None and (isinstance(score, bool) or not isinstance(score, int | float)):
        return f"'language_score' is {_type_name(score)}, not a number"
    posts = row.get("reddit")
    if posts is not None and not isinstance(posts, list):
        return f"'reddit' is {_type_name(posts)}, not a list"
    for index, post in enumerate(posts or ()):
        problem = _post_problem(post)
        if problem:
            return f"reddit[{index}] {problem}"
    return _meta_problem(row.get("meta"))


def document_from_row(row: dict[str, Any]) -> Document:
    """A `Document` from one JSON or Parquet row (`meta` may be a JSON string; a null optional
    field takes its default)."""
    row = {name: value for name, value in row.items()
           if value is not None or name in ("drop_reason", "duplicate_of")}
    if isinstance(row.get("meta"), str):
        row["meta"] = json.loads(row["meta"])
    return Document.from_dict(row)


def parse_line(raw: bytes) -> Any:
    """The JSON value of one JSON Lines line; `ValueError` (with the reason) if it is not one.

    The line must be UTF-8 and, once parsed, encodable again (no lone surrogate escapes), so
    every record read can also be written."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"invalid UTF-8 (byte {exc.start} of the line)") from None
    try:
        value = json.loads(line)
    except RecursionError:
        raise ValueError("invalid JSON (nested too deeply)") from None
    except ValueError as exc:
        raise ValueError(f"invalid JSON ({exc})") from None
    if _SURROGATE_ESCAPE.search(raw):
        try:
            json.dumps(value, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a string holds a lone surrogate escape (not Unicode text)") from None
    return value


def _jsonl_rows(file: Path) -> Iterator[tuple[str, Any]]:
    with file.open("rb") as handle:
        for number, raw in enumerate(handle, 1):
            if not raw.strip():
                continue
            try:
                yield f"line {number}", parse_line(raw)
            except ValueError as exc:
                raise BadFileError(str(file), str(exc), f"line {number}") from None


def _parquet_rows(file: Path, columns: Sequence[str] | None) -> Iterator[tuple[str, Any]]:
    row_number = 0
    try:
        parquet = pq.ParquetFile(file)
        names = set(parquet.schema_arrow.names)
        missing = [name for name in columns or REQUIRED if name not in names]
        if missing:
            raise BadFileError(str(file), f"Parquet schema lacks column(s) {', '.join(missing)} "
                                          f"(has {', '.join(sorted(names)) or 'none'})")
        for batch in parquet.iter_batches(batch_size=_PARQUET_BATCH, columns=list(columns) if columns else None):
            for row in batch.to_pylist():
                yield f"row {row_number}", row
                row_number += 1
        if row_number != parquet.metadata.num_rows:
            raise BadFileError(str(file), f"{row_number} rows read where its metadata counts "
                                          f"{parquet.metadata.num_rows} (damaged)")
    except (pa.ArrowException, OSError, UnicodeDecodeError) as exc:
        where = f"row {row_number}" if row_number else None
        raise BadFileError(str(file), f"unreadable Parquet ({' '.join(str(exc).split())})", where) from None


def read_rows(path: str | os.PathLike[str], columns: Sequence[str] | None = None) -> Iterator[tuple[str, Any]]:
    """`(where, value)` for every record of a JSONL or Parquet file, streaming; `where` is
    "line N" or "row N". `columns` limits what Parquet reads (and must all exist)."""
    file = Path(path)
    if is_parquet(file):
        return _parquet_rows(file, columns)
    return _jsonl_rows(file)


def read_documents(path: str | os.PathLike[str]) -> Iterator[Document]:
    """Stream the documents of a JSONL or Parquet file; `BadFileError` at the first bad record."""
    for where, row in read_rows(path):
        problem = document_problem(row)
        if problem:
            raise BadFileError(os.fspath(path), f"not a document: {problem}", where)
        yield document_from_row(row)


def read_texts(path: str | os.PathLike[str]) -> Iterator[str]:
    """Stream the `text` field of every record of a JSONL or Parquet file (other fields are not
    looked at); `BadFileError` at the first record without a string `text`."""
    for where, row in read_rows(path, columns=("text",)):
        problem = text_problem(row)
        if problem:
            raise BadFileError(os.fspath(path), problem, where)
        yield row["text"]


def read_text_file(path: str | os.PathLike[str]) -> str:
    """The content of a plain UTF-8 text file; `BadFileError` naming the first bad byte."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        raise BadFileError(os.fspath(path), "not UTF-8 text", f"byte {error.start}") from None


def _whole(content: str) -> list[str]:
    return [content]


def file_texts(path: str | os.PathLike[str],
               split: Callable[[str], list[str]] = _whole) -> Iterable[str]:
    """The document texts of one input file: the `text` of every record of a `.jsonl` or
    `.parquet` file, otherwise the UTF-8 file's content cut into documents by `split` (by
    default the whole file is one document)."""
    if is_document_file(path):
        return read_texts(path)
    return split(read_text_file(path))


def non_blank(texts: Iterable[str], counts: Counter[str], skipped: str) -> Iterator[str]:
    """The texts that are not blank; counts every text under "read" and every blank one under
    `skipped` (the drop reason), so the caller can check read = used + skipped."""
    for text in texts:
        counts["read"] += 1
        if text.strip():
            yield text
        else:
            counts[skipped] += 1


def check_documents(path: str | os.PathLike[str]) -> int:
    """Read every record of `path` once; returns the count or raises `BadFileError`."""
    return sum(1 for _ in read_documents(path))


def document_line(doc: Document) -> str:
    """One document as a JSON Lines line (without its newline)."""
    return json.dumps(doc.to_dict(), ensure_ascii=False)


def document_from_line(raw: bytes) -> Document:
    """The document of one JSON Lines line already checked by `check_documents`."""
    return document_from_row(parse_line(raw))


def parquet_row(doc: Document) -> dict[str, Any]:
    """One document as a row of `DOCUMENT_SCHEMA` (`meta` as a JSON string)."""
    row = doc.to_dict()
    row["meta"] = json.dumps(row["meta"], sort_keys=True, ensure_ascii=False)
    return row


def write_documents(path: str | os.PathLike[str], docs: Iterable[Document]) -> int:
    """Write `docs` to `path` (format by suffix), atomically; returns how many were written."""
    count = 0
    if not is_parquet(path):
        with atomic_write(path, "w") as handle:
            for doc in docs:
                handle.write(document_line(doc) + "\n")
                count += 1
        return count
    with atomic_write(path, "wb") as handle, pq.ParquetWriter(handle, DOCUMENT_SCHEMA) as writer:
        batch: list[dict[str, Any]] = []
        for doc in docs:
            batch.append(parquet_row(doc))
            count += 1
            if len(batch) == _PARQUET_BATCH:
                writer.write_table(pa.Table.from_pylist(batch, schema=DOCUMENT_SCHEMA))
                batch = []
        if batch or not count:
            writer.write_table(pa.Table.from_pylist(batch, schema=DOCUMENT_SCHEMA))
    return count
