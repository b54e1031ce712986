"""Crawl jobs: collect links, fetch pages, or both, under a lock, with a summary.

A job is incremental because the link store remembers everything: dump files already read are
skipped, known submissions are not counted again, and only pending URLs are fetched. The store
lock (`lock.py`) keeps two scheduled runs from overlapping. `run_crawl` runs the job of a
command's settings and writes a JSON summary with the counts of this run, the store's totals
and the Scrapy stats of each spider; `summary_line` is its one line for the log. `export_store`
runs `webtext crawl links export`. The summary's
copy of the configuration (keys named like the flags, so `--config` reads it back) shows a
secret setting (the API token and client secret) only as `<set>`.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webtext.core import reasons
from webtext.core.accounting import check_balance
from webtext.core.atomic import write_json
from webtext.core.config import to_jsonable
from webtext.core.errors import ConfigError
from webtext.crawl.config import FetchConfig, JobSettings, LinkConfig, LinksExportSettings, fetch_settings
from webtext.crawl.links.collect import KEPT, KNOWN, LinkCollector, collect_dump
from webtext.crawl.links.export import QUEUED, export_manifest
from webtext.crawl.links.store import HANDED_OUT, LinkStore
from webtext.crawl.lock import StoreLock
from webtext.crawl.parts.ledger import store_totals
from webtext.crawl.spiders.addresses import read_hosts_file
from webtext.crawl.spiders.listing import ERROR_STAT, LISTING_STATS, ApiError, ListingSpider
from webtext.crawl.spiders.pages import PagesSpider
from webtext.crawl.spiders.runner import SpiderRun, run_in_sequence

SECRETS = frozenset(f.name for f in dataclasses.fields(LinkConfig) if f.metadata.get("secret"))
SHOWN_SECRET = "<set>"
TRANSIENT = (reasons.FETCH_TIMEOUT, reasons.FETCH_ROBOTS_UNREACHABLE, reasons.FETCH_CONNECTION_ERROR,
             reasons.FETCH_DNS_ERROR, reasons.ARCHIVE_ERROR,
             *(reasons.http_error(s) for s in (429, 500, 502, 503, 504, 522, 524)))


@dataclass
class JobResult:
    """What one job did."""

    links: dict[str, int] = field(default_factory=dict)
    dumps: list[dict[str, Any]] = field(default_factory=list)
    spiders: dict[str, dict[str, Any]] = field(default_factory=dict)
    interrupted: bool = False


def read_dumps(store: LinkStore, links: LinkConfig, result: JobResult) -> None:
    """Read the dump files not read before into the store.

    A file is marked read only when it was read to its end; a damaged one raises `BadFileError`
    after the posts read so far are committed and the threshold applied to them.
    """
    collector = LinkCollector(store, links.rules(for_dumps=True))
    try:
        for path in links.dump:
            size = path.stat().st_size if path.is_file() else -1
            if size < 0:
                raise ConfigError(f"dump file not found: {path}")
            if store.source_done(path.name, size):
                result.dumps.append({"path": str(path), "skipped": "already read"})
                continue
            entry = collect_dump(collector, path)
            store.mark_source(path.name, size, entry["records"])
            result.dumps.append(entry)
    finally:
        counts = collector.finish(links.min_score, links.sum_scores)
        result.links = dict(Counter(result.links) + Counter(counts))


def run_job(store_path: Path, links: LinkConfig | None, fetch: FetchConfig | None) -> JobResult:
    """Collect links (when `links`) then fetch pages (when `fetch`), under the store's lock.

    Raises `ApiError` when the listing API could not be used (the links read before stay stored).
    """
    if links is not None and not links.dump and not links.uses_api:
        raise ConfigError("give --dump FILE... and/or --api-base URL with --subreddit NAME...")
    if fetch is not None and fetch.hosts_file is not None:
        read_hosts_file(fetch.hosts_file)  # a bad hosts file fails now, not inside the crawler
    lock = StoreLock(store_path)
    if links is None and not store_path.is_file() and not lock.path.exists():
        raise _no_store(store_path)  # checked before locking, so a mistyped path creates nothing
    result = JobResult()
    with lock:
        if links is None and not store_path.is_file():
            raise _no_store(store_path)
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
    for run in runs:
        if ERROR_STAT in run.stats:
            raise ApiError(str(run.stats[ERROR_STAT]))
    listing = result.spiders.get(ListingSpider.name)
    if listing is not None:
        _check_listing_balance(listing)
    return result


def run_crawl(settings: JobSettings) -> tuple[dict[str, Any], Path]:
    """Run the job `settings` describe and write its summary; returns (summary, where it was written).

    Raises `LockHeld` when another crawl holds the store.
    """
    links, fetch = settings.sections()
    started = time.time()
    result = run_job(settings.store, links, fetch)
    path = settings.summary_path()
    summary = summarize(settings.store, result, started, to_jsonable(settings))
    write_json(path, summary)
    return summary, path


def _no_store(store_path: Path) -> ConfigError:
    return ConfigError(f"link store not found: {store_path} (collect links first with `webtext crawl links`)")


def _check_listing_balance(stats: dict[str, Any]) -> None:
    counts = {k.removeprefix("webtext/links/"): v for k, v in stats.items() if k.startswith("webtext/links/")}
    kept = counts.pop(KEPT, 0) + counts.pop(KNOWN, 0)
    check_balance("listing", int(stats.get(LISTING_STATS + "children", 0)), kept, counts)


def _spider_runs(store_path: Path, links: LinkConfig | None, fetch: FetchConfig | None) -> list[SpiderRun]:
    runs: list[SpiderRun] = []
    if links is not None and links.uses_api:
        runs.append(SpiderRun(ListingSpider, dict(
            store=str(store_path), api_base=links.api_base, subreddits=links.subreddit, sort=links.sort,
            time=links.time, token=links.token, client_id=links.client_id, client_secret=links.client_secret,
            token_url=links.token_url, user_agent=links.api_user_agent, max_items=links.max_items,
            keep_stickied=links.keep_stickied, since=links.since, until=links.until,
            blocklist=str(links.blocklist or ""), min_score=links.min_score, sum_scores=links.sum_scores,
            max_requests=links.max_requests)))
    if fetch is not None:
        runs.append(SpiderRun(PagesSpider, dict(store=str(store_path), warc_dir=str(fetch.warc_dir),
                                                batch=fetch.batch, warc_size=fetch.warc_size)))
    return runs


def summarize(store_path: Path, result: JobResult, started: float, config: dict[str, Any]) -> dict[str, Any]:
    """The JSON summary of a job: this run's counts, the store's totals, the Scrapy stats."""
    with LinkStore(store_path) as store:
        totals = store_totals(store)
    pages = result.spiders.get(PagesSpider.name, {})
    return {
        "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
        "seconds": round(time.time() - started, 3),
        "interrupted": result.interrupted,
        "links": result.links,
        "dumps": result.dumps,
        "listing": {k.removeprefix(LISTING_STATS): v for k, v in
                    result.spiders.get(ListingSpider.name, {}).items() if k.startswith(LISTING_STATS)},
        "pages": {k.removeprefix("webtext/"): v for k, v in pages.items() if k.startswith("webtext/")},
        "store": totals,
        "scrapy": {name: to_jsonable({k: str(v) if hasattr(v, "isoformat") else v for k, v in stats.items()})
                   for name, stats in result.spiders.items()},
        "config": hide_secrets(config),
    }


def hide_secrets(value: Any) -> Any:
    """`value` (JSON data) with every secret setting that is set shown as `<set>`, at any depth."""
    if isinstance(value, dict):
        return {key: SHOWN_SECRET if key in SECRETS and item else hide_secrets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [hide_secrets(v) for v in value]
    return value


def summary_line(summary: dict[str, Any], path: Path | None) -> str:
    """One line for the log of a scheduled run."""
    links, pages, urls = summary["links"], summary["pages"], summary["store"]["urls"]
    dropped = sum(v for k, v in links.items() if k not in ("kept", "already_known"))
    archived = f" ({pages['fetched_archive']} from a web archive)" if pages.get("fetched_archive") else ""
    line = (f"crawl: {links.get('kept', 0)} new posts kept, {dropped} dropped; pages: {pages.get('fetched', 0)} "
            f"fetched{archived}, {pages.get('failed', 0)} failed, {pages.get('skipped', 0)} skipped; store: "
            f"{urls.get('fetched', 0)} fetched, {urls.get('pending', 0)} pending{parts_note(urls)}; "
            f"{summary['seconds']:.1f} s")
    if summary["interrupted"]:
        line += " (interrupted: run again to resume)"
    return line + (f"; summary in {path}" if path else "")


def parts_note(urls: dict[str, int]) -> str:
    """", N handed out to parts" for a summary line, when some are."""
    return f", {urls[HANDED_OUT]} handed out to parts" if urls.get(HANDED_OUT) else ""


def export_store(settings: LinksExportSettings) -> tuple[Path, int, str]:
    """`webtext crawl links export`: (the manifest written, its rows, its sha256 hex digest)."""
    if settings.out is None:
        raise ConfigError("give the manifest file to write: webtext crawl links export OUT")
    if not settings.store.is_file():
        raise ConfigError(f"link store not found: {settings.store} (run `webtext crawl links` first)")
    with LinkStore(settings.store) as store:
        count, digest = export_manifest(store, settings.out, settings.format, None if settings.all else QUEUED)
    return settings.out, count, digest
