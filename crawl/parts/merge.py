"""`webtext crawl merge`: fold the outcomes of part stores back into the link store they came from.

For every URL of a part, the parent row handed out to that part takes the part's outcome:
status, reason, HTTP status, attempts, final URL, WARC file and offset, fetch time, source and
archive time. A part is the truth for its own URLs, so merging is idempotent (merging again
changes nothing) and follows the part wherever it went: a URL the part finished comes back
`fetched`, `failed` or `skipped`; one the part still holds (never reached, or returned to
`pending` by the resume logic after a kill) is `handed_out` again. A URL the parent has since
taken back as its own (`--retry-failed` requeues it, clearing its part) is left alone.

WARC file names: the parent's `warc_file` is relative to the crawl's WARC directory (the one
given to `partition`, or `--warc-dir`), and part N's pages are expected in its subdirectory
`part-NNN`, so a merged page is `part-NNN/<file>` (the pipeline reads them all with `--input
'WARC_DIR/**.warc.gz'`). Merge checks every file: one still under its temporary name
(`.NAME.partial`: the node is running, or was killed and its part not yet re-run) leaves its
pages out until the next merge; a file that is not there at all refuses the merge, naming it,
since the store must never point at nothing.

Refused with one error line, nothing changed: a part that is missing, not an SQLite file,
damaged, not a part (no `part_origin`), a part of another store, of a partitioning this store
does not know or took back, or one that lacks URLs the parent handed out to it. All parts are
checked before the parent changes, in one transaction, under the store lock.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from webtext.core.atomic import temporary_name
from webtext.core.errors import BadFileError, ConfigError
from webtext.crawl.links.store import FAILED, FETCHED, HANDED_OUT, SKIPPED, LinkStore
from webtext.crawl.lock import StoreLock
from webtext.crawl.parts.ledger import read_origin, store_identity, store_totals
from webtext.crawl.parts.settings import MergeSettings

# The outcome columns a merge copies; status and warc_file are derived (below), the rest copied.
OUTCOME = ("reason", "http_status", "final_url", "warc_offset", "fetched_at", "source", "archive_time")
_MERGED = f"""
CREATE TEMP TABLE merged (part_id INTEGER NOT NULL, url TEXT NOT NULL, status TEXT NOT NULL, attempts INTEGER,
                          warc_file TEXT, {", ".join(OUTCOME)})
