"""Export the link store as a URL manifest (JSONL or Parquet) with its SHA-256 checksum.

The manifest has one row per normalized URL with its scores, crawl status, drop reason, WARC
position, where its page came from (`source`: `live` or `archive`, with the capture's
`archive_time`) and every post that linked it, so others can refetch or audit the same link set. It
is written atomically, streamed in batches (constant memory), and `OUT.sha256` beside it holds
the checksum in `sha256sum` format, so `sha256sum -c OUT.sha256` verifies it.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from webtext.core.atomic import atomic_write
from webtext.core.errors import ConfigError
from webtext.crawl.links.store import FAILED, FETCHED, HANDED_OUT, PENDING, SKIPPED, LinkStore

FORMATS = ("jsonl", "parquet")
QUEUED = (PENDING, HANDED_OUT, FETCHED, FAILED, SKIPPED)  # every URL that passed the karma threshold
_BATCH = 5000


def export_manifest(store: LinkStore, out: str | Path, fmt: str,
                    statuses: Iterable[str] | None = QUEUED) -> tuple[int, str]:
    """Write the manifest to `out` and `out.sha256`; returns (rows, sha256 hex digest)."""
    if fmt not in FORMATS:
        raise ConfigError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    target = Path(out)
    rows = store.url_rows(statuses)
    with atomic_write(target, "wb") as handle:
        count = _write_jsonl(rows, handle) if fmt == "jsonl" else _write_parquet(rows, handle)
    digest = _sha256(target)
    with atomic_write(target.with_name(target.name + ".sha256"), "w") as handle:
        handle.write(f"{digest}  {target.name}\n")
    return count, digest


def _write_jsonl(rows: Iterator[dict[str, Any]], handle: IO[bytes]) -> int:
    count = 0
    for row in rows:
        handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True).encode("utf-8") + b"\n")
        count += 1
    return count


def _write_parquet(rows: Iterator[dict[str, Any]], handle: IO[bytes]) -> int:
    import pyarrow as pa  # imported here: the crawl commands do not need it
    import pyarrow.parquet as pq

    post = pa.struct([("post_id", pa.string()), ("subreddit", pa.string()), ("score", pa.int64()),
                      ("created_utc", pa.int64()), ("title", pa.string()), ("permalink", pa.string())])
    schema = pa.schema([
        ("url", pa.string()), ("domain", pa.string()), ("best_score", pa.int64()), ("total_score", pa.int64()),
        ("status", pa.string()), ("reason", pa.string()), ("http_status", pa.int64()), ("attempts", pa.int64()),
        ("final_url", pa.string()), ("warc_file", pa.string()), ("warc_offset", pa.int64()),
        ("fetched_at", pa.string()), ("added_at", pa.float64()), ("source", pa.string()),
        ("archive_time", pa.string()), ("reddit", pa.list_(post)),
    ])
    count = 0
    with pq.ParquetWriter(handle, schema, compression="zstd") as writer:
        while batch := list(itertools.islice(rows, _BATCH)):
            writer.write_table(pa.Table.from_pylist(batch, schema=schema))
            count += len(batch)
    return count


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
