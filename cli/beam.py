"""`beam run FILE [pipeline options]`: run a Beam pipeline file of this package.

`pipelines/webtext.py` cannot run as `python pipelines/webtext.py` (it would be imported as a
top-level module called `webtext`, shadowing the package; ARCHITECTURE §2). This command finds
which package folder holds FILE, imports it under its package name (`webtext.pipelines.webtext`)
and calls its `run(argv)` with the remaining arguments, which are Beam pipeline options
(`--runner`, `--direct_num_workers`, ...) and the pipeline's own options. `--help` after FILE
lists them.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

from webtext.core.entrypoint import run_main
from webtext.core.errors import ConfigError
from webtext.core.progress import setup_logging

_PACKAGES = ("pipelines", "crawl", "clean", "dedup", "tokenize", "train", "eval")


def load_pipeline(path: str) -> ModuleType:
    """Import the pipeline file at `path` as its module inside the `webtext` package."""
    file = Path(path).resolve()
    if not file.is_file():
        raise ConfigError(f"pipeline file not found: {path}")
    for name in _PACKAGES:
        package = importlib.import_module(f"webtext.{name}")
        if any(Path(p).resolve() == file.parent for p in package.__path__):
            return importlib.import_module(f"webtext.{name}.{file.stem}")
    spec = importlib.util.spec_from_file_location(f"webtext_pipeline_{file.stem}", file)
    if spec is None or spec.loader is None:
        raise ConfigError(f"cannot load pipeline file: {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `beam` console script."""
    parser = argparse.ArgumentParser(
        prog="beam", description="Run Apache Beam pipelines of the webtext package.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = subparsers.add_parser(
        "run", help="run a pipeline file with Beam options",
        description="Run a pipeline file (e.g. pipelines/webtext.py). Options after FILE go to "
                    "the pipeline; `beam run FILE --help` lists them.")
    run.add_argument("file", help="pipeline file, e.g. pipelines/webtext.py")
    run.add_argument("options", nargs=argparse.REMAINDER, help="pipeline and Beam options")
    args = parser.parse_args(argv)
    if args.command != "run":
        parser.print_help()
        return 0 if args.command is None else 2
    setup_logging()

    def body() -> int:
        module = load_pipeline(args.file)
        if not hasattr(module, "run"):
            raise ConfigError(f"{args.file} defines no run(argv) function")
        return int(module.run(list(args.options)) or 0)

    return run_main(body)


if __name__ == "__main__":
    sys.exit(main())
