"""Logging and progress bars for long work.

Progress goes to stderr through tqdm, so stdout stays clean for what a command prints as its
result. When stderr is not a terminal (CI, cron, `make demo | tee`), bars update at most every
10 seconds instead of redrawing, so logs stay readable.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")

LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def setup_logging(verbose: bool = False) -> None:
    """Configure the root logger once for a command-line run."""
    level = logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(level=level, format=LOG_FORMAT, datefmt="%H:%M:%S", stream=sys.stderr)
    for noisy in ("apache_beam", "scrapy", "trafilatura", "urllib3", "filelock", "twisted"):
        logging.getLogger(noisy).setLevel(max(level, logging.WARNING))


def _interactive() -> bool:
    return sys.stderr.isatty() and os.environ.get("WEBTEXT_PROGRESS", "") != "plain"


def progress(iterable: Iterable[T], *, total: int | None = None, desc: str = "",
             unit: str = "it", disable: bool = False) -> Iterator[T]:
    """Iterate `iterable` with a progress bar on stderr."""
    yield from tqdm(iterable, total=total, desc=desc, unit=unit, disable=disable, file=sys.stderr,
                    mininterval=0.2 if _interactive() else 10.0, dynamic_ncols=True)


def bar(*, total: int | None = None, desc: str = "", unit: str = "it", disable: bool = False) -> tqdm:
    """A manually updated progress bar (`bar.update(n)`, `bar.set_postfix(...)`)."""
    return tqdm(total=total, desc=desc, unit=unit, disable=disable, file=sys.stderr,
                mininterval=0.2 if _interactive() else 10.0, dynamic_ncols=True)


class _KnownNoise(logging.Filter):
    """Drops import-time warnings that say nothing about the user's run."""

    MESSAGES = ("apitools not found",)  # apache-beam without its optional GCP client libraries

    def filter(self, record: logging.LogRecord) -> bool:
        return not any(text in str(record.msg) for text in self.MESSAGES)


def quiet_known_noise() -> None:
    """Install the filter on the root logger (call before importing apache_beam)."""
    root = logging.getLogger()
    if not any(isinstance(f, _KnownNoise) for f in root.filters):
        root.addFilter(_KnownNoise())
