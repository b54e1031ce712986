"""The train stage's own errors: a run that cannot be saved, or a model that went non-finite.

Both are `WebtextError`s, so a command prints them as one `error:` line and exits 2; in both
cases the older checkpoints of the run stay as they were.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator

from webtext.core.errors import WebtextError


class NotSavedError(WebtextError):
    """An output of the run (a checkpoint, the metrics) could not be written, e.g. a full disk."""


class DivergedError(WebtextError):
    """The loss or the weights are no longer finite numbers; nothing is saved from this point on."""


@contextlib.contextmanager
def writing(what: str | os.PathLike[str], hint: str = "") -> Iterator[None]:
    """Turn an operating-system error while writing `what` into one `NotSavedError` line."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise NotSavedError(f"cannot write {os.fspath(what)}: {reason}{hint}") from error
