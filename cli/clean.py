"""`webtext clean FILE`: show what the clean stage does to the pages of a WARC or HTML file.

For every HTTP response of a WARC file (ours or Common Crawl's), or for one saved HTML page,
it prints the URL, whether the page is kept or the reason it is dropped, the title and date
found, the detected language with the model's probability (`language: en 0.97`), and the
extracted text; a count of outcomes goes to stderr at the end, checked: every record read is
kept, dropped with a reason or unreadable. `--jsonl` prints one `Document`
per line as JSON instead. Response records the WARC reader drops (`too_large`: the body decodes
to more than `--max-bytes`, decoding stopped there; `not_http`; `bad_http`) are shown as dropped
documents. A damaged WARC file is read to its end (a `.warc.gz` file resumes at the next record)
with each unreadable record named on stderr; the command then fails with one `error:` line that
names the file and the offset of the first damage (exit status 2). Every extraction and filter
setting is a flag (`--no-favor-precision`, `--min-words 20`, `--no-line-cleanup`, `--languages en
de`, `--min-language-score 0.8`, ...): English only is kept by default, as in WebText, and
`--languages=` (an empty value) keeps every language; `--no-filters` shows extraction alone.

    webtext clean crawl-out/pages-00000.warc.gz
    webtext clean saved.html --url https://example.com/story.html --no-filters
    webtext clean crawl-out/pages-00000.warc.gz --languages=
"""

from __future__ import annotations

import argparse
import sys

from webtext.clean.commands import CleanFileSettings, CleanTally, clean_file
from webtext.clean.settings import CleanSettings
from webtext.cli._parsers import add_command
from webtext.core.config import from_namespace
from webtext.core.docfiles import document_line
from webtext.core.document import DeadLetter, Document


def _show(doc: Document) -> None:
    outcome = "kept" if doc.drop_reason is None else f"dropped: {doc.drop_reason}"
    print(f"=== {doc.url}")
    language = f"{doc.language} {doc.language_score:.2f}" if doc.language else "-"
    print(f"{outcome} | title: {doc.title or '-'} | date: {doc.date or '-'} | "
          f"language: {language} | words: {len(doc.text.split())}")
    if doc.text:
        print()
        print(doc.text)
    print()


def _run(args: argparse.Namespace) -> int:
    command = from_namespace(CleanFileSettings, args)
    tally = CleanTally()
    for item in clean_file(command, from_namespace(CleanSettings, args), tally):
        if isinstance(item, DeadLetter):
            print(f"unreadable: {item.source}: {item.error}", file=sys.stderr, flush=True)
        elif command.jsonl:
            print(document_line(item), flush=True)
        else:
            _show(item)
    print(tally.summary(), file=sys.stderr)
    tally.check(command.file)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext clean`."""
    add_command(subparsers, "clean", "extract and filter the text of a WARC or HTML file", _run,
                CleanFileSettings, CleanSettings, description=__doc__)
