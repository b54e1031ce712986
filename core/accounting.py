"""The accounting identity every command that reads records checks before it reports success.

Every input record ends as exactly one of: kept, or dropped with a named reason (ARCHITECTURE §3).
A command counts what it read, what it kept and what it dropped by reason, and calls
`check_balance` before writing its summary: when the identity read = kept + Σ dropped does not
hold, records were lost (or counted twice) somewhere, and the command fails with one `error:` line
instead of reporting a corpus that silently lacks documents.
"""

from __future__ import annotations

from collections.abc import Mapping

from webtext.core.errors import WebtextError


class AccountingError(WebtextError):
    """Records were lost or counted twice: read != kept + Σ dropped."""


def check_balance(what: str, read: int, kept: int, dropped: Mapping[str, int]) -> None:
    """Raise `AccountingError` naming `what` unless `read == kept + sum(dropped.values())`."""
    total_dropped = sum(dropped.values())
    if read != kept + total_dropped:
        missing = read - kept - total_dropped
        detail = f"{missing} missing" if missing > 0 else f"{-missing} counted twice"
        raise AccountingError(f"{what}: accounting does not balance: read {read} != kept {kept} "
                              f"+ dropped {total_dropped} ({detail}); no output is trustworthy")
