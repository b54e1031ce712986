"""Feed Reddit submissions (from the listing API or a dump file) through the link rules into the store.

Both sources produce the same submission dicts, so both go through `LinkCollector`: each post
ends kept (its URL recorded with the post's provenance) or refused with a named reason, and is
counted either way. A post already in the store is not counted again, only its score refreshed,
which keeps collection incremental: rerunning over the same listing or dump adds nothing new.

A record that is not a submission (not a JSON object, or a field of the wrong type such as
`created_utc: "yesterday"`, a NaN score or a dict where a string belongs) is dropped as
`bad_record`, counted, and reported with where it was (file and line, or listing page): the
valid posts around it are kept.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from pathlib import Path
from typing import Any

from webtext.core import reasons
from webtext.core.accounting import check_balance
from webtext.core.progress import progress
from webtext.crawl.links.dumps import MAX_SHOWN, DumpReport, iter_dump
from webtext.crawl.links.rules import LinkRules, post_id_of, strip_userinfo
from webtext.crawl.links.store import KeptPost, LinkStore

log = logging.getLogger(__name__)

KEPT = "kept"
KNOWN = "already_known"
_COMMIT_EVERY = 2000
_TEXT_FIELDS = ("id", "name", "url", "subreddit", "title", "permalink", "selftext", "removed_by_category")
_FLAG_FIELDS = ("is_self", "over_18", "stickied")
_NUMBER_FIELDS = ("created_utc", "score")
_NUMBER_LIMIT = 2**40  # far beyond any score or time, and sums of many stay inside SQLite's integers


def clean_post(post: object) -> dict[str, Any] | str:
    """`post` with the fields the rules read checked and normalized, or what is wrong with it.

    Numbers may come as JSON numbers or numeric strings (old dumps write `"created_utc":
    "1483228800"`); text that is not valid Unicode (lone surrogates) has those characters replaced.
    """
    if not isinstance(post, dict):
        return f"not a JSON object ({_json_type(post)})"
    clean = dict(post)
    for name in _TEXT_FIELDS:
        value = post.get(name)
        if value is not None and not isinstance(value, str):
            return f"{name} is not a string: {_show(value)}"
        if value is not None:
            clean[name] = value.encode("utf-8", "replace").decode("utf-8")
    for name in _FLAG_FIELDS:
        value = post.get(name)
        if value is not None and not isinstance(value, (bool, int)):
            return f"{name} is not true or false: {_show(value)}"
    for name in _NUMBER_FIELDS:
        value = post.get(name)
        if value is None:
            continue
        number = _integer(value)
        if number is None:
            return f"{name} is not a number: {_show(value)}"
        clean[name] = number
    return clean


def _integer(value: object) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value) if not isinstance(value, int) else value
    except ValueError:
        return None
    if isinstance(number, float) and not math.isfinite(number):
        return None
    return int(number) if abs(number) < _NUMBER_LIMIT else None


def _json_type(value: object) -> str:
    names = {list: "an array", str: "a string", bool: "a boolean", int: "a number", float: "a number"}
    return "null" if value is None else names.get(type(value), type(value).__name__)


def _show(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


class LinkCollector:
    """Apply `rules` to submissions and record the outcome in `store`, batching commits."""

    def __init__(self, store: LinkStore, rules: LinkRules) -> None:
        self.store = store
        self.rules = rules
        self.counts: Counter[str] = Counter()
        self.bad_records: list[str] = []  # "where: problem" of the first bad records (all are counted)
        self._uncommitted = 0

    def add(self, post: object, where: str = "") -> str:
        """Record one submission; returns `kept`, `already_known` or the drop reason.

        `where` (file:line, listing page) names the record in the report of a bad one.
        """
        clean = clean_post(post)
        if isinstance(clean, str):
            return self.drop_bad(where, clean)
        if not self.store.db.in_transaction:
            self.store.transaction()
        post_id = post_id_of(clean)
        outcome = self.rules.check(clean)
        known = bool(post_id) and self.store.known_post(post_id)
        if not post_id:
            outcome = reasons.LINK_INVALID_URL
        if isinstance(outcome, KeptPost):
            self.store.add_post(outcome)
            result = KNOWN if known else KEPT
        else:
            if not known:
                self.store.add_drop(post_id, strip_userinfo(str(clean.get("url") or "")), outcome)
            result = KNOWN if known else outcome
        self.counts[result] += 1
        self._uncommitted += 1
        if self._uncommitted >= _COMMIT_EVERY:
            self.flush()
        return result

    def drop_bad(self, where: str, problem: str) -> str:
        """Count a record that is not a submission; list and log the first few."""
        self.counts[reasons.LINK_BAD_RECORD] += 1
        if len(self.bad_records) < MAX_SHOWN:
            self.bad_records.append(f"{where}: {problem}")
            log.warning("dropping bad record %s: %s", where, problem)
            if len(self.bad_records) == MAX_SHOWN:
                log.warning("further bad records are counted, not logged")
        return reasons.LINK_BAD_RECORD

    def flush(self) -> None:
        self.store.commit()
        self._uncommitted = 0

    def finish(self, min_score: int, sum_scores: bool) -> dict[str, int]:
        """Commit, apply the karma threshold, and return the counts of this collection."""
        self.flush()
        self.store.transaction()
        self.store.apply_threshold(min_score, sum_scores)
        self.store.commit()
        return dict(self.counts)


def collect_dump(collector: LinkCollector, path: Path) -> dict[str, Any]:
    """Read one dump file into `collector`; returns its summary entry (lines, records, counts, bad records).

    Every non-blank line ends kept or dropped with a reason (checked). A damaged file raises
    `BadFileError` after committing the posts read before the damage: they stay in the store,
    and reading a good copy later counts them as `already_known`, not twice.
    """
    report = DumpReport(str(path))
    before = Counter(collector.counts)
    collector.bad_records = []
    try:
        for post in progress(iter_dump(path, report, on_bad=collector.drop_bad), desc=path.name, unit="post"):
            collector.add(post, f"{path}:{report.lines}")
    finally:
        collector.flush()
        counts = dict(collector.counts - before)
        kept = counts.get(KEPT, 0) + counts.get(KNOWN, 0)
        check_balance(f"dump {path}", report.records + report.malformed_count, kept,
                      {k: v for k, v in counts.items() if k not in (KEPT, KNOWN)})
    return {"path": str(path), "lines": report.lines, "records": report.records + report.malformed_count,
            "counts": counts, "bad_records": list(collector.bad_records)}
