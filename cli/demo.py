"""`webtext demo`: WebText in miniature, every stage for real, on the offline sample web.

The steps and their completion records are `webtext.sampleweb.demo`; this module only adds the
command.
"""

from __future__ import annotations

import argparse

from webtext.core.config import add_arguments, from_namespace


def _demo(args: argparse.Namespace) -> int:
    from webtext.sampleweb.demo import DemoSettings, run_demo

    return run_demo(from_namespace(DemoSettings, args))


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `webtext demo`."""
    from webtext.sampleweb.demo import DemoSettings

    parser = subparsers.add_parser("demo", help="run every stage on the offline sample web",
                                   description="Serve the sample web, crawl it, build the corpus, train two "
                                               "tiny GPT-2 sizes and evaluate them; a second run reuses what "
                                               "is done (see docs/sampleweb.md).")
    add_arguments(parser, DemoSettings)
    parser.set_defaults(func=_demo)
