"""`webtext clean FILE`: show what the clean stage does to the pages of a WARC or HTML file.

For every HTTP response of a WARC file (ours or Common Crawl's), or for one saved HTML page,
it prints the URL, whether the page is kept or the reason it is dropped, the title, date and
language found, and the extracted text; a count of outcomes goes to stderr at the end.
`--jsonl` prints one `Document` per line as JSON instead. Every extraction and filter setting is
a flag (`--no-favor-precision`, `--min-words 20`, `--no-line-cleanup`, `--languages en`, ...);
`--no-filters` shows extraction alone.

    webtext clean crawl-out/pages-00000.warc.gz
    webtext clean saved.html --url https://example.com/story.html --no-filters
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

from webtext.clean.filters import default_filters
from webtext.clean.settings import CleanSettings
from webtext.clean.stage import clean_page
from webtext.core.document import DeadLetter, Document, Page
from webtext.core.errors import BadFileError, ConfigError
from webtext.crawl.warcread import iter_warc_path

_WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")


def _is_warc(path: Path) -> bool:
    if path.name.lower().endswith(_WARC_SUFFIXES):
        return True
    if path.name.lower().endswith((".html", ".htm", ".xhtml")):
        return False
    with path.open("rb") as handle:
        head = handle.read(5)
    return head.startswith((b"\x1f\x8b", b"WARC/"))


def _html_page(path: Path, url: str | None) -> Page:
    mtime = datetime.fromtimestamp(path.stat().st_mtime, tz=timezone.utc)
    return Page(url=url or path.resolve().as_uri(), status=200,
                headers=(("Content-Type", "text/html"),), body=path.read_bytes(),
                fetched_at=mtime.strftime("%Y-%m-%dT%H:%M:%SZ"), source=str(path))


def pages_of(path: Path, url: str | None = None) -> Iterator[Page]:
    """The pages of a WARC or HTML file; `BadFileError` where a WARC file is damaged."""
    if not path.is_file():
        raise ConfigError(f"no such file: {path} (give a .warc, .warc.gz or .html file)")
    if not _is_warc(path):
        yield _html_page(path, url)
        return
    for item in iter_warc_path(str(path)):
        if isinstance(item, DeadLetter):
            where = item.source.rsplit(":", 1)[-1] if ":" in item.source else None
            raise BadFileError(str(path), item.error, f"offset {where}" if where else None)
        yield item


def _show(doc: Document) -> None:
    outcome = "kept" if doc.drop_reason is None else f"dropped: {doc.drop_reason}"
    print(f"=== {doc.url}")
    print(f"{outcome} | title: {doc.title or '-'} | date: {doc.date or '-'} | "
          f"language: {doc.language or '-'} | words: {len(doc.text.split())}")
    if doc.text:
        print()
        print(doc.text)
    print()


def _run(args: argparse.Namespace) -> int:
    settings = CleanSettings.from_namespace(args)
    filters = default_filters(settings.filters) if args.filters else []
    outcomes: collections.Counter[str] = collections.Counter()
    for page in pages_of(args.file, args.url):
        doc = clean_page(page, settings, filters)
        outcomes[doc.drop_reason or "kept"] += 1
        if args.jsonl:
            print(json.dumps(doc.to_dict(), ensure_ascii=False), flush=True)
        else:
            _show(doc)
    summary = ", ".join(f"{name} {count}" for name, count in outcomes.most_common())
    print(f"pages: {sum(outcomes.values())} ({summary or 'none'})", file=sys.stderr)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext clean`."""
    parser = subparsers.add_parser(
        "clean", help="extract and filter the text of a WARC or HTML file",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("file", type=Path, help="a WARC file (.warc, .warc.gz) or an HTML file")
    parser.add_argument("--url", help="URL of an HTML file's page (default: its file:// URL)")
    parser.add_argument("--jsonl", action="store_true", help="print one JSON Document per line")
    parser.add_argument("--filters", action=argparse.BooleanOptionalAction, default=True,
                        help="apply the document filters after extraction (default: on)")
    CleanSettings.add_arguments(parser)
    parser.set_defaults(func=_run)
