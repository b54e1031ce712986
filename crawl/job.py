"""Crawl jobs: collect links, fetch pages, or both, under a lock, with a summary.

A job is incremental because the link store remembers everything: dump files already read are
skipped, known submissions are not counted again, and only pending URLs are fetched. The store
lock (`lock.py`) keeps two scheduled runs from overlapping. `run` prints one summary line and
writes a JSON summary with the counts of this run, the store's totals and the Scrapy stats of
each spider.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webtext.core import reasons
from webtext.core.config import to_jsonable
from webtext.core.errors import ConfigError
from webtext.core.progress import progress
from webtext.crawl.collect import LinkCollector
from webtext.crawl.config import FetchConfig, LinkConfig, fetch_settings
from webtext.crawl.dumps import DumpReport, iter_dump
from webtext.crawl.listing import ListingSpider
from webtext.crawl.lock import StoreLock
from webtext.crawl.pages import PagesSpider
from webtext.crawl.runner import SpiderRun, run_in_sequence
from webtext.crawl.store import LinkStore

TRANSIENT = (reasons.FETCH_TIMEOUT, reasons.FETCH_ROBOTS_UNREACHABLE, reasons.FETCH_CONNECTION_ERROR,
             reasons.FETCH_DNS_ERROR,
             *(reasons.http_error(s) for s in (429, 500, 502, 503, 504, 522, 524)))


@dataclass
class JobResult:
    """What one job did."""

    links: dict[str, int] = field(default_factory=dict)
    dumps: list[dict[str, Any]] = field(default_factory=list)
    spiders: dict[str, dict[str, Any]] = field(default_factory=dict)
    interrupted: bool = False


def read_dumps(store: LinkStore, links: LinkConfig, result: JobResult) -> None:
    """Read the dump files not read before into the store."""
    collector = LinkCollector(store, links.rules(for_dumps=True))
    for path in links.dump:
        size = path.stat().st_size if path.is_file() else -1
        if size < 0:
            raise ConfigError(f"dump file not found: {path}")
        if store.source_done(path.name, size):
            result.dumps.append({"path": str(path), "skipped": "already read"})
            continue
        report = DumpReport(str(path))
        for post in progress(iter_dump(path, report), desc=path.name, unit="post"):
            collector.add(post)
        collector.flush()
        store.mark_source(path.name, size, report.records)
        result.dumps.append({"path": str(path), "lines": report.lines, "records": report.records,
                             "malformed": report.malformed_count, "malformed_lines": report.malformed})
    counts = collector.finish(links.min_score, links.sum_scores)
    result.links = dict(Counter(result.links) + Counter(counts))


def run_job(store_path: Path, links: LinkConfig | None, fetch: FetchConfig | None) -> JobResult:
    """Collect links (when `links`) then fetch pages (when `fetch`), under the store's lock."""
    if links is not None and not links.dump and not links.uses_api:
        raise ConfigError("give --dump FILE... and/or --api-base URL with --subreddit NAME...")
    result = JobResult()
    with StoreLock(store_path):
        with LinkStore(store_path) as store:
            if links is not None and links.dump:
                read_dumps(store, links, result)
            if fetch is not None and fetch.retry_failed:
                store.requeue(TRANSIENT)
        runs = _spider_runs(store_path, links, fetch)
        if runs:
            run_in_sequence(runs, fetch_settings(fetch or FetchConfig(), links))
    for run in runs:
        result.spiders[run.spider.name] = run.stats
        result.interrupted |= run.finish_reason not in ("finished", "not started")
        result.links = dict(Counter(result.links) + Counter(
            {k.removeprefix("webtext/links/"): v for k, v in run.stats.items() if k.startswith("webtext/links/")}))
    return result


def _spider_runs(store_path: Path, links: LinkConfig | None, fetch: FetchConfig | None) -> list[SpiderRun]:
    runs: list[SpiderRun] = []
    if links is not None and links.uses_api:
        runs.append(SpiderRun(ListingSpider, dict(
            store=str(store_path), api_base=links.api_base, subreddits=links.subreddit, sort=links.sort,
            time=links.time, token=links.token, client_id=links.client_id, client_secret=links.client_secret,
            token_url=links.token_url, user_agent=links.api_user_agent, max_items=links.max_items,
            keep_stickied=links.keep_stickied, since=links.since, until=links.until,
            blocklist=str(links.blocklist or ""), min_score=links.min_score, sum_scores=links.sum_scores)))
    if fetch is not None:
        runs.append(SpiderRun(PagesSpider, dict(store=str(store_path), warc_dir=str(fetch.warc_dir),
                                                batch=fetch.batch, warc_size=fetch.warc_size)))
    return runs


def summarize(store_path: Path, result: JobResult, started: float, config: dict[str, Any]) -> dict[str, Any]:
    """The JSON summary of a job: this run's counts, the store's totals, the Scrapy stats."""
    with LinkStore(store_path) as store:
        totals = store.counts()
    pages = result.spiders.get(PagesSpider.name, {})
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 3),
        "interrupted": result.interrupted,
        "links": result.links,
        "dumps": result.dumps,
        "pages": {k.removeprefix("webtext/"): v for k, v in pages.items() if k.startswith("webtext/")},
        "store": totals,
        "scrapy": {name: to_jsonable({k: str(v) if hasattr(v, "isoformat") else v for k, v in stats.items()})
                   for name, stats in result.spiders.items()},
        "config": config,
    }


def summary_line(summary: dict[str, Any], path: Path | None) -> str:
    """One line for the log of a scheduled run."""
    links, pages, urls = summary["links"], summary["pages"], summary["store"]["urls"]
    dropped = sum(v for k, v in links.items() if k not in ("kept", "already_known"))
    line = (f"crawl: {links.get('kept', 0)} new posts kept, {dropped} dropped; pages: {pages.get('fetched', 0)} "
            f"fetched, {pages.get('failed', 0)} failed, {pages.get('skipped', 0)} skipped; store: "
            f"{urls.get('fetched', 0)} fetched, {urls.get('pending', 0)} pending; {summary['seconds']:.1f} s")
    if summary["interrupted"]:
        line += " (interrupted: run again to resume)"
    return line + (f"; summary in {path}" if path else "")

