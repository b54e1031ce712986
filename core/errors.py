"""The project's error classes, and the one-line report a user sees for them (ARCHITECTURE §5).

- `BadFileError`: a file is damaged (truncated WARC, corrupt shard, checksum mismatch). The
  message names the file and the offset or record.
- `ConfigError`: the configuration cannot work (missing input, unknown option, tokenizer/shard
  mismatch). Raised before any work starts; the message says what to change.

A bad *document* is never an error: stages drop it with a reason instead.
"""

from __future__ import annotations


class WebtextError(Exception):
    """Base class: an error whose message is complete enough to show the user as one line."""


class BadFileError(WebtextError):
    """A damaged input file; the message names the file and where the damage is."""

    def __init__(self, path: str, problem: str, where: str | None = None) -> None:
        self.path = path
        self.problem = problem
        self.where = where
        location = f" at {where}" if where else ""
        super().__init__(f"{path}{location}: {problem}")


class ConfigError(WebtextError):
    """A configuration that cannot work; the message says what to change."""


def one_line(error: BaseException) -> str:
    """The single line shown for `error`: `error: <message>` with newlines folded."""
    message = " ".join(str(error).split()) or type(error).__name__
    return f"error: {message}"
