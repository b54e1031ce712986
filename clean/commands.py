"""The work behind `webtext clean FILE`: the records of one WARC or HTML file through the clean stage.

`clean_file` reads every record of the file (a WARC file's HTTP responses, ours or Common
Crawl's, or one saved HTML page), cleans each page with `webtext.clean.stage.clean_page`, and
yields each outcome as it comes: a `Document` (kept, or dropped with its reason) or a
`DeadLetter` for an unreadable record. Response records the WARC reader drops (`too_large`,
`not_http`, `bad_http`) come out as dropped documents. A `CleanTally` counts them, and its
`check` ends the run: every record read is kept, dropped with a reason or unreadable
(`webtext.core.accounting`), and a damaged file fails with one `BadFileError` that names the file
and the offset of its first damage (ARCHITECTURE §5).
"""

from __future__ import annotations

import collections
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from webtext.clean.filters import default_filters
from webtext.clean.settings import CleanSettings
from webtext.clean.stage import clean_page
from webtext.core.accounting import check_balance
from webtext.core.config import setting
from webtext.core.document import DeadLetter, Document, Page
from webtext.core.errors import BadFileError, ConfigError
from webtext.core.urls import doc_id
from webtext.crawl.warc.read import Dropped, iter_warc_path

_WARC_SUFFIXES = (".warc", ".warc.gz", ".arc", ".arc.gz")
KEPT, UNREADABLE = "kept", "unreadable"  # outcomes besides the drop reasons


@dataclass(frozen=True)
class CleanFileSettings:
    """What `webtext clean` reads and how it shows it (the stage's own settings are `CleanSettings`)."""

    file: Path = setting(None, "a WARC file (.warc, .warc.gz) or an HTML file", positional=True)
    url: str | None = setting(None, "URL of an HTML file's page (default: its file:// URL)")
    jsonl: bool = setting(False, "print one JSON Document per line")
    filters: bool = setting(True, "apply the document filters after extraction (default: on)")


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


def records_of(path: Path, url: str | None, max_body: int) -> Iterator[Page | Dropped | DeadLetter]:
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


@dataclass
class CleanTally:
    """The outcomes of one `webtext clean` run: records read, counts by outcome, the damage."""

    read: int = 0
    outcomes: collections.Counter[str] = field(default_factory=collections.Counter)
    dead: list[DeadLetter] = field(default_factory=list)

    def summary(self) -> str:
        """`pages: N (kept K, too_short S, ...)`, most frequent outcome first."""
        counts = ", ".join(f"{name} {count}" for name, count in self.outcomes.most_common())
        return f"pages: {self.read} ({counts or 'none'})"

    def check(self, path: Path) -> None:
        """Fail unless every record read was counted once; then fail if any was unreadable."""
        dropped = {name: count for name, count in self.outcomes.items() if name != KEPT}
        check_balance("webtext clean", self.read, self.outcomes[KEPT], dropped)
        if self.dead:
            raise _bad_file(path, self.dead)


def clean_file(command: CleanFileSettings, settings: CleanSettings,
               tally: CleanTally) -> Iterator[Document | DeadLetter]:
    """Every record of `command.file`, cleaned, as it is read (see the module docstring)."""
    filters = default_filters(settings.filters) if command.filters else []
    for item in records_of(command.file, command.url, settings.extract.max_bytes):
        tally.read += 1
        if isinstance(item, DeadLetter):
            tally.dead.append(item)
            tally.outcomes[UNREADABLE] += 1
            yield item
            continue
        doc = _dropped_document(item) if isinstance(item, Dropped) else clean_page(item, settings, filters)
        tally.outcomes[doc.drop_reason or KEPT] += 1
        yield doc
