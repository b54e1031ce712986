"""Settings of `webtext crawl partition` and `webtext crawl merge` (flags through `webtext.core.config`)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from webtext.core.config import setting
from webtext.core.errors import ConfigError
from webtext.crawl.config import DEFAULT_WARC_DIR, StoreSettings


@dataclass
class PartsSettings(StoreSettings):
    """What both commands share: the JSON summary."""

    summary: Path | None = setting(None, "JSON summary to write (default: beside the store, named after the command)")
    SUMMARY = "parts-summary.json"

    def summary_path(self) -> Path:
        return self.summary or self.store.parent / self.SUMMARY


@dataclass
class PartitionSettings(PartsSettings):
    """`webtext crawl partition`: hand the pending URLs out to part stores, by host."""

    parts: int | None = setting(None, "number of parts: one for each crawler (scrapyd node or cron job)")
    warc_dir: Path = setting(DEFAULT_WARC_DIR, "the crawl's WARC directory; part N's pages go to WARC_DIR/part-NNN")
    out: Path | None = setting(None, "directory of the part stores (default: parts/ beside the store)")
    take_back: bool = setting(False, "instead, return every URL still out in parts to pending (a part that is "
                                     "lost); those parts can no longer be merged")
    SUMMARY = "partition-summary.json"

    def __post_init__(self) -> None:
        if self.take_back:
            return
        if self.parts is None:
            raise ConfigError("give the number of parts: webtext crawl partition --parts N")
        if self.parts < 1:
            raise ConfigError(f"--parts must be at least 1 (got {self.parts})")

    def out_dir(self) -> Path:
        return self.out or self.store.parent / "parts"


@dataclass
class MergeSettings(PartsSettings):
    """`webtext crawl merge`: fold the outcomes of part stores back into the store."""

    parts: list[Path] = setting([], "part stores to merge (default: every part of the latest partitioning, "
                                     "where it was written)", positional=True)
    warc_dir: Path | None = setting(None, "the crawl's WARC directory, where part N's pages are in part-NNN (default: "
                                          "the one given to `partition`)")
    SUMMARY = "merge-summary.json"
