"""The record of partitionings: what a parent link store handed out, and where a part came from.

In the parent store (tables made by the first `webtext crawl partition`):

- `store_identity`: one row, a random id of this store, which every part carries, so that
  `merge` refuses a part of another store whatever the files are called;
- `partitionings`: one row per partitioning (`run`, a random id): its number of parts, the
  crawl's WARC directory (absolute; part N's pages go to its subdirectory `part-NNN`), when it was
  made, and when it was taken back (`partition --take-back`; NULL while it stands);
- `parts`: one row per part: its id (the `urls.part` of every URL handed out to it), its
  partitioning and index, the file written, how many URLs it got, and when it was last merged.

In a part store, `part_origin` (one row): the parent's store id and path, the partitioning, the
part's index, the number of parts and the part's WARC subdirectory (`part-NNN`). A part is
otherwise an ordinary link store, so the page spider crawls it unchanged.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webtext.crawl.links.store import FAILED, FETCHED, HANDED_OUT, SKIPPED, LinkStore

_PARENT_TABLES = """
CREATE TABLE IF NOT EXISTS store_identity (id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS partitionings (
    run TEXT PRIMARY KEY,
    parts INTEGER NOT NULL,
    warc_dir TEXT NOT NULL,
    created_at REAL NOT NULL,
    taken_back_at REAL
);
CREATE TABLE IF NOT EXISTS parts (
    id INTEGER PRIMARY KEY,
    run TEXT NOT NULL REFERENCES partitionings (run),
    part INTEGER NOT NULL,
    file TEXT NOT NULL,
    urls INTEGER NOT NULL,
    merged_at REAL,
    merges INTEGER NOT NULL DEFAULT 0,
    UNIQUE (run, part)
);
"""
_ORIGIN_TABLE = """
CREATE TABLE IF NOT EXISTS {schema}.part_origin (
    store_id TEXT NOT NULL,
    parent TEXT NOT NULL,
    run TEXT NOT NULL,
    part INTEGER NOT NULL,
    parts INTEGER NOT NULL,
    warc_subdir TEXT NOT NULL,
    created_at REAL NOT NULL
)
"""


def part_name(index: int) -> str:
    """`part-000`, ...: the name of a part's store (with `.sqlite`) and of its WARC subdirectory."""
    return f"part-{index:03d}"


@dataclass(frozen=True)
class Origin:
    """Where a part store came from (its `part_origin` row)."""

    store_id: str
    parent: str
    run: str
    part: int
    parts: int
    warc_subdir: str


def prepare_parent(db: sqlite3.Connection, identity: str) -> None:
    """Make the partitioning tables of a parent store if needed, and give it the id `identity`
    unless it has one (plain statements, so that this can be part of the caller's transaction)."""
    for statement in _PARENT_TABLES.split(";"):
        if statement.strip():
            db.execute(statement)
    if db.execute("SELECT id FROM store_identity").fetchone() is None:
        db.execute("INSERT INTO store_identity VALUES (?)", (identity,))


def store_identity(db: sqlite3.Connection) -> str | None:
    """The id of a store that handed out parts (None: it never did)."""
    if not has_ledger(db):
        return None
    row = db.execute("SELECT id FROM store_identity").fetchone()
    return str(row[0]) if row is not None else None


def has_ledger(db: sqlite3.Connection) -> bool:
    """Whether this store ever handed out parts."""
    return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='parts'").fetchone() is not None


def write_origin(db: sqlite3.Connection, schema: str, origin: Origin) -> None:
    """Record `origin` in the part store attached as `schema`."""
    db.execute(_ORIGIN_TABLE.format(schema=schema))
    db.execute(f"INSERT INTO {schema}.part_origin VALUES (?,?,?,?,?,?,?)",
               (origin.store_id, origin.parent, origin.run, origin.part, origin.parts, origin.warc_subdir,
                time.time()))


def read_origin(db: sqlite3.Connection, schema: str) -> Origin | None:
    """The origin of the store attached as `schema` (None: it is no part)."""
    found = db.execute(f"SELECT 1 FROM {schema}.sqlite_master WHERE type='table' AND name='part_origin'")
    if found.fetchone() is None:
        return None
    row = db.execute(f"SELECT store_id, parent, run, part, parts, warc_subdir FROM {schema}.part_origin").fetchone()
    return Origin(*row) if row is not None else None


def part_origin(path: Path) -> Origin | None:
    """The origin of the part store at `path`, read without changing it (None: no part, or no
    SQLite file at all)."""
    try:
        with contextlib.closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as db:
            return read_origin(db, "main")
    except sqlite3.DatabaseError:
        return None


def outstanding(db: sqlite3.Connection) -> dict[str, int]:
    """Partitioning -> URLs still handed out to its parts (only those with some)."""
    if not has_ledger(db):
        return {}
    rows = db.execute("SELECT p.run, COUNT(*) FROM urls u JOIN parts p ON u.part=p.id WHERE u.status=? "
                      "GROUP BY p.run", (HANDED_OUT,))
    return dict(rows.fetchall())


def parts_report(db: sqlite3.Connection) -> list[dict[str, Any]]:
    """The parts of the latest partitioning (unless taken back) with their URLs by status now."""
    if not has_ledger(db):
        return []
    report = []
    for ident, run, index, file, urls, merged_at in db.execute(
            "SELECT p.id, p.run, p.part, p.file, p.urls, p.merged_at FROM parts p WHERE p.run=(SELECT run FROM "
            "partitionings ORDER BY created_at DESC LIMIT 1 ) AND p.run NOT IN (SELECT run FROM partitionings "
            "WHERE taken_back_at IS NOT NULL) ORDER BY p.part").fetchall():
        status = dict(db.execute("SELECT status, COUNT(*) FROM urls WHERE part=? GROUP BY status", (ident,)).fetchall())
        report.append({"partitioning": run, "part": index, "file": file, "handed_out": urls,
                       "out": status.get(HANDED_OUT, 0), "fetched": status.get(FETCHED, 0),
                       "failed": status.get(FAILED, 0), "skipped": status.get(SKIPPED, 0),
                       "merged_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(merged_at)) if merged_at else None})
    return report


def store_totals(store: LinkStore) -> dict[str, Any]:
    """The store's counts (`LinkStore.counts`) and, when it handed out parts, `parts_report`."""
    totals = store.counts()
    parts = parts_report(store.db)
    return {**totals, "parts": parts} if parts else totals
