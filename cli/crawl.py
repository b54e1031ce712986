"""`webtext crawl`: collect Reddit links, fetch their pages into WARC, or both as one resumable job.

    webtext crawl links --api-base URL --subreddit NAME... | --dump RS_2017-01.zst...
    webtext crawl links export --format jsonl|parquet OUT
    webtext crawl pages [--hosts-file FILE --allow-private ...]
    webtext crawl run   [link flags] [page flags]

Every command works on the link store (`--store`, default out/crawl/links.sqlite), prints one
summary line and writes a JSON summary beside the store.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from webtext.core.atomic import write_json
from webtext.core.config import add_arguments, from_namespace, to_jsonable
from webtext.core.errors import ConfigError
from webtext.crawl.config import DEFAULT_STORE, FetchConfig, LinkConfig
from webtext.crawl.job import run_job, summarize, summary_line
from webtext.crawl.links.export import FORMATS, QUEUED, export_manifest
from webtext.crawl.links.store import LinkStore
from webtext.crawl.lock import LockHeld

INTERRUPTED = 130


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext crawl` and its subcommands."""
    crawl = subparsers.add_parser("crawl", help="collect Reddit links and fetch their pages into WARC",
                                  description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = crawl.add_subparsers(dest="crawl_command", metavar="COMMAND")
    crawl.set_defaults(func=lambda args: _usage(crawl))

    links = commands.add_parser("links", help="collect links from the listing API and/or dump files",
                                description="Collect submissions into the link store, filter them and "
                                            "apply the karma threshold. `links export` writes a manifest.")
    _store_flags(links, "links-summary.json")
    add_arguments(links, LinkConfig)
    links.set_defaults(func=lambda args: _job(args, with_links=True, with_pages=False))
    export = links.add_subparsers(dest="links_command", metavar="export").add_parser(
        "export", help="write the link store as a URL manifest with its sha256",
        description="Write one row per URL (scores, status, WARC position, provenance) and OUT.sha256.")
    export.add_argument("--store", type=Path, default=DEFAULT_STORE, help="link store (SQLite)")
    export.add_argument("--format", choices=FORMATS, default="jsonl", help="manifest format")
    export.add_argument("--all", action="store_true", help="also list URLs below the karma threshold")
    export.add_argument("out", type=Path, help="manifest file to write")
    export.set_defaults(func=_export)

    pages = commands.add_parser("pages", help="fetch the store's pending URLs into WARC files",
                                description="Fetch pending URLs (robots.txt, AutoThrottle, size and time "
                                            "limits, private-address guard) into rolling WARC files.")
    _store_flags(pages, "pages-summary.json")
    add_arguments(pages, FetchConfig)
    pages.set_defaults(func=lambda args: _job(args, with_links=False, with_pages=True))

    run = commands.add_parser("run", help="links, then pages: the scheduled, resumable crawl job",
                              description="Collect new links (when sources are given), then fetch every "
                                          "pending URL. Holds a lock; resumes after Ctrl-C or a kill.")
    _store_flags(run, "summary.json")
    add_arguments(run, LinkConfig)
    add_arguments(run, FetchConfig)
    run.set_defaults(func=lambda args: _job(args, with_links=True, with_pages=True, scheduled=True))


def _store_flags(parser: argparse.ArgumentParser, summary: str) -> None:
    parser.add_argument("--store", type=Path, default=DEFAULT_STORE, help=f"link store (default: {DEFAULT_STORE})")
    parser.add_argument("--summary", type=Path, default=None,
                        help=f"JSON summary to write (default: {summary} beside the store)")
    parser.set_defaults(summary_name=summary)


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return 2


def _job(args: argparse.Namespace, with_links: bool, with_pages: bool, scheduled: bool = False) -> int:
    links = from_namespace(LinkConfig, args) if with_links else None
    if scheduled and links is not None and not links.dump and not links.uses_api:
        links = None  # `run` without sources: only fetch what is pending
    fetch = from_namespace(FetchConfig, args) if with_pages else None
    started = time.time()
    try:
        result = run_job(args.store, links, fetch)
    except LockHeld as held:
        if scheduled:
            print(f"crawl: another crawl holds {held}; nothing to do", file=sys.stderr)
            return 0
        raise ConfigError(f"another crawl holds {held}: wait for it to finish") from held
    summary_path = args.summary or args.store.parent / args.summary_name
    config = to_jsonable({"store": args.store, "links": links, "fetch": fetch})
    summary = summarize(args.store, result, started, config)
    write_json(summary_path, summary)
    _print_stats(summary["scrapy"])
    print(summary_line(summary, summary_path))
    if "writer_error" in summary["pages"]:  # a real failure (e.g. a full disk), not an interruption
        print(f"error: {summary['pages']['writer_error']}", file=sys.stderr)
        return 1
    return INTERRUPTED if result.interrupted else 0


def _print_stats(stats: dict[str, Any]) -> None:
    for name, values in stats.items():
        print(f"Scrapy stats ({name}):", file=sys.stderr)
        print(json.dumps(values, indent=1, sort_keys=True, default=str), file=sys.stderr)


def _export(args: argparse.Namespace) -> int:
    if not args.store.is_file():
        raise ConfigError(f"link store not found: {args.store} (run `webtext crawl links` first)")
    with LinkStore(args.store) as store:
        count, digest = export_manifest(store, args.out, args.format, None if args.all else QUEUED)
    print(f"crawl: wrote {count} URLs to {args.out} (sha256 {digest})")
    return 0
