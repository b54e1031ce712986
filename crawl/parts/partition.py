"""`webtext crawl partition`: hand a link store's pending URLs out to N part stores, by host.

A crawler is polite per host (robots.txt, a few requests at a time, AutoThrottle), so several
crawlers can share one link list only if no host is crawled by two of them: every URL of a host
goes to the same part. The key is the registered domain of the host (`host_key`), so that
`a.example.com` and `b.example.com`, often one server, stay together.

Hosts are dealt out largest first, each to the part with the fewest URLs so far (Graham's
longest-processing-time rule, "Bounds on multiprocessing timing anomalies", SIAM J. Appl. Math.
17(2), 1969: the largest part is within 4/3 of the best possible), ties broken by BLAKE2b of
the key, so the same store gives the same parts on every machine (not Python's salted `hash()`).
The parts' crawls then end together: on `bench/crawl.py`'s sample web (23 registered domains),
hashing the key modulo 2 gave parts of 62% and 38% of the URLs, which caps two crawlers at
1.6 times one; dealing gives 50% and 50%.

Each part is an ordinary link store, `part-NNN.sqlite` (the page spider crawls it unchanged):
the part's pending URL rows as the parent has them (attempts included), the posts that linked
them (the web-archive fallback needs their dates, the WARC records their provenance), and a
`part_origin` row naming the parent store's id, the partitioning and the part's WARC
subdirectory (`ledger.py`). The parent marks those URLs `handed_out` with their part, so its own
crawl skips them and a second partitioning does not hand them out again; a new partitioning is
refused while URLs of the previous one are still out (merge them, or take them back with
`--take-back` when a part is lost). URLs the parent collects later stay `pending` there: its
own crawl fetches them, or the next partitioning hands them out.

Nothing is half-written: the parts are written under temporary names and renamed once all are
complete, and only then does the parent record the partitioning, in one transaction, under the
store lock (a crawl holding it makes this fail at once). Part files of this store's earlier,
finished partitionings in the output directory are replaced; a file of another store is not.
"""

from __future__ import annotations

import contextlib
import hashlib
import heapq
import os
import sqlite3
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from webtext.core.atomic import temporary_name
from webtext.core.errors import ConfigError
from webtext.core.urls import registered_domain
from webtext.crawl.links.store import HANDED_OUT, PENDING, LinkStore
from webtext.crawl.lock import StoreLock
from webtext.crawl.parts.ledger import (
    Origin,
    outstanding,
    part_name,
    part_origin,
    prepare_parent,
    store_identity,
    store_totals,
    write_origin,
)
from webtext.crawl.parts.settings import PartitionSettings

# The columns a part copies from its parent (`part` stays NULL in the part).
URL_COLUMNS = ("url, domain, best_score, total_score, status, reason, http_status, attempts, final_url, warc_file, "
               "warc_offset, fetched_at, added_at, spread, source, archive_time")
_BATCH = 10_000


def host_key(url: str) -> str:
    """What a partition keys on: the registered domain of `url`'s host ("" when it has none)."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return registered_domain(host) if host else ""


def deal(sizes: dict[str, int], parts: int) -> dict[str, int]:
    """Key -> part for keys of `sizes` URLs: largest first, each to the part with the fewest URLs so
    far (the lowest index on a tie); keys of one size in the order of their BLAKE2b digest."""
    loads = [(0, index) for index in range(parts)]
    chosen = {}
    order = sorted(sizes, key=lambda key: (-sizes[key], hashlib.blake2b(key.encode("utf-8")).digest()))
    for key in order:
        load, index = heapq.heappop(loads)
        chosen[key] = index
        heapq.heappush(loads, (load + sizes[key], index))
    return chosen


def partition(settings: PartitionSettings) -> dict[str, Any]:
    """Run `webtext crawl partition` (or `--take-back`); returns its summary."""
    if not settings.store.is_file():
        raise ConfigError(f"link store not found: {settings.store} (collect links first with `webtext crawl links`)")
    with StoreLock(settings.store), LinkStore(settings.store) as store:
        if settings.take_back:
            return {**_take_back(store), "store": store_totals(store)}
        assert settings.parts is not None
        busy = outstanding(store.db)
        if busy:
            run, count = next(iter(busy.items()))
            raise ConfigError(f"{settings.store}: {count} URLs are still out in the parts of partitioning {run}: "
                              "merge them first (`webtext crawl merge`), or take them back with "
                              "`webtext crawl partition --take-back`")
        if not store.count_pending():
            return {"handed_out": 0, "parts": [], "partitioning": None, "store": store_totals(store)}
        return {**_partition(store, settings, settings.parts), "store": store_totals(store)}


def _partition(store: LinkStore, settings: PartitionSettings, parts: int) -> dict[str, Any]:
    db = store.db
    out = settings.out_dir()
    identity = store_identity(db) or uuid.uuid4().hex
    _clear_old_parts(store, out, identity)
    run = uuid.uuid4().hex[:12]
    targets = [out / f"{part_name(index)}.sqlite" for index in range(parts)]
    written: list[Path] = []
    try:
        hosts = _assign(db, parts)
        for index, target in enumerate(targets):
            written.append(temporary_name(target))
            _write_part(db, written[-1], index, Origin(identity, str(settings.store.resolve()), run, index, parts,
                                                       part_name(index)))
        for temp, target in zip(written, targets, strict=True):
            os.replace(temp, target)
        written.clear()
        summary = _record(store, run, targets, identity, settings.warc_dir)
    finally:
        for temp in written:
            _remove_database(temp)
        db.execute("DROP TABLE IF EXISTS temp.assign")
    for entry, index in zip(summary["parts"], range(parts), strict=True):
        entry["hosts"] = len(hosts.get(index, ()))
        entry["warc_dir"] = str(settings.warc_dir / part_name(index))
    return summary


def _clear_old_parts(store: LinkStore, out: Path, identity: str) -> None:
    """Remove the part files of this store's earlier partitionings in `out`; refuse any other file."""
    found = sorted(out.glob("part-*.sqlite"))
    for path in found:
        origin = part_origin(path)
        if path.resolve() == store.path.resolve() or origin is None or origin.store_id != identity:
            raise ConfigError(f"{path} is not a part of {store.path}: move it, or choose another --out")
    for path in found:
        _remove_database(path)


