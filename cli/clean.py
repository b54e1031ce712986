"""`webtext clean FILE`: show what the clean stage does to the pages of a WARC or HTML file.

For every HTTP response of a WARC file (ours or Common Crawl's), or for one saved HTML page,
it prints the URL, whether the page is kept or the reason it is dropped, the title, date and
language found, and the extracted text; a count of outcomes goes to stderr at the end, checked:
every record read is kept, dropped with a reason or unreadable. `--jsonl` prints one `Document`
per line as JSON instead. Response records the WARC reader drops (`too_large`: the body decodes
to more than `--max-bytes`, decoding stopped there; `not_http`; `bad_http`) are shown as dropped
documents. A damaged WARC file is read to its end (a `.warc.gz` file resumes at the next record)
with each unreadable record named on stderr; the command then fails with one `error:` line that
names the file and the offset of the first damage (exit status 2). Every extraction and filter
setting is a flag (`--no-favor-precision`, `--min-words 20`, `--no-line-cleanup`, `--languages
en`, ...); `--no-filters` shows extraction alone.

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
from webtext.core.accounting import check_balance
from webtext.core.document import DeadLetter, Document, Page
from webtext.core.errors import BadFileError, ConfigError
from webtext.core.urls import doc_id
from webtext.crawl.warc.read import MAX_BODY, Dropped, iter_warc_path

_WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
KEPT, UNREADABLE = "kept", "unreadable"  # outcomes besides the drop reasons


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


def records_of(path: Path, url: str | None = None,
               max_body: int = MAX_BODY) -> Iterator[Page | Dropped | DeadLetter]:
    """The records of a WARC file (pages, responses that give none, damage), or an HTML file's page."""
    if not path.is_file():
        raise ConfigError(f"no such file: {path} (give a .warc, .warc.gz or .html file)")
    if not _is_warc(path):
        yield _html_page(path, url)
        return
    yield from iter_warc_path(str(path), max_body)


def _dropped_document(item: Dropped) -> Document:
    """The document of a response record the reader dropped (it has no page to clean)."""
    return Document(id=doc_id(item.url), url=item.url, domain="", meta={"source": item.source},
                    drop_reason=item.reason)


def _bad_file(path: Path, dead: list[DeadLetter]) -> BadFileError:
    """The error that names the first damage of `path` (and how many more records were unreadable)."""
    first = dead[0]
    prefix, _, offset = first.source.rpartition(":")
    where = f"offset {offset}" if prefix and offset.isdigit() else None
    more = f" (and {len(dead) - 1} more unreadable records)" if len(dead) > 1 else ""
    return BadFileError(str(path), first.error + more, where)


def _show(doc: Document) -> None:
    outcome = "kept" if doc.drop_reason is None else f"dropped: {doc.drop_reason}"
    print(f"=== {doc.url}")
    print(f"{outcome} | title: {doc.title or '-'} | date: {doc.date or '-'} | "
          f"language: {doc.language or '-'} | words: {len(doc.text.split())}")
    if doc.text:
        print()
        print(doc.text)
    print()


def _report(doc: Document, jsonl: bool) -> None:
    if jsonl:
        print(json.dumps(doc.to_dict(), ensure_ascii=False), flush=True)
    else:
        _show(doc)


def _run(args: argparse.Namespace) -> int:
    settings = CleanSettings.from_namespace(args)
    filters = default_filters(settings.filters) if args.filters else []
    outcomes: collections.Counter[str] = collections.Counter()
    dead: list[DeadLetter] = []
    read = 0
    for item in records_of(args.file, args.url, settings.extract.max_bytes):
        read += 1
        if isinstance(item, DeadLetter):
            dead.append(item)
            outcomes[UNREADABLE] += 1
            print(f"unreadable: {item.source}: {item.error}", file=sys.stderr, flush=True)
            continue
        doc = _dropped_document(item) if isinstance(item, Dropped) else clean_page(item, settings, filters)
        outcomes[doc.drop_reason or KEPT] += 1
        _report(doc, args.jsonl)
    summary = ", ".join(f"{name} {count}" for name, count in outcomes.most_common())
    print(f"pages: {read} ({summary or 'none'})", file=sys.stderr)
    check_balance("webtext clean", read, outcomes[KEPT], {k: v for k, v in outcomes.items() if k != KEPT})
    if dead:
        raise _bad_file(args.file, dead)
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
