"""`webtext sampleweb`: generate and serve the offline sample web.

- `webtext sampleweb serve [--out DIR] [--port 8642] [--seed 0] [--articles 120]` writes the dump
  files, the hosts file and `truth.json` to DIR and serves the listing API and pages on
  127.0.0.1 until interrupted.
- `webtext sampleweb generate --out DIR` writes the same files without serving.
"""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from webtext.sampleweb.server import start_sample_web
from webtext.sampleweb.site import DEFAULT_PORT, build_site

DEFAULT_DIR = Path("out/sampleweb")


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", type=Path, default=DEFAULT_DIR, help=f"output directory (default: {DEFAULT_DIR})")
    parser.add_argument("--seed", type=int, default=0, help="generator seed (default: 0)")
    parser.add_argument("--articles", type=int, default=120, help="ordinary articles to generate (default: 120)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"port in every URL (default: {DEFAULT_PORT})")


def _serve(args: argparse.Namespace) -> int:
    web = start_sample_web(args.out, seed=args.seed, articles=args.articles, port=args.port,
                           timeout_delay=args.timeout_delay)
    kept = sum(t.kept for t in web.truth.values())
    print(f"sample web on {web.api_base}: {len(web.site.posts)} posts, {len(web.site.hosts)} hosts, "
          f"{kept} pages that should reach the shards")
    print(f"  listing API  {web.api_base}/r/{'+'.join(web.site.subreddits)}/new.json")
    print(f"  dump files   {web.directory / 'dumps'}")
    print(f"  hosts file   {web.hosts_file}  (crawl with --hosts-file {web.hosts_file} --allow-private)")
    print(f"  eval sets    {' '.join(web.eval_sets)}")
    print(f"  truth        {web.directory / 'truth.json'}")
    print("Ctrl-C to stop", flush=True)
    try:
        threading.Event().wait()
    finally:
        web.stop()
    return 0


def _generate(args: argparse.Namespace) -> int:
    site = build_site(seed=args.seed, port=args.port, articles=args.articles)
    paths = site.dump_files(args.out / "dumps")
    (args.out / "truth.json").write_text(site.truth_json(), encoding="utf-8")
    site.eval_sets(args.out / "evalsets")
    print(f"wrote {len(paths)} dump files, evaluation sets and truth.json for {len(site.posts)} posts to {args.out}")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("sampleweb", help="generate and serve the offline sample web",
                                   description="The offline sample web: a Reddit-compatible listing API, "
                                               "monthly dump files and the linked pages, on 127.0.0.1.")
    commands = parser.add_subparsers(dest="sampleweb_command", metavar="COMMAND", required=True)
    serve = commands.add_parser("serve", help="serve the sample web until interrupted")
    _common(serve)
    serve.add_argument("--timeout-delay", type=float, default=8.0,
                       help="seconds the timeout page waits before answering (default: 8)")
    serve.set_defaults(func=_serve)
    generate = commands.add_parser("generate", help="write dump files and truth.json without serving")
    _common(generate)
    generate.set_defaults(func=_generate)
