"""The records that flow between stages: a fetched `Page` and an extracted `Document`.

A `Page` is one HTTP response as the crawler stored it in WARC; a `Document` is the text the clean
stage extracted from it. Both carry the Reddit provenance of the URL (the posts that linked it),
which the dedup keep rule uses (highest score first) and the report summarises.

Both are plain dataclasses that round-trip through JSON-compatible dicts, so they cross Beam
process boundaries and land in JSONL files unchanged.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any

# The largest page body the stages handle (5 MB, decoded): the WARC reader stops decoding there and
# the clean stage drops a larger page as too_large (`ExtractSettings.max_bytes`, `--max-bytes`).
MAX_PAGE_BYTES = 5_000_000


@dataclass(frozen=True)
class RedditPost:
    """One Reddit submission that linked a URL (the provenance WebText selected pages by)."""

    post_id: str
    subreddit: str
    score: int
    created_utc: int
    title: str = ""
    permalink: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(vars(self))  # the fields in order; dataclasses.asdict is 5x slower (it deep-copies)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RedditPost:
        return cls(**{f.name: data[f.name] for f in dataclasses.fields(cls) if f.name in data})


def _posts(raw: Any) -> tuple[RedditPost, ...]:
    return tuple(p if isinstance(p, RedditPost) else RedditPost.from_dict(p) for p in raw or ())


@dataclass(frozen=True)
class Page:
    """One fetched HTTP response, as read back from a WARC file."""

    url: str  # the final URL after redirects
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    fetched_at: str  # ISO 8601, UTC
    source: str = ""  # "file:offset" of the WARC record, for error messages and dead letters
    reddit: tuple[RedditPost, ...] = ()
    archive_source: str = ""  # a web archive's copy: where it came from (`fetched_at` is then its capture time)

    def header(self, name: str, default: str = "") -> str:
        """The first header called `name` (case-insensitive), or `default`."""
        lname = name.lower()
        for key, value in self.headers:
            if key.lower() == lname:
                return value
        return default


@dataclass
class Document:
    """One web document inside the pipeline. It ends kept, or with a `drop_reason`."""

    id: str
    url: str
    domain: str
    text: str = ""
    title: str = ""
    fetched_at: str = ""
    reddit: tuple[RedditPost, ...] = ()
    language: str = ""  # detected by the clean stage: ISO 639-1 where one exists ("" without text)
    language_score: float = 0.0  # the language model's probability of `language`
    date: str = ""
    drop_reason: str | None = None
    duplicate_of: str | None = None  # id of the kept document this one duplicates
    meta: dict[str, Any] = field(default_factory=dict)

    @property
    def score(self) -> int:
        """Best Reddit score among the posts that linked this document (0 when none)."""
        return max((p.score for p in self.reddit), default=0)

    def dropped(self, reason: str, duplicate_of: str | None = None) -> Document:
        """A copy of this document marked as dropped for `reason`."""
        return dataclasses.replace(self, drop_reason=reason, duplicate_of=duplicate_of)

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["reddit"] = [p.to_dict() for p in self.reddit]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        names = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in names}
        kwargs["reddit"] = _posts(kwargs.get("reddit"))
        return cls(**kwargs)


@dataclass(frozen=True)
class DeadLetter:
    """An input that could not be read at all: a damaged file or record, named for the user."""

    source: str  # "path:offset" (or just the path when the file itself is unreadable)
    error: str  # one line saying what is wrong

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)