"""


def merge(settings: MergeSettings) -> dict[str, Any]:
    """Run `webtext crawl merge`; returns its summary (per part: URLs by status now, rows changed)."""
    if not settings.store.is_file():
        raise ConfigError(f"link store not found: {settings.store}")
    with StoreLock(settings.store), LinkStore(settings.store) as store:
        db = store.db
        identity = store_identity(db)
        if identity is None:
            raise ConfigError(f"{settings.store}: no URLs were ever handed out to parts "
                              "(`webtext crawl partition` first)")
        files = settings.parts or [Path(f) for (f,) in db.execute(
            "SELECT file FROM parts WHERE run=(SELECT run FROM partitionings ORDER BY created_at DESC LIMIT 1) "
            "ORDER BY part")]
        db.execute("DROP TABLE IF EXISTS temp.merged")
        db.execute(_MERGED)
        try:
            staged = [_stage(db, path, settings.warc_dir, identity, str(settings.store)) for path in files]
            store.transaction()
            reports = [_apply(db, path, ident, unfinished) for path, ident, unfinished in staged]
            store.commit()
        finally:
            if db.in_transaction:
                db.execute("ROLLBACK")
            db.execute("DROP TABLE temp.merged")
        totals = store_totals(store)
    return {"parts": reports, "changed": sum(r["changed"] for r in reports), "store": totals}


def _stage(db: sqlite3.Connection, path: Path, warc_dir: Path | None, identity: str,
           store: str) -> tuple[Path, int, int]:
    """Check the part at `path` and copy its outcomes into `temp.merged`; returns (path, its part
    id, pages left out because their WARC file is still being written)."""
    if not path.is_file():
        raise ConfigError(f"part not found: {path}")
    attached = False
    try:
        db.execute("ATTACH DATABASE ? AS part", (str(path),))  # only read: nothing is written to `part`
        attached = True
        ident, unfinished = _stage_attached(db, path, warc_dir, identity, store)
        return path, ident, unfinished
    except sqlite3.DatabaseError as error:
        raise BadFileError(str(path), f"not a readable link store ({error})") from None
    finally:
        if attached:
            db.execute("DETACH DATABASE part")


def _stage_attached(db: sqlite3.Connection, path: Path, warc_dir: Path | None, identity: str,
                    store: str) -> tuple[int, int]:
    origin = read_origin(db, "part")
    if origin is None:
        raise BadFileError(str(path), "not a part store (no part_origin record; `webtext crawl partition` "
                                      "writes parts)")
    if origin.store_id != identity:
        raise ConfigError(f"{path} is a part of another link store ({origin.parent}), not of {store}")
    row = db.execute("SELECT p.id, r.taken_back_at, r.warc_dir FROM parts p JOIN partitionings r ON p.run=r.run "
                     "WHERE p.run=? AND p.part=?", (origin.run, origin.part)).fetchone()
    if row is None:
        raise ConfigError(f"{path} comes from a partitioning {store} does not know ({origin.run}): "
                          "partition again and crawl the new parts")
    ident, taken_back, recorded = row
    if taken_back is not None:
        raise ConfigError(f"{path}: its partitioning {origin.run} was taken back (`webtext crawl partition "
                          "--take-back`), and its URLs with it")
    lacking = db.execute("SELECT COUNT(*) FROM main.urls m WHERE m.part=? AND NOT EXISTS "
                         "(SELECT 1 FROM part.urls u WHERE u.url=m.url)", (ident,)).fetchone()[0]
    if lacking:
        raise BadFileError(str(path), f"lacks {lacking} of the URLs handed out to it (damaged, or not the "
                                      "file `webtext crawl partition` wrote)")
    directory = (warc_dir or Path(recorded)) / origin.warc_subdir
    done, unfinished = _finished_files(db, path, directory)
    db.execute("CREATE TEMP TABLE done_files (name TEXT PRIMARY KEY)")
    try:
        db.executemany("INSERT INTO temp.done_files VALUES (?)", [(name,) for name in done])
        finished = (f"status IN ('{FAILED}', '{SKIPPED}') OR (status='{FETCHED}' AND warc_file IN "
                    "(SELECT name FROM temp.done_files))")
        kept = ", ".join(f"CASE WHEN done THEN {column} END" for column in OUTCOME)
        db.execute(f"INSERT INTO temp.merged SELECT ?, url, CASE WHEN done THEN status ELSE ? END, attempts, "
                   f"CASE WHEN done AND warc_file IS NOT NULL THEN ? || '/' || warc_file END, {kept} "
                   f"FROM (SELECT *, ({finished}) AS done FROM part.urls)",
                   (ident, HANDED_OUT, origin.warc_subdir))
    finally:
        db.execute("DROP TABLE temp.done_files")
    return ident, unfinished


def _finished_files(db: sqlite3.Connection, path: Path, directory: Path) -> tuple[list[str], int]:
    """The part's WARC files that are complete in `directory`, and the pages in files still being
    written; `BadFileError` for a file that is not there at all."""
    done, unfinished = [], 0
    for name, pages in db.execute("SELECT warc_file, COUNT(*) FROM part.urls WHERE status=? GROUP BY warc_file",
                                  (FETCHED,)).fetchall():
        if (directory / name).is_file():
            done.append(name)
        elif temporary_name(directory / name).is_file():
            unfinished += pages
        else:
            raise BadFileError(str(path), f"its WARC file {directory / name} ({pages} pages) is missing: copy the "
                                          f"node's WARC files into {directory}")
    return done, unfinished


def _apply(db: sqlite3.Connection, path: Path, ident: int, unfinished: int) -> dict[str, Any]:
    """Give the parent rows of part `ident` their staged outcomes; returns the part's report."""
    columns = ("status", "attempts", "warc_file", *OUTCOME)
    changed = db.execute(
        f"UPDATE urls SET {', '.join(f'{c}=m.{c}' for c in columns)} FROM temp.merged m "
        f"WHERE m.part_id=? AND urls.url=m.url AND urls.part=m.part_id "
        f"AND ({' OR '.join(f'urls.{c} IS NOT m.{c}' for c in columns)})", (ident,)).rowcount
    db.execute("UPDATE parts SET merged_at=?, merges=merges+1 WHERE id=?", (time.time(), ident))
    status = dict(db.execute("SELECT status, COUNT(*) FROM urls WHERE part=? GROUP BY status", (ident,)).fetchall())
    index = db.execute("SELECT part FROM parts WHERE id=?", (ident,)).fetchone()[0]
    return {"part": index, "file": str(path), "changed": changed, "fetched": status.get(FETCHED, 0),
            "failed": status.get(FAILED, 0), "skipped": status.get(SKIPPED, 0), "out": status.get(HANDED_OUT, 0),
            "unfinished_pages": unfinished}

