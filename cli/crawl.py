"""`webtext crawl`: collect Reddit links, fetch their pages into WARC, or both as one resumable job.

    webtext crawl links --api-base URL --subreddit NAME... | --dump RS_2017-01.zst...
    webtext crawl links export --format jsonl|parquet OUT
    webtext crawl pages [--hosts-file FILE --allow-private ...]
    webtext crawl run   [link flags] [page flags]
    webtext crawl partition --parts N [--out DIR] | --take-back
    webtext crawl merge [PART.sqlite...]

Every command works on the link store (`--store`, default out/crawl/links.sqlite), prints one
summary line and writes a JSON summary beside the store.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from typing import Any

from webtext.core.atomic import write_json
from webtext.core.config import add_arguments, from_namespace, to_jsonable
from webtext.core.config_file import add_config_option
from webtext.core.errors import ConfigError
from webtext.crawl.config import JobSettings, LinksExportSettings, LinksJob, PagesJob, RunJob
from webtext.crawl.job import export_store, run_crawl, summary_line
from webtext.crawl.lock import LockHeld
from webtext.crawl.parts.merge import merge
from webtext.crawl.parts.partition import partition
from webtext.crawl.parts.report import parts_line, parts_lines
from webtext.crawl.parts.settings import MergeSettings, PartitionSettings, PartsSettings

INTERRUPTED = 130
JOBS: list[tuple[str, type[JobSettings], str, str]] = [  # command, settings, help, description
    ("links", LinksJob, "collect links from the listing API and/or dump files",
     "Collect submissions into the link store, filter them and apply the karma threshold. "
     "`links export` writes a manifest."),
    ("pages", PagesJob, "fetch the store's pending URLs into WARC files",
     "Fetch pending URLs (robots.txt, AutoThrottle, size and time limits, private-address guard) into "
     "rolling WARC files; dead links (DNS, 404, 410, refused, parked) from a web archive's nearest capture."),
    ("run", RunJob, "links, then pages: the scheduled, resumable crawl job",
     "Collect new links (when sources are given), then fetch every pending URL. Holds a lock; resumes "
     "after Ctrl-C or a kill."),
]


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext crawl` and its subcommands."""
    crawl = subparsers.add_parser("crawl", help="collect Reddit links and fetch their pages into WARC",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = crawl.add_subparsers(dest="crawl_command", metavar="COMMAND")
    crawl.set_defaults(func=lambda args: _usage(crawl))
    for name, settings, help_text, description in JOBS:
        command = commands.add_parser(name, help=help_text, description=description)
        add_arguments(command, settings)
        command.set_defaults(func=_job, settings=settings)
        add_config_option(command)  # `links` runs although it has a subcommand, so it is no leaf
        if name == "links":
            export = command.add_subparsers(dest="links_command", metavar="export").add_parser(
                "export", help="write the link store as a URL manifest with its sha256",
                description="Write one row per URL (scores, status, WARC position, provenance) and OUT.sha256.")
            add_arguments(export, LinksExportSettings)
            export.set_defaults(func=_export)
    for name, parts_settings, body, help_text, description in PARTS:
        command = commands.add_parser(name, help=help_text, description=description)
        add_arguments(command, parts_settings)
        command.set_defaults(func=_parts, settings=parts_settings, body=body)
        add_config_option(command)


# command, settings, what runs it, help, description
PARTS: list[tuple[str, type[PartsSettings], Callable[[Any], dict[str, Any]], str, str]] = [
    ("partition", PartitionSettings, partition, "hand the pending URLs out to N part stores, by host, for N crawlers",
     "Write part-000.sqlite ... (link stores the page spider crawls unchanged, on scrapyd nodes or cron jobs), "
     "every host's pending URLs in one part, the largest hosts first to the part with the fewest URLs; the store "
     "marks them handed out."),
    ("merge", MergeSettings, merge, "fold the outcomes of part stores back into the store",
     "Copy each URL's outcome (status, reason, WARC file and offset, ...) from its part back into the store; "
     "idempotent, and a part whose crawl was cut brings back what it finished."),
]


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _job(args: argparse.Namespace) -> int:
    settings: JobSettings = from_namespace(args.settings, args)
    try:
        summary, path = run_crawl(settings)
    except LockHeld as held:
        if isinstance(settings, RunJob):  # a scheduled run finds the previous one still going
            print(f"crawl: another crawl holds {held}; nothing to do", file=sys.stderr)
            return 0
        raise ConfigError(f"another crawl holds {held}: wait for it to finish") from held
    _print_stats(summary["scrapy"])
    print(summary_line(summary, path))
    if "writer_error" in summary["pages"]:  # a real failure (e.g. a full disk), not an interruption
        print(f"error: {summary['pages']['writer_error']}", file=sys.stderr)
        return 1
    return INTERRUPTED if summary["interrupted"] else 0


def _print_stats(stats: dict[str, Any]) -> None:
    for name, values in stats.items():
        print(f"Scrapy stats ({name}):", file=sys.stderr)
        print(json.dumps(values, indent=1, sort_keys=True, default=str), file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    out, count, digest = export_store(from_namespace(LinksExportSettings, args))
    print(f"crawl: wrote {count} URLs to {out} (sha256 {digest})")
    return 0


def _parts(args: argparse.Namespace) -> int:
    settings: PartsSettings = from_namespace(args.settings, args)
    started = time.time()
    try:
        summary = args.body(settings)
    except LockHeld as held:
        raise ConfigError(f"another crawl holds {held}: wait for it to finish") from held
    path = settings.summary_path()
    write_json(path, {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(started)),
                      "seconds": round(time.time() - started, 3), **summary, "config": to_jsonable(settings)})
    for line in parts_lines(summary):
        print(line)
    print(f"{parts_line(summary)}; summary in {path}")
    return 0