def _assign(db: sqlite3.Connection, parts: int) -> dict[int, set[str]]:
    """Fill `temp.assign` (url, part) with every pending URL; returns the host keys of each part."""
    db.execute("CREATE TEMP TABLE assign (url TEXT PRIMARY KEY, part INTEGER NOT NULL)")
    urls = [(url, host_key(url)) for (url,) in db.execute("SELECT url FROM urls WHERE status=?", (PENDING,))]
    chosen = deal(Counter(key for _, key in urls), parts)
    for start in range(0, len(urls), _BATCH):
        db.executemany("INSERT INTO temp.assign VALUES (?,?)",
                       [(url, chosen[key]) for url, key in urls[start:start + _BATCH]])
    hosts: dict[int, set[str]] = defaultdict(set)
    for key, index in chosen.items():
        hosts[index].add(key)
    return hosts


def _write_part(db: sqlite3.Connection, temp: Path, index: int, origin: Origin) -> None:
    """Write part `index` as the store `temp`: its URLs, their posts and its origin."""
    _remove_database(temp)
    LinkStore(temp).close()  # the link store schema
    db.execute("ATTACH DATABASE ? AS part", (str(temp),))
    try:
        db.execute("PRAGMA part.journal_mode=DELETE")  # one self-contained file to copy; WAL again when opened
        db.execute("BEGIN")
        chosen = "SELECT url FROM temp.assign WHERE part=?"
        db.execute(f"INSERT INTO part.urls ({URL_COLUMNS}) SELECT {URL_COLUMNS} FROM main.urls "
                   f"WHERE url IN ({chosen})", (index,))
        db.execute(f"INSERT INTO part.posts SELECT * FROM main.posts WHERE url IN ({chosen})", (index,))
        write_origin(db, "part", origin)
        db.execute("COMMIT")
    finally:
        if db.in_transaction:
            db.execute("ROLLBACK")
        db.execute("DETACH DATABASE part")
    with open(temp, "rb+") as handle:
        os.fsync(handle.fileno())


def _record(store: LinkStore, run: str, targets: list[Path], identity: str, warc_dir: Path) -> dict[str, Any]:
    """Record the partitioning in the parent, in one transaction; returns the summary."""
    db = store.db
    store.transaction()
    prepare_parent(db, identity)
    db.execute("INSERT INTO partitionings VALUES (?,?,?,?,NULL)", (run, len(targets), str(warc_dir.resolve()),
                                                                 time.time()))
    entries = []
    for index, target in enumerate(targets):
        count = db.execute("SELECT COUNT(*) FROM temp.assign WHERE part=?", (index,)).fetchone()[0]
        ident = db.execute("INSERT INTO parts (run, part, file, urls) VALUES (?,?,?,?)",
                           (run, index, str(target.resolve()), count)).lastrowid
        db.execute("UPDATE urls SET status=?, part=? WHERE url IN (SELECT url FROM temp.assign WHERE part=?)",
                   (HANDED_OUT, ident, index))
        entries.append({"part": index, "file": str(target), "urls": count})
    store.commit()
    return {"partitioning": run, "parts": entries, "handed_out": sum(e["urls"] for e in entries)}


def _take_back(store: LinkStore) -> dict[str, Any]:
    """Return every URL still handed out to pending; its partitionings can no longer be merged."""
    db = store.db
    runs = list(outstanding(db))
    store.transaction()
    count = db.execute("UPDATE urls SET status=?, part=NULL WHERE status=?", (PENDING, HANDED_OUT)).rowcount
    db.executemany("UPDATE partitionings SET taken_back_at=? WHERE run=?", [(time.time(), run) for run in runs])
    store.commit()
    return {"taken_back": count, "partitionings": runs}


def _remove_database(path: Path) -> None:
    for name in _database_files(path):
        with contextlib.suppress(FileNotFoundError):
            name.unlink()


def _database_files(path: Path) -> Iterator[Path]:
    yield path
    yield path.with_name(path.name + "-wal")
    yield path.with_name(path.name + "-shm")
    yield path.with_name(path.name + "-journal")
