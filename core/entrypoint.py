"""Helpers for command-line entry points: one clear line on error, never a deep traceback.

`run_main` wraps a command's body: a `WebtextError` (bad file, bad configuration) prints
`error: <message>` on stderr and exits 2; Ctrl-C exits 130 quietly. Other exceptions are bugs and
keep their traceback, so they can be reported.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from webtext.core.errors import WebtextError, one_line


def run_main(body: Callable[[], int | None]) -> int:
    """Run `body`, turning project errors into one line on stderr and an exit status."""
    try:
        return int(body() or 0)
    except WebtextError as error:
        print(one_line(error), file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
