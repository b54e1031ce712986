"""Ground truth of the sample web: what each stage should do with every posted URL.

Tests assert precision and recall against these records instead of eyeballing output. Reasons
use the vocabulary of `webtext.core.reasons`; a `None` reason means the stage keeps the URL.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class UrlTruth:
    """What should happen to one URL exactly as it was posted on Reddit."""

    url: str
    normalized: str  # webtext.core.urls.normalize_url(url), or url itself when not http(s)
    kind: str  # the case: "article", "exact_copy", "syndicated_copy", "robots", "gzip_bomb", ...
    post_ids: tuple[str, ...]
    best_score: int
    link_drop: str | None = None  # LINK_* reason, or None when the link is collected
    fetch_drop: str | None = None  # FETCH_* / http_<status> / ARCHIVE_*, or None when a page is fetched
    final_url: str | None = None  # URL after redirects, when fetched
    # A dead link (the crawl's default `--archive fallback`): its live reason (what `--archive never` gives),
    # and, when the archive supplies the page, the capture chosen: its time and replay URL.
    live_drop: str | None = None
    archive_time: str | None = None
    archive_source: str | None = None
    clean_drop: str | None = None  # CLEAN_* reason, or None when the text is kept
    title: str = ""
    article_text: str = ""  # the main text, paragraphs separated by "\n"
    boilerplate: tuple[str, ...] = ()  # page text that must not be extracted
    duplicate_of: str | None = None  # posted URL of the original that this page copies
    dedup_drop: str | None = None  # "exact_duplicate" / "near_duplicate" for the dropped copy

    @property
    def collected(self) -> bool:
        return self.link_drop is None

    @property
    def fetched(self) -> bool:
        return self.link_drop is None and self.fetch_drop is None

    @property
    def kept(self) -> bool:
        """True when the document survives every stage (it belongs in the shards)."""
        return self.fetched and self.clean_drop is None and self.dedup_drop is None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
