"""Run Scrapy spiders one after another in this process, and collect their stats.

Twisted's reactor runs once per process, so `webtext crawl run` starts both spiders (links,
then pages) inside one `CrawlerProcess`, in sequence. The first Ctrl-C asks Scrapy for a
graceful stop (requests in flight finish, the WARC file is closed, the store committed) and no
further spider starts; a second Ctrl-C stops at once, which the next run recovers from.
"""

from __future__ import annotations

import logging
from collections.abc import Generator
from dataclasses import dataclass, field
from typing import Any

from scrapy import Spider
from scrapy.crawler import CrawlerProcess
from twisted.internet import defer
from twisted.python.failure import Failure


@dataclass
class SpiderRun:
    """One spider to run, its arguments, and (afterwards) its Scrapy stats."""

    spider: type[Spider]
    kwargs: dict[str, Any]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def finish_reason(self) -> str:
        return str(self.stats.get("finish_reason", "not started"))


def run_in_sequence(runs: list[SpiderRun], settings: dict[str, Any]) -> list[SpiderRun]:
    """Run `runs` one after another; stops early when one is interrupted or fails."""
    _quiet(settings)
    previous = logging.root.manager.disable
    logging.disable(logging.INFO)  # Scrapy sets its loggers to DEBUG and prints a version banner while it starts
    try:
        process = CrawlerProcess({**settings, "LOG_INSTALL_ROOT_HANDLER": False})
    finally:
        logging.disable(previous)
    _quiet(settings)  # then restore the levels it reset
    errors: list[Failure] = []
    done: list[bool] = []

    @defer.inlineCallbacks
    def sequence() -> Generator[defer.Deferred[Any], Any, None]:
        for run in runs:
            crawler = process.create_crawler(run.spider)
            try:
                yield process.crawl(crawler, **run.kwargs)
            finally:
                if crawler.stats is not None:
                    run.stats = dict(crawler.stats.get_stats())
            if run.finish_reason != "finished":
                break

    def stop(result: Any) -> None:
        done.append(True)
        if isinstance(result, Failure):
            errors.append(result)
        from twisted.internet import reactor  # installed by CrawlerProcess by now

        if reactor.running:
            reactor.stop()  # type: ignore[misc]

    sequence().addBoth(stop)
    if not done:
        process.start(stop_after_crawl=False)
    if errors:
        errors[0].raiseException()
    return runs


def _quiet(settings: dict[str, Any]) -> None:
    for name in ("scrapy", "twisted", "py.warnings"):
        logging.getLogger(name).setLevel(settings.get("LOG_LEVEL", "WARNING"))
